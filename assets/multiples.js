/* One map per year (analysis=years, dashboard/multiples.py): 4 maps a row on a wide map panel, 2 on a narrow one (a phone).
   The figure carries both grids' layout keys (layout.meta.grids, made on the server); this file only picks the one that
   fits the panel's shape and applies it with Plotly.relayout. It draws: it computes no value, class or rank. */
(function () {
  let graph = null;

  function wanted(gd) {
    return gd.clientWidth < gd.clientHeight ? "tall" : "wide";
  }

  function fit() {
    const gd = graph;
    const meta = gd && gd.layout && gd.layout.meta;
    if (!meta || !meta.grids || !window.Plotly) return;
    const grid = wanted(gd);
    if (meta.grid !== grid && meta.grids[grid]) window.Plotly.relayout(gd, meta.grids[grid]);
  }

  function attach() {
    const gd = document.querySelector("#map .js-plotly-plot");
    if (gd && gd !== graph && typeof gd.on === "function") {
      graph = gd;
      gd.on("plotly_afterplot", fit);  // a new figure (the years grid comes whole) or a resize: the grid that fits
      fit();
    }
  }

  setInterval(attach, 1000);  // the map's plot is made once per page; checked again in case Dash made a new one
  document.addEventListener("DOMContentLoaded", attach);
})();
