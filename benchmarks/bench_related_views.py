"""Server time of the related-sectors views: the network view, the "Sectors that locate with" panel, opportunities.

Usage::

    cd <checkout> && PYTHONPATH=$PWD CLUSTERMAP_MIRROR=/work/shared/data python benchmarks/bench_related_views.py --data-dir data --repeat 7

``--data-dir`` is a built data folder (``clustermap build``). The app (``create_app``) runs in
this process; every request goes through Flask's test client, so each figure is the server's
whole answer (routing, Dash's callback dispatch, the callback guard, JSON encoding and, for the
Dash callbacks, compression off) without a network. Single-threaded, ``time.perf_counter``.

cold
    the process's co-location cache dropped before each request (``DashboardData.related``
    reset): the year's LQ matrix, all pairs, and for the network the spring layout, computed
    within the request. This is the naive way (nothing kept), measured in the same run.
warm
    the same request again: the year's pairs and the network of that year and threshold kept.

Requests: the map callback (``update_map``) for a network view (a threshold change: the
whole figure), the related-sectors panel's callback, ``/api/v1/sectors/<code>/related``,
``/api/v1/values?analysis=network``, ``/api/v1/regions/<id>/opportunities`` and the region
portfolio's callback (which now holds the opportunities section).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _code_state import code_state

from dashboard.app import create_app
from dashboard.callbacks import control_values
from dashboard.data import load_dashboard_data
from dashboard.portfolio_panel.opportunities import opportunities_section
from dashboard.view import read_view, view_options, view_query

UPDATE = "/_dash-update-component"
CASES = [("C29", 2014, 0.5), ("C10", 2010, 0.45), ("J62", 2014, 0.6)]


def _outputs(output: str) -> object:
    keys = output[2:-2].split("...") if output.startswith("..") else [output]
    entries = [{"id": k.rsplit(".", 1)[0], "property": k.rsplit(".", 1)[1].split("@")[0]} for k in keys]
    return entries if output.startswith("..") else entries[0]


def _body(callback: dict, values: list, changed: str) -> dict:
    specs = callback["inputs"] + callback["state"]
    entries = [{"id": s["id"], "property": s["property"], "value": v} for s, v in zip(specs, values)]
    n = len(callback["inputs"])
    return {"output": callback["output"], "outputs": _outputs(callback["output"]), "inputs": entries[:n], "state": entries[n:], "changedPropIds": [changed]}


def timed(run: Callable[[], object], repeat: int, reset: Callable[[], None] | None = None) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(repeat):
        if reset:
            reset()
        start = time.perf_counter()
        out = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    start_load, started = os.getloadavg(), time.perf_counter()
    data = load_dashboard_data(data_dir=args.data_dir)
    app = create_app(data)
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    update_map = next(c for c in deps if c["output"].startswith("..map.figure."))
    panel = next(c for c in deps if c["output"].startswith("related-sectors.children"))
    portfolio = next(c for c in deps if c["output"] == "portfolio-panel.children")
    options = view_options(data)

    def reset() -> None:
        data.__dict__.pop("related", None)  # the cached_property: a new RelatedSectors, nothing kept

    def post(body: dict) -> int:
        r = client.post(UPDATE, json=body)
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        return len(r.get_data())

    def get(url: str) -> int:
        r = client.get(url)
        assert r.status_code == 200, (url, r.get_data(as_text=True)[:300])
        return len(r.get_data())

    rows = []
    for sector, year, threshold in CASES:
        view = read_view(f"level=2&sector={sector}&year={year}&analysis=network&threshold={threshold}", options).view
        map_body = _body(update_map, [*control_values(view), "network"], "threshold.value")
        query = view_query(view)
        panel_body = _body(panel, [query], "view-query.data")
        requests = [
            ("map callback, network view (threshold change)", lambda b=map_body: post(b)),
            ("related-sectors panel callback", lambda b=panel_body: post(b)),
            (f"GET /api/v1/sectors/{sector}/related", lambda s=sector, y=year: get(f"/api/v1/sectors/{s}/related?year={y}")),
            ("GET /api/v1/values?analysis=network", lambda q=query: get(f"/api/v1/values?{q}")),
        ]
        for what, run in requests:
            cold = timed(run, args.repeat, reset)
            timed(run, 1)  # fill the caches
            warm = timed(run, args.repeat)
            rows.append((what, f"{sector} {year} > {threshold:g}", cold, warm))
    for geo, year in (("DE11", 2012), ("ITC4", 2014)):
        portfolio_body = _body(portfolio, [geo, year, year], "focus-region.data")
        requests = [
            (f"GET /api/v1/regions/{geo}/opportunities", lambda g=geo, y=year: get(f"/api/v1/regions/{g}/opportunities?year={y}")),
            ("portfolio callback (with the opportunities section)", lambda b=portfolio_body: post(b)),
            ("of which the opportunities section (function)", lambda g=geo, y=year: len(str(opportunities_section(data, g, y)))),
        ]
        for what, run in requests:
            cold = timed(run, args.repeat, reset)
            timed(run, 1)
            warm = timed(run, args.repeat)
            rows.append((what, f"{geo} {year}", cold, warm))

    packages = ", ".join(f"{p} {metadata.version(p)}" for p in ("dash", "flask", "networkx", "numpy", "pandas", "plotly"))
    print(f"machine: nproc {os.cpu_count()}, {platform.processor() or platform.machine()}, Linux {platform.release()}, Python {platform.python_version()}")
    print(f"packages: {packages}")
    print(code_state() + f"; data folder {args.data_dir}; repeat {args.repeat}")
    print(f"load average at start {' '.join(f'{x:.2f}' for x in start_load)}")
    print()
    print("| request | view | cold median ms | cold max ms | warm median ms | warm max ms | response bytes |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for what, case, (cm, cx, _), (wm, wx, size) in rows:
        print(f"| {what} | {case} | {cm:.1f} | {cx:.1f} | {wm:.1f} | {wx:.1f} | {size:,} |")
    print()
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; runtime {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
