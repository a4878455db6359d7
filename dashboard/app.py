"""App factory: ``create_app()`` for ``clustermap serve``; ``dashboard.wsgi:server`` for gunicorn.

Plotly: the page loads ``assets/vendor/plotly-custom.min.js`` (plotly.js core + choropleth,
scattergeo and bar, built by ``tools/plotly-bundle``) as a script before Dash's components.
It defines ``window.Plotly``, and dcc.Graph uses a ``window.Plotly`` that is already there
instead of fetching plotly.py's full ``plotly.min.js``. The bundle is served from
``/vendor/plotly-custom.min.js?v=<hash>`` as its precompressed brotli or gzip copy
(immutable, ETag), not through ``/assets/`` (whose files pass through uncompressed).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dash import Dash
from flask import Flask, Response, abort, request

from dashboard import api, callbacks, embed, export_png, first_view, geometry, points_layer, portfolio_panel, ranking
from dashboard.data import DashboardData, load_dashboard_data
from dashboard.geometry import CACHE_CONTROL
from dashboard.layout import page
from layers.points.measures import POINT_INDICATORS
from layers.settings import PROJECT_ROOT

try:  # the brotli module flask-compress uses
    import brotlicffi as brotli
except ImportError:
    import brotli

ASSETS = PROJECT_ROOT / "assets"
PLOTLY_JS = ASSETS / "vendor" / "plotly-custom.min.js"
PLOTLY_ROUTE = "/vendor/plotly-custom.min.js"
PLOTLY_ENCODINGS = {"br": (".br", brotli.decompress), "gzip": (".gz", gzip.decompress)}
"""Content-Encoding → (suffix of the precompressed copy beside ``PLOTLY_JS``, its decoder), best first."""
PRECOMPRESSED = "CLUSTERMAP_PLOTLY_PRECOMPRESSED"
"""Server config key: False serves the plain bundle (the browser benchmark's uncompressed variant)."""


@dataclass(frozen=True)
class PlotlyBundle:
    """The plotly.js bundle's bytes, its precompressed copies that are current, and its version hash."""

    plain: bytes
    encoded: dict[str, bytes]
    version: str

    @property
    def url(self) -> str:
        return f"{PLOTLY_ROUTE}?v={self.version}"


@lru_cache(maxsize=4)
def plotly_bundle(path: Path = PLOTLY_JS) -> PlotlyBundle:
    """Read the bundle once per process. A copy that does not decode to the bundle is left out (served plain instead)."""
    plain = path.read_bytes()
    encoded = {}
    for encoding, (suffix, decode) in PLOTLY_ENCODINGS.items():
        copy = path.with_name(path.name + suffix)
        if copy.is_file() and decode(data := copy.read_bytes()) == plain:
            encoded[encoding] = data
    return PlotlyBundle(plain, encoded, hashlib.sha256(plain).hexdigest()[:16])


def register_plotly_bundle(server: Flask, bundle: PlotlyBundle) -> None:
    """Add ``/vendor/plotly-custom.min.js``: the brotli or gzip copy if the browser takes it, else the plain file."""

    @server.get(PLOTLY_ROUTE)
    def plotly_js() -> Response:
        offered = bundle.encoded if server.config.get(PRECOMPRESSED, True) else {}
        encoding = next((e for e in offered if request.accept_encodings[e]), None)
        response = Response(bundle.encoded[encoding] if encoding else bundle.plain, mimetype="text/javascript")
        if encoding:
            response.headers["Content-Encoding"] = encoding  # flask-compress leaves encoded responses alone
        response.vary.add("Accept-Encoding")
        response.set_etag(f"{bundle.version}-{encoding or 'plain'}")
        versioned = request.args.get("v") == bundle.version
        response.headers["Cache-Control"] = CACHE_CONTROL if versioned else "no-cache"
        return response.make_conditional(request)


def register_topojson(server: Flask) -> None:
    """``/assets/topojson/<name>.json`` (Plotly's base maps) read whole, so flask-compress compresses them.

    This rule is more specific than Dash's ``/assets/<path:filename>``, which streams files and so sends
    them uncompressed (198 kB for ``europe_50m.json``; 56 kB with zstd).
    """
    folder = ASSETS / "topojson"

    @server.get("/assets/topojson/<name>.json")
    def topojson(name: str) -> Response:
        path = folder / f"{name}.json"
        if not name.replace("_", "").isalnum() or not path.is_file():
            abort(404)
        body = path.read_bytes()  # read per request: an edited file is served at once, as by Dash
        response = Response(body, mimetype="application/json")
        response.set_etag(hashlib.sha256(body).hexdigest()[:16])
        response.last_modified = path.stat().st_mtime
        response.headers["Cache-Control"] = "no-cache"  # revalidated (304) on each load, as Dash's assets are
        return response.make_conditional(request)


def _notes(data: DashboardData) -> str:
    r = data.report
    unmatched = len(r.codes_without_shape) + len(r.extra_regio_codes)
    return (
        f"Statistics coded in NUTS {data.nuts_year} and drawn on NUTS {data.nuts_year} shapes. "
        f"{unmatched} codes in the data have no shape and are not drawn "
        f"({len(r.extra_regio_codes)} extra-regio, {len(r.codes_without_shape)} older or out-of-frame codes). "
        f"{r.rejected_rows} rows rejected while reading."
    )


def create_app(
    data: DashboardData | None = None,
    *,
    data_dir: Path | None = None,
    frame_ancestors: str | None = None,
    custom_plotly: bool = True,
) -> Dash:
    """A ready Dash app over the built caches (building them first if needed).

    ``frame_ancestors``: origins allowed to frame ``/embed`` (default: ``CLUSTERMAP_FRAME_ANCESTORS``, else any).
    ``custom_plotly``: False leaves the main page to dcc.Graph's own full ``plotly.min.js`` (every trace
    type, 1.4 MB compressed), e.g. to try a trace the custom bundle lacks; ``/embed`` keeps the bundle.
    """
    data = data or load_dashboard_data(data_dir=data_dir)
    bundle = plotly_bundle()
    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        assets_path_ignore=["^vendor$"],  # the Plotly bundle is loaded first, from its own route (below)
        # A same-origin script, placed by Dash after React and before every component and asset script.
        external_scripts=[bundle.url] if custom_plotly else [],
        title="Cluster Observatory Map",
        serve_locally=True,
        update_title=None,
        compress=True,  # flask-compress: gzip/brotli for the bundles, layout and callback responses
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    notes, sectors = _notes(data), data.sector_options()
    point_indicators = tuple(POINT_INDICATORS.values()) if data.point_measures is not None else ()

    def page_of(first: first_view.FirstView):
        """The page opened on ``first`` (the URL's view; ``dashboard.first_view``)."""
        return page(
            sector_options=sectors,
            years=data.years,
            first=first,
            notes=notes,
            insights=[ranking.layout(), *portfolio_panel.layout()],
            region_options=[],  # filled as the user types (callbacks: find_regions)
            overlays=[points_layer.layout(data.organisations, first.view)],
            point_indicators=point_indicators,
        )

    # Streamed files (assets/) pass through uncompressed: flask-compress would read them without closing them.
    # The two large ones are served whole instead: the Plotly bundle (precompressed) and the topojson base maps.
    app.server.config["COMPRESS_STREAMS"] = False
    first_view.register(app, lambda query: callbacks.first_view(data, query), page_of)
    callbacks.register(app, data)
    ranking.register(app, data)
    portfolio_panel.register(app, data)
    points_layer.register(app, data)
    api.register(app.server, data)
    export_png.register(app.server, data)
    register_plotly_bundle(app.server, bundle)
    register_topojson(app.server)
    embed.register(app.server, data, allowed_ancestors=frame_ancestors, plotly_src=bundle.url)
    geometry.register(app.server, data)
    return app
