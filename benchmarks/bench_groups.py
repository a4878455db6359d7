"""Server time of a sector change to a group against a change to a single NACE code, at NUTS 2 (issue 12's target: within 3x).

Usage (from the repository's root)::

    CLUSTERMAP_MIRROR=../shared/data python benchmarks/bench_groups.py --data-dir /tmp/bench_data

The app (``create_app`` over a built data folder) answers through Flask's test client, one
request at a time: the figures are the server's own time per request, without HTTP or a
client. A *change* is the map callback's request (``/_dash-update-component``) a page sends
when its sector changes, and ``/api/v1/values`` for the same view. Single codes and groups
are interleaved in one run (code, group, code, group, ...), so the machine's load falls on
both alike. **Cold**: the per-process caches are emptied before every request (each view's
numbers, ``DashboardData.values``, and each group's rows, ``ClustersIndex``), so a group's
sums, shares, LQs and stars are computed from the members' rows every time (the members'
slices as arrays, ``ClustersIndex.code_columns``, kept as a running process keeps them);
**first**: those arrays dropped too (a process's first group with these members);
**warm**: each view asked before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _code_state import code_state
from bench_map_update import SHAPES_STATE, _layout_values, callback_spec, request_body
from bench_request_cost import HEADERS, _PlainClient

from dashboard.app import create_app
from dashboard.data import load_dashboard_data

REPO = Path(__file__).resolve().parents[1]
LEVEL, YEAR = 2, 2014
INDICATORS = ("employment", "lq", "stars")
CODES = ("C26", "J62", "C29", "G47", "M72", "H49", "C10", "F", "I55", "C21")
OWN_GROUPS = ("C26,J61,J62,J63", "C10,C11", "H49,H52,H53", "J58,J59,J60,M73", "C20,C21,M72", "C24,C25,C28,C29,C30", "G451,G452,G453", "B,D,E")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, required=True, help="a data folder (built first if needed)")
    p.add_argument("--rounds", type=int, default=3, help="times each sector is asked per indicator and state")
    args = p.parse_args(argv)
    env = {**os.environ, "CLUSTERMAP_DATA_DIR": str(args.data_dir)}
    subprocess.run([sys.executable, "-m", "dashboard.cli", "build"], cwd=REPO, check=True, stdout=subprocess.DEVNULL, env=env)
    data = load_dashboard_data(data_dir=args.data_dir, build_missing=False)
    groups = (*OWN_GROUPS, *(g.id for g in data.groups))
    client = create_app(data).server.test_client()
    plain = _PlainClient(client)
    spec = callback_spec(plain)
    layout: dict = {}
    _layout_values(plain.get("/_dash-layout").get_json(), layout)

    def callback(sector: str, indicator: str) -> object:
        body = request_body(spec, LEVEL, sector, indicator, YEAR, "sector", layout.get(SHAPES_STATE))
        return client.post("/_dash-update-component", json=body, headers=HEADERS)

    def api(sector: str, indicator: str) -> object:
        return client.get(f"/api/v1/values?level={LEVEL}&sector={sector}&indicator={indicator}&year={YEAR}", headers=HEADERS)

    def clear(arrays: bool = False) -> None:
        data._values.cache_clear()
        data.index._group_slice.cache_clear()
        if arrays:  # the members' slices as arrays too (kept by a running process, shared by every group)
            data.index.code_columns.cache_clear()

    print(code_state())
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at start; data {args.data_dir}")
    print(
        f"{len(CODES)} single codes and {len(groups)} groups ({len(OWN_GROUPS)} of one's own, {len(data.groups)} named), "
        f"indicators {', '.join(INDICATORS)}, NUTS {LEVEL}, {YEAR}, {args.rounds} rounds; server ms per request"
    )
    print("| request | state | single code median | p95 | group median | p95 | group / code (medians) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    pairs = [(CODES[i % len(CODES)], groups[i % len(groups)]) for i in range(max(len(CODES), len(groups)))]
    for name, send in (("map callback (a sector change)", callback), ("/api/v1/values", api)):
        for state in ("first", "cold", "warm"):
            times: dict[str, list[float]] = {"code": [], "group": []}
            for _ in range(args.rounds):
                for indicator in INDICATORS:
                    for code, group in pairs:
                        for kind, sector in (("code", code), ("group", group)):
                            if state in ("cold", "first"):
                                clear(arrays=state == "first")
                            else:
                                send(sector, indicator)  # asked before: warm
                            started = time.perf_counter()
                            response = send(sector, indicator)
                            times[kind].append((time.perf_counter() - started) * 1000)
                            assert getattr(response, "status_code", 200) == 200, (name, sector, indicator)
            code_median, group_median = statistics.median(times["code"]), statistics.median(times["group"])
            print(
                f"| {name} | {state} | {code_median:.1f} | {_percentile(times['code'], 0.95):.1f} | "
                f"{group_median:.1f} | {_percentile(times['group'], 0.95):.1f} | {group_median / code_median:.2f}x |"
            )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
