"""Time of the spatial analytics (``layers.spatial``): hot-spot views, related sectors, opportunities.

Usage::

    cd <checkout> && PYTHONPATH=$PWD CLUSTERMAP_MIRROR=/work/shared/data python benchmarks/bench_spatial.py --data-dir /tmp/spatial_data --repeat 7

``--data-dir`` is a built data folder (``clustermap build``); without it the script
builds one from the mirror into a temporary folder and removes it afterwards.
Everything runs in this one process, single-threaded, with ``time.perf_counter``.

Hot-spot view at NUTS 2 (LQ of a sector in a year over the 314 NUTS 2 shapes,
categories + cross-border High-High clusters with their employment), over
``VIEWS`` (10 sectors x 2 years = 20 views):

cold weights (the naive way)
    a new ``NutsWeights`` for every view: read the NUTS GeoParquet cache, queen
    contiguity and centroids of the level, then restrict, statistic, clusters.
cached weights, new subset
    the level's weights held; the view's set of regions with a value is new
    (restriction to them computed), as on the first request of a view.
cached weights and subset
    the same view asked again (the restriction is kept).

All-pairs related sectors (68 NACE divisions x 277 NUTS 2 regions, one year):
``layers.spatial.related.colocation`` (LQ matrix from the table, then pairwise-complete
sums as matrix products), its two parts, pandas ``DataFrame.corr(min_periods=30)`` on
the same LQ matrix as a reference, and the naive way (a Python loop over the 2,278
pairs, ``np.corrcoef`` on each pair's common regions); all three checked equal to 1e-9. Network: ``RelatedSectors.network(year, 0.5)`` on a
kept co-location (spring layout included). Opportunities of one region (DE11 2012)
with the year's co-location not yet computed (cold) and kept (warm).

Each figure: median and max of ``--repeat`` runs (views: of every run of every view).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _code_state import code_state

from layers.build import build
from layers.clusters import read_clusters_table
from layers.query import ClustersIndex
from layers.spatial.hotspots import cross_border_clusters, hotspots
from layers.spatial.opportunities import opportunities
from layers.spatial.related import RelatedSectors, colocation, location_quotients, pairwise_pearson
from layers.spatial.weights import NutsWeights

SECTORS = ("C29", "C10", "J62", "C20", "C13", "G47", "M72", "C28", "I55", "F41")
YEARS = (2010, 2014)
VIEWS = [(s, y) for s in SECTORS for y in YEARS]
LEVEL = 2
TARGET_MS = 500.0


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("libpysal", "esda", "networkx", "numpy", "pandas", "geopandas", "shapely"))
    return [
        f"| `nproc` | {os.cpu_count()} (shared with other workers) |",
        f"| CPU | {cpu} |",
        f"| OS | {platform.system()} {platform.release()} |",
        f"| Python | {platform.python_version()} |",
        f"| packages | {versions} (no numba: esda's permutations run in NumPy) |",
        f"| load average at start | {' '.join(f'{x:.2f}' for x in os.getloadavg())} |",
    ]


def timed(run: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    run(*args)
    return (time.perf_counter() - start) * 1000.0


def summary(samples: list[float]) -> str:
    return f"{statistics.median(samples):.1f} | {max(samples):.1f}"


def hotspot_view(index: ClustersIndex, weights: NutsWeights, ids: list[str], sector: str, year: int) -> pd.DataFrame:
    """What a hot-spot view computes: the LQ map's categories and its cross-border clusters."""
    rows = index.slice(LEVEL, sector, year).set_index("geo")
    level = weights.level(LEVEL)
    result = hotspots(rows["lq"].reindex(ids), level)
    cross_border_clusters(result, level, rows["employment"])
    return result


def cold_view(index: ClustersIndex, data_dir: Path, ids: list[str], sector: str, year: int) -> pd.DataFrame:
    """The naive way: the level's weights built again for the view."""
    return hotspot_view(index, NutsWeights.from_data_dir(data_dir), ids, sector, year)


def build_level_weights(data_dir: Path) -> None:
    NutsWeights.from_data_dir(data_dir).level(LEVEL)


def cold_opportunities(index: ClustersIndex) -> pd.DataFrame:
    return opportunities(RelatedSectors(index), "DE11", 2012)


