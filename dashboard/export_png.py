"""PNG export of a view: one warm headless Chromium per process, bounded.

``GET /export.png?<view query>&width=&height=&scale=`` answers the map that the
same query string shows on screen (``dashboard.view``) as a PNG download,
``clustermap export`` writes a grid of views to a folder (:func:`export_views`).

The figure is ``map_update(data, view, full=True)``, the figure the page gets:
title, colorbar with the class ranges, and the source/attribution annotation.
It is rendered by kaleido (>= 1) in Debian's Chromium, never a downloaded
browser, with everything the page needs read from local files: plotly.js from
the plotly package, the topojson from ``assets/topojson/``, MathJax disabled.
So an export makes no network request.

One :class:`Renderer` per process keeps the browser warm: it is started on the
first export (3-5 s with its two tabs) and reused (about 0.4 s per map). The
work is bounded: image size and scale are range-checked, a render that takes
longer than ``RENDER_TIMEOUT`` is abandoned (504, and the browser is replaced),
and at most ``MAX_CONCURRENT`` renders run at once; a request beyond that is
answered 429 with ``Retry-After`` straight away rather than queued. Nothing from
a request reaches the filesystem: the browser gets a figure dict and returns
bytes. The PNG carries the title, source line, legend classes and the view's
query as text chunks (iTXt).

Why not ``kaleido.start_sync_server()`` + ``kaleido.calc_fig_sync()``: in
kaleido 1.5 that server shares one result queue between all callers, so two
threads exporting at once can receive each other's image; a caller cannot
bound its wait; and if the browser fails to start every later call blocks
forever. :class:`Renderer` is the same thing (a ``kaleido.Kaleido`` on an event
loop of its own thread) with one future per render.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import itertools
import logging
import math
import os
import re
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layers import files
from layers._errors import ClusterMapError
from dashboard.chromium import CHROMIUM as DEBIAN_CHROMIUM
from layers.settings import PROJECT_ROOT

_log = logging.getLogger(__name__)

CHROMIUM = Path(DEBIAN_CHROMIUM)
"""Debian's Chromium; kaleido is never allowed to look for (or download) another browser."""
CHROMIUM_EXTRA_ARGS = ("--disable-quic", "--disable-background-networking")
"""Added to choreographer's command line, which already has ``--no-sandbox``
(needed as root), ``--disable-gpu``, ``--headless``, ``--no-first-run``,
``--disable-component-update`` and ``--disable-sync``: the flags of
``dashboard.chromium.CHROMIUM_ARGS``."""
TOPOJSON_DIR = PROJECT_ROOT / "assets" / "topojson"
TOPOJSON_URL = TOPOJSON_DIR.as_uri() + "/"
"""plotly.js appends ``europe_50m.json``; the page is a local file, so file:// is allowed."""

WIDTH_RANGE = (400, 3000)
HEIGHT_RANGE = (300, 3000)
SCALE_RANGE = (0.5, 4.0)
MAX_PIXELS = 25_000_000
"""Output pixels (width x scale) x (height x scale): A3 at 300 dpi is 17.4 million."""
DEFAULT_WIDTH, DEFAULT_HEIGHT, DEFAULT_SCALE = 1200, 800, 1.0
SIZE_PARAMETERS = ("width", "height", "scale")

RENDER_TIMEOUT = 20.0
"""Seconds one render may take before it is abandoned."""
START_TIMEOUT = 30.0
"""Seconds the browser may take to start."""
MAX_CONCURRENT = 2
"""Renders at once (and tabs in the browser): the machine has 2 cores."""
RETRY_AFTER = 2
"""Seconds a client is told to wait when every render slot is taken."""

LINE_SPACING = 1.3
"""plotly.js's line height in ems for ``<br>`` in text."""
TITLE_TOP_PX = 8
_EM_PER_CHAR = 0.5
"""Width of an average character in ems, a little above what Chromium's sans-serif measures (0.45)."""


# ---------------------------------------------------------------- errors


class ExportError(ClusterMapError):
    """An export that could not be made; ``status`` is its HTTP status."""

    status = 500

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter


