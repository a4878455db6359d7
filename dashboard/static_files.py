"""The page's own static files, served compressed: the plotly.js bundle and the files of ``assets/``.

Dash streams ``/assets/<path:filename>`` from disk, and a streamed response passes through
flask-compress uncompressed (``COMPRESS_STREAMS`` is off: flask-compress would read the
stream without closing it). The routes here are more specific than Dash's, so they take
precedence: the Plotly bundle goes out as a brotli or gzip copy compressed once (see
``plotly_bundle``), and the
topojson base maps and the top-level CSS and JavaScript files are read whole, so
flask-compress compresses them (``europe_50m.json`` 198 → 57 kB, the CSS and JS 53 → 18 kB).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, abort, request

from dashboard.geometry import CACHE_CONTROL
from layers import files
from layers.settings import PROJECT_ROOT, data_dir

log = logging.getLogger(__name__)

try:  # the brotli module flask-compress uses
    import brotlicffi as brotli
except ImportError:
    import brotli

ASSETS = PROJECT_ROOT / "assets"
PLOTLY_JS = ASSETS / "vendor" / "plotly-custom.min.js"
PLOTLY_ROUTE = "/vendor/plotly-custom.min.js"
PLOTLY_ENCODINGS = {"br": (".br", brotli.decompress), "gzip": (".gz", gzip.decompress)}
"""Content-Encoding → (suffix of the compressed copy, its decoder), best first."""
BUNDLE_CACHE = "vendor"
"""Folder of the data folder that holds the bundle's compressed copies (built files, never committed)."""
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


def _compress(plain: bytes, encoding: str) -> bytes:
    """The highest levels: done once per bundle version, so the browser gets brotli 11 (363 kB, 2.7 s to make)."""
    if encoding == "br":
        return brotli.compress(plain, quality=11)
    return gzip.compress(plain, compresslevel=9, mtime=0)


def compressed_copy(plain: bytes, encoding: str, version: str, cache_dir: Path) -> bytes:
    """The bundle compressed for ``encoding``: read from ``cache_dir`` if a copy of this version decodes to it, else made and saved there.

    The copies are named by the bundle's version hash, so a new bundle never meets an old copy. A
    folder that cannot be written (a read-only deployment) only costs the compression at each start.
    """
    suffix, decode = PLOTLY_ENCODINGS[encoding]
    path = cache_dir / f"plotly-custom-{version}.min.js{suffix}"
    try:
        data = path.read_bytes()
        if decode(data) == plain:
            return data
    except (OSError, ValueError, gzip.BadGzipFile, brotli.error):
        pass  # missing or damaged: made again below
    data = _compress(plain, encoding)
    try:
        files.atomic_write_bytes(path, data)
    except OSError as e:
        log.warning("could not save the compressed plotly.js bundle to %r (%s); it is compressed again at each start", str(path), e)
    return data


@lru_cache(maxsize=4)
def plotly_bundle(path: Path = PLOTLY_JS, cache_dir: Path | None = None) -> PlotlyBundle:
    """Read the bundle once per process, with its compressed copies (made on first start into ``<data>/vendor/``).

    ``clustermap serve`` calls this before its workers start, so workers only read the copies.
    """
    plain = path.read_bytes()
    version = hashlib.sha256(plain).hexdigest()[:16]
    folder = cache_dir if cache_dir is not None else data_dir() / BUNDLE_CACHE
    encoded = {encoding: compressed_copy(plain, encoding, version, folder) for encoding in PLOTLY_ENCODINGS}
    return PlotlyBundle(plain, encoded, version)


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
        response.make_conditional(request)  # in place: a 304 when the browser's copy is current
        return response


def whole_file(path: Path, mimetype: str) -> Response:
    """A file read whole (so flask-compress compresses it), revalidated on each load (ETag, 304) as Dash's assets are.

    Read per request: an edited file is served at once, as Dash does.
    """
    body = path.read_bytes()
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(body).hexdigest()[:16])
    response.last_modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    response.headers["Cache-Control"] = "no-cache"
    response.make_conditional(request)  # in place: a 304 when the browser's copy is current
    return response


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
