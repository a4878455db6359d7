"""50 simulated users against ``clustermap serve`` (gunicorn) and ``clustermap serve --dev`` in one run.

Usage::

    CLUSTERMAP_MIRROR=/work/shared/data python benchmarks/bench_load.py [--users 50] [--seconds 60] [--data-dir DIR]

Each server runs as the operator would start it (``python -m dashboard.cli serve --port P``,
defaults for workers and threads; then the same with ``--dev``) over one data folder built
from the mirror (``--data-dir`` to reuse one), on loopback. Once ``/readyz`` answers 200 and
one warm-up round has run, ``--users`` threads (one HTTP keep-alive session each, as a
browser tab) repeat for ``--seconds`` seconds, then stop by themselves:

page      ``GET /``
layout    ``GET /_dash-layout`` (with the page as ``Referer``, as the browser sends it)
callback  five sector changes, each a real ``POST /_dash-update-component`` of the map
          callback: its body is built from ``GET /_dash-dependencies`` and the layout the way
          dash-renderer builds it (``bench_map_update.callback_spec``/``request_body``)
api       ``GET /api/v1/values?…`` of the last sector
csv       ``GET /export.csv?…`` of the last sector

A request counts as an error when it raises, answers another status than 200, or its body
is not what that kind returns (a callback response without ``"response"``, a page without
Dash's config, a CSV without its header). Latency is the client's wall time per request
(sent to body read), so it includes the client's own share of the 2 cores. The report gives,
per server and kind: count, errors, requests/s, p50 and p95 in ms; plus the machine (nproc,
memory), the load average before and after each run, and the client's CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_map_update import SHAPES_STATE, _layout_values, callback_spec, request_body

from dashboard.callbacks import CONTROLS

REPO = Path(__file__).resolve().parents[1]
KINDS = ("page", "layout", "callback", "api", "csv")
SECTORS = ("C", "C29", "J62", "G47", "M72", "F", "C10", "TOTAL")
LEVEL, INDICATOR, YEAR = 2, "lq", 2014
"""The view the users change the sector of (NUTS 2: the most regions)."""
DISTINCT_INDICATORS = ("lq", "employment", "local_units", "wages", "employment_share", "avg_wage")
"""``--views distinct``: every request names a view no request named before (sector x indicator x year x k), so each one is computed."""
TARGET_CALLBACK_P95_MS = 300.0
START_TIMEOUT = 300.0
REQUEST_TIMEOUT = 30.0


@dataclass
class Tally:
    """Latencies (ms) and errors of one kind of request."""

    ms: list[float] = field(default_factory=list)
    errors: int = 0
    examples: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def memory_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


class _JsonClient:
    """What ``bench_map_update.callback_spec`` reads through (``get(path).get_json()``), over HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str):
        response = requests.get(self.base + path, headers={"Referer": page_url(self.base)}, timeout=REQUEST_TIMEOUT)
        response.get_json = response.json  # type: ignore[attr-defined]
        return response


def page_url(base: str) -> str:
    """The page the users open: its layout (``dashboard.first_view``) draws the view whose sector they change."""
    return f"{base}/?level={LEVEL}&indicator={INDICATOR}&year={YEAR}"


class Views:
    """The views the users ask for: eight sectors over and over (``repeat``), or never the same twice (``distinct``)."""

    def __init__(self, base: str, mode: str, spec: dict, drawn: str | None, bodies: dict[str, dict]) -> None:
        self.mode, self.spec, self.drawn, self.bodies = mode, spec, drawn, bodies
        self.lock = threading.Lock()
        self.next = 0
        self.combos: list[tuple[str, str, int, int]] = []
        if mode == "distinct":
            meta = requests.get(f"{base}/api/v1/meta", timeout=REQUEST_TIMEOUT).json()
            sectors, years = [s["code"] for s in meta["sectors"]], meta["years"]
            # k varies slowest, so the first hour of views shares no (sector, indicator, year, k)
            self.combos = [(sector, indicator, year, k) for k in range(3, 10) for year in years for indicator in DISTINCT_INDICATORS for sector in sectors]

    def _combo(self, step: int) -> tuple[str, str, int, int]:
        if self.mode == "repeat":
            return SECTORS[step % len(SECTORS)], INDICATOR, YEAR, 5
        with self.lock:
            self.next += 1
            return self.combos[self.next % len(self.combos)]

    def callback(self, step: int) -> dict:
        sector, indicator, year, k = self._combo(step)
        if self.mode == "repeat":
            return self.bodies[sector]
        body = request_body(self.spec, LEVEL, sector, indicator, year, "sector", self.drawn)
        k_id, k_prop = next((cid, prop) for name, cid, prop in CONTROLS if name == "k")
        for item in body["inputs"]:
            if item["id"] == k_id and item["property"] == k_prop:
                item["value"] = k
        return body

    def query(self, step: int) -> str:
        sector, indicator, year, k = self._combo(step)
        return f"level={LEVEL}&sector={sector}&indicator={indicator}&year={year}&k={k}"