class ExportParameterError(ExportError, ValueError):
    """A view, size or scale that cannot be exported (HTTP 400)."""

    status = 400

    def __init__(self, message: str, *, parameter: str, problems: Sequence[Mapping[str, str]] = ()) -> None:
        super().__init__(message, parameter=parameter)
        self.problems = list(problems)


class ExportBusy(ExportError):
    """Every render slot is taken (HTTP 429)."""

    status = 429


class RendererUnavailable(ExportError, RuntimeError):
    """The browser is missing, did not start or died (HTTP 503)."""

    status = 503


class RenderTimeout(ExportError, TimeoutError):
    """A render took longer than ``RENDER_TIMEOUT`` (HTTP 504)."""

    status = 504


class RenderFailed(ExportError, RuntimeError):
    """plotly.js could not draw the figure (HTTP 500)."""


# ---------------------------------------------------------------- sizes


@dataclass(frozen=True)
class ImageSize:
    """Layout pixels and the scale factor; the PNG is ``width*scale`` x ``height*scale``."""

    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT
    scale: float = DEFAULT_SCALE

    @property
    def pixels(self) -> tuple[int, int]:
        """The PNG's width and height (Chromium truncates fractions)."""
        return int(self.width * self.scale), int(self.height * self.scale)


def check_size(width: Any, height: Any, scale: Any) -> ImageSize:
    """The size if it is within bounds, else :class:`ExportParameterError` naming the parameter."""

    def whole(name: str, value: Any, bounds: tuple[int, int]) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value != int(value):
            raise ExportParameterError(f"{name} must be a whole number of pixels, {bounds[0]}-{bounds[1]}", parameter=name)
        if not bounds[0] <= value <= bounds[1]:
            raise ExportParameterError(f"{name} must be {bounds[0]}-{bounds[1]} pixels", parameter=name)
        return int(value)

    w = whole("width", width, WIDTH_RANGE)
    h = whole("height", height, HEIGHT_RANGE)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale):
        raise ExportParameterError(f"scale must be a number, {SCALE_RANGE[0]:g}-{SCALE_RANGE[1]:g}", parameter="scale")
    if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        raise ExportParameterError(f"scale must be {SCALE_RANGE[0]:g}-{SCALE_RANGE[1]:g}", parameter="scale")
    size = ImageSize(w, h, float(scale))
    pw, ph = size.pixels
    if pw * ph > MAX_PIXELS:
        raise ExportParameterError(
            f"the image would be {pw} x {ph} = {pw * ph:,} pixels; at most {MAX_PIXELS:,} (lower scale, width or height)",
            parameter="scale",
        )
    return size


_WHOLE_RE = re.compile(r"^\d{1,5}$")
_NUMBER_RE = re.compile(r"^\d{1,2}(\.\d{1,4})?$|^\.\d{1,4}$")


def parse_size(query: Mapping[str, str]) -> ImageSize:
    """width, height and scale from query strings (defaults 1200 x 800 x 1)."""
    values: dict[str, float] = {}
    for name, default, pattern, kind in (
        ("width", DEFAULT_WIDTH, _WHOLE_RE, f"a whole number of pixels, {WIDTH_RANGE[0]}-{WIDTH_RANGE[1]}"),
        ("height", DEFAULT_HEIGHT, _WHOLE_RE, f"a whole number of pixels, {HEIGHT_RANGE[0]}-{HEIGHT_RANGE[1]}"),
        ("scale", DEFAULT_SCALE, _NUMBER_RE, f"a number, {SCALE_RANGE[0]:g}-{SCALE_RANGE[1]:g}"),
    ):
        if name not in query:
            values[name] = default
            continue
        raw = str(query[name]).strip()
        if not pattern.match(raw):
            raise ExportParameterError(f"{name} must be {kind}", parameter=name)
        values[name] = int(raw) if pattern is _WHOLE_RE else float(raw)
    return check_size(values["width"], values["height"], values["scale"])


def parse_export_query(query: Mapping[str, str], options) -> tuple[Any, ImageSize]:
    """(view, size) of an export URL's query; :class:`ExportParameterError` for the first bad parameter.

    ``query`` may be a werkzeug ``MultiDict``: a parameter given twice is an error, not a silent pick.
    """
    from dashboard.view import parse_view

    if hasattr(query, "getlist"):
        for name in query:
            if len(query.getlist(name)) > 1:
                raise ExportParameterError(f"{name} is given more than once", parameter=name)
    size = parse_size(query)
    view, problems = parse_view({k: v for k, v in query.items() if k not in SIZE_PARAMETERS}, options)
    if problems:
        listed = [{"parameter": p.parameter, "given": p.given, "message": p.message} for p in problems]
        raise ExportParameterError(problems[0].message, parameter=problems[0].parameter, problems=listed)
    return view, size


