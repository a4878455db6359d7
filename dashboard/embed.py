"""The embeddable map (``/embed?<view>``) and the frame policy of every page.

An embed page is the map alone: a compact legend, the attribution (page text under
the plot, so it wraps in the smallest frame instead of being cut off), a link back
to the full view. It is plain HTML plus the app's own plotly.js bundle
(``/vendor/plotly-custom.min.js``, see ``dashboard.app``), so it loads nothing
from another origin and starts faster than the full app.

Frame policy: embed pages send ``Content-Security-Policy: frame-ancestors``
with an allowlist (any origin by default, configurable to the observatory's
domains); every other page sends ``frame-ancestors 'self'``.
"""

from __future__ import annotations

import html
import json
import os
import re

from flask import Flask, Response, request

from dashboard.callbacks import map_update
from dashboard.data import DashboardData
from dashboard.figures import ATTRIBUTION, map_title
from dashboard.multiples import YEARS, years_figure, years_title
from dashboard.network_region import view_title
from dashboard.view import ViewOptions, read_view, view_options, view_query
from layers._errors import ClusterMapError

FRAME_ANCESTORS_ENV = "CLUSTERMAP_FRAME_ANCESTORS"
"""Space-separated origins allowed to frame ``/embed`` (e.g. ``https://www.clusterobservatory.eu``); default ``*``."""
PLOTLY_BUNDLE = "/vendor/plotly-custom.min.js"
"""The app's plotly.js bundle; ``register`` is given the versioned URL (``?v=<hash>``, cached for a year)."""
EMBED_SCRIPT = 'var f = JSON.parse(document.getElementById("embed-figure").textContent); Plotly.newPlot("map", f.data, f.layout, f.config);'
"""The page's one inline script, the same on every embed page: the Content-Security-Policy allows it by its hash
(``dashboard.server.policy``); the view's figure travels as JSON data beside it."""
_ORIGIN_RE = re.compile(r"^(\*|'self'|https?://[A-Za-z0-9.\-]+(:\d{1,5})?)$")


def frame_ancestors(value: str | None = None) -> str:
    """The embed pages' allowlist, checked: origins only, so no header can be injected through it."""
    raw = (value if value is not None else os.environ.get(FRAME_ANCESTORS_ENV, "")).split() or ["*"]
    bad = [origin for origin in raw if not _ORIGIN_RE.match(origin)]
    if bad:
        msg = f"{FRAME_ANCESTORS_ENV} holds {bad!r}; give origins like https://example.org, separated by spaces, or *"
        raise ClusterMapError(msg)
    return " ".join(raw)


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element: no ``</script>`` or comment opener can close it."""
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def compact(figure: dict) -> dict:
    """The map figure restyled for a small frame: thinner legend, smaller title, no modebar clutter."""
    layout = figure["layout"]
    layout["margin"] = {"l": 0, "r": 0, "t": 28, "b": 4}  # the source line is page text under the plot (source_line)
    layout["title"] = {**layout.get("title", {}), "font": {"size": 12}, "x": 0.01, "y": 0.99}
    trace = figure["data"][0]
    if "colorbar" in trace:  # the related-sectors network has none
        trace["colorbar"] = {**trace["colorbar"], "thickness": 10, "len": 0.7, "tickfont": {"size": 9}}
    for annotation in layout.get("annotations", []):
        annotation["font"] = {**annotation.get("font", {}), "size": 10}
    return figure  # its source line (annotation 0) shows as page text under the plot (``source_line``; hidden in the plot by embed.css)


def source_line(figure: dict) -> str:
    """The figure's source line (its first annotation, ``dashboard.figures.source_annotation``, escaped there) as HTML text."""
    annotations = figure["layout"].get("annotations") or []
    return html.escape(html.unescape(annotations[0]["text"])) if annotations else html.escape(ATTRIBUTION)


def embed_page(data: DashboardData, query: str | bytes | dict[str, str], *, plotly_src: str = PLOTLY_BUNDLE, options: ViewOptions | None = None) -> str:
    """The HTML of an embed page for the view a raw ``query`` names (``dashboard.view.read_view``; bad parts fall back, with a notice)."""
    request = read_view(query, options or view_options(data))
    view, problems = request.view, request.problems
    if view.analysis == YEARS:  # eight maps on the same shapes: named by URL, fetched once (the page's origin)
        figure = years_figure(data, view, geometry_url=True)
    else:
        figure, _ = map_update(data, view, full=True)
    source = source_line(figure)
    figure = compact(figure)
    notice = ""
    if problems:
        items = "".join(f"<li>{html.escape(p.parameter)}={html.escape(p.given)}: {html.escape(p.message)}</li>" for p in problems)
        notice = f'<div class="notice" role="status">Showing defaults instead of: <ul>{items}</ul></div>'
    full_view = "/?" + view_query(view)
    title = view_title(data, view) if view.analysis == "network" else years_title(view, data.years) if view.analysis == YEARS else map_title(view)
    config = {"displaylogo": False, "showSendToCloud": False, "responsive": True, "topojsonURL": "/assets/topojson/"}
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="/assets/embed.css">
</head>
<body class="embed">
{notice}
<div id="map" class="embed-map" role="figure" aria-label="{html.escape(title)}"></div>
<p class="embed-footer"><span class="embed-source">{source}</span> <a href="{html.escape(full_view)}" target="_blank" rel="noopener">Open the full view</a></p>
<script id="embed-figure" type="application/json">{_script_json({"data": figure["data"], "layout": figure["layout"], "config": config})}</script>
<script src="{html.escape(plotly_src)}"></script>
<script>{EMBED_SCRIPT}</script>
</body>
</html>
"""


def register(server: Flask, data: DashboardData, *, allowed_ancestors: str | None = None, plotly_src: str = PLOTLY_BUNDLE) -> None:
    """Add ``/embed`` and the frame policy headers to ``server``; embed pages load plotly.js from ``plotly_src``."""
    ancestors = frame_ancestors(allowed_ancestors)
    options = view_options(data)

    @server.get("/embed")
    def embed() -> Response:
        return Response(embed_page(data, request.query_string, plotly_src=plotly_src, options=options), mimetype="text/html")

    @server.after_request
    def frame_policy(response: Response) -> Response:
        policy = ancestors if request.path == "/embed" else "'self'"
        response.headers["Content-Security-Policy"] = f"frame-ancestors {policy}"
        return response