def callback_bodies(base: str) -> tuple[dict, dict[str, dict], str | None]:
    """The map callback's spec and one request body per sector (the browser's, for a sector change on the first view)."""
    client = _JsonClient(base)
    spec = callback_spec(client)
    layout: dict = {}
    _layout_values(client.get("/_dash-layout").get_json(), layout)
    drawn = layout.get(SHAPES_STATE)  # the shapes the first view has drawn, which the page sends as State
    bodies = {sector: request_body(spec, LEVEL, sector, INDICATOR, YEAR, "sector", drawn) for sector in SECTORS}
    probe = requests.post(base + "/_dash-update-component", json=bodies["C29"], timeout=REQUEST_TIMEOUT)
    if probe.status_code != 200 or '"geojson"' in probe.text:
        raise SystemExit(f"the captured sector change is not a values-only update ({probe.status_code}): {probe.text[:300]}")
    return spec, bodies, drawn


def user(base: str, views: Views, offset: int, deadline: float, tallies: dict[str, Tally], lock: threading.Lock) -> None:
    """One browser tab: page, layout, five sector changes, the API and the CSV, until ``deadline``."""
    session = requests.Session()
    page = page_url(base)
    step = offset
    while time.monotonic() < deadline:
        plan: list[tuple[str, str, str, dict | None, str]] = [
            ("page", "GET", page, None, "_dash-config"),
            ("layout", "GET", f"{base}/_dash-layout", None, '"props"'),
        ]
        for _ in range(5):
            step += 1
            plan.append(("callback", "POST", f"{base}/_dash-update-component", views.callback(step), '"response"'))
        query = views.query(step)
        plan += [("api", "GET", f"{base}/api/v1/values?{query}", None, '"view"'), ("csv", "GET", f"{base}/export.csv?{query}", None, "Source: Eurostat")]
        for kind, method, url, body, marker in plan:
            if time.monotonic() >= deadline:
                break
            started = time.perf_counter()
            problem = None
            try:
                response = session.request(method, url, json=body, headers={"Referer": page}, timeout=REQUEST_TIMEOUT)
                text = response.text
                if response.status_code != 200:
                    problem = f"{kind}: HTTP {response.status_code} {text[:120]!r}"
                elif marker not in text[:4000]:
                    problem = f"{kind}: no {marker!r} in {text[:120]!r}"
            except requests.RequestException as e:
                problem = f"{kind}: {type(e).__name__}: {e}"[:200]
            ms = (time.perf_counter() - started) * 1000
            with lock:
                tally = tallies[kind]
                tally.ms.append(ms)
                if problem:
                    tally.errors += 1
                    if len(tally.examples) < 3:
                        tally.examples.append(problem)


def percentile(values: list[float], q: int) -> float:
    """The ``q``-th percentile (1-99), interpolated between the nearest ranks."""
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


@dataclass
class Run:
    server: str
    tallies: dict[str, Tally]
    seconds: float
    load_before: str
    load_after: str
    client_cpu: float
    banner: str


