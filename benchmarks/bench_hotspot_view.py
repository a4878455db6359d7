"""Server time of a hot-spot view (``analysis=hotspots``) at NUTS 2, against the same views without analysis, in one run.

Usage (from the repository's root)::

    PYTHONPATH=$PWD CLUSTERMAP_MIRROR=../shared/data python benchmarks/bench_hotspot_view.py --data-dir /tmp/hotspots_data --repeat 3

The app (``create_app`` over a built data folder) answers through Flask's test
client, one request at a time, in this process: the server's own time per request,
without HTTP or a client. Two kinds of request: ``GET /api/v1/values?<view>`` and the
map callback (``POST /_dash-update-component``, the body dash-renderer sends when the
sector changes; ``bench_map_update.request_body``), each for 20 views (10 sectors x
2010, 2014, the LQ at NUTS 2), with ``analysis=hotspots`` and without (the naive
baseline: the plain values view, which hot spots add to), interleaved so both see the
same load:

- **cold (new view)**: the per-process cache of each view's numbers
  (``DashboardData.values``) and the weights' restrictions to a set of regions
  (``LevelWeights``) cleared before every request; the level's contiguity kept, as a
  running server keeps it after its first hot-spot view;
- **warm**: the same view asked just before;
- **first hot-spot view of a process**: the level's contiguity built too
  (``LevelGeometry.weights`` dropped before each request).

The issue's target: a hot-spot view at NUTS 2 answers within 500 ms on this machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from _code_state import code_state
from bench_map_update import SHAPES_STATE, _layout_values, callback_spec, request_body

from dashboard.app import create_app
from dashboard.data import load_dashboard_data

REPO = Path(__file__).resolve().parents[1]
SECTORS = ("C29", "C10", "J62", "C20", "C13", "G47", "M72", "C28", "I55", "F41")
YEARS = (2010, 2014)
VIEWS = [(s, y) for s in SECTORS for y in YEARS]
LEVEL, INDICATOR = 2, "lq"
ANALYSES = ("values", "hotspots")
TARGET_MS = 500.0
PAGE = f"http://localhost/?level={LEVEL}&indicator={INDICATOR}"


class _PlainClient:
    """``callback_spec`` reads JSON: the test client without compression, with the page as Referer."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, path: str):
        return self.client.get(path, headers={"Referer": PAGE})


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("esda", "libpysal", "numpy", "pandas", "dash", "flask"))
    return "\n".join(
        [
            "| | |",
            "|---|---|",
            f"| `nproc` | {os.cpu_count()} (shared with other workers) |",
            f"| CPU | {cpu} |",
            f"| OS | {platform.system()} {platform.release()} |",
            f"| Python | {platform.python_version()} |",
            f"| packages | {versions} |",
            f"| load average at start | {' '.join(f'{x:.2f}' for x in os.getloadavg())} |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, required=True, help="a data folder (built first if needed)")
    p.add_argument("--repeat", type=int, default=3, help="passes over the 20 views per state")
    p.add_argument("--first", type=int, default=5, help="first hot-spot views of a process (level contiguity built) to time")
    args = p.parse_args(argv)
    started = time.perf_counter()
    env = {**os.environ, "CLUSTERMAP_DATA_DIR": str(args.data_dir)}
    subprocess.run([sys.executable, "-m", "dashboard.cli", "build"], cwd=REPO, check=True, stdout=subprocess.DEVNULL, env=env)
    data = load_dashboard_data(data_dir=args.data_dir, build_missing=False)
    client = create_app(data).server.test_client()
    plain = _PlainClient(client)
    spec = callback_spec(plain)
    layout: dict = {}
    _layout_values(plain.get("/_dash-layout").get_json(), layout)
    analysis_control = spec["control"]["analysis"]
    specs = {a: {**spec, "fixed": {**spec["fixed"], analysis_control: a}} for a in ANALYSES}
    headers = {"Referer": PAGE}
    geometry = data.geometry[LEVEL]

    def query(sector: str, year: int, analysis: str) -> str:
        return f"level={LEVEL}&sector={sector}&indicator={INDICATOR}&year={year}" + ("&analysis=hotspots" if analysis == "hotspots" else "")

    def api(sector: str, year: int, analysis: str):
        return client.get(f"/api/v1/values?{query(sector, year, analysis)}", headers=headers)

    def callback(sector: str, year: int, analysis: str):
        body = request_body(specs[analysis], LEVEL, sector, INDICATOR, year, "sector", layout.get(SHAPES_STATE))
        return client.post("/_dash-update-component", json=body, headers=headers)

    kinds: dict[str, Callable] = {"/api/v1/values": api, "map callback": callback}

    def forget_views() -> None:
        data._values.cache_clear()
        if "weights" in geometry.__dict__:
            geometry.weights._restricted.clear()

    def timed(send: Callable, *view) -> float:
        t0 = time.perf_counter()
        response = send(*view)
        ms = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, (view, response.status_code, response.get_data(as_text=True)[:300])
        if view[-1] == "hotspots":  # the answer is the hot-spot view, not a refusal
            assert b"not significant" in response.get_data(), (view, response.get_data(as_text=True)[:300])
        return ms

    print(f"{code_state()}; data folder {args.data_dir}; repeat {args.repeat}\n")
    print(machine() + "\n")

    # the first hot-spot view of a process: the level's contiguity is built as well
    first: dict[str, list[float]] = {kind: [] for kind in kinds}
    for i in range(args.first):
        for kind, send in kinds.items():
            geometry.__dict__.pop("weights", None)
            forget_views()
            first[kind].append(timed(send, *VIEWS[i % len(VIEWS)], "hotspots"))

    timings: dict[tuple[str, str, str], list[float]] = {}
    for state in ("cold", "warm"):
        for _ in range(args.repeat):
            for view in VIEWS:
                for kind, send in kinds.items():
                    for analysis in ANALYSES:
                        if state == "cold":
                            forget_views()
                        else:
                            send(*view, analysis)  # asked before: cached
                        timings.setdefault((kind, analysis, state), []).append(timed(send, *view, analysis))

    n = len(VIEWS) * args.repeat
    print(f"## Server ms per request at NUTS 2 ({len(VIEWS)} views: {', '.join(SECTORS)} x {', '.join(map(str, YEARS))}; LQ; {n} requests per row)\n")
    print(f"| request | analysis | state | median ms | p90 ms | max ms | within {TARGET_MS:.0f} ms |")
    print("|---|---|---|---:|---:|---:|---|")
    for kind in kinds:
        for state in ("cold", "warm"):
            for analysis in ANALYSES:
                ms = sorted(timings[(kind, analysis, state)])
                within = sum(m <= TARGET_MS for m in ms)
                p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
                what = "hotspots" if analysis == "hotspots" else "none (values)"
                print(f"| {kind} | {what} | {state} | {statistics.median(ms):.1f} | {p90:.1f} | {ms[-1]:.1f} | {within} of {len(ms)} |")
    print()
    print("| request | first hot-spot view of a process (level contiguity built) | median ms | max ms |")
    print("|---|---|---:|---:|")
    for kind, ms in first.items():
        print(f"| {kind} | {len(ms)} requests | {statistics.median(ms):.1f} | {max(ms):.1f} |")
    print(f"\nload average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; runtime {time.perf_counter() - started:.0f} s")
    print(f"`uptime` at end: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
