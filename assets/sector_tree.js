/* The sector tree in the browser (see dashboard/sector_tree.py): the WAI-ARIA tree pattern with one
   tab stop, arrow keys, type-ahead, expand and collapse, the search box that filters the tree,
   and the choice, written into the dcc.Store "sector" (which the callbacks and the URL read).
   The tree's entries come from the server once, as data on the tree's <ul> (dashboard.sector_tree.tree_data);
   this script builds their markup on first use, then only toggles attributes on it. */
(function () {
  const TREE_ID = "sector-tree";
  const SEARCH_ID = "sector-search";
  const STATUS_ID = "sector-search-status";
  const HELP_ID = "sector-search-help";
  const STORE_ID = "sector";
  const TYPEAHEAD_MS = 700;

  let savedExpansion = null; // which items were open before a search began
  let typed = "", typedAt = 0;

  const tree = () => document.getElementById(TREE_ID);
  const allItems = (root) => Array.prototype.slice.call((root || tree()).querySelectorAll("[role=treeitem]"));
  const groupOf = (item) => item.querySelector(":scope > [role=group]");
  const rowOf = (item) => item.querySelector(":scope > .sector-row");
  const childItems = (item) => {
    const group = groupOf(item);
    return group ? Array.prototype.slice.call(group.querySelectorAll(":scope > [role=treeitem]")) : [];
  };
  const parentItem = (item) => (item.parentElement ? item.parentElement.closest("[role=treeitem]") : null);
  const selectable = (item) => item.hasAttribute("aria-selected");
  /* Code and label of the item's own row (not its children, not the heading note). */
  const itemText = (item) => {
    const row = rowOf(item);
    if (!row) return "";
    const parts = row.querySelectorAll(":scope > .sector-code, :scope > .sector-text");
    return Array.prototype.map.call(parts, (p) => p.textContent).join(" ").replace(/\s+/g, " ").trim();
  };
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  /* Shown: neither filtered out nor inside a closed group. */
  function isVisible(item) {
    const root = tree();
    for (let node = item; node && node !== root; node = node.parentElement) {
      if (node.hidden) return false;
    }
    return true;
  }
  const visibleItems = () => allItems().filter(isVisible);

  function setExpanded(item, open) {
    const group = groupOf(item);
    if (!group) return;
    item.setAttribute("aria-expanded", open ? "true" : "false");
    group.hidden = !open;
  }
  const isExpanded = (item) => item.getAttribute("aria-expanded") === "true";

  function expandAncestors(item) {
    for (let parent = parentItem(item); parent; parent = parentItem(parent)) setExpanded(parent, true);
  }

  /* One tab stop: the given item, else the chosen one if shown, else the first shown. */
  function setTabStop(item) {
    const items = allItems();
    const target = item || items.find((i) => i.getAttribute("aria-selected") === "true" && isVisible(i)) || items.find(isVisible);
    items.forEach((i) => {
      const value = i === target ? "0" : "-1";
      if (i.getAttribute("tabindex") !== value) i.setAttribute("tabindex", value);
    });
  }

  /* Scroll the tree's own box (never the page) so the item's row is in view. */
  function scrollIntoBox(item) {
    const box = tree();
    const row = rowOf(item) || item;
    if (!box || !row) return;
    const r = row.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.top < b.top) box.scrollTop -= b.top - r.top;
    else if (r.bottom > b.bottom) box.scrollTop += r.bottom - b.bottom;
  }

  function focusItem(item) {
    if (!item) return;
    setTabStop(item);
    item.focus({ preventScroll: true });
    scrollIntoBox(item);
  }

  function markChosen(code) {
    allItems().forEach((i) => {
      if (!selectable(i)) return;
      const value = i.getAttribute("data-code") === code ? "true" : "false";
      if (i.getAttribute("aria-selected") !== value) i.setAttribute("aria-selected", value);
    });
  }

  /* Choose an item: mark it, and write its code into the store (the callbacks and the URL follow). */
  function choose(item) {
    if (!selectable(item)) {
      setExpanded(item, !isExpanded(item));
      return;
    }
    const code = item.getAttribute("data-code");
    markChosen(code);
    const dc = window.dash_clientside;
    if (dc && dc.set_props) dc.set_props(STORE_ID, { data: code });
  }

  // ------------------------------------------------------------------ markup

  function span(className, text) {
    const el = document.createElement("span");
    el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /* One treeitem, named by its own row (aria-labelledby), so its name leaves out its children.
     Built closed and not chosen: renderChoice marks the choice and opens its ancestors. */
  function buildItem(entry, headingNote, totalCode) {
    const [code, label, canChoose, children] = entry;
    const item = document.createElement("li");
    item.setAttribute("role", "treeitem");
    item.setAttribute("tabindex", "-1");
    item.className = "sector-item" + (canChoose ? "" : " sector-heading");
    item.setAttribute("data-code", code);
    item.setAttribute("aria-labelledby", "sector-node-" + code);
    if (canChoose) item.setAttribute("aria-selected", "false");
    const row = span("sector-row");
    row.id = "sector-node-" + code;
    const twisty = span("sector-twisty");
    twisty.setAttribute("aria-hidden", "true");
    row.append(twisty);
    if (code !== totalCode) row.append(span("sector-code", code), " ");  // "All sectors" shows no code
    row.append(span("sector-text", label));
    if (!canChoose) row.append(" ", span("sector-note", headingNote));
    item.append(row);
    if (children.length) {
      item.setAttribute("aria-expanded", "false");
      const group = document.createElement("ul");
      group.setAttribute("role", "group");
      group.hidden = true;
      children.forEach((child) => group.append(buildItem(child, headingNote, totalCode)));
      item.append(group);
    }
    return item;
  }

  /* Fills the tree from its data-nodes once (React renders the <ul> without children and leaves them alone). */
  function ensureBuilt(root) {
    if (root.querySelector("[role=treeitem]") || !root.dataset.nodes) return;
    const note = root.dataset.headingNote || "", total = root.dataset.totalCode;
    const items = document.createDocumentFragment();
    JSON.parse(root.dataset.nodes).forEach((entry) => items.append(buildItem(entry, note, total)));
    root.append(items);
    setTabStop(null);
  }

  // ------------------------------------------------------------------ search

  function matches(item, terms) {
    const text = fold(itemText(item));
    return terms.every((t) => text.indexOf(t) >= 0);
  }

  /* Post-order walk: an item is shown when it, an ancestor or a descendant matches; an item
     with a matching descendant opens. Returns whether the item or a descendant matches. */
  function filterItem(item, terms, ancestorMatches) {
    const own = matches(item, terms);
    let below = false;
    childItems(item).forEach((child) => {
      if (filterItem(child, terms, ancestorMatches || own)) below = true;
    });
    item.hidden = !(own || below || ancestorMatches);
    item.classList.toggle("sector-match", own);
    if (groupOf(item)) setExpanded(item, below);
    return own || below;
  }

  function topItems() {
    const root = tree();
    return root ? Array.prototype.slice.call(root.querySelectorAll(":scope > [role=treeitem]")) : [];
  }

  function status(text) {
    const el = document.getElementById(STATUS_ID);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function applyFilter(query) {
    if (!tree()) return;
    const terms = fold(query || "").split(/\s+/).filter(Boolean);
    if (!terms.length) {
      allItems().forEach((i) => {
        i.hidden = false;
        i.classList.remove("sector-match");
      });
      if (savedExpansion) {
        allItems().forEach((i) => setExpanded(i, savedExpansion.has(i.getAttribute("data-code"))));
        savedExpansion = null;
      }
      const chosen = allItems().find((i) => i.getAttribute("aria-selected") === "true");
      if (chosen) expandAncestors(chosen);
      status("");
      setTabStop(null);
      return;
    }
    if (!savedExpansion) savedExpansion = new Set(allItems().filter(isExpanded).map((i) => i.getAttribute("data-code")));
    topItems().forEach((item) => filterItem(item, terms, false));
    const found = allItems().filter((i) => i.classList.contains("sector-match"));
    status(found.length ? found.length + (found.length === 1 ? " sector matches" : " sectors match") : "No sector matches \u201c" + query.trim() + "\u201d");
    setTabStop(found[0] || null);
    tree().scrollTop = 0;
  }

  const firstMatch = () => allItems().find((i) => i.classList.contains("sector-match") && isVisible(i));

  function clearSearch(input) {
    const dc = window.dash_clientside;
    if (dc && dc.set_props) dc.set_props(SEARCH_ID, { value: "" }); // dcc.Input holds its value in React
    input.value = "";
    applyFilter("");
    // a render of dcc.Input still on its way can put the old text back: clear once more after it
    requestAnimationFrame(() => { if (input.value) { input.value = ""; applyFilter(""); } });
  }

  function onSearchKey(event) {
    const input = event.target;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      focusItem(firstMatch() || allItems().find((i) => i.getAttribute("tabindex") === "0") || visibleItems()[0]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const item = allItems().find((i) => i.classList.contains("sector-match") && isVisible(i) && selectable(i));
      if (item) {
        choose(item);
        scrollIntoBox(item);
      }
    } else if (event.key === "Escape" && input.value) {
      event.preventDefault();
      clearSearch(input);
    }
  }

  // ------------------------------------------------------------------ tree keys

  /* Type-ahead: the next item whose code or label starts with what was typed; closed groups open to show it. */
  function typeAhead(current, key) {
    const now = Date.now();
    typed = now - typedAt > TYPEAHEAD_MS ? key : typed + key;
    typedAt = now;
    const root = tree();
    const candidates = allItems().filter((i) => { // not filtered out by the search (closed groups are fine)
      for (let n = i; n && n !== root; n = n.parentElement) if (n.hidden && n.matches("[role=treeitem]")) return false;
      return true;
    });
    const start = candidates.indexOf(current) + (typed.length === 1 ? 1 : 0);
    const wanted = fold(typed);
    for (let k = 0; k < candidates.length; k++) {
      const item = candidates[(start + k) % candidates.length];
      if (fold(itemText(item)).startsWith(wanted)) {
        expandAncestors(item);
        focusItem(item);
        return;
      }
    }
  }

  function onTreeKey(event) {
    const item = event.target.closest("[role=treeitem]");
    if (!item || event.altKey || event.ctrlKey || event.metaKey) return;
    const shown = visibleItems();
    const at = shown.indexOf(item);
    let handled = true;
    switch (event.key) {
      case "ArrowDown": focusItem(shown[Math.min(at + 1, shown.length - 1)]); break;
      case "ArrowUp": focusItem(shown[Math.max(at - 1, 0)]); break;
      case "Home": focusItem(shown[0]); break;
      case "End": focusItem(shown[shown.length - 1]); break;
      case "ArrowRight":
        if (groupOf(item) && !isExpanded(item)) setExpanded(item, true);
        else if (groupOf(item)) focusItem(childItems(item).find(isVisible));
        break;
      case "ArrowLeft":
        if (groupOf(item) && isExpanded(item)) setExpanded(item, false);
        else focusItem(parentItem(item));
        break;
      case "Enter":
      case " ":
        choose(item);
        break;
      default:
        if (event.key.length === 1 && event.key !== " ") typeAhead(item, event.key);
        else handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  // ------------------------------------------------------------------ events (delegated: the tree renders after this script)

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.id === SEARCH_ID) onSearchKey(event);
    else if (target.closest("#" + TREE_ID)) onTreeKey(event);
  });

  document.addEventListener("input", (event) => {
    if (event.target && event.target.id === SEARCH_ID) applyFilter(event.target.value);
  });

  document.addEventListener("click", (event) => {
    const target = event.target;
    const item = target && target.closest ? target.closest("#" + TREE_ID + " [role=treeitem]") : null;
    if (!item) return;
    focusItem(item);
    if ((target.closest(".sector-twisty") && groupOf(item)) || !selectable(item)) setExpanded(item, !isExpanded(item));
    else choose(item);
  });

  // a click moves the tab stop; so does focus arriving any other way
  document.addEventListener("focusin", (event) => {
    const item = event.target && event.target.closest ? event.target.closest("#" + TREE_ID + " [role=treeitem]") : null;
    if (item && event.target === item && item.getAttribute("tabindex") !== "0") setTabStop(item);
  });

  /* The search box's description (dcc.Input takes no aria-* props). */
  function describeSearch() {
    const input = document.getElementById(SEARCH_ID);
    if (!input) return false;
    if (input.getAttribute("aria-describedby") !== HELP_ID) input.setAttribute("aria-describedby", HELP_ID);
    if (input.getAttribute("aria-controls") !== TREE_ID) input.setAttribute("aria-controls", TREE_ID);
    return true;
  }

  /* The store changed (a choice, a link, back or forward): mark the chosen item, open its
     ancestors, move the tab stop there (unless focus is in the tree). Returns the line that
     names the choice above the tree, or null while the tree is not on the page yet. */
  function renderChoice(code) {
    const root = tree();
    if (!root || !describeSearch()) return null;
    ensureBuilt(root);
    markChosen(code);
    const item = allItems().find((i) => i.getAttribute("data-code") === code);
    if (!item) return code || "";
    if (!savedExpansion) expandAncestors(item); // while searching, the filter decides what is open
    if (!root.contains(document.activeElement) && isVisible(item)) setTabStop(item);
    if (isVisible(item)) scrollIntoBox(item);
    return itemText(item);
  }

  function showChoice(code) {
    const dc = window.dash_clientside;
    const text = renderChoice(code);
    if (text !== null) return text;
    let attempts = 0;
    const retry = () => {
      const later = renderChoice(code);
      if (later !== null) dc.set_props("sector-current", { children: later });
      else if (++attempts < 100) window.requestAnimationFrame(retry);
    };
    window.requestAnimationFrame(retry);
    return dc.no_update;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    sectorTree: { showChoice: showChoice },
  });
})();