# ---------------------------------------------------------------- figure


def _text_px(text: str, size: float) -> float:
    return len(re.sub(r"<[^>]+>", "", text)) * size * _EM_PER_CHAR


def _wrap(text: str, size: float, width: float, separator: str = " · ") -> list[str]:
    """Greedy lines of ``text`` broken after ``separator`` so that each fits ``width`` px if it can."""
    parts = text.split(separator)
    lines = [parts[0]]
    for part in parts[1:]:
        candidate = f"{lines[-1]}{separator}{part}"
        if _text_px(candidate, size) <= width:
            lines[-1] = candidate
        else:
            lines[-1] += separator.rstrip()
            lines.append(part)
    return lines


def fit_figure(figure: dict, width: int) -> dict:
    """The figure laid out for a ``width`` px image: a title or note too long for it wraps at " · ".

    The text stays the same (only ``<br>`` is added); the figure passed in is not changed.
    """
    layout = figure.get("layout", {})
    title = layout.get("title", {})
    text = title.get("text") or ""
    size = (title.get("font") or {}).get("size") or 17
    usable = width * (1 - 2 * (title.get("x") or 0.01)) - 10
    fitted_layout = dict(layout)
    margin = dict(layout.get("margin") or {})
    if text and _text_px(text, size) > usable:
        lines = _wrap(text, size, usable)
        # plotly.js centres the lines of a multi-line title on its anchor: push it down by half the extra lines
        extra = LINE_SPACING * size * (len(lines) - 1)
        fitted_layout["title"] = {
            **title,
            "text": "<br>".join(lines),
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": round(TITLE_TOP_PX + extra / 2)},
        }
        margin["t"] = round((margin.get("t") or 40) + extra)
    notes = []
    for annotation in layout.get("annotations") or []:
        note = annotation.get("text") or ""
        note_size = (annotation.get("font") or {}).get("size") or 12
        if annotation.get("yref") == "paper" and annotation.get("y") == 0 and _text_px(note, note_size) > width - 10:
            lines = _wrap(note, note_size, width - 10)
            annotation = {**annotation, "text": "<br>".join(lines), "align": "left", "xanchor": "left"}
            margin["b"] = round((margin.get("b") or 28) + LINE_SPACING * note_size * (len(lines) - 1))
        notes.append(annotation)
    if notes:
        fitted_layout["annotations"] = notes
    fitted_layout["margin"] = margin
    return {**figure, "layout": fitted_layout}


def figure_text(figure: dict) -> dict[str, str]:
    """What the image says in words: title, source line(s) and legend classes, for PNG text chunks."""
    layout = figure.get("layout", {})
    text = {"Title": (layout.get("title") or {}).get("text") or ""}
    notes = [a.get("text", "") for a in layout.get("annotations") or [] if a.get("text")]
    if notes:
        text["Source"] = "\n".join(notes)
    for trace in figure.get("data", []):
        ticks = (trace.get("colorbar") or {}).get("ticktext")
        if ticks:
            text["Description"] = "Legend (bottom to top):\n" + "\n".join(map(str, ticks))
            break
    text["Software"] = "Cluster Observatory Map"
    return {k: v for k, v in text.items() if v}


