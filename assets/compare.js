/* The comparison in the browser (dashboard/compare_panel/): what a map press says, when the
   comparison's content is asked for, and showing it. No number is computed here.

   Map: a Shift, Ctrl or Cmd press on the map is noted in the store "map-click-modifier" before
   Plotly turns it into a click; the map's click callback then leaves the focus alone, and mapAdd
   sends the clicked region to the comparison instead ("compare-map-add").
   A pattern button (a similar region's "Open"): pickedGeo names its region. */
(function () {
  const MODIFIER_STORE = "map-click-modifier";
  const SECTION = "compare-section";

  const setProps = (id, props) => {
    const dc = window.dash_clientside;
    if (dc && dc.set_props) dc.set_props(id, props);
  };

  // every press on the map says whether a modifier is held (a plain click must clear an earlier one)
  document.addEventListener(
    "pointerdown",
    (event) => {
      const map = document.getElementById("map");
      if (!map || !event.target || !map.contains(event.target)) return;
      setProps(MODIFIER_STORE, { data: !!(event.shiftKey || event.ctrlKey || event.metaKey) });
    },
    true
  );

  function mapAdd(click, modifier) {
    const dc = window.dash_clientside;
    const points = (click && click.points) || [];
    if (!modifier || !points.length || typeof points[0].location !== "string") return dc.no_update;
    return { geo: points[0].location, at: Date.now() };
  }

  // the content's key: the regions and the panels' query, only while regions are picked (else "": nothing to draw)
  function shownKey(compare, query, shown) {
    const dc = window.dash_clientside;
    const key = compare ? compare + "|" + (query || "") : "";
    return key === (shown || "") ? dc.no_update : key;
  }

  function inView(element) {
    const box = element.getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight * 0.7;
  }

  // a comparison opened or changed: the Compare tab where the page has tabs, else scroll to the section.
  // At load (a compare= link) the panels above it still grow as they fill: the scroll is tried again
  // while they settle, unless the person has scrolled meanwhile.
  let lastShown = null;
  let loaded = false;
  function scrollToSection(smooth, retries) {
    const section = document.getElementById(SECTION);
    if (!section) return;
    let ours = null;
    retries.forEach((delay) =>
      window.setTimeout(() => {
        if (ours !== null && Math.abs(window.scrollY - ours) > 4) return; // the person scrolled: leave them there
        if (!inView(section)) {
          const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
          section.scrollIntoView({ block: "start", behavior: smooth && !reduce ? "smooth" : "auto" });
        }
        ours = smooth ? null : window.scrollY;
      }, delay)
    );
  }
  function showComparison(compare) {
    const dc = window.dash_clientside;
    const initial = !loaded;
    loaded = true;
    if (!compare || compare === lastShown) {
      lastShown = compare || null;
      return dc.no_update;
    }
    lastShown = compare;
    window.setTimeout(() => {
      const tab = document.getElementById("tab-compare");
      if (tab) {
        if (tab.getAttribute("aria-selected") !== "true") tab.click();
        return;
      }
      scrollToSection(!initial, initial ? [0, 700, 1600, 3000] : [0]);
    }, 80);
    return dc.no_update;
  }

  // the region of the pattern button clicked ({"geo": …}); a button that just appeared (0 clicks) does nothing
  function pickedGeo() {
    const dc = window.dash_clientside;
    const hit = ((dc.callback_context && dc.callback_context.triggered) || []).find((t) => t.value);
    if (!hit) return dc.no_update;
    try {
      const id = JSON.parse(hit.prop_id.slice(0, hit.prop_id.lastIndexOf(".")));
      return id && typeof id.geo === "string" ? id.geo : dc.no_update;
    } catch (e) {
      return dc.no_update;
    }
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    compare: { mapAdd: mapAdd, shownKey: shownKey, showComparison: showComparison, pickedGeo: pickedGeo },
  });
})();