def pair_loop(matrix: pd.DataFrame) -> np.ndarray:
    """The naive all-pairs computation: for each pair, mask the common regions and take np.corrcoef."""
    values = matrix.to_numpy(dtype="float64")
    known = ~np.isnan(values)
    k = values.shape[1]
    out = np.full((k, k), np.nan)
    for a in range(k):
        for b in range(a + 1, k):
            common = known[:, a] & known[:, b]
            if common.sum() >= 30 and values[common, a].std() > 0 and values[common, b].std() > 0:
                out[a, b] = out[b, a] = np.corrcoef(values[common, a], values[common, b])[0, 1]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a built data folder (default: build from the mirror into a temporary one)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    temporary = None
    data_dir = args.data_dir
    if data_dir is None:
        temporary = Path(tempfile.mkdtemp(prefix="bench_spatial_"))
        data_dir = temporary
        build(data_dir=data_dir, mirror=Path(os.environ["CLUSTERMAP_MIRROR"]) if os.environ.get("CLUSTERMAP_MIRROR") else None)
    try:
        run(data_dir, args.repeat)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def run(data_dir: Path, repeat: int) -> None:
    started = time.perf_counter()
    print("## Machine\n\n| | |\n|---|---|")
    print("\n".join(machine()))
    print(f"\n{code_state()}; data folder {data_dir}; repeat {repeat}\n")

    table = read_clusters_table(data_dir / "clusters.parquet")
    index = ClustersIndex(table.loc[table["has_shape"]].reset_index(drop=True))
    ids = list(NutsWeights.from_data_dir(data_dir).level(LEVEL).ids)

    cold, new_subset, cached = [], [], []
    for _ in range(repeat):
        for sector, year in VIEWS:
            cold.append(timed(cold_view, index, data_dir, ids, sector, year))
    for _ in range(repeat):
        held = NutsWeights.from_data_dir(data_dir)
        held.level(LEVEL)
        for sector, year in VIEWS:
            new_subset.append(timed(hotspot_view, index, held, ids, sector, year))
            cached.append(timed(hotspot_view, index, held, ids, sector, year))
    build_level = [timed(build_level_weights, data_dir) for _ in range(repeat)]

    print(f"## Hot-spot view at NUTS 2 ({len(VIEWS)} views: {', '.join(SECTORS)} x {', '.join(map(str, YEARS))}; LQ; 999 permutations)\n")
    print("| how | median ms | max ms | within 500 ms |\n|---|---:|---:|---|")
    for name, samples in (
        ("cold weights: level built for every view (naive)", cold),
        ("cached weights, new subset", new_subset),
        ("cached weights and subset", cached),
    ):
        print(f"| {name} | {summary(samples)} | {sum(s <= TARGET_MS for s in samples)} of {len(samples)} |")
    print(f"| (building the level's weights alone) | {summary(build_level)} | |")

    print("\n## Related sectors: all pairs of divisions, one year\n")
    print("| what | year | median ms | max ms |\n|---|---:|---:|---:|")
    for year in YEARS:
        matrix = location_quotients(index, year)
        ours = colocation(index, year).strength
        naive = matrix.corr(min_periods=30)
        off = ~np.eye(len(naive), dtype=bool)
        assert np.nanmax(np.abs(ours.to_numpy() - naive.to_numpy())[off]) < 1e-9, "pandas corr disagrees"
        looped = pair_loop(matrix)
        assert np.nanmax(np.abs(ours.to_numpy() - looped)[off]) < 1e-9, "the loop over pairs disagrees"
        shape = f"{matrix.shape[1]} divisions x {matrix.shape[0]} regions"
        print(f"| `colocation`: LQ matrix from the table + all pairs, {shape} | {year} | {summary([timed(colocation, index, year) for _ in range(repeat)])} |")
        print(f"| of which the LQ matrix (`location_quotients`) | {year} | {summary([timed(location_quotients, index, year) for _ in range(repeat)])} |")
        print(f"| of which all pairs (`pairwise_pearson`, matrix products) | {year} | {summary([timed(pairwise_pearson, matrix) for _ in range(repeat)])} |")
        print(
            f"| pandas `corr(min_periods=30)` on the same matrix (reference) | {year} | {summary([timed(partial(matrix.corr, min_periods=30)) for _ in range(repeat)])} |"
        )
        print(
            f"| naive: a Python loop over the pairs, NumPy Pearson on each pair's common regions | {year} | {summary([timed(pair_loop, matrix) for _ in range(repeat)])} |"
        )
        related = RelatedSectors(index)
        related.colocation(year)
        print(f"| `related('C29', {year}, 10)`, co-location kept | {year} | {summary([timed(related.related, 'C29', year, 10) for _ in range(repeat)])} |")
        print(f"| `network({year}, 0.5)`, co-location kept (spring layout) | {year} | {summary([timed(related.network, year, 0.5) for _ in range(repeat)])} |")

    print("\n## Opportunities of one region (DE11, 2012)\n")
    print("| how | median ms | max ms |\n|---|---:|---:|")
    print(f"| cold: the year's co-location computed first | {summary([timed(cold_opportunities, index) for _ in range(repeat)])} |")
    warm = RelatedSectors(index)
    warm.colocation(2012)
    print(f"| warm: co-location kept | {summary([timed(opportunities, warm, 'DE11', 2012) for _ in range(repeat)])} |")

    print(f"\nload average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; runtime {time.perf_counter() - started:.0f} s")
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"`uptime` at end: {uptime}")


if __name__ == "__main__":
    main()
