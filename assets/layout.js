/* The page's frame in the browser (dashboard/layout.py, dashboard/panel_tabs.py, assets/layout.css):
   the tabs beside the map and the "Filters" button that shows or hides the controls.
   Only attributes and focus change here: no value, no view, nothing is sent.

   Tabs: which one shows is the store "panel-tab". A tab's click chooses it; a region coming into
   focus (map click, search, ranking row, URL) opens "region". The arrow keys, Home and End move
   between tabs (each choice shows its panel, the WAI-ARIA tabs pattern with automatic activation).

   Filters: open beside the map from 1280 px wide, a closed drawer below that. The button's
   aria-expanded is the one state, and CSS shows or hides the controls from it; Escape closes the
   drawer (after a dropdown or a search box inside it has had its own Escape). */
(function () {
  const TABS = ["ranking", "region", "compare"];
  const TOGGLE = "filters-toggle";
  const DRAWER = "filters";
  const NARROW = window.matchMedia("(max-width: 1279.98px)");

  /* ---- tabs ---- */

  function chooseTab() {
    const dc = window.dash_clientside;
    const focus = arguments[TABS.length];
    const ctx = dc.callback_context;
    const trigger = ctx && ctx.triggered && ctx.triggered.length ? ctx.triggered[0].prop_id : "";
    const id = trigger.slice(0, trigger.lastIndexOf("."));
    if (id.indexOf("tab-") === 0 && TABS.indexOf(id.slice(4)) >= 0) return id.slice(4);
    if (!focus) return dc.no_update; // a region let go: the tab stays where the person is
    const panel = document.getElementById("tabpanel-region");
    if (panel) panel.scrollTop = 0; // a new region: its portfolio from the top
    return "region";
  }

  function showTab(tab) {
    const dc = window.dash_clientside;
    if (TABS.indexOf(tab) < 0) return new Array(TABS.length * 3).fill(dc.no_update);
    // focus inside a panel about to hide (a ranking row just chosen) moves to the chosen tab, not to <body>
    const active = document.activeElement;
    const hiding = TABS.filter((name) => name !== tab).map((name) => document.getElementById("tabpanel-" + name));
    if (active && hiding.some((panel) => panel && panel.contains(active))) {
      window.setTimeout(() => {
        const button = document.getElementById("tab-" + tab);
        if (button) button.focus({ preventScroll: true });
      }, 0);
    }
    return [
      ...TABS.map((name) => (name === tab ? "true" : "false")),
      ...TABS.map((name) => (name === tab ? "0" : "-1")),
      ...TABS.map((name) => name !== tab),
    ];
  }

  const MOVES = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  document.addEventListener("keydown", (event) => {
    const tab = event.target && event.target.closest ? event.target.closest(".panel-tablist [role=tab]") : null;
    if (!tab || event.altKey || event.ctrlKey || event.metaKey) return;
    const tabs = Array.from(tab.parentElement.querySelectorAll("[role=tab]"));
    const at = tabs.indexOf(tab);
    let next = null;
    if (event.key in MOVES) next = tabs[(at + MOVES[event.key] + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    if (!next) return;
    event.preventDefault();
    next.focus({ preventScroll: true });
    next.click();
  });

  /* ---- the map's title and source line as page text ---- */

  // The twin of dashboard.layout.map_captions: Plotly's texts are escaped HTML; the page shows them as text.
  function plain(text) {
    const doc = new DOMParser().parseFromString(String(text || "").split("<br>").join(" · "), "text/html");
    return (doc.body.textContent || "").replace(/\s+/g, " ").trim();
  }
  function mapCaptions(figure) {
    const dc = window.dash_clientside;
    const layout = figure && figure.layout;
    if (!layout) return [dc.no_update, dc.no_update];
    const title = layout.title && typeof layout.title === "object" ? layout.title.text : layout.title;
    const annotations = layout.annotations || [];
    const source = annotations.length ? plain(annotations[0].text) : "";
    return [plain(title), source || dc.no_update]; // a figure without a source line keeps the last one
  }

  /* ---- filters: beside the map, or a drawer ---- */

  const toggle = () => document.getElementById(TOGGLE);
  const isOpen = () => {
    const button = toggle();
    return !!button && button.getAttribute("aria-expanded") === "true";
  };
  function setOpen(open) {
    const button = toggle();
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  // Dash renders the layout after this script: name the state as soon as the button is there (before it is painted)
  const waiting = new MutationObserver(() => {
    const button = toggle();
    if (!button) return;
    waiting.disconnect();
    if (!button.hasAttribute("aria-expanded")) setOpen(!NARROW.matches);
  });
  function start() {
    const button = toggle();
    if (button) {
      if (!button.hasAttribute("aria-expanded")) setOpen(!NARROW.matches);
    } else {
      waiting.observe(document.body, { childList: true, subtree: true });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  // across the breakpoint: each width's own default (open beside the map, closed as a drawer)
  NARROW.addEventListener("change", () => setOpen(!NARROW.matches));

  document.addEventListener("click", (event) => {
    const button = event.target && event.target.closest ? event.target.closest("#" + TOGGLE) : null;
    if (button) setOpen(!isOpen());
  });

  // Escape closes the drawer, unless something inside it takes Escape first: an open dropdown, a search box with text
  document.addEventListener(
    "keydown",
    (event) => {
      if (event.key !== "Escape" || !NARROW.matches || !isOpen() || event.defaultPrevented) return;
      if (document.querySelector("button.dash-dropdown[aria-expanded=true]")) return;
      const target = event.target;
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA") && target.value) return;
      setOpen(false);
      const drawer = document.getElementById(DRAWER);
      const button = toggle();
      if (button && (!document.activeElement || document.activeElement === document.body || (drawer && drawer.contains(document.activeElement)))) {
        button.focus();
      }
    },
    true
  );

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    layout: { chooseTab: chooseTab, showTab: showTab, mapCaptions: mapCaptions },
  });
})();
