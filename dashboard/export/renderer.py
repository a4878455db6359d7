"""The warm headless Chromium that draws export PNGs: one per process, on an event loop of its own.

The figure is rendered by kaleido (>= 1) in Debian's Chromium, never a
downloaded browser, with everything the page needs read from local files:
plotly.js from the plotly package, the topojson from ``assets/topojson/``,
MathJax disabled. So an export makes no network request.

One :class:`Renderer` per process keeps the browser warm: it is started on the
first export (3-5 s with its two tabs) and reused (about 0.4 s per map). A
render that takes longer than ``RENDER_TIMEOUT`` is abandoned (the browser is
replaced). Nothing from a request reaches the filesystem: the browser gets a
figure dict and returns bytes.

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
import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dashboard.chromium import CHROMIUM as DEBIAN_CHROMIUM
from dashboard.export.errors import RendererUnavailable, RenderFailed, RenderTimeout
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
RENDER_TIMEOUT = 20.0
"""Seconds one render may take before it is abandoned."""
START_TIMEOUT = 30.0
"""Seconds the browser may take to start."""
MAX_CONCURRENT = 2
"""Renders at once (and tabs in the browser): the machine has 2 cores."""


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
        except BaseException:  # closing is best effort; make sure the process goes
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
atexit.register(RENDERER.close)