def add_png_text(png: bytes, text: Mapping[str, str]) -> bytes:
    """``png`` with an international text chunk (iTXt, UTF-8) per item, right after IHDR."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise RenderFailed("the renderer did not return a PNG")
    end_of_ihdr = 8 + 8 + struct.unpack(">I", png[8:12])[0] + 4
    chunks = []
    for keyword, value in text.items():
        # keyword, NUL, compression flag and method (none), language tag and translated keyword (empty, NUL-ended), text
        data = keyword.encode("latin-1")[:79] + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + value.encode("utf-8")
        chunks.append(struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(">I", zlib.crc32(b"iTXt" + data)))
    return png[:end_of_ihdr] + b"".join(chunks) + png[end_of_ihdr:]


def export_figure(data, view) -> dict:
    """The full figure of a view: the one the page receives for it."""
    from dashboard.callbacks import map_update

    figure, _ = map_update(data, view, full=True)
    return figure


# ---------------------------------------------------------------- renderer


def configure_plotly_io() -> None:
    """Point ``plotly.io``'s own image export (``pio.write_image``) at the local topojson, MathJax off.

    Note: plotly 7.1's ``to_image`` only forwards a truthy ``defaults.mathjax``,
    so ``False`` still leaves the CDN MathJax in kaleido's page there; :class:`Renderer`
    passes ``mathjax=False`` to kaleido itself.
    """
    import plotly.io as pio

    pio.defaults.topojson = TOPOJSON_URL
    pio.defaults.mathjax = False


def _chromium_class():
    from choreographer.browsers.chromium import Chromium

    class _Chromium(Chromium):
        """choreographer's Chromium with the extra flags of ``CHROMIUM_EXTRA_ARGS``."""

        def get_cli(self):
            return [*super().get_cli(), *CHROMIUM_EXTRA_ARGS]

    return _Chromium


class Renderer:
    """One headless Chromium (a ``kaleido.Kaleido``) on an event loop of its own, shared by all threads.

    Started lazily by the first :meth:`render`, replaced when it dies or a render times out.
    """

    def __init__(
        self,
        *,
        chromium: Path = CHROMIUM,
        tabs: int = MAX_CONCURRENT,
        timeout: float = RENDER_TIMEOUT,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.chromium = Path(chromium)
        self.tabs = tabs
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.starts = 0
        """How many browsers this renderer has started (1 while it stays warm)."""
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    @property
    def running(self) -> bool:
        k = self._kaleido
        proc = getattr(k, "subprocess", None)
        return proc is not None and proc.poll() is None

    async def _open(self):
        import kaleido

        k = kaleido.Kaleido(
            n=self.tabs,
            timeout=self.timeout,
            mathjax=False,
            path=str(self.chromium),
            browser_cls=_chromium_class(),
        )
        try:
            await k.open()
        except BaseException:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(k.close(), 5)
            raise
        return k

    def start(self) -> None:
        """Start the browser unless it is running (thread-safe; the first caller waits, the others wait for it)."""
        with self._lock:
            if self.running:
                return
            self._discard_locked()
            if not (self.chromium.is_file() and os.access(self.chromium, os.X_OK)):
                raise RendererUnavailable(f"no browser at {self.chromium} for PNG export: apt-get install -y chromium")
            configure_plotly_io()
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="clustermap-png-renderer", daemon=True)
            thread.start()
            future = asyncio.run_coroutine_threadsafe(self._open(), loop)
            try:
                k = future.result(self.start_timeout)
            except BaseException as e:
                future.cancel()
                _stop_loop(loop, thread)
                raise RendererUnavailable(f"{self.chromium} did not start for PNG export ({type(e).__name__}: {e})") from e
            self._loop, self._thread, self._kaleido = loop, thread, k
            self.starts += 1
            _log.info("PNG renderer started: %s, %d tabs", self.chromium, self.tabs)

    def render(self, figure: dict, opts: Mapping[str, Any]) -> bytes:
        """The image of ``figure`` (kaleido layout options: format, width, height, scale)."""
        from kaleido.errors import JavascriptError

        started = time.monotonic()
        for attempt in (1, 2):
            try:
                return self._render_once(figure, opts, started if attempt == 1 else time.monotonic())
            except JavascriptError as e:
                # kaleido's call ran before its page's scripts were there ("kaleido_scopes is
                # not defined", seen on a loaded machine); the tab is reloaded after every
                # call, so once more if there is time.
                if attempt == 2 or time.monotonic() - started > self.timeout / 2:
                    raise RenderFailed(f"the map could not be rendered (kaleido's page: {e})") from e
                _log.warning("PNG render: kaleido's page was not ready (%s); once more", e)
        raise AssertionError("unreachable")

    def _render_once(self, figure: dict, opts: Mapping[str, Any], started: float) -> bytes:
        from kaleido.errors import JavascriptError, KaleidoError

        self.start()
        with self._lock:
            k, loop = self._kaleido, self._loop
        if k is None or loop is None:
            raise RendererUnavailable("the PNG renderer was stopped")
        future = asyncio.run_coroutine_threadsafe(k.calc_fig(figure, opts=dict(opts), topojson=TOPOJSON_URL), loop)
        try:
            # kaleido gives up after `timeout` itself; the extra second covers a stuck browser.
            return future.result(self.timeout + 1)
        except KaleidoError as e:
            raise RenderFailed(f"plotly.js could not draw the map ({e})") from e
        except JavascriptError:
            raise  # see render()
        except concurrent.futures.CancelledError as e:
            raise RendererUnavailable("the PNG renderer was restarted during this render; try again") from e
        except Exception as e:
            # kaleido's asyncio.wait_for raises TimeoutError, or whatever the cancelled
            # devtools call raised instead (choreographer turns a cancelled write into
            # ChannelClosedError): the clock decides.
            if isinstance(e, TimeoutError) or time.monotonic() - started >= self.timeout:
                future.cancel()
                self.discard(k)  # a tab may be stuck: the next render gets a fresh browser
                raise RenderTimeout(f"the image took longer than {self.timeout:g} s to render") from e
            if not self.running:
                self.discard(k)
                raise RendererUnavailable(f"the PNG renderer stopped ({type(e).__name__}: {e}); try again") from e
            raise RenderFailed(f"the map could not be rendered ({type(e).__name__}: {e})") from e

    def discard(self, k=None) -> None:
        """Forget the browser (``k``, if it is still the current one) and close it in the background."""
        with self._lock:
            if k is None or self._kaleido is k:
                self._discard_locked(background=True)

    def close(self) -> None:
        """Close the browser and stop the loop (it starts again on the next render)."""
        with self._lock:
            self._discard_locked()

    def _discard_locked(self, *, background: bool = False) -> None:
        k, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = None
        if loop is None:
            return
        if background:
            threading.Thread(target=_close, args=(k, loop, thread), name="clustermap-png-close", daemon=True).start()
        else:
            _close(k, loop, thread)


