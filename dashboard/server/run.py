"""``clustermap serve``: gunicorn by default, the Werkzeug development server behind ``--dev``.

Start-up is read-only for the workers. Before any worker forks, the master has the caches
built if they are missing or stale (``layers.build.build`` with its progress bar, in a
short-lived child: :func:`prepare`; nothing when up to date); each worker then only reads
them (``load_dashboard_data(build_missing=False)``). The master imports the app's modules but
builds no app: creating one reads pyarrow tables and the PNG export keeps a headless
Chromium with an event-loop thread (``dashboard.export_png.Renderer``, started by the
first export), neither of which may cross a ``fork``. Each worker loads in a thread of its
own (:class:`LoadingApp`), so gunicorn's heartbeat runs meanwhile, ``/healthz`` answers at
once, ``/readyz`` answers 503 until the data is in memory, and other requests wait for it.

Defaults (measured on the 2-core, 24 GB machine of ``benchmarks/LOAD.md``, proportional set
size): a loaded worker holds about 0.48 GB (0.8 GB RSS at its peak while loading), and its
Chromium, once it has rendered a PNG, about 0.5 GB more; the master holds 0.2 GB of modules
the workers share. A callback is CPU work under the GIL, so more workers than cores only
adds memory and context switches: ``workers = cores``, fewer if ``MEMORY_SHARE`` of the
available memory would not hold ``WORKER_MEMORY`` each. Threads let a worker overlap what
is not CPU (reading a request, sending a response, waiting for Chromium): ``THREADS = 4``,
so that the two PNG renders a worker allows at once (``export_png.MAX_CONCURRENT``) leave
two threads for everything else. Short load runs of 1 to 4 threads and 2 to 4 workers
(``benchmarks/LOAD.md``) did not separate beyond the noise of the shared machine.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Response

from dashboard.server import health
from dashboard.server.policy import SecurityHeaders
from layers._errors import ClusterMapError

_log = logging.getLogger(__name__)

WSGIApp = Callable[..., Iterable[bytes]]

WORKER_MEMORY = 1.2e9
"""Bytes to plan per worker: loaded (0.5 GB) plus its Chromium (0.5 GB), with room for the loading peak."""
MEMORY_SHARE = 0.5
"""Share of the available memory the default workers may plan for."""
THREADS = 4
"""Threads per worker: two PNG render slots plus two for every other request."""
LOAD_WAIT = 120.0
"""Seconds a request waits for its worker to finish loading before a 503."""
WORKER_BOOT_ERROR = 3
"""The exit code that makes gunicorn's master stop instead of starting the worker again."""


def cores() -> int:
    """CPUs this process may run on (the affinity mask, which a container's limit narrows)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def available_memory() -> float | None:
    """Bytes of memory available (``MemAvailable`` of /proc/meminfo), or None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024.0
    except OSError:
        pass
    return None


