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

  // The twin of dashboard.figures.decode_values: a plain list, or base64 of
  // little-endian int32 round(value * 10^decimals) with the int32 minimum for "no value".
  const NO_VALUE = -2147483648;
  function decodeValues(encoded, decimals) {
    if (Array.isArray(encoded)) return encoded;
    const bytes = Uint8Array.from(atob(encoded), (ch) => ch.charCodeAt(0));
    const view = new DataView(bytes.buffer), scale = Math.pow(10, decimals), out = [];
    for (let i = 0; i < bytes.length; i += 4) {
      const v = view.getInt32(i, true);
      out.push(v === NO_VALUE ? null : v / scale);
    }
    return out;
  }

  // The twin of dashboard.figures.decode_notes: `width` alphabet characters per region
  // index `combos`, lists of indexes into the distinct note `parts`.
  const NOTE_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  function decodeNotes(notes) {
    const out = [], base = NOTE_ALPHABET.length;
    for (let i = 0; i < notes.codes.length; i += notes.width) {
      let k = NOTE_ALPHABET.indexOf(notes.codes[i]);
      if (notes.width === 2) k = k * base + NOTE_ALPHABET.indexOf(notes.codes[i + 1]);
      out.push(notes.combos[k].map((j) => notes.parts[j]).join("; "));
    }
    return out;
  }

  function stepped(colours) {
    const n = colours.length, scale = [];
    colours.forEach((c, i) => { scale.push([i / n, c]); scale.push([(i + 1) / n, c]); });
    return scale;
  }

  // The twin of dashboard.figures.points_trace: the organisations layer from points_layer.points_payload.
  const POINT_COLOUR = "#d94801";
  function pointsTrace(points) {
    return {
      type: "scattergeo", name: points.name, lon: points.lon, lat: points.lat, mode: "markers",
      marker: { size: points.size, color: POINT_COLOUR, opacity: 0.8, line: { color: "#ffffff", width: 1 } },
      hovertext: points.text, hoverinfo: "text", customdata: points.ids, showlegend: true,
    };
  }

  function applyPayload(payload, figure) {
    const dc = window.dash_clientside;
    if (!payload || !figure || !figure.data || !figure.data.length) return dc.no_update;
    const trace0 = figure.data[0];
    const values = decodeValues(payload.values, payload.decimals);
    if (!trace0.locations || trace0.locations.length !== values.length) return dc.no_update;
    const fmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: payload.decimals, maximumFractionDigits: payload.decimals });
    const finite = values.filter((v) => v !== null);
    const confidential = new Set(payload.confidential);
    const noteOf = decodeNotes(payload.notes);
    const country = payload.country;
    const ours = country ? trace0.locations.map((code) => String(code).startsWith(country)) : [];
    const oursFinite = country ? values.filter((v, i) => v !== null && ours[i]) : [];
    const z = [], customdata = [];
    values.forEach((v, i) => {
      if (v === null) {
        const conf = confidential.has(i);
        z.push(conf ? CONFIDENTIAL : NO_DATA);
        customdata.push([conf ? "confidential" : "no data", "", noteOf[i] || ""]);
      } else {
        z.push(FIRST_VALUE_CLASS + searchLeft(payload.bins, v));
        const rank = 1 + finite.filter((w) => w > v).length;
        let ranked = `rank ${rank} of ${finite.length}`;
        if (country && ours[i]) {  // zoomed to a country: ranked within it, as the sector ranking does, then across Europe
          const local = 1 + oursFinite.filter((w) => w > v).length;
          ranked = `rank ${local} of ${oursFinite.length} in ${country}, ${rank} of ${finite.length} in Europe`;
        }
        customdata.push([fmt.format(v), ranked, noteOf[i] || ""]);
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
    const overlay = payload.points ? [pointsTrace(payload.points)] : [];
    return Object.assign({}, figure, { data: [trace].concat(overlay), layout: layout });
  }

  // The iframe snippet of the current view. Built as text for a <textarea>, never as HTML;
  // the query comes from dashboard.view.view_query (URL-encoded) and is escaped again for the attribute.
  function escapeAttribute(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function embedSnippet(clicks, query) {
    const open = (clicks || 0) % 2 === 1;
    const src = window.location.origin + "/embed?" + (query || "");
    const snippet = '<iframe src="' + escapeAttribute(src) + '" width="800" height="600" style="border:0" ' +
      'title="Cluster Observatory Map" loading="lazy"></iframe>';
    return [snippet, !open, open ? "true" : "false"];
  }

  // The PNG file name of the current view (the store "png-name", set by the map callback). It is
  // put on the plot only while its download button is clicked: a name changed in the Graph's
  // config, or left in Plotly's context, makes Plotly's next update draw the whole map again.
  let pngName = null;
  const PNG_BUTTON = "#map .modebar-btn[data-title='Download plot as a PNG']";
  function applyPngName(name) {
    pngName = name || null;
  }
  document.addEventListener("click", (event) => {
    const button = event.target && event.target.closest ? event.target.closest(PNG_BUTTON) : null;
    const gd = document.querySelector("#map .js-plotly-plot");
    if (!button || !gd || !gd._context || !pngName) return;
    const options = gd._context.toImageButtonOptions;  // read by Plotly's handler, which runs after this one
    gd._context.toImageButtonOptions = Object.assign({}, options, { filename: pngName });
    setTimeout(() => { gd._context.toImageButtonOptions = options; }, 0);
  }, true);

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    clustermap: Object.assign({}, (window.dash_clientside || {}).clustermap, {
      applyPayload: applyPayload, embedSnippet: embedSnippet, applyPngName: applyPngName,
    }),
  });
})();
