/* Draws a values payload (dashboard.figures.map_payload, typed in dashboard.payload.MapPayload; every
   year of a view at once: dashboard.payload.YearsPayload) on the map figure in the browser. Every number in it (value, class, rank, rank within the
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

  // The twin of dashboard.payload.year_payload: year `year`'s MapPayload from every year's (YearsPayload), or null.
  function yearPayload(years, year) {
    const at = years && years.years ? years.years.indexOf(year) : -1;
    return at < 0 ? null : Object.assign({}, years.common, years.parts[at]);
  }

  // What a payload sets on trace 0 (the twin of dashboard.figures.apply_payload's trace part), or null
  // when it is not for these shapes (another level's: a different number of locations).
  function traceOf(payload, trace0) {
    const values = decodeValues(payload.values, payload.decimals);
    if (!trace0 || !trace0.locations || trace0.locations.length !== values.length) return null;
    const fmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: payload.decimals, maximumFractionDigits: payload.decimals });
    const z = unpackUints(payload.classes, values.length);
    const ranks = rankTexts(payload, values.length);
    const noteOf = decodeNotes(payload.notes, values.length);
    // no value: the legend's word for the region's class ("no data", "confidential")
    const customdata = values.map((v, i) => [v === null ? payload.legend[z[i]] : fmt.format(v), ranks[i], noteOf[i] || ""]);
    const n = payload.colours.length;
    return {
      z: z,
      customdata: customdata,
      colorscale: stepped(payload.colours),
      zmax: n - 0.5,
      colorbar: Object.assign({}, trace0.colorbar, { tickvals: [...Array(n).keys()], ticktext: payload.legend }),
      hovertemplate: HOVER.replace("UNIT", payload.unit),
    };
  }

  // The title and the legend note (annotation 1, dashboard.figures.NOTE_ANNOTATION: a group's members and partial sums, sent escaped).
  function layoutOf(payload, layout) {
    const annotations = (layout.annotations || []).map((a, i) => (i === 1 ? Object.assign({}, a, { text: payload.note || "", visible: !!payload.note }) : a));
    return { title: Object.assign({}, layout.title, { text: payload.title }), annotations: annotations };
  }

  function drawPayload(payload, figure) {
    const trace = traceOf(payload, figure.data[0]);
    if (!trace) return null;
    const overlay = (payload.points ? [pointsTrace(payload.points)] : []).concat(payload.found ? [foundTrace(payload.found)] : []);
    return Object.assign({}, figure, {
      data: [Object.assign({}, figure.data[0], trace)].concat(overlay),
      layout: Object.assign({}, figure.layout, layoutOf(payload, figure.layout)),
    });
  }

  // The years the map's values come from (the map-values store: dashboard.payload.YearsPayload), and
  // the year drawn from them: nothing is drawn twice.
  let held = null;
  let shown = { years: null, year: null };
  let drawing = Promise.resolve();
  const plot = () => document.querySelector("#map .js-plotly-plot");

  // A view's values from the server (every year of them): the figure in the slider's year when they
  // hold it, else in the view's. Nothing when the figure sent with them already shows that year
  // (`drawn`: a level change; the page's first view, for which this runs once at load).
  // `query`: the view's canonical query, sent with them: when drawSector has drawn that view already
  // (in this year, nothing drawn since), the Graph's figure is only made to hold it.
  function applyPayload(years, year, figure, query) {
    const dc = window.dash_clientside;
    if (!years || !years.years || !figure || !figure.data || !figure.data.length) return dc.no_update;
    const wanted = years.years.indexOf(year) >= 0 ? year : years.year;
    const drawnEarly = early && !years.drawn && shown.years === early.years && shown.year === wanted && butYear(early.query) === butYear(query);
    early = null;
    held = years;
    if (drawnEarly) {
      shown = { years: years, year: wanted };
      holdOnFigure(figure, wanted);
      return dc.no_update;
    }
    if (years.drawn && wanted === years.year) {
      shown = { years: years, year: wanted };
      return dc.no_update;
    }
    const payload = yearPayload(years, wanted), gd = plot();
    // the same shapes without an overlay before or after (a sector, an indicator, classes changed): drawn on the
    // plot with Plotly.update as a year is (drawYear), and the Graph's figure made to hold it (holdOnFigure),
    // rather than a whole new figure through dcc.Graph
    const plain = payload && !payload.points && !payload.found && gd && gd.data && gd.data.length === 1 && figure.data.length === 1;
    if (plain && drawYear(wanted, true) !== false) {
      holdOnFigure(figure, wanted);
      return dc.no_update;
    }
    const drawn = drawPayload(payload, figure);
    if (!drawn) return dc.no_update;
    shown = { years: years, year: wanted };
    return drawn;
  }

  // The Graph's own figure made to hold what drawYear drew on the plot (see showYear below).
  function holdOnFigure(figure, year) {
    const gd = plot(), trace0 = figure.data[0];
    if (gd && gd.data && gd.data[0] !== trace0) {
      ["z", "customdata", "colorscale", "zmax", "colorbar", "hovertemplate"].forEach((key) => { trace0[key] = gd.data[0][key]; });
    }
    const layout = layoutOf(yearPayload(held, year), figure.layout);
    figure.layout.title = layout.title;
    figure.layout.annotations = layout.annotations;
  }

  // Draws `year` from the years held, with the least work: Plotly.update of trace 0's arrays and the
  // title on the plot itself, not a new figure through dcc.Graph. False when they do not hold it (or
  // not for these shapes): the server draws it then. Called as soon as the slider shows the year
  // (below) and by each step of play (assets/play.js), before Dash's callbacks run.
  function drawYear(year, always) {
    if (!always && held && shown.years === held && shown.year === year) return drawing;
    const gd = plot(), payload = yearPayload(held, year);
    const trace0 = gd && gd.data && gd.data[0];
    const trace = payload && trace0 && window.Plotly ? traceOf(payload, trace0) : null;
    if (!trace) return false;
    const update = { z: [trace.z], customdata: [trace.customdata] };
    if (JSON.stringify(trace0.colorscale) !== JSON.stringify(trace.colorscale)) update.colorscale = [trace.colorscale];
    if (trace0.zmax !== trace.zmax) update.zmax = [trace.zmax];
    if (JSON.stringify(trace0.colorbar) !== JSON.stringify(trace.colorbar)) update.colorbar = [trace.colorbar];
    if (trace0.hovertemplate !== trace.hovertemplate) update.hovertemplate = [trace.hovertemplate];
    const relayout = { "title.text": payload.title };
    // the legend note only when it changes: Plotly draws an annotation again whenever it is set
    const note = layoutOf(payload, gd.layout).annotations[1], before = (gd.layout.annotations || [])[1];
    if (note && (!before || before.text !== note.text || before.visible !== note.visible)) {
      Object.assign(relayout, { "annotations[1].text": note.text, "annotations[1].visible": note.visible });
    }
    shown = { years: held, year: year };
    drawing = window.Plotly.update(gd, update, relayout, [0]);
    // the page's heading is the figure's title as text (assets/layout.js mapCaptions), which hears the Graph's
    // figure: a year drawn here, on the plot, tells it directly
    const dc = window.dash_clientside, captions = dc && dc.layout && dc.layout.mapCaptions;
    // once the map is painted: the heading's render does not delay the map's
    const heading = captions && dc.set_props ? captions({ layout: { title: { text: payload.title } } })[0] : null;
    if (heading !== null) Promise.resolve(drawing).then(() => requestAnimationFrame(() => dc.set_props("map-heading", { children: heading })));
    return drawing;
  }

  // The slider's value reaches the page (aria-valuenow of its thumb) before Dash runs the callbacks
  // that hear it: the year is drawn then. Back and forward move the slider too.
  new MutationObserver((changes) => {
    const thumb = changes[changes.length - 1].target;
    if (thumb.closest && thumb.closest("#year")) drawYear(Number(thumb.getAttribute("aria-valuenow")));
  }).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ["aria-valuenow"] });

  // The year slider's callback: the year drawn (by drawYear, at once, or now), then the Graph's own
  // figure made to hold what is drawn, then the year told to the map callback (the map-year store),
  // which then writes the URL, the PNG name and the panels' query, and sends a map only for a year
  // the browser does not hold.
  //
  // The Graph hands its figure's data to Plotly as they are, so gd.data[0] is its figure.data[0] and
  // Plotly.update has set the new arrays there; the layout it gives Plotly is a copy, so the title and
  // note are set on its figure here. Every callback reading the figure (a new payload, the ranking's
  // highlight) then reads the year shown, and the Graph, whose figure did not change, draws nothing.
  // The store is written once the map is painted, so the request and what follows it (the Graph's
  // loading state, the URL, the panels) do not delay the map.
  const MAP_YEAR = "map-year";  // dashboard.layout.MAP_YEAR_ID
  function showYear(year, years, figure) {
    const dc = window.dash_clientside;
    if (years && !early) held = years;  // while a sector drawn early waits for the map callback, the store holds the sector before
    const done = drawYear(year);
    const gd = plot(), trace0 = figure && figure.data && figure.data[0];
    if (done === false || !gd || !gd.data || !trace0) return year;  // the server draws it: at once
    holdOnFigure(figure, year);
    const tell = () => dc.set_props(MAP_YEAR, { data: year });
    Promise.resolve(done).then(() => requestAnimationFrame(() => setTimeout(tell, 0)), tell);
    return dc.no_update;
  }

  // A sector change drawn before Dash hears it. Through Dash, the map's request waits for its callback
  // machinery, and the panels' callbacks, which Dash starts in the same task as the map's answer, delay
  // the map's paint. Here: one request for the view's values by URL (dashboard.map_updates.VALUES_PATH,
  // typed in dashboard.payload.ViewValues), drawn on the plot as a year is; then `handOver` tells Dash
  // (the map callback, the URL and the panels follow), once the map is painted. When the map is not a
  // plain values map (one choropleth on shapes by URL: no organisations, no star, not the network or the
  // years' grid), or the answer fails or is for other shapes: handOver at once, and the map callback draws.
  const VALUES_PATH = "/map/values";
  let early = null;  // {query, years}: the view drawSector drew, until the map callback's answer arrives

  function butYear(query) {
    const params = new URLSearchParams(query || "");
    params.delete("year");
    return params.toString();
  }

  function drawSector(sector, handOver) {
    let told = false;
    const tell = () => { if (!told) { told = true; handOver(); } };
    const gd = plot(), trace0 = gd && gd.data && gd.data[0];
    const plain = held && window.fetch && window.Plotly && trace0 && gd.data.length === 1 && trace0.type === "choropleth" && typeof trace0.geojson === "string";
    const params = new URLSearchParams(window.location.search);
    if (!plain || params.get("sector") === sector) return tell();
    params.set("sector", sector);
    if (shown.year !== null) params.set("year", String(shown.year));
    const before = shown;
    fetch(VALUES_PATH + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        const now = plot();
        // something else drawn meanwhile (a year, another view), or other shapes: the map callback draws it
        if (!answer || !answer.values || shown !== before || now !== gd || !now.data[0] || now.data[0].geojson !== answer.shapes) return tell();
        const years = answer.values, year = years.years.indexOf(before.year) >= 0 ? before.year : years.year;
        const previous = held;
        held = years;
        const done = drawYear(year, true);
        if (done === false) { held = previous; return tell(); }
        early = { query: answer.query, years: years };
        return Promise.resolve(done).then(() => requestAnimationFrame(() => setTimeout(tell, 0)));
      })
      .catch(tell);
    return undefined;
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
      applyPayload: applyPayload, showYear: showYear, drawYear: drawYear, drawSector: drawSector, yearPayload: yearPayload, drawPayload: drawPayload,
      embedSnippet: embedSnippet, applyPngName: applyPngName,
    }),
  });
})();
