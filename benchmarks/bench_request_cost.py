"""Server time of one request of each kind the load benchmark sends, in process: where a request's time goes.

Usage (from the repository's root)::

    CLUSTERMAP_MIRROR=../shared/data python benchmarks/bench_request_cost.py --data-dir /tmp/bench_data

The app (``create_app`` over a built data folder) answers through Flask's test
client, one request at a time, so the figures are the server's own CPU per
request without HTTP or a client. Each kind is timed over ``--repeat`` requests
cycling through eight sectors (NUTS 2, LQ, 2014), twice: **cold**, with the
per-process cache of each view's numbers (``DashboardData.values``) cleared
before every request, and **warm**, every view asked before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_load import INDICATOR, LEVEL, SECTORS, YEAR
from bench_map_update import SHAPES_STATE, _layout_values, callback_spec, request_body

from dashboard.app import create_app
from dashboard.data import load_dashboard_data

REPO = Path(__file__).resolve().parents[1]
PAGE = f"http://localhost/?level={LEVEL}&indicator={INDICATOR}&year={YEAR}"
HEADERS = {"Referer": PAGE, "Accept-Encoding": "gzip, deflate, br"}


class _PlainClient:
    """``callback_spec`` reads JSON: the test client without compression."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, path: str):
        return self.client.get(path, headers={"Referer": PAGE})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, required=True, help="a data folder (built first if needed)")
    p.add_argument("--repeat", type=int, default=40)
    args = p.parse_args(argv)
    env = {**os.environ, "CLUSTERMAP_DATA_DIR": str(args.data_dir)}
    subprocess.run([sys.executable, "-m", "dashboard.cli", "build"], cwd=REPO, check=True, stdout=subprocess.DEVNULL, env=env)
    data = load_dashboard_data(data_dir=args.data_dir, build_missing=False)
    client = create_app(data).server.test_client()
    plain = _PlainClient(client)
    spec = callback_spec(plain)
    layout: dict = {}
    _layout_values(plain.get("/_dash-layout").get_json(), layout)
    bodies = [request_body(spec, LEVEL, sector, INDICATOR, YEAR, "sector", layout.get(SHAPES_STATE)) for sector in SECTORS]

    def query(i: int) -> str:
        return f"level={LEVEL}&sector={SECTORS[i % len(SECTORS)]}&indicator={INDICATOR}&year={YEAR}"

    kinds: dict[str, Callable[[int], object]] = {
        "page": lambda i: client.get(f"/?level={LEVEL}&indicator={INDICATOR}&year={YEAR}", headers=HEADERS),
        "layout": lambda i: client.get("/_dash-layout", headers=HEADERS),
        "callback": lambda i: client.post("/_dash-update-component", json=bodies[i % len(bodies)], headers=HEADERS),
        "api": lambda i: client.get(f"/api/v1/values?{query(i)}", headers=HEADERS),
        "csv": lambda i: client.get(f"/export.csv?{query(i)}", headers=HEADERS),
    }
    print(f"{args.repeat} requests per kind and state, server ms per request (median, mean); data {args.data_dir}")
    print("| kind | cold median | cold mean | warm median | warm mean |")
    print("|---|---:|---:|---:|---:|")
    for kind, send in kinds.items():
        timings: dict[str, list[float]] = {"cold": [], "warm": []}
        for state in ("cold", "warm"):
            for i in range(args.repeat):
                if state == "cold":
                    data._values.cache_clear()
                started = time.perf_counter()
                response = send(i)
                timings[state].append((time.perf_counter() - started) * 1000)
                assert getattr(response, "status_code", 200) == 200, (kind, response)
        cold, warm = timings["cold"], timings["warm"]
        print(f"| {kind} | {statistics.median(cold):.1f} | {statistics.fmean(cold):.1f} | {statistics.median(warm):.1f} | {statistics.fmean(warm):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