def default_workers(cpus: int | None = None, memory: float | None = None) -> int:
    """One worker per core, as many as ``MEMORY_SHARE`` of the available memory holds (at least one)."""
    cpus = cpus or cores()
    memory = memory if memory is not None else available_memory()
    by_memory = int(memory * MEMORY_SHARE // WORKER_MEMORY) if memory is not None else cpus
    return max(1, min(cpus, by_memory))


class LoadingApp:
    """A worker's WSGI app: loads the real one in a thread and answers the health checks meanwhile.

    A load that fails prints one line and ends the worker with gunicorn's boot-error code,
    so the master stops rather than starting the same failing worker again and again.
    """

    def __init__(self, load: Callable[[], WSGIApp]) -> None:
        self._load = load
        self._app: WSGIApp | None = None
        self._loaded = threading.Event()
        self._early = SecurityHeaders(self._answer_early)
        threading.Thread(target=self._run_load, name="clustermap-load", daemon=True).start()

    def _run_load(self) -> None:
        try:
            self._app = self._load()
        except ClusterMapError as e:
            print(f"clustermap: error: {e}", file=sys.stderr, flush=True)
            os._exit(WORKER_BOOT_ERROR)
        except BaseException:
            _log.exception("the dashboard could not be loaded")
            logging.shutdown()
            os._exit(WORKER_BOOT_ERROR)
        self._loaded.set()

    def _answer_early(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == health.HEALTH_PATH:
            response = health.alive()
        elif path == health.READY_PATH:
            response = health.loading()
        else:
            response = Response(
                json.dumps({"error": "the server is still loading its data; try again shortly"}),
                503,
                mimetype="application/json",
                headers={"Retry-After": "5", "Cache-Control": "no-store"},
            )
        return response(environ, start_response)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self._app is None:
            waits = environ.get("PATH_INFO") not in (health.HEALTH_PATH, health.READY_PATH)
            if not (waits and self._loaded.wait(LOAD_WAIT)):
                return self._early(environ, start_response)
        assert self._app is not None
        return self._app(environ, start_response)


def load_app(data_dir: Path) -> WSGIApp:
    """The dashboard over the caches already built in ``data_dir`` (never builds)."""
    from dashboard.app import create_app
    from dashboard.data import load_dashboard_data

    return create_app(load_dashboard_data(data_dir=data_dir, build_missing=False)).server


class GunicornServer(BaseApplication):
    """gunicorn with its options from the command line, not from a config file or ``GUNICORN_CMD_ARGS``."""

    def __init__(self, load: Callable[[], WSGIApp], options: dict[str, Any]) -> None:
        self._load_app = load
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> WSGIApp:
        return LoadingApp(self._load_app)


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "proc_name": "clustermap",
        "preload_app": False,  # workers load the data themselves (module docstring)
        "keepalive": 5,
        "timeout": 60,  # the heartbeat of a worker's main loop; requests run in its threads
        "graceful_timeout": 20,
        "control_socket_disable": True,  # one per machine by default: two servers would share it
        "errorlog": "-",
        "loglevel": "info",
    }


def _build(data_dir: Path) -> None:
    from layers.build import build

    try:
        report = build(data_dir=data_dir, progress=True)
    except ClusterMapError as e:
        print(f"clustermap: error: {e}", file=sys.stderr, flush=True)
        sys.exit(2)
    except Exception as e:  # a bug: one line, as the CLI does (``clustermap -v build`` shows the traceback)
        print(f"clustermap: unexpected error while building ({type(e).__name__}: {e}); run `clustermap -v build` for details", file=sys.stderr, flush=True)
        sys.exit(1)
    if report.built:
        print(report.summary(), flush=True)
    try:  # an observatory's own groups (--groups): checked once here, so that no worker starts on a bad file
        _check_groups(report.clusters_file)
    except ClusterMapError as e:
        print(f"clustermap: error: {e}", file=sys.stderr, flush=True)
        sys.exit(2)
    from dashboard import static_files

    static_files.plotly_bundle(cache_dir=data_dir / static_files.BUNDLE_CACHE)  # its compressed copies, made once: workers only read them


def _check_groups(clusters_file: Path) -> None:
    """The named groups (shipped, and ``CLUSTERMAP_GROUPS``) against the built table's NACE codes: one line if a file is wrong."""
    import pyarrow.parquet as pq

    from dashboard.data import sector_groups
    from layers import settings

    codes = pq.read_table(clusters_file, columns=["nace_r2"]).column("nace_r2").unique().to_pylist()
    sector_groups(codes, settings.groups_file())


def prepare(data_dir: Path) -> None:
    """Before any worker: build what is missing or stale (progress bar; nothing when up to date), and compress the plotly.js bundle once.

    In a forked child, so that the tables the check reads, and pyarrow's threads, stay out of
    the master the workers fork from (it keeps about 0.3 GB less). Exits as the build failed.
    """
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(target=_build, args=(data_dir,), name="clustermap-build")
    child.start()
    child.join()
    if child.exitcode:
        raise SystemExit(child.exitcode if child.exitcode > 0 else 1)


def serve(host: str, port: int, *, workers: int | None = None, threads: int | None = None) -> None:
    """Build if needed, then run gunicorn until it is stopped (SIGTERM or Ctrl-C: graceful)."""
    import dashboard.app  # noqa: F401  modules only, shared by the build child and the workers; no app, no thread
    from layers import settings

    data_dir = settings.data_dir()
    prepare(data_dir)

    workers, threads = workers or default_workers(), threads or THREADS
    print(f"Cluster Observatory Map on http://{host}:{port}/ (gunicorn: {workers} workers x {threads} threads)", flush=True)
    GunicornServer(lambda: load_app(data_dir), gunicorn_options(host, port, workers, threads)).run()


class _DevRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its ``Server: Werkzeug/… Python/…`` header."""

    def version_string(self) -> str:
        return "clustermap"


def serve_dev(host: str, port: int, *, debug: bool = False) -> None:
    """Flask's development server (``--dev``): one process, reloads and debugs with ``--debug``; not for production."""
    from dashboard.app import create_app
    from dashboard.data import load_dashboard_data
    from layers import settings

    data_dir = settings.data_dir()
    prepare(data_dir)
    app = create_app(load_dashboard_data(data_dir=data_dir, build_missing=False))
    print(f"Cluster Observatory Map on http://{host}:{port}/ (development server)", flush=True)
    app.run(host=host, port=port, debug=debug, request_handler=_DevRequestHandler)