def start(kind: str, data_dir: Path, log: Path, serve_args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str, str]:
    port = free_port()
    args = ["--dev"] if kind == "dev" else list(serve_args)
    env = {**os.environ, "PYTHONPATH": str(REPO), "CLUSTERMAP_DATA_DIR": str(data_dir)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard.cli", "serve", "--port", str(port), *args], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{kind} server exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(base + "/readyz", timeout=5).status_code == 200:
                banner = next((line for line in log.read_text().splitlines() if line.startswith("Cluster Observatory Map on")), "")
                return proc, base, banner
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop(proc)
    raise SystemExit(f"{kind} server not ready within {START_TIMEOUT:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def run_server(kind: str, data_dir: Path, users: int, seconds: float, log: Path, serve_args: tuple[str, ...] = (), views_mode: str = "repeat") -> Run:
    proc, base, banner = start(kind, data_dir, log, serve_args)
    try:
        spec, bodies, drawn = callback_bodies(base)
        warm = {k: Tally() for k in KINDS}
        user(base, Views(base, "repeat", spec, drawn, bodies), 0, time.monotonic() + 5, warm, threading.Lock())  # one warm-up tab, 5 s
        views = Views(base, views_mode, spec, drawn, bodies)
        tallies = {k: Tally() for k in KINDS}
        lock = threading.Lock()
        load_before, cpu_before = loadavg(), time.process_time()
        started = time.monotonic()
        deadline = started + seconds
        threads = [threading.Thread(target=user, args=(base, views, i, deadline, tallies, lock), daemon=True) for i in range(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + REQUEST_TIMEOUT + 10)
        elapsed = time.monotonic() - started
        return Run(f"{kind}, {views_mode} views", tallies, elapsed, load_before, loadavg(), time.process_time() - cpu_before, banner)
    finally:
        stop(proc)


def report(runs: list[Run], users: int, seconds: float) -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor()
    )
    lines = [
        (
            f"Machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, {memory_gb():.1f} GB memory, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
        ),
        (
            f"Load: {users} users, {seconds:.0f} s per server, loopback; repeat views: NUTS {LEVEL} {INDICATOR} {YEAR}, sectors {', '.join(SECTORS)}; "
            f"distinct views: NUTS {LEVEL}, every sector x {', '.join(DISTINCT_INDICATORS)} x year x k, none asked twice"
        ),
        "",
    ]
    for run in runs:
        lines += [
            f"### {run.server}: {run.banner.removeprefix('Cluster Observatory Map on ')}",
            "",
            f"Load average (1, 5, 15 min) before {run.load_before}, after {run.load_after}; client CPU {run.client_cpu:.1f} s in {run.seconds:.1f} s",
            "",
            "| kind | count | errors | req/s | p50 ms | p95 ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for kind in KINDS:
            t = run.tallies[kind]
            lines.append(f"| {kind} | {len(t.ms):,} | {t.errors} | {len(t.ms) / run.seconds:.1f} | {percentile(t.ms, 50):.0f} | {percentile(t.ms, 95):.0f} |")
        total = sum(len(t.ms) for t in run.tallies.values())
        errors = sum(t.errors for t in run.tallies.values())
        lines.append(f"| all | {total:,} | {errors} | {total / run.seconds:.1f} | | |")
        for kind in KINDS:
            for example in run.tallies[kind].examples:
                lines.append(f"- error example: {example}")
        lines.append("")
    for production in (r for r in runs if r.server.startswith("gunicorn")):
        p95 = percentile(production.tallies["callback"].ms, 95)
        errors = sum(t.errors for t in production.tallies.values())
        ok = errors == 0 and p95 <= TARGET_CALLBACK_P95_MS
        lines.append(
            f"Target ({production.server}: 0 errors, callback p95 ≤ {TARGET_CALLBACK_P95_MS:.0f} ms): "
            f"{'met' if ok else 'NOT met'} ({errors} errors, callback p95 {p95:.0f} ms)"
        )
    return "\n".join(lines)


def build_data(data_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CLUSTERMAP_DATA_DIR": str(data_dir)}
    subprocess.run([sys.executable, "-m", "dashboard.cli", "build"], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--data-dir", type=Path, help="a data folder to use (built first if needed); default: a temporary one")
    p.add_argument("--servers", nargs="+", choices=("gunicorn", "dev"), default=["gunicorn", "dev"])
    p.add_argument(
        "--views",
        nargs="+",
        choices=("repeat", "distinct"),
        default=["repeat", "distinct"],
        help="repeat: the users change among eight sectors (a server keeps a view's numbers once computed); "
        "distinct: every request names a view never asked before, so every one is computed",
    )
    p.add_argument("--serve-args", default="", help='extra options for the gunicorn server, e.g. "--workers 4 --threads 2" (default: its defaults)')
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clustermap-load-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        build_data(data_dir)
        serve_args = tuple(args.serve_args.split())
        runs = [
            run_server(kind, data_dir, args.users, args.seconds, Path(tmp) / f"{kind}-{mode}.log", serve_args, mode)
            for mode in args.views
            for kind in args.servers
        ]
    print(report(runs, args.users, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
