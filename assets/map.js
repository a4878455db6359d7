/* Draws a values payload (dashboard.figures.map_payload, typed in dashboard.payload.MapPayload)
   on the map figure in the browser. Every number in it (value, class, rank, rank within the
   zoomed country) was computed on the server in layers/; this file only decodes and draws:
   it ranks, classifies and counts nothing. The JavaScript twin of dashboard.figures.apply_payload,
   tested against payloads Python built (tests/test_payload_js.py, under node). */
(function () {
  const HOVER = "<b>%{text}</b> (%{location})<br>%{customdata[0]} UNIT<br>%{customdata[1]}<br><i>%{customdata[2]}</i><extra></extra>";

  function bytesOf(base64) {
    return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  }

  // The twin of dashboard.payload.decode_values: a plain list, or base64 of
  // little-endian int32 round(value * 10^decimals) with the int32 minimum for "no value".
  const NO_VALUE = -2147483648;
  function decodeValues(encoded, decimals) {
    if (Array.isArray(encoded)) return encoded;
    const bytes = bytesOf(encoded);
    const view = new DataView(bytes.buffer), scale = Math.pow(10, decimals), out = [];
    for (let i = 0; i < bytes.length; i += 4) {
      const v = view.getInt32(i, true);
      out.push(v === NO_VALUE ? null : v / scale);
    }
    return out;
  }

  // The twin of dashboard.payload.unpack_uints: a CODE_ALPHABET character giving the bit width b,
  // then base64 of b-bit big-endian fields back to back; `count` of them (one per shape).
  function unpackUints(encoded, count) {
    const bits = CODE_ALPHABET.indexOf(encoded[0]), bytes = bytesOf(encoded.slice(1)), out = [];
    for (let i = 0, at = 0; i < count; i += 1) {
      let n = 0;
      for (let b = 0; b < bits; b += 1, at += 1) n = n * 2 + ((bytes[at >> 3] >> (7 - (at & 7))) & 1);
      out.push(n);
    }
    return out;
  }

  // Codes the bit width of unpackUints, as dashboard.payload.CODE_ALPHABET.
  const CODE_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

  // The twin of dashboard.payload.decode_notes: each region's packed index into `combos`,
  // lists of indexes into the distinct note `parts`.
  function decodeNotes(notes, count) {
    return unpackUints(notes.codes, count).map((k) => notes.combos[k].map((j) => notes.parts[j]).join("; "));
  }

  // The twin of dashboard.figures.rank_texts: the tooltip's rank line from the sent ranks.
  function rankTexts(payload, count) {
    const ranks = unpackUints(payload.ranks, count), country = payload.country;
    const local = country ? unpackUints(country.ranks, count) : [];
    return ranks.map((rank, i) => {
      if (!rank) return "";
      if (country && local[i]) {  // zoomed to a country: ranked within it, as the sector ranking does, then across Europe
        return `rank ${local[i]} of ${country.ranked} in ${country.code}, ${rank} of ${payload.ranked} in Europe`;
      }
      return `rank ${rank} of ${payload.ranked}`;
    });
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

  // The twin of dashboard.figures.found_trace: the organisation found by name, a star on top whatever the sector filter.
  function foundTrace(found) {
    return {
      type: "scattergeo", name: "Found: " + found.name, lon: [found.lon], lat: [found.lat], mode: "markers",
      marker: { size: 18, symbol: "star", color: "#000000", line: { color: "#ffffff", width: 2 } },
      hovertext: [found.text], hoverinfo: "text", customdata: [found.id], showlegend: true,
    };
  }

  function applyPayload(payload, figure) {
    const dc = window.dash_clientside;
    if (!payload || !figure || !figure.data || !figure.data.length) return dc.no_update;
    const trace0 = figure.data[0];
    const values = decodeValues(payload.values, payload.decimals);
    if (!trace0.locations || trace0.locations.length !== values.length) return dc.no_update;
    const fmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: payload.decimals, maximumFractionDigits: payload.decimals });
    const z = unpackUints(payload.classes, values.length);
    const ranks = rankTexts(payload, values.length);
    const noteOf = decodeNotes(payload.notes, values.length);
    // no value: the legend's word for the region's class ("no data", "confidential")
    const customdata = values.map((v, i) => [v === null ? payload.legend[z[i]] : fmt.format(v), ranks[i], noteOf[i] || ""]);
    const n = payload.colours.length;
    const trace = Object.assign({}, trace0, {
      z: z,
      customdata: customdata,
      colorscale: stepped(payload.colours),
      zmax: n - 0.5,
      colorbar: Object.assign({}, trace0.colorbar, { tickvals: [...Array(n).keys()], ticktext: payload.legend }),
      hovertemplate: HOVER.replace("UNIT", payload.unit),
    });
    // the legend note (annotation 1, dashboard.figures.NOTE_ANNOTATION): a group's members and partial sums, sent escaped
    const annotations = (figure.layout.annotations || []).map((a, i) => (i === 1 ? Object.assign({}, a, { text: payload.note || "", visible: !!payload.note }) : a));
    const layout = Object.assign({}, figure.layout, { title: Object.assign({}, figure.layout.title, { text: payload.title }), annotations: annotations });
    const overlay = (payload.points ? [pointsTrace(payload.points)] : []).concat(payload.found ? [foundTrace(payload.found)] : []);
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