def _close(k, loop: asyncio.AbstractEventLoop, thread: threading.Thread | None) -> None:
    if k is not None:
        try:
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(10)
        except BaseException:  # noqa: BLE001 - closing is best effort; make sure the process goes
            proc = getattr(k, "subprocess", None)
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(OSError):
                    proc.kill()
    _stop_loop(loop, thread)


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread | None) -> None:
    loop.call_soon_threadsafe(loop.stop)
    if thread is not None:
        thread.join(5)
        if not thread.is_alive():
            loop.close()


RENDERER = Renderer()
"""The process's renderer (a gunicorn worker has its own)."""
SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT)
"""Renders the HTTP route lets run at once."""
atexit.register(RENDERER.close)


def render_png(figure: dict, *, width: int, height: int, scale: float, text: Mapping[str, str] | None = None) -> bytes:
    """The PNG of a map figure, ``width*scale`` x ``height*scale`` pixels, on the warm renderer.

    The PNG carries the figure's title, source and legend as text chunks (plus
    ``text``). Raises :class:`ExportParameterError` for an out-of-range size and
    another :class:`ExportError` if the render fails or times out.
    """
    size = check_size(width, height, scale)
    png = RENDERER.render(
        fit_figure(figure, size.width),
        {"format": "png", "width": size.width, "height": size.height, "scale": size.scale},
    )
    return add_png_text(png, {**figure_text(figure), **(text or {})})


def export_view_png(data, view, size: ImageSize) -> bytes:
    """The PNG of one view, with its query string in a ``Comment`` chunk."""
    from dashboard.view import view_query

    return render_png(
        export_figure(data, view), width=size.width, height=size.height, scale=size.scale, text={"Comment": f"view: {view_query(view)}"}
    )


# ---------------------------------------------------------------- HTTP


def _json_error(status: int, error: ExportError | str, *, parameter: str | None = None, retry_after: int | None = None, **extra):
    from flask import jsonify

    body: dict[str, Any] = {"error": error.message if isinstance(error, ExportError) else error}
    parameter = parameter or (error.parameter if isinstance(error, ExportError) else None)
    if parameter:
        body["parameter"] = parameter
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def _filename(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem) + ".png"


