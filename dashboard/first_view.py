"""The first view comes with the page: no callback round trip before the map draws.

Dash fetches its layout (``/_dash-layout``) once the page's scripts have run. That
request's ``Referer`` is the page's own URL, so the layout can already hold the view the
URL names: the controls' values, the map figure (shapes by URL), its links and the notice
for parameters that fell back to defaults. ``assets/url_state.js`` finds the address bar on
the query the layout was built for and leaves the controls alone, so no callback runs again
for a view the page already shows. Without a Referer
(a privacy setting, a proxy) the layout holds the default view and the callbacks apply
the URL as before: slower, never wrong.

The index page preloads what the first figure fetches (its shapes, Plotly's base map), so
those downloads overlap the scripts' start-up instead of following the first render. It
also loads dcc's chunks for the Dropdown, Slider and Graph as plain scripts. dcc imports
them lazily on first render (``React.lazy``); ``assets/lazy_warmup.js`` resolves those
imports from the loaded chunks before Dash renders, so no component waits behind React's
Suspense fallback (which React holds for up to 500 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from urllib.parse import urlsplit

from dash import Dash
from flask import has_request_context, request

from dashboard.payload import YearsPayload
from dashboard.view import MapView

TOPOJSON_URL = "/assets/topojson/"
"""Where Plotly fetches its base maps (the map config's ``topojsonURL``)."""
CACHED_VIEWS = 64
"""Layouts kept per process (by query): about 0.3 MB each (measured with tracemalloc), so about 20 MB in all."""
LAZY_CHUNKS = ("dcc/async-dropdown.js", "dcc/async-slider.js", "dcc/async-graph.js")
"""dcc's chunks the page's components import on first render (Dropdown, Slider, Graph), under ``dash/``."""


@dataclass(frozen=True)
class FirstView:
    """What the layout shows before any callback has run."""

    view: MapView
    search: str
    """The page URL's query as the layout was built for it (``?…``, or empty): ``assets/url_state.js`` compares it with the address bar."""
    query: str
    """``view_query(view)``, for the CSV link, the embed snippet and the ranking."""
    figure: dict
    map_years: YearsPayload | None
    """Every year's values of the view (``dashboard.callbacks.years_payload_for``), ``drawn`` in ``figure``: a year change needs no server."""
    png_name: str
    shapes_url: str
    notice: list

    @property
    def csv_href(self) -> str:
        """The view's CSV download (in the browser, a clientside callback builds it the same way from the query)."""
        return f"/export.csv?{self.query}"


def page_query(page_path: str = "/") -> str:
    """The query string of the page being served: the request's own for the index, the Referer's for the layout.

    ``page_path``: where the app's page is (Dash's ``requests_pathname_prefix``). A Referer from another
    host or page (a proxy that rewrites the Host, a page elsewhere) gives the default view.
    """
    if not has_request_context():
        return ""
    if request.path.endswith("/_dash-layout"):
        referrer = urlsplit(request.referrer or "")
        same_page = referrer.netloc == request.host and (referrer.path or "/") == page_path
        return referrer.query if same_page else ""
    return request.query_string.decode("utf-8", "replace")


def topojson_url(figure: dict) -> str:
    """The base map Plotly fetches for the figure's geo (``<scope>_<resolution>m.json``)."""
    geo = figure.get("layout", {}).get("geo", {})
    return f"{TOPOJSON_URL}{geo.get('scope', 'world')}_{geo.get('resolution', 110)}m.json"


def preload_tags(first: FirstView) -> str:
    """``<link rel=preload>`` for the first figure's fetches (Plotly uses XHR: ``as=fetch`` with ``crossorigin``)."""
    by_url = [t["geojson"] for t in first.figure.get("data", []) if isinstance(t.get("geojson"), str)]  # shapes sent inline need no fetch
    base_map = [topojson_url(first.figure)] if "geo" in first.figure.get("layout", {}) else []  # the network view draws no map
    fetches = [*by_url, *base_map]
    return "\n      ".join(f'<link rel="preload" href="{escape(url)}" as="fetch" crossorigin="anonymous">' for url in fetches)


def chunk_scripts(chunk_prefix: str) -> str:
    """``<script>`` tags for dcc's lazily imported chunks, placed after Dash's own scripts."""
    return "\n".join(f'<script src="{escape(chunk_prefix + chunk)}"></script>' for chunk in LAZY_CHUNKS)


def register(app: Dash, first_view_of: Callable[[str], FirstView], page_of: Callable[[FirstView], object]) -> None:
    """Serve the layout for the page's URL and add the preloads to the index page.

    ``first_view_of(query)`` parses a query into the first view; ``page_of(first)`` builds the page.
    Both are cached by query (the ``CACHED_VIEWS`` most recent): a layout is built once per query, not per visit.
    """
    first_for = lru_cache(maxsize=CACHED_VIEWS)(first_view_of)
    page_for = lru_cache(maxsize=CACHED_VIEWS)(lambda query: page_of(first_for(query)))
    page_path = app.config.requests_pathname_prefix or "/"
    app.layout = lambda: page_for(page_query(page_path))
    # For a layout function Dash keeps one call's result as the "validation layout" and ships it in
    # every index page (45 kB here). Every call holds the same ids, so the browser can check the
    # callbacks against the layout it gets; Dash still validates the layout on the server.
    app.validation_layout = None

    chunk_prefix = f"{app.config.requests_pathname_prefix}_dash-component-suites/dash/"
    interpolate = app.interpolate_index

    def interpolate_index(**parts: str) -> str:
        first = first_for(page_query(page_path))
        parts["metas"] = parts.get("metas", "") + "\n      " + preload_tags(first)
        parts["scripts"] = parts.get("scripts", "") + "\n" + chunk_scripts(chunk_prefix)
        return interpolate(**parts)

    app.interpolate_index = interpolate_index  # type: ignore[method-assign,assignment]  # Dash's documented override point, per instance
