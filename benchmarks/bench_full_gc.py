"""Full garbage collections in a serving process, with the loaded data frozen (``dashboard.app.settle_long_lived``) or not.

Usage (from the repository's root)::

    CLUSTERMAP_MIRROR=../shared/data python benchmarks/bench_full_gc.py --data-dir /tmp/bench_data

Each variant runs in its own fresh process: ``create_app`` over a built data folder, then
Flask's test client asks ``/map/values`` and ``/api/v1/values`` of 240 views in turn (60
divisions × 4 indicators, NUTS 2, 2011: every view new to the process), one at a time. A
``gc.callbacks`` hook times every generation-2 (full) collection; each request pair is timed.

frozen
    the app as shipped: ``create_app`` ends with ``gc.collect(); gc.freeze()``.
unfrozen
    the same, then ``gc.unfreeze()``: the loaded data back in the collector's generations (the code before).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VARIANTS = ("frozen", "unfrozen")
INDICATORS = ("employment", "lq", "wages", "avg_wage")
DIVISIONS = 60


def run(variant: str, data_dir: Path) -> dict:
    """One variant in this process: the requests' times and every full collection's time, ms."""
    from dashboard.app import create_app
    from dashboard.data import load_dashboard_data

    data = load_dashboard_data(data_dir=data_dir, build_missing=False)
    client = create_app(data).server.test_client()
    if variant == "unfrozen":
        gc.unfreeze()
    frozen = gc.get_freeze_count()
    full: list[float] = []
    started: dict[str, float] = {}

    def hook(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started["t"] = time.perf_counter()
            else:
                full.append((time.perf_counter() - started["t"]) * 1000)

    gc.callbacks.append(hook)
    divisions = [s for s in data.index.sectors if len(s) == 3][:DIVISIONS]
    times = []
    for indicator in INDICATORS:
        for code in divisions:
            query = f"level=2&sector={code}&indicator={indicator}&year=2011"
            t = time.perf_counter()
            assert client.get(f"/map/values?{query}").status_code == 200
            assert client.get(f"/api/v1/values?{query}").status_code == 200
            times.append((time.perf_counter() - t) * 1000)
    gc.callbacks.remove(hook)
    return {"variant": variant, "frozen_objects": frozen, "requests": times, "full_collections": full}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a built data folder (clustermap build)")
    parser.add_argument("--variant", choices=VARIANTS, help="run one variant here and print its JSON (the script runs each in a child)")
    args = parser.parse_args(argv)
    if args.variant:
        print(json.dumps(run(args.variant, args.data_dir)))
        return 0
    load_start = os.getloadavg()
    results = []
    for variant in VARIANTS:
        child = subprocess.run([sys.executable, __file__, "--variant", variant, "--data-dir", str(args.data_dir)], capture_output=True, text=True, check=True)
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    print(f"load average start {tuple(round(x, 2) for x in load_start)}, end {tuple(round(x, 2) for x in os.getloadavg())}; Python {sys.version.split()[0]}")
    print("| variant | objects frozen | request pairs | median ms | p99 ms | max ms | full collections | each, ms |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        times = sorted(r["requests"])
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        full = ", ".join(f"{t:.0f}" for t in r["full_collections"]) or "–"
        print(
            f"| {r['variant']} | {r['frozen_objects']:,} | {len(times)} | {statistics.median(times):.0f} | {p99:.0f} | {times[-1]:.0f} | "
            f"{len(r['full_collections'])} | {full} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