def register(server, data) -> None:
    """Attach ``GET /export.png`` to the Flask ``server``."""
    from flask import Response, request

    from dashboard.view import view_options, view_slug

    options = view_options(data)

    def export_png():
        try:
            view, size = parse_export_query(request.args, options)
        except ExportParameterError as e:
            extra = {"problems": e.problems} if len(e.problems) > 1 else {}
            return _json_error(400, e, **extra)
        if not SLOTS.acquire(blocking=False):
            return _json_error(429, f"{MAX_CONCURRENT} exports are already rendering; try again shortly", retry_after=RETRY_AFTER)
        try:
            png = export_view_png(data, view, size)
        except ExportError as e:
            retry = RETRY_AFTER if e.status in (503, 504) else None
            _log.warning("PNG export of %s failed: %s", request.query_string.decode("latin-1")[:200], e)
            return _json_error(e.status, e, retry_after=retry)
        finally:
            SLOTS.release()
        return Response(
            png,
            mimetype="image/png",
            headers={
                "Content-Disposition": f'attachment; filename="{_filename(view_slug(view))}"',
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
            },
        )

    server.add_url_rule("/export.png", endpoint="export_png", view_func=export_png, methods=["GET"])


# ---------------------------------------------------------------- batch


def view_grid(
    options,
    *,
    levels: Iterable[int | str] | None = None,
    sectors: Iterable[str] | None = None,
    indicators: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    params: Mapping[str, Any] | None = None,
) -> list:
    """Every combination of the given values, as views; ``None`` keeps the default view's value.

    Values are as in a URL: ``levels`` may hold 0, 1, 2 and ``"mixed"``.

    ``params`` are further view parameters by their query names, the same for
    every view (e.g. ``{"scheme": "fisher_jenks", "k": 7, "palette": "Viridis"}``).
    Each value is checked exactly as in a URL (``dashboard.view.parse_view``):
    :class:`ExportParameterError` names the first one that is not valid.
    """
    from dashboard.view import parse_view, view_params

    default = view_params(options.default())  # by query names and in query form (level "mixed")
    axes = {
        "level": list(levels) if levels is not None else [default["level"]],
        "sector": list(sectors) if sectors is not None else [default["sector"]],
        "indicator": list(indicators) if indicators is not None else [default["indicator"]],
        "year": list(years) if years is not None else [default["year"]],
    }
    for name, values in axes.items():
        if not values:
            raise ExportParameterError(f"no {name} given", parameter=name)
    fixed = {name: str(value) for name, value in (params or {}).items() if value is not None}
    for name in fixed:
        if name in axes or name in SIZE_PARAMETERS:
            raise ExportParameterError(f"{name} is not a fixed view parameter here", parameter=name)
    views = []
    for combination in itertools.product(*axes.values()):
        query = {**{name: str(value) for name, value in zip(axes, combination)}, **fixed}
        view, problems = parse_view(query, options)
        if problems:
            p = problems[0]
            raise ExportParameterError(f"{p.message} (given {p.given!r})", parameter=p.parameter)
        if view not in views:
            views.append(view)
    return views


def _write_whole(path: Path, png: bytes) -> Path:
    """Write ``png`` under a temporary name, then rename it: a crash never leaves half an image."""
    return files.atomic_write_bytes(path, png)


def export_views(
    data,
    views: Sequence,
    out_dir: Path,
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    scale: float = DEFAULT_SCALE,
    progress: bool = True,
) -> list[Path]:
    """Write one PNG per view into ``out_dir`` as ``<view_slug>.png``; returns the paths in order.

    Files are written whole (temporary name, then renamed). The size is checked
    before anything is rendered, and so are the file names: two different
    views with the same slug (they differ only in scheme, k, breaks or palette) are an error.
    """
    from tqdm import tqdm

    from dashboard.view import view_slug

    size = check_size(width, height, scale)
    views = list(dict.fromkeys(views))
    names: dict[str, Any] = {}
    for view in views:
        name = _filename(view_slug(view))
        if name in names:
            raise ExportParameterError(f"{names[name]} and {view} would both be written to {name}", parameter="views")
        names[name] = view
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, view in tqdm(list(names.items()), desc="export", unit="map", disable=not progress):
        paths.append(_write_whole(out_dir / name, export_view_png(data, view, size)))
    return paths


