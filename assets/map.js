/* Applies a values payload (dashboard.figures.map_payload) to the map figure in the browser.
   The JavaScript twin of dashboard.figures.apply_payload: keep the two in step. */
(function () {
  const NO_DATA = 0, CONFIDENTIAL = 1, FIRST_VALUE_CLASS = 2;
  const HOVER = "<b>%{text}</b> (%{location})<br>%{customdata[0]} UNIT<br>%{customdata[1]}<br><i>%{customdata[2]}</i><extra></extra>";

  function searchLeft(bins, v) {
    let i = 0;
    while (i < bins.length && bins[i] < v) i += 1;
    return i;
  }

  function stepped(colours) {
    const n = colours.length, scale = [];
    colours.forEach((c, i) => { scale.push([i / n, c]); scale.push([(i + 1) / n, c]); });
    return scale;
  }

  function applyPayload(payload, figure) {
    const dc = window.dash_clientside;
    if (!payload || !figure || !figure.data || !figure.data.length) return dc.no_update;
    const trace0 = figure.data[0];
    if (!trace0.locations || trace0.locations.length !== payload.values.length) return dc.no_update;
    const fmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: payload.decimals, maximumFractionDigits: payload.decimals });
    const values = payload.values;
    const finite = values.filter((v) => v !== null);
    const confidential = new Set(payload.confidential);
    const noteOf = {};
    Object.entries(payload.notes).forEach(([text, indexes]) => indexes.forEach((i) => { noteOf[i] = text; }));
    const z = [], customdata = [];
    values.forEach((v, i) => {
      if (v === null) {
        const conf = confidential.has(i);
        z.push(conf ? CONFIDENTIAL : NO_DATA);
        customdata.push([conf ? "confidential" : "no data", "", noteOf[i] || ""]);
      } else {
        z.push(FIRST_VALUE_CLASS + searchLeft(payload.bins, v));
        const rank = 1 + finite.filter((w) => w > v).length;
        customdata.push([fmt.format(v), `rank ${rank} of ${finite.length}`, noteOf[i] || ""]);
      }
    });
    const n = payload.colours.length;
    const trace = Object.assign({}, trace0, {
      z: z,
      customdata: customdata,
      colorscale: stepped(payload.colours),
      zmax: n - 0.5,
      colorbar: Object.assign({}, trace0.colorbar, { tickvals: [...Array(n).keys()], ticktext: payload.legend }),
      hovertemplate: HOVER.replace("UNIT", payload.unit),
    });
    const layout = Object.assign({}, figure.layout, { title: Object.assign({}, figure.layout.title, { text: payload.title }) });
    return Object.assign({}, figure, { data: [trace].concat(figure.data.slice(1)), layout: layout });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    clustermap: Object.assign({}, (window.dash_clientside || {}).clustermap, { applyPayload: applyPayload }),
  });
})();
