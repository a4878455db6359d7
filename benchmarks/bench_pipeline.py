"""Wall time and peak RSS of the data pipeline: pull, parse, build, no-op rebuild.

Usage::

    CLUSTERMAP_MIRROR=/work/shared/data python benchmarks/bench_pipeline.py --repeat 5

Every run of every stage happens in a fresh temporary data folder and in a
fresh Python process, so that ``resource.getrusage(RUSAGE_SELF).ru_maxrss``
(the process's peak RSS) belongs to that stage alone. The stages:

``pull``
    ``layers.download.pull_all()`` from the mirror into an empty data folder
    (copies the registered files; pooch checks the pinned sha256).
``parse``
    ``layers.eurostat.read_eurostat_tsv()`` of the pulled SBS file
    (``eurostat/sbs_r_nuts06_r2.tsv.gz``).
``build``
    ``layers.build.build(force=True)`` after a pull, with no caches yet: reads,
    repairs and simplifies both NUTS versions, parses the SBS file, computes the
    indicators and writes ``clusters.parquet``.
``noop``
    A second ``build()`` after a complete build, inputs unchanged: fingerprints
    the inputs, reads the caches back and returns ``built=False``.

Set-up steps (the pull before ``parse``/``build``, the first build before
``noop``) run in a separate process and are not timed. Timing starts after the
imports. Nothing is written outside the temporary folders.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _code_state import code_state

REPO = Path(__file__).resolve().parents[1]
STAGES = ("pull", "parse", "build", "noop")
SETUP = {"pull": None, "parse": "setup-pull", "build": "setup-pull", "noop": "setup-build"}
SBS_RELPATH = Path("eurostat") / "sbs_r_nuts06_r2.tsv.gz"


def _default_mirror() -> Path:
    return Path(os.environ.get("CLUSTERMAP_MIRROR") or REPO.parent / "shared" / "data").resolve()


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


# --------------------------------------------------------------------------- worker side


def worker(task: str, data_dir: Path, mirror: Path) -> dict:
    """Run one task in this (fresh) process; return timing and memory figures."""
    from layers.build import build
    from layers.download import pull_all
    from layers.eurostat import read_eurostat_tsv

    rss_after_imports = _maxrss_mb()
    result: dict = {"task": task}
    t0 = time.perf_counter()
    if task in ("pull", "setup-pull"):
        paths = pull_all(data_dir=data_dir, mirror=mirror)
        result["files"] = len(paths)
    elif task == "setup-build":
        pull_all(data_dir=data_dir, mirror=mirror)
        report = build(data_dir=data_dir, mirror=mirror)
        if not report.built:
            raise SystemExit("setup-build: expected a fresh build in an empty folder")
    elif task == "parse":
        parsed = read_eurostat_tsv(data_dir / SBS_RELPATH)
        result["lines_read"] = parsed.lines_read
        result["cells"] = len(parsed.table)
    elif task == "build":
        report = build(data_dir=data_dir, mirror=mirror, force=True)
        if not report.built:
            raise SystemExit("build: build(force=True) did not build")
        result["rows"] = report.rows
    elif task == "noop":
        report = build(data_dir=data_dir, mirror=mirror)
        if report.built:
            raise SystemExit("noop: the second build() rebuilt although nothing changed")
        result["rows"] = report.rows
    else:
        raise SystemExit(f"unknown task {task!r}")
    result["seconds"] = time.perf_counter() - t0
    result["rss_after_imports_mb"] = rss_after_imports
    result["peak_rss_mb"] = _maxrss_mb()
    return result


# --------------------------------------------------------------------------- driver side


def _run_task(task: str, data_dir: Path, mirror: Path) -> dict:
    env = dict(os.environ, CLUSTERMAP_DATA_DIR=str(data_dir), CLUSTERMAP_MIRROR=str(mirror))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", task, "--data-dir", str(data_dir), "--mirror", str(mirror)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"task {task} failed (exit {proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_stage(stage: str, mirror: Path) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"clustermap-bench-{stage}-"))
    try:
        if SETUP[stage]:
            _run_task(SETUP[stage], data_dir, mirror)
        return _run_task(stage, data_dir, mirror)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def markdown_table(results: dict[str, list[dict]]) -> str:
    lines = [
        "| stage | median s | min s | max s | runs | peak RSS MB (max of runs) | RSS after imports MB | output |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for stage, runs in results.items():
        secs = [r["seconds"] for r in runs]
        peak = max(r["peak_rss_mb"] for r in runs)
        base = statistics.median(r["rss_after_imports_mb"] for r in runs)
        last = runs[-1]
        out = (
            f"{last['files']} files"
            if "files" in last
            else f"{last['lines_read']:,} lines, {last['cells']:,} cells"
            if "cells" in last
            else f"{last['rows']:,} rows"
        )
        lines.append(f"| {stage} | {statistics.median(secs):.3f} | {min(secs):.3f} | {max(secs):.3f} | {len(runs)} | {peak:.0f} | {base:.0f} | {out} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage (median reported); default 3")
    parser.add_argument("--mirror", type=Path, default=None, help="data mirror; default $CLUSTERMAP_MIRROR or ../shared/data")
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--json", type=Path, default=None, help="also write the raw runs as JSON here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    mirror = (args.mirror or _default_mirror()).resolve()

    if args.worker:
        print(json.dumps(worker(args.worker, args.data_dir, mirror)))
        return 0

    if not (mirror / SBS_RELPATH).is_file():
        parser.error(f"no data mirror at {mirror}; set CLUSTERMAP_MIRROR or pass --mirror")
    before = code_state()  # every worker process imports the code afresh: it must not change during the run
    results: dict[str, list[dict]] = {s: [] for s in args.stages}
    for i in range(args.repeat):
        for stage in args.stages:  # interleaved, so drift hits every stage alike
            r = run_stage(stage, mirror)
            results[stage].append(r)
            print(f"run {i + 1}/{args.repeat} {stage}: {r['seconds']:.3f} s, peak RSS {r['peak_rss_mb']:.0f} MB", file=sys.stderr)
    after = code_state()
    print(before if after == before else f"{before}\nWARNING: the code changed during the run, now {after}; rerun on a stable copy")
    print()
    print(f"Pipeline, median of {args.repeat} runs (each in a fresh temp data dir and process), mirror {mirror}\n")
    print(markdown_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