def export_command(
    out_dir: Path,
    *,
    levels: Sequence[int | str] | None = None,
    sectors: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    params: Mapping[str, Any] | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    scale: float = DEFAULT_SCALE,
    progress: bool = True,
    data_dir: Path | None = None,
) -> list[Path]:
    """``clustermap export``: load the built data, expand the grid, write the PNGs, close the browser."""
    from dashboard.data import load_dashboard_data
    from dashboard.view import view_options

    check_size(width, height, scale)
    data = load_dashboard_data(data_dir=data_dir)
    views = view_grid(view_options(data), levels=levels, sectors=sectors, indicators=indicators, years=years, params=params)
    try:
        return export_views(data, views, out_dir, width=width, height=height, scale=scale, progress=progress)
    finally:
        RENDERER.close()


# ---------------------------------------------------------------- region portfolios


def portfolio_export_figure(data, geo: str, year: int, *, top: int = 10) -> dict:
    """A region's portfolio chart (its strongest sectors by stars then LQ) titled and attributed for a PNG."""
    import copy

    from dashboard.figures import ATTRIBUTION
    from dashboard.portfolio_panel import portfolio_figure
    from layers.portfolio import region_portfolio

    portfolio = region_portfolio(data.index, geo, year=year)
    figure = copy.deepcopy(portfolio_figure(portfolio.head(top)))
    name = next((names[ids.index(geo)] for ids, names in ((g.ids, g.names) for g in data.geometry.values()) if geo in ids), geo)
    layout = figure.setdefault("layout", {})
    margin = dict(layout.get("margin") or {})
    margin["t"], margin["b"] = max(margin.get("t") or 0, 90), max(margin.get("b") or 0, 70)
    layout["margin"] = margin
    layout["title"] = {"text": f"{name} ({geo}) · strongest sectors by cluster stars, then location quotient · {year}", "x": 0.01, "font": {"size": 15}}
    layout["annotations"] = [
        *(layout.get("annotations") or []),
        {"text": ATTRIBUTION, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "yshift": -55, "yanchor": "top", "showarrow": False, "font": {"size": 10, "color": "#444"}},
    ]
    return figure


def export_portfolios(
    data,
    regions: Sequence[str],
    year: int,
    out_dir: Path,
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    scale: float = DEFAULT_SCALE,
    progress: bool = True,
) -> list[Path]:
    """Write ``portfolio_<NUTS id>_<year>.png`` for each region; unknown regions are refused before any render."""
    from tqdm import tqdm

    size = check_size(width, height, scale)
    known = set(data.index.table["geo"].unique())
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise ExportParameterError(f"no statistics for {', '.join(unknown[:10])}; give NUTS codes with data (see /api/v1/values)", parameter="regions")
    if year not in data.years:
        raise ExportParameterError(f"year {year} is not in the data ({data.years[0]}-{data.years[-1]})", parameter="year")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for geo in tqdm(list(dict.fromkeys(regions)), desc="portfolios", unit="region", disable=not progress):
        figure = portfolio_export_figure(data, geo, year)
        png = render_png(figure, width=size.width, height=size.height, scale=size.scale, text={"Comment": f"portfolio: {geo} {year}"})
        paths.append(_write_whole(out_dir / _filename(f"portfolio_{geo}_{year}"), png))
    return paths


def portfolio_command(
    out_dir: Path, *, level: int = 2, regions: Sequence[str] | None = None, year: int | None = None, width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT, scale: float = DEFAULT_SCALE, progress: bool = True, data_dir: Path | None = None,
) -> list[Path]:
    """``clustermap export --portfolios``: every region of ``level`` with statistics (or ``regions``) in ``year``."""
    from dashboard.data import load_dashboard_data
    from dashboard.view import view_options

    check_size(width, height, scale)
    data = load_dashboard_data(data_dir=data_dir)
    year = year if year is not None else view_options(data).default().year
    if regions is None:
        known = set(data.index.table["geo"].unique())
        regions = [r for r in data.geometry[level].ids if r in known]
    try:
        return export_portfolios(data, regions, year, out_dir, width=width, height=height, scale=scale, progress=progress)
    finally:
        RENDERER.close()
