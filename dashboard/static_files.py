"""The page's own static files, served compressed: the plotly.js bundle and the files of ``assets/``.

Dash streams ``/assets/<path:filename>`` from disk, and a streamed response passes through
flask-compress uncompressed (``COMPRESS_STREAMS`` is off: flask-compress would read the
stream without closing it). The routes here are more specific than Dash's, so they take
precedence: the Plotly bundle goes out as its committed brotli or gzip copy, and the
topojson base maps and the top-level CSS and JavaScript files are read whole, so
flask-compress compresses them (``europe_50m.json`` 198 → 57 kB, the CSS and JS 53 → 18 kB).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, abort, request

from dashboard.geometry import CACHE_CONTROL
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
TEXT_TYPES = {".js": "text/javascript", ".css": "text/css"}
"""The top-level files of ``assets/`` served whole (and so compressed), by suffix."""


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


def whole_file(path: Path, mimetype: str) -> Response:
    """A file read whole (so flask-compress compresses it), revalidated on each load (ETag, 304) as Dash's assets are.

    Read per request: an edited file is served at once, as Dash does.
    """
    body = path.read_bytes()
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(body).hexdigest()[:16])
    response.last_modified = path.stat().st_mtime
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


def register_assets(server: Flask, folder: Path = ASSETS) -> None:
    """``/assets/topojson/<name>.json`` (Plotly's base maps) and ``/assets/<name>.js|.css``, read whole.

    Only plain file names at those two places are served here; anything else (a subfolder,
    another suffix) falls through to Dash's own route, which keeps ``vendor/`` out.
    """

    @server.get("/assets/topojson/<name>.json")
    def topojson(name: str) -> Response:
        path = folder / "topojson" / f"{name}.json"
        if not name.replace("_", "").isalnum() or not path.is_file():
            abort(404)
        return whole_file(path, "application/json")

    @server.get("/assets/<name>")
    def text_asset(name: str) -> Response:
        path = folder / name
        mimetype = TEXT_TYPES.get(path.suffix)
        if mimetype is None or not path.stem.replace("_", "").replace("-", "").isalnum() or not path.is_file():
            abort(404)
        return whole_file(path, mimetype)
