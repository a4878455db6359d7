/* The sector tree in the browser (see dashboard/sector_tree.py): the WAI-ARIA tree pattern with one
   tab stop, arrow keys, type-ahead, expand and collapse, the search box that filters the tree,
   and the choice, written into the dcc.Store "sector" (which the callbacks and the URL read).
   The tree's entries come from the server once, as data on the tree's <ul> (dashboard.sector_tree.tree_data,
   and the named sector groups: group_sections); this script builds their markup on first use, then only
   toggles attributes on it.
   Sector groups: a named group is chosen like a code (its id goes into the store). Any code but the
   total can be ticked (aria-checked; Shift+Space or a click on its box); the ticked codes are listed
   under the tree, whose button writes them comma-joined into the store ("C26,J61,J62,J63": the server
   puts the group in its one spelling). A store holding such a group shows its codes ticked. */
(function () {
  const TREE_ID = "sector-tree";
  const SEARCH_ID = "sector-search";
  const STATUS_ID = "sector-search-status";
  const HELP_ID = "sector-search-help";
  const STORE_ID = "sector";
  const CURRENT_ID = "sector-current";
  const CURRENT_NOTE_ID = "sector-current-note";
  const GROUP_STATUS_ID = "sector-group-status";
  const GROUP_PANEL_ID = "sector-group";
  const MAP_GROUP_ID = "sector-group-map";
  const CLEAR_GROUP_ID = "sector-group-clear";
  const SEPARATOR = ","; // layers.groups.members.SEPARATOR
  const TICK_TITLE = "Tick for a group of several codes (Shift+Space)";
  const TYPEAHEAD_MS = 700;

  let savedExpansion = null; // which items were open before a search began
  let typed = "", typedAt = 0;
  const ticked = new Set(); // codes ticked for a group
  let storeGroup = null; // the codes of the group the store holds (comma-separated), else null
  let ticksFromStore = false; // the ticks are the store's group, untouched since
  const namedGroups = new Map(); // id -> {name, members, note}, from the tree's data-groups

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
  const tickable = (item) => item.hasAttribute("aria-checked");
  const codeOf = (item) => item.getAttribute("data-code");
  const itemOf = (code) => allItems().find((i) => codeOf(i) === code);
  /* Code and label of the item's own row (not its children, not the heading note). */
  const itemText = (item) => {
    const row = rowOf(item);
    if (!row) return "";
    const parts = row.querySelectorAll(":scope > .sector-code, :scope > .sector-text");
    return Array.prototype.map.call(parts, (p) => p.textContent).join(" ").replace(/\s+/g, " ").trim();
  };
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  /* What the search looks in: the item's text, and a named group's id. */
  const searchText = (item) => itemText(item) + (item.dataset.search ? " " + item.dataset.search : "");

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

  /* One tab stop: the given item, else the chosen one if shown, else the first ticked one shown, else the first shown. */
  function setTabStop(item) {
    const items = allItems();
    const target = item || items.find((i) => i.getAttribute("aria-selected") === "true" && isVisible(i))
      || items.find((i) => i.getAttribute("aria-checked") === "true" && isVisible(i)) || items.find(isVisible);
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
    // whole pixels, rounded up: the browser rounds a scroll offset down, which leaves a row a fraction outside
    if (r.top < b.top) box.scrollTop -= Math.ceil(b.top - r.top);
    else if (r.bottom > b.bottom) box.scrollTop += Math.ceil(r.bottom - b.bottom);
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

  // the map draws the sector first when it can (assets/map.js drawSector), then the store is written
  const writeStore = (value) => {
    const dc = window.dash_clientside;
    if (!dc || !dc.set_props) return;
    const tell = () => dc.set_props(STORE_ID, { data: value });
    const draw = dc.clustermap && dc.clustermap.drawSector;
    if (draw) draw(value, tell);
    else tell();
  };

  /* Choose an item: mark it, and write its code into the store (the callbacks and the URL follow). */
  function choose(item) {
    if (!selectable(item)) {
      setExpanded(item, !isExpanded(item));
      return;
    }
    const code = item.getAttribute("data-code");
    markChosen(code);
    writeStore(code);
  }

  // ------------------------------------------------------------------ markup

  function span(className, text) {
    const el = document.createElement("span");
    el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function emptyItem(code, className) {
    const item = document.createElement("li");
    item.setAttribute("role", "treeitem");
    item.setAttribute("tabindex", "-1");
    item.className = className;
    item.setAttribute("data-code", code);
    item.setAttribute("aria-labelledby", "sector-node-" + code);
    const row = span("sector-row");
    row.id = "sector-node-" + code;
    const twisty = span("sector-twisty");
    twisty.setAttribute("aria-hidden", "true");
    row.append(twisty);
    item.append(row);
    return item;
  }

  function appendGroup(item, children) {
    item.setAttribute("aria-expanded", "false");
    const group = document.createElement("ul");
    group.setAttribute("role", "group");
    group.hidden = true;
    children.forEach((child) => group.append(child));
    item.append(group);
  }

  /* One treeitem, named by its own row (aria-labelledby), so its name leaves out its children.
     Built closed and not chosen: renderChoice marks the choice and opens its ancestors.
     Every code that can be chosen, but the total, can be ticked for a group (aria-checked, the box in its row). */
  function buildItem(entry, headingNote, totalCode) {
    const [code, label, canChoose, children] = entry;
    const item = emptyItem(code, "sector-item" + (canChoose ? "" : " sector-heading"));
    if (canChoose) item.setAttribute("aria-selected", "false");
    const row = rowOf(item);
    if (canChoose && code !== totalCode) {
      item.setAttribute("aria-checked", "false");
      const tick = span("sector-tick");
      tick.setAttribute("aria-hidden", "true");
      tick.title = TICK_TITLE;
      row.append(tick);
    }
    if (code !== totalCode) row.append(span("sector-code", code), " ");  // "All sectors" shows no code
    row.append(span("sector-text", label));
    if (!canChoose) row.append(" ", span("sector-note", headingNote));
    if (children.length) appendGroup(item, children.map((child) => buildItem(child, headingNote, totalCode)));
    return item;
  }

  /* A named group: chosen like a code (its id goes into the store); its row shows the name and the
     members, its description (and the row's title) is the group's note. */
  function buildNamedGroup([id, name, members, note]) {
    namedGroups.set(id, { name: name, members: members, note: note });
    const item = emptyItem(id, "sector-item sector-named-group");
    item.setAttribute("aria-selected", "false");
    item.setAttribute("data-search", id);
    item.setAttribute("aria-describedby", "sector-note-" + id);
    const row = rowOf(item);
    row.title = note;
    const list = span("sector-members", members.join(", "));
    list.setAttribute("aria-hidden", "true"); // read out with the note (the item's description)
    row.append(span("sector-text", name), list);
    const description = span("sector-description", note);
    description.id = "sector-note-" + id;
    description.hidden = true;
    item.append(description);
    return item;
  }

  /* One heading per kind of named group (data-groups: [heading, [[id, name, members, note], ...]]); its code
     "KIND-0" is neither a NACE code nor a group id (those are lower case). */
  function buildKind([heading, groups], index) {
    const item = emptyItem("KIND-" + index, "sector-item sector-heading sector-kind");
    rowOf(item).append(span("sector-text", heading));
    appendGroup(item, groups.map(buildNamedGroup));
    return item;
  }

  /* Fills the tree from its data-nodes once (React renders the <ul> without children and leaves them alone):
     all sectors, the named groups, the sections. */
  function ensureBuilt(root) {
    if (root.querySelector("[role=treeitem]") || !root.dataset.nodes) return;
    const note = root.dataset.headingNote || "", total = root.dataset.totalCode;
    const items = document.createDocumentFragment();
    const nodes = JSON.parse(root.dataset.nodes);
    if (nodes.length && nodes[0][0] === total) items.append(buildItem(nodes.shift(), note, total));
    JSON.parse(root.dataset.groups || "[]").forEach((kind, index) => items.append(buildKind(kind, index)));
    nodes.forEach((entry) => items.append(buildItem(entry, note, total)));
    root.append(items);
    setTabStop(null);
  }

  // ------------------------------------------------------------------ ticks: a group of codes

  /* The ticked codes in the tree's order (NACE order). */
  const tickedCodes = () => allItems().filter((i) => tickable(i) && ticked.has(codeOf(i))).map(codeOf);

  /* The nearest ticked ancestor of a code (the code's numbers are already in it), or null. */
  function tickedAncestor(item) {
    let found = null;
    for (let parent = parentItem(item); parent; parent = parentItem(parent)) if (ticked.has(codeOf(parent))) found = parent;
    return found;
  }

  const sameCodes = (a, b) => a.length === b.length && a.every((c) => b.indexOf(c) >= 0);

  function setText(id, text) {
    const el = document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function button(id, text) {
    const el = document.createElement("button");
    el.type = "button";
    el.id = id;
    el.className = "sector-group-button";
    el.textContent = text;
    return el;
  }

  /* The ticks on the items, and under the tree: how many, the list (a code inside a ticked
     ancestor says so), and the buttons (map them as one group: from two codes on; clear). */
  function renderTicks() {
    allItems().forEach((i) => {
      if (!tickable(i)) return;
      const value = ticked.has(codeOf(i)) ? "true" : "false";
      if (i.getAttribute("aria-checked") !== value) i.setAttribute("aria-checked", value);
    });
    const panel = document.getElementById(GROUP_PANEL_ID);
    if (!panel) return;
    const codes = tickedCodes();
    const mapped = storeGroup !== null && sameCodes(codes, storeGroup);
    let summary = "";
    if (codes.length === 1) summary = "1 code ticked: tick at least one more to map them as one group.";
    else if (mapped) summary = "The map shows these " + codes.length + " codes as one group.";
    else if (codes.length) summary = codes.length + " codes ticked for a group.";
    setText(GROUP_STATUS_ID, summary);
    const content = document.createDocumentFragment();
    if (codes.length) {
      const list = document.createElement("ul");
      list.className = "sector-group-list";
      codes.forEach((code) => {
        const item = itemOf(code);
        const entry = document.createElement("li");
        entry.setAttribute("data-code", code);
        entry.append(span("sector-code", code), " ", span("sector-text", nameOf(item)));
        const holder = tickedAncestor(item);
        if (holder) entry.append(" ", span("sector-note", "already inside " + codeOf(holder) + ": counted once, as part of it"));
        list.append(entry);
      });
      const actions = span("sector-group-actions");
      if (codes.length >= 2 && !mapped) actions.append(button(MAP_GROUP_ID, "Map " + codes.length + " codes as one group"), " ");
      actions.append(button(CLEAR_GROUP_ID, "Clear"));
      content.append(list, actions);
    }
    panel.replaceChildren(content);
  }

  /* The label of a code's item, without its code ("Telecommunications"). */
  function nameOf(item) {
    const text = item && rowOf(item) ? rowOf(item).querySelector(":scope > .sector-text") : null;
    return text ? text.textContent : "";
  }

  function toggleTick(item) {
    if (!tickable(item)) return;
    const code = codeOf(item);
    if (ticked.has(code)) ticked.delete(code);
    else ticked.add(code);
    ticksFromStore = false;
    renderTicks();
  }

  /* Tab stop and focus on the first ticked item (or the chosen one) after the panel's buttons go. */
  function focusTree() {
    const first = allItems().find((i) => i.getAttribute("aria-checked") === "true");
    if (first) expandAncestors(first);
    focusItem(first || allItems().find((i) => i.getAttribute("aria-selected") === "true" && isVisible(i)) || visibleItems()[0]);
  }

  /* The map button: the ticked codes, comma-joined in NACE order, into the store (the server canonicalises them). */
  function mapTicked() {
    const codes = tickedCodes();
    if (codes.length < 2) return;
    markChosen(null);
    writeStore(codes.join(SEPARATOR));
    focusTree();
  }

  function clearTicks() {
    ticked.clear();
    ticksFromStore = false;
    renderTicks();
    focusTree();
  }

  // ------------------------------------------------------------------ search

  function matches(item, terms) {
    const text = fold(searchText(item));
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
      allItems().filter((i) => i.getAttribute("aria-checked") === "true").forEach(expandAncestors);
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
        choose(item);
        break;
      case " ":
        if (event.shiftKey) toggleTick(item);
        else choose(item);
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
    if (target && target.id === MAP_GROUP_ID) return mapTicked();
    if (target && target.id === CLEAR_GROUP_ID) return clearTicks();
    const item = target && target.closest ? target.closest("#" + TREE_ID + " [role=treeitem]") : null;
    if (!item) return;
    focusItem(item);
    if (target.closest(".sector-tick")) toggleTick(item);
    else if ((target.closest(".sector-twisty") && groupOf(item)) || !selectable(item)) setExpanded(item, !isExpanded(item));
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

  /* The note under the current choice: a named group's (what it approximates, its members), else none. */
  function showNote(text) {
    const el = document.getElementById(CURRENT_NOTE_ID);
    if (!el || el.textContent === text) return;
    const dc = window.dash_clientside;
    if (dc && dc.set_props) dc.set_props(CURRENT_NOTE_ID, { children: text });
    else el.textContent = text;
  }

  /* The store holds a group of codes ("C26,J61"): tick them (what was ticked by hand goes), open their sections. */
  function renderGroup(codes, root) {
    markChosen(null);
    storeGroup = codes;
    ticked.clear();
    codes.forEach((c) => ticked.add(c));
    ticksFromStore = true;
    renderTicks();
    const items = codes.map(itemOf).filter(Boolean);
    if (!savedExpansion) items.forEach(expandAncestors);
    const first = items.find(isVisible);
    if (!root.contains(document.activeElement)) setTabStop(first || null);
    if (first) scrollIntoBox(first);
    showNote("");
    return "Group of " + codes.length + ": " + codes.map((c) => (itemOf(c) ? itemText(itemOf(c)) : c)).join("; ");
  }

  /* The store changed (a choice, a link, back or forward): mark the chosen item (or tick a group's
     codes), open its ancestors, move the tab stop there (unless focus is in the tree). Returns the
     line that names the choice above the tree, or null while the tree is not on the page yet. */
  function renderChoice(code) {
    const root = tree();
    if (!root || !describeSearch()) return null;
    ensureBuilt(root);
    const value = typeof code === "string" ? code : "";
    if (value.indexOf(SEPARATOR) >= 0) {
      return renderGroup(value.split(SEPARATOR).map((c) => c.trim()).filter(Boolean), root);
    }
    storeGroup = null;
    if (ticksFromStore) { // the group's ticks leave with the group; ticks made by hand stay
      ticked.clear();
      ticksFromStore = false;
    }
    renderTicks();
    markChosen(value);
    const named = namedGroups.get(value);
    showNote(named ? named.note : "");
    const item = itemOf(value);
    if (!item) return value;
    if (!savedExpansion) expandAncestors(item); // while searching, the filter decides what is open
    if (!root.contains(document.activeElement) && isVisible(item)) setTabStop(item);
    if (isVisible(item)) scrollIntoBox(item);
    return named ? named.name : itemText(item);
  }

  function showChoice(code) {
    const dc = window.dash_clientside;
    const text = renderChoice(code);
    if (text !== null) return text;
    let attempts = 0;
    const retry = () => {
      const later = renderChoice(code);
      if (later !== null) dc.set_props(CURRENT_ID, { children: later });
      else if (++attempts < 100) window.requestAnimationFrame(retry);
    };
    window.requestAnimationFrame(retry);
    return dc.no_update;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    sectorTree: { showChoice: showChoice },
  });
})();
