/* The view in the address bar, both ways, with the browser's history API.

   Address bar → controls: the store "url-search" holds the query the controls follow
   ({search, at}: "at" makes each back or forward a change, even to the same query), and the
   server callback apply_url (dashboard/callbacks.py) sets the controls from it. The layout is
   built for the page's own query (dashboard/first_view.py), so at load there is nothing to do
   unless the layout was built for another one (no Referer). Back and forward write the store.

   Controls → address bar: after each change the map callback returns the view's canonical
   query ("view-query"), and pushQuery adds it as one history entry. Nothing here triggers
   apply_url, so a change costs one round trip, not two: Dash holds back a callback while another
   that could change its inputs is on its way, and a callback writing both the URL and the
   controls would stand in front of every map change. */
(function () {
  const SEARCH_STORE = "url-search";
  const VIEW_STORE = "url-view";

  const setProps = (id, props) => {
    const dc = window.dash_clientside;
    if (dc && dc.set_props) dc.set_props(id, props);
  };

  /* At load: the address bar's query, when the layout was built for another. */
  let pageRead = false;
  const current = () => ({ search: window.location.search, at: Date.now() });
  function readPageUrl(layout) {
    if (pageRead) return;
    pageRead = true;
    const search = (layout && layout.search) || "";
    if (window.location.search !== search) setProps(SEARCH_STORE, { data: current() });
    /* a link the page could not use as it was: the address bar says the view shown (same entry) */
    else if (layout && typeof layout.canonical === "string") window.history.replaceState(window.history.state, "", "?" + layout.canonical);
  }

  /* After a change: the view's query as a new history entry. A query the server just took from the
     address bar in another spelling ("url-view") replaces that entry instead: same view, same entry. */
  function pushQuery(query, respelled) {
    if (typeof query !== "string") return;
    const search = "?" + query;
    if (window.location.search === search) return;
    const dc = window.dash_clientside || {};
    const playing = dc.play && dc.play.playing && dc.play.playing();
    if (respelled === query || playing) {  // the same view respelled; or a step of play (assets/play.js): one entry for the whole play
      window.history.replaceState(window.history.state, "", search);
      if (respelled === query) setProps(VIEW_STORE, { data: null });
    } else {
      window.history.pushState(null, "", search);
    }
  }

  window.addEventListener("popstate", () => setProps(SEARCH_STORE, { data: current() }));

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    urlState: { readPageUrl: readPageUrl, pushQuery: pushQuery },
  });
})();
