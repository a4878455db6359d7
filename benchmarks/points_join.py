"""Benchmark the points path: the whole build (file -> aggregate), the join alone, geopandas.sjoin, dask.

Usage::

    python benchmarks/points_join.py --points 10000000
    python benchmarks/points_join.py --points 1000000 --sjoin-points 1000000 --no-dask
    python benchmarks/points_join.py --points 1000000 --no-build --no-dask --repeats 3

Points are SYNTHETIC: 90% drawn inside NUTS 2024 leaf regions (each region equally
likely, so small city regions -- where boundaries are dense -- are over-represented,
as organisations are), 10% uniform in a European box (sea, borders, outside).

- ``build:csv`` / ``build:parquet``: ``layers.points.build.build_points`` on a file of
  ``--points`` SYNTHETIC records (``layers.points.synthetic``, written chunk by chunk
  beforehand; the CSV one has ``--bad-rows`` broken rows per million and a duplicate
  id across every chunk boundary): read, validate, join to NUTS 2024 levels 0-3,
  aggregate, and write the aggregate, organisations file and reports.
- ``strtree`` / ``grid``: ``join_xy`` on lon/lat arrays alone, 1 and N threads.
- ``sjoin``: ``geopandas.sjoin`` on ``--sjoin-points`` points (it is much slower); its
  time for ``--points`` is extrapolated linearly and marked so. The fast path is
  checked against sjoin on that subsample (same boundary rule: smallest leaf id).
- ``dask``: ``join_points_distributed`` on a partitioned GeoParquet copy, N workers.

Every measurement runs in a fresh subprocess, started through ``/usr/bin/time`` when
there is one: its peak RSS is read both from ``VmHWM`` inside the child and from
``time``'s maximum resident set size (the child's ``wait4`` rusage, which for the dask
run is the largest process of its tree). The load average is recorded before and
after each measurement, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _code_state import code_state  # noqa: E402

MIRROR = Path(os.environ.get("CLUSTERMAP_MIRROR") or ROOT.parent / "shared" / "data")
NUTS_2024 = MIRROR / "gisco" / "NUTS_RG_20M_2024_4326.geojson"


def rss_mib() -> float:
    """Peak resident set size of this process so far, MiB.

    Read from ``VmHWM`` in /proc/self/status: ``getrusage().ru_maxrss`` survives
    ``exec`` on Linux, so a child would report its parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU time of this process so far (user + system, all threads), from ``os.times()``.

    Less sensitive than wall time to other work on a shared machine: it counts only
    this process's cycles (though a busy machine still slows them through caches).
    """
    t = os.times()
    return t.user + t.system


def machine() -> dict[str, object]:
    model = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    pages = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    import dask
    import geopandas
    import shapely

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "ram_gib": round(pages / 2**30, 1),
        "python": platform.python_version(),
        "shapely": shapely.__version__,
        "geos": ".".join(map(str, shapely.geos_version)),
        "geopandas": geopandas.__version__,
        "dask": dask.__version__,
    }


def make_records(path: Path, *, n: int, seed: int, bad_per_million: int, chunk_size: int = 1_000_000) -> dict[str, object]:
    """Write ``n`` SYNTHETIC records chunk by chunk (CSV as text with broken rows, Parquet typed and clean)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from layers.points import read_nuts_regions
    from layers.points.synthetic import inject_bad_rows, iter_synthetic_records

    regions = read_nuts_regions(NUTS_2024)
    start = time.perf_counter()
    csv = path.suffix == ".csv"
    writer = None
    previous_last_id = None
    with contextlib.ExitStack() as closing:
        handle = closing.enter_context(open(path, "w", encoding="utf-8", newline="")) if csv else None
        for k, chunk in enumerate(iter_synthetic_records(n, seed=seed, regions=regions, outside_share=0.1, chunk_size=chunk_size)):
            last_id = chunk["id"].iloc[-1]
            if csv:
                chunk = inject_bad_rows(chunk, bad_per_million * len(chunk) // 1_000_000, seed=seed + k)
                if previous_last_id is not None:
                    chunk.iloc[0, chunk.columns.get_loc("id")] = previous_last_id  # a duplicate across chunks
                chunk.to_csv(handle, index=False, header=k == 0)
            else:
                table = pa.Table.from_pandas(chunk, preserve_index=False)
                if writer is None:
                    writer = closing.enter_context(pq.ParquetWriter(path, table.schema))
                writer.write_table(table)
            previous_last_id = last_id
    return {"path": str(path), "write_s": round(time.perf_counter() - start, 1), "file_mib": round(path.stat().st_size / 2**20)}


def run_build(records: Path, *, chunk_size: int, workdir: Path) -> dict[str, object]:
    """The whole single-machine points path on one file, as ``clustermap build --points`` runs it."""
    import pandas as pd

    from layers.points.build import build_points

    data_dir = Path(tempfile.mkdtemp(prefix="build-", dir=workdir))
    baseline = rss_mib()
    start = time.perf_counter()
    report = build_points(records, data_dir=data_dir, mirror=MIRROR, chunk_size=chunk_size)
    seconds = time.perf_counter() - start
    peak = rss_mib()
    organisations = Path(report.organisations_path)
    out = {
        "records": report.rows,
        "chunk_size": chunk_size,
        "build_s": round(seconds, 1),
        "records_per_s": round(report.rows / seconds),
        "baseline_rss_mib": round(baseline),
        "peak_rss_mib": round(peak),
        "counts": {k: getattr(report, k) for k in ("rejected", "inside", "snapped", "outside")},
        "counts_add_up": report.rows == report.rejected + report.inside + report.snapped + report.outside,
        "aggregate_rows": report.aggregate_rows,
        "organisations_rows": len(pd.read_parquet(organisations, columns=["id"])),
        "organisations_mib": round(organisations.stat().st_size / 2**20),
    }
    shutil.rmtree(data_dir)
    return out


def make_points(n: int, seed: int, workdir: Path) -> Path:
    from layers.points import read_nuts_regions, sample_points

    regions = read_nuts_regions(NUTS_2024)
    rng = np.random.default_rng(seed)
    inside = int(n * 0.9)
    lon_a, lat_a = sample_points(inside, seed=rng, regions=regions)
    lon_b, lat_b = sample_points(n - inside, seed=rng)
    order = rng.permutation(n)
    path = workdir / f"points-{n}-{seed}.npy"
    np.save(path, np.stack([np.r_[lon_a, lon_b][order], np.r_[lat_a, lat_b][order]]))
    return path


def run_fast(coords: Path, *, grid: bool, workers: int, chunk_size: int) -> dict[str, object]:
    from layers.points import RegionIndex, join_xy, read_nuts_regions

    lon, lat = np.load(coords)
    index = RegionIndex(read_nuts_regions(NUTS_2024))
    baseline = rss_mib()
    build = build_cpu = 0.0
    if grid:
        start, cpu = time.perf_counter(), cpu_s()
        index.grid()
        build, build_cpu = time.perf_counter() - start, cpu_s() - cpu
    start, cpu = time.perf_counter(), cpu_s()
    out = join_xy(lon, lat, index, grid=grid, workers=workers, chunk_size=chunk_size)
    seconds, seconds_cpu = time.perf_counter() - start, cpu_s() - cpu
    sample = slice(0, 1_000_000)  # after the timing, on a subsample so the peak RSS stays the join's
    exact = float((index.grid().lookup(lon[sample], lat[sample], index.none) == -1).mean()) if grid else 1.0
    return {
        "share_tested_with_strtree": round(exact, 3),
        "points": len(lon),
        "workers": workers,
        "grid_build_s": round(build, 2),
        "grid_build_cpu_s": round(build_cpu, 2),
        "join_s": round(seconds, 2),
        "join_cpu_s": round(seconds_cpu, 2),
        "points_per_s": round(len(lon) / (seconds + build)),
        "points_per_s_excluding_build": round(len(lon) / seconds),
        "points_per_cpu_s": round(len(lon) / (seconds_cpu + build_cpu)),
        "baseline_rss_mib": round(baseline),
        "peak_rss_mib": round(rss_mib()),
        "status": out["status"].value_counts().to_dict(),
    }


def run_sjoin(coords: Path, *, n: int, total: int) -> dict[str, object]:
    import geopandas as gpd
    import pandas as pd

    from layers.points import NUTS_COLUMNS, RegionIndex, join_xy, read_nuts_regions

    lon, lat = np.load(coords)[:, :n]
    index = RegionIndex(read_nuts_regions(NUTS_2024))
    leaves = gpd.GeoDataFrame({"leaf": index.leaf_ids}, geometry=index.geometries, crs="EPSG:4326")
    baseline = rss_mib()
    start, cpu = time.perf_counter(), cpu_s()
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    matched = gpd.sjoin(points, leaves, how="left", predicate="intersects")
    seconds_sjoin = time.perf_counter() - start
    leaf = matched["leaf"].groupby(level=0).min()  # the documented boundary rule
    seconds, seconds_cpu = time.perf_counter() - start, cpu_s() - cpu
    peak = rss_mib()
    fast = join_xy(lon, lat, index, grid=False)
    deepest = fast[list(NUTS_COLUMNS)].astype("object").ffill(axis=1).iloc[:, -1]
    deepest = deepest.where(fast["status"] == "inside")
    same = bool(pd.Series(deepest.to_numpy(), dtype="object").equals(pd.Series(leaf.to_numpy(), dtype="object")))
    return {
        "points": n,
        "sjoin_s": round(seconds_sjoin, 2),
        "sjoin_plus_rule_s": round(seconds, 2),
        "sjoin_plus_rule_cpu_s": round(seconds_cpu, 2),
        "points_per_s": round(n / seconds),
        "points_per_cpu_s": round(n / seconds_cpu),
        "extrapolated_s_for_total": round(seconds * total / n, 1),
        "extrapolated": n != total,
        "baseline_rss_mib": round(baseline),
        "peak_rss_mib": round(peak),
        "identical_to_fast_path": same,
    }


def run_dask(coords: Path, *, workdir: Path, workers: int, rows_per_file: int) -> dict[str, object]:
    import geopandas as gpd
    from dask.distributed import Client, LocalCluster

    from layers.points import RegionIndex, join_xy, read_nuts_regions
    from layers.points.distributed import join_points_distributed

    lon, lat = np.load(coords)
    regions = read_nuts_regions(NUTS_2024)
    folder = workdir / f"parquet-{len(lon)}"
    start = time.perf_counter()
    if not folder.exists():
        folder.mkdir()
        for first in range(0, len(lon), rows_per_file):  # one file per partition, like write_points_parquet
            part = slice(first, first + rows_per_file)
            frame = gpd.GeoDataFrame({"id": np.arange(len(lon))[part]}, geometry=gpd.points_from_xy(lon[part], lat[part]), crs="EPSG:4326")
            frame.to_parquet(folder / f"part-{first // rows_per_file:05d}.parquet", index=False)
    write_s = time.perf_counter() - start
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, Client(cluster) as client:
        start = time.perf_counter()
        joined = join_points_distributed(folder, regions, client=client, compute=False)
        counts = client.compute(joined["nuts3"].value_counts(dropna=False)).result()
        seconds = time.perf_counter() - start
        worker_peaks = client.run(rss_mib)
    local = join_xy(lon, lat, RegionIndex(regions))["nuts3"].value_counts(dropna=False)
    same = bool(counts.sort_index().astype("int64").equals(local.sort_index().astype("int64")))
    return {
        "points": len(lon),
        "workers": workers,
        "partitions": -(-len(lon) // rows_per_file),
        "write_geoparquet_s": round(write_s, 2),
        "join_s": round(seconds, 2),
        "points_per_s": round(len(lon) / seconds),
        "worker_peak_rss_mib": sorted(round(v) for v in worker_peaks.values()),
        "client_peak_rss_mib": round(rss_mib()),
        "nuts3_counts_identical_to_fast_path": same,
    }


TIME = Path("/usr/bin/time")


def child(args: list[str]) -> dict[str, object]:
    """Run one measurement in a fresh interpreter (under /usr/bin/time if present) and return its JSON."""
    load_before = os.getloadavg()
    with tempfile.NamedTemporaryFile(prefix="time-", suffix=".txt") as timing:
        wrap = [str(TIME), "-f", "%M %e %U %S", "-o", timing.name] if TIME.exists() else []
        done = subprocess.run([*wrap, sys.executable, __file__, *args], capture_output=True, text=True)
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"measurement {args} failed")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if wrap:
            max_rss_kib, wall, user, system = Path(timing.name).read_text().split()[-4:]
            result["time_max_rss_mib"] = round(int(max_rss_kib) / 1024)
            result["time_wall_s"], result["time_cpu_s"] = float(wall), round(float(user) + float(system), 1)
    result["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--sjoin-points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--chunk-size", type=int, default=250_000)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--rows-per-file", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1, help="run each join measurement this many times (fresh process each)")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--no-build", action="store_true", help="skip the build_points measurements")
    parser.add_argument("--formats", default="parquet,csv", help="record file formats for the build measurements")
    parser.add_argument("--build-chunk-size", type=int, default=500_000)
    parser.add_argument("--bad-rows", type=int, default=100, help="broken rows per million in the CSV records")
    parser.add_argument("--workdir", type=Path, help="keep generated points here (default: a temp folder)")
    parser.add_argument("--only", help=argparse.SUPPRESS)
    parser.add_argument("--coords", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--records", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not NUTS_2024.exists():
        raise SystemExit(f"NUTS 2024 file not found at {NUTS_2024}; set CLUSTERMAP_MIRROR")

    if args.only:  # inside a child process
        mode, _, value = args.only.partition(":")
        if mode in ("strtree", "grid"):
            result = run_fast(args.coords, grid=mode == "grid", workers=int(value), chunk_size=args.chunk_size)
        elif mode == "records":
            result = make_records(args.records, n=args.points, seed=args.seed, bad_per_million=args.bad_rows)
        elif mode == "build":
            result = run_build(args.records, chunk_size=args.build_chunk_size, workdir=args.workdir)
        elif mode == "sjoin":
            result = run_sjoin(args.coords, n=min(args.sjoin_points, args.points), total=args.points)
        else:
            result = run_dask(args.coords, workdir=args.workdir, workers=args.workers, rows_per_file=args.rows_per_file)
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="points-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report: dict[str, object] = {"machine": machine(), "points": args.points, "code": code_state()}
        print("load average at start", os.getloadavg(), flush=True)
        if not args.no_build:
            for kind in args.formats.split(","):
                records = workdir / f"records-{args.points}-{args.seed}.{kind}"
                made = [*("--points", str(args.points), "--seed", str(args.seed), "--bad-rows", str(args.bad_rows))]
                report[f"records_{kind}"] = child([*made, "--records", str(records), "--only", "records"])
                print("records", kind, report[f"records_{kind}"], flush=True)
                report[f"build_{kind}"] = child(
                    [*made, "--records", str(records), "--workdir", str(workdir), "--build-chunk-size", str(args.build_chunk_size), "--only", "build"]
                )
                print("build", kind, report[f"build_{kind}"], flush=True)
                records.unlink()
        start = time.perf_counter()
        coords = make_points(args.points, args.seed, workdir)
        report["generate_s"] = round(time.perf_counter() - start, 1)
        common = ["--coords", str(coords), "--points", str(args.points), "--chunk-size", str(args.chunk_size)]
        for repeat in range(args.repeats):  # interleaved, so a burst of outside load hits every path alike
            suffix = f"_run{repeat + 1}" if args.repeats > 1 else ""
            for mode in ("strtree", "grid"):
                for workers in sorted({1, args.workers}):
                    report[f"{mode}_{workers}{suffix}"] = child([*common, "--only", f"{mode}:{workers}"])
                    print(mode, workers, report[f"{mode}_{workers}{suffix}"], flush=True)
            report[f"sjoin{suffix}"] = child([*common, "--sjoin-points", str(args.sjoin_points), "--only", "sjoin"])
            print("sjoin", report[f"sjoin{suffix}"], flush=True)
        if not args.no_dask:
            report["dask"] = child(
                [*common, "--workdir", str(workdir), "--workers", str(args.workers), "--rows-per-file", str(args.rows_per_file), "--only", "dask"]
            )
            print("dask", report["dask"], flush=True)
        report["load_average_at_end"] = os.getloadavg()
        if code_state() != report["code"]:
            report["note"] = f"files changed during the run (now {code_state()})"
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
