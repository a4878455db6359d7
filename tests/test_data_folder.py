"""The data folder: relocatable, fingerprinted by content, free of killed writes' leftovers, readable by everyone.

Expected values come from the raw Eurostat file (read here with ``gzip``), never
from the code under test. Records for the points build are SYNTHETIC (seeded).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from layers import files
from layers._errors import CacheError
from layers.build import build, load_report
from layers.clusters import read_clusters_table
from tests.conftest import REPO, cut_mirror

SBS = "eurostat/sbs_r_nuts06_r2.tsv.gz"
CELL = ("C29", "V16110", "DE11", "2014")
"""Persons employed in the manufacture of motor vehicles, Stuttgart, 2014."""


def raw_cell(sbs: Path, nace: str, indicator: str, geo: str, year: str) -> tuple[int, str]:
    """The raw cell's number (read straight from the TSV) and its line number."""
    with gzip.open(sbs, "rt") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        column = [h.strip() for h in header].index(year)
        for number, line in enumerate(fh, start=2):
            fields = line.rstrip("\n").split("\t")
            if fields[0] == f"{nace},{indicator},{geo}":
                return int(fields[column].split()[0]), number
    raise AssertionError(f"{nace},{indicator},{geo} is not in {sbs}")


def employment(table: pd.DataFrame, nace: str, geo: str, year: str) -> float:
    row = table.loc[(table["geo"] == geo) & (table["nace_r2"] == nace) & (table["year"] == int(year))]
    assert len(row) == 1
    return float(row["employment"].iat[0])


# ---------------------------------------------------------------------------- relocation


def test_build_report_stores_only_paths_inside_the_folder(built):
    data_dir, _ = built
    stored = json.loads((data_dir / "build_report.json").read_text())
    assert stored["clusters_path"] == "clusters.parquet"
    assert set(stored["inputs"]) == {SBS, "gisco/NUTS_RG_20M_2013_4326.geojson", "gisco/NUTS_RG_20M_2024_4326.geojson"}
    assert str(data_dir) not in (data_dir / "build_report.json").read_text()
    for parquet in data_dir.rglob("*.parquet"):  # no Parquet metadata names the folder either
        metadata = pq.read_metadata(parquet).metadata or {}
        assert not any(str(data_dir).encode() in value for value in metadata.values()), parquet


def test_moved_folder_serves_its_files_without_rebuilding(built, tmp_path: Path, mirror: Path):
    from dashboard.data import load_dashboard_data

    data_dir, _ = built
    first = shutil.copytree(data_dir, tmp_path / "A", copy_function=shutil.copy2)
    moved = tmp_path / "B"
    first.rename(moved)
    assert not first.exists()
    report = build(data_dir=moved, mirror=mirror)
    assert not report.built and report.clusters_file == moved / "clusters.parquet"
    data = load_dashboard_data(data_dir=moved)
    expected, _ = raw_cell(mirror / SBS, *CELL)
    assert employment(data.index.table, "C29", "DE11", "2014") == expected


def test_copied_folder_serves_its_own_table_while_the_original_exists(built, tmp_path: Path, mirror: Path):
    from dashboard.data import load_dashboard_data

    data_dir, _ = built
    original = shutil.copytree(data_dir, tmp_path / "A", copy_function=shutil.copy2)
    copy = shutil.copytree(original, tmp_path / "B", copy_function=shutil.copy2)
    # mark B's table: one cell changed, so only B's file can show it
    target = copy / "clusters.parquet"
    table = read_clusters_table(target)
    marked = (table["geo"] == "DE11") & (table["nace_r2"] == "C29") & (table["year"] == 2014)
    table.loc[marked, "employment"] = 4242.0
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), target)
    data = load_dashboard_data(data_dir=copy)
    assert data.report.clusters_file == target
    assert employment(data.index.table, "C29", "DE11", "2014") == 4242.0
    expected, _ = raw_cell(mirror / SBS, *CELL)
    assert employment(read_clusters_table(original / "clusters.parquet"), "C29", "DE11", "2014") == expected


def test_a_folder_that_does_not_hold_its_build_says_what_is_wrong(built, tmp_path: Path):
    data_dir, _ = built

    def broken(name: str, damage) -> Path:
        folder = shutil.copytree(data_dir, tmp_path / name, copy_function=shutil.copy2)
        damage(folder)
        return folder

    def absolute(folder: Path) -> None:  # a report written before paths were relative
        report = json.loads((folder / "build_report.json").read_text())
        report["clusters_path"] = "/tmp/A/clusters.parquet"
        (folder / "build_report.json").write_text(json.dumps(report))

    cases = {
        "absolute": (absolute, "names '/tmp/A/clusters.parquet', which is not a path inside the data folder"),
        "missing": (lambda f: (f / "clusters.parquet").unlink(), "names 'clusters.parquet', which is missing from"),
        "no_report": (lambda f: (f / "build_report.json").unlink(), "holds no build (build_report.json is missing)"),
        "changed_input": (lambda f: (f / SBS).write_bytes(b"not the statistics"), "sbs_r_nuts06_r2.tsv.gz' is not the file the last build read"),
        "foreign_table": (
            lambda f: (f / "clusters.parquet.inputs.json").write_text('{"fingerprint": "0"}'),
            "clusters.parquet' was not built from the inputs in",
        ),
    }
    for name, (damage, message) in cases.items():
        folder = broken(name, damage)
        with pytest.raises(CacheError) as err:
            load_report(folder)
        text = str(err.value)
        assert message in text, name
        assert "\n" not in text and f"CLUSTERMAP_DATA_DIR={folder}" in text, name


def test_cli_build_rebuilds_a_folder_whose_report_has_absolute_paths(built, tmp_path: Path, mirror: Path):
    """A folder built by an older version heals at the next ``clustermap build`` (``serve`` runs the same build)."""
    data_dir, _ = built
    folder = shutil.copytree(data_dir, tmp_path / "old", copy_function=shutil.copy2)
    report = json.loads((folder / "build_report.json").read_text())
    report["clusters_path"] = str(tmp_path / "gone" / "clusters.parquet")
    (folder / "build_report.json").write_text(json.dumps(report))
    env = {**os.environ, "CLUSTERMAP_DATA_DIR": str(folder), "CLUSTERMAP_MIRROR": str(mirror), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "dashboard.cli", "build"], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{folder / 'clusters.parquet'}: built")
    assert json.loads((folder / "build_report.json").read_text())["clusters_path"] == "clusters.parquet"


# ---------------------------------------------------------------------------- fingerprints


def test_a_changed_mirror_file_is_copied_again_and_rebuilt(built, tmp_path: Path, mirror: Path):
    data_dir, _ = built
    folder = shutil.copytree(data_dir, tmp_path / "data", copy_function=shutil.copy2)
    changed_mirror = cut_mirror(mirror, tmp_path / "mirror")
    original, line = raw_cell(mirror / SBS, *CELL)
    assert build(data_dir=folder, mirror=changed_mirror).built is False  # same bytes: nothing to do

    # the same file, validly re-gzipped with one number changed
    with gzip.open(changed_mirror / SBS, "rt") as fh:
        lines = fh.readlines()
    assert lines[line - 1].startswith("C29,V16110,DE11\t")
    lines[line - 1] = lines[line - 1].replace(f"\t{original} \t", f"\t{original + 7} \t", 1)
    with gzip.open(changed_mirror / SBS, "wt") as fh:
        fh.writelines(lines)
    changed, _ = raw_cell(changed_mirror / SBS, *CELL)
    assert changed == original + 7

    report = build(data_dir=folder, mirror=changed_mirror)
    assert report.built
    assert (folder / SBS).read_bytes() == (changed_mirror / SBS).read_bytes()
    assert employment(read_clusters_table(folder / "clusters.parquet"), "C29", "DE11", "2014") == changed
    assert build(data_dir=folder, mirror=changed_mirror).built is False


# ---------------------------------------------------------------------------- interrupted writes

_KILLED_WRITER = """
import sys, time
from pathlib import Path
from layers import files
from layers.clusters import read_clusters_table, write_clusters_table

target = Path(sys.argv[1])
table = read_clusters_table(target)

def write_then_hang(tmp):
    write_clusters_table(table, tmp)  # the whole table is in the temp file; the rename never comes
    print(tmp, flush=True)
    time.sleep(600)

files.atomic_write(target, write_then_hang)
"""


def test_a_write_killed_midway_leaves_a_temp_file_that_the_next_build_removes(built, tmp_path: Path, mirror: Path):
    data_dir, _ = built
    folder = shutil.copytree(data_dir, tmp_path / "data", copy_function=shutil.copy2)
    target = folder / "clusters.parquet"
    before = target.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target)], env=env, stdout=subprocess.PIPE, text=True) as writer:
        try:
            temp = Path(writer.stdout.readline().strip())  # blocks until the table is written to the temp file
            assert temp.parent == folder and temp.name.startswith(".clusters.parquet.") and temp.stat().st_size > 1_000_000
            # a write in progress is never taken for a killed one
            assert files.remove_interrupted_writes(folder) == []
            assert temp.exists()
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    assert temp.exists()  # what a kill leaves behind
    legacy = folder / "nuts" / ".nuts_2013_20m.parquet.k2j4h5g6"  # an earlier version's temp name, without lock or suffix
    legacy.write_bytes(b"half a file")

    report = build(data_dir=folder, mirror=mirror)
    assert not report.built  # the table itself was never touched
    assert not temp.exists() and not legacy.exists()
    assert target.read_bytes() == before
    leftovers = [p for p in folder.rglob(".*") if p.is_file()]
    assert leftovers == []


def test_atomic_write_keeps_the_target_on_error_and_leaves_no_temp_file(tmp_path: Path):
    target = tmp_path / "sub" / "x.csv"
    files.atomic_write_text(target, "old")

    def crash(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        files.atomic_write(target, crash)
    assert target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["x.csv"]


# ---------------------------------------------------------------------------- file modes


def test_every_file_written_is_0644_and_every_folder_0755(tmp_path: Path, mirror: Path):
    from layers.points.build import build_points
    from layers.points.join import read_nuts_regions
    from layers.points.synthetic import generate_synthetic_records, inject_bad_rows

    old_umask = os.umask(0o022)
    try:
        # a statistics file with one bad cell, so the build writes its rejected-rows report too
        trimmed = cut_mirror(mirror, tmp_path / "mirror")
        with gzip.open(trimmed / SBS, "rt") as fh:
            lines = fh.readlines()
        key, rest = lines[10].split("\t", 1)
        lines[10] = key + "\t12x \t" + rest.split("\t", 1)[1]
        with gzip.open(trimmed / SBS, "wt") as fh:
            fh.writelines(lines)
        data_dir = tmp_path / "data"
        report = build(data_dir=data_dir, mirror=trimmed)
        assert report.built and report.rejected_report == "reports/sbs_r_nuts06_r2.rejected.csv"

        regions = read_nuts_regions(trimmed / "gisco" / "NUTS_RG_20M_2024_4326.geojson")
        records = inject_bad_rows(generate_synthetic_records(200, seed=11, regions=regions, outside_share=0.2), 5, seed=11)  # SYNTHETIC
        records.to_csv(tmp_path / "synthetic_points.csv", index=False)
        points = build_points(tmp_path / "synthetic_points.csv", data_dir=data_dir, mirror=trimmed)
        assert points.rejected_report and points.outside_report
    finally:
        os.umask(old_umask)

    written = {p.relative_to(data_dir).as_posix(): p.stat().st_mode & 0o777 for p in data_dir.rglob("*")}
    expected_files = {
        SBS, "gisco/NUTS_RG_20M_2013_4326.geojson", "gisco/NUTS_RG_20M_2024_4326.geojson",
        "nuts/nuts_2013_20m.parquet", "nuts/nuts_2024_20m.parquet", "clusters.parquet", "build_report.json",
        "reports/sbs_r_nuts06_r2.rejected.csv", "points.parquet", "organisations.parquet",
        "reports/points.rejected.csv", "reports/points.outside.csv",
    }  # fmt: skip
    assert expected_files <= set(written)
    folders = {name for name in written if (data_dir / name).is_dir()}
    assert folders == {"gisco", "eurostat", "nuts", "reports"}
    assert {name: mode for name, mode in written.items() if name in folders and mode != 0o755} == {}
    assert {name: oct(mode) for name, mode in written.items() if name not in folders and mode != 0o644} == {}
    for parquet in data_dir.rglob("*.parquet"):  # the points outputs' metadata names no path of this machine either
        metadata = pq.read_metadata(parquet).metadata or {}
        assert not any(str(tmp_path).encode() in value for value in metadata.values()), parquet


# ---------------------------------------------------------------------------- no network


@pytest.mark.parametrize("command", [["pull"], ["build"], ["serve"], ["export", "--out", "png"]])
def test_without_network_or_mirror_every_command_prints_one_line(command: list[str], tmp_path: Path):
    """The network is a closed loopback port (a proxy nobody listens on): nothing leaves the machine."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"CLUSTERMAP_MIRROR", "NO_PROXY", "ALL_PROXY"}}
    env.update(PYTHONPATH=str(REPO), CLUSTERMAP_DATA_DIR=str(tmp_path / "data"), HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    done = subprocess.run([sys.executable, "-m", "dashboard.cli", *command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert len(output.splitlines()) == 1 and output.endswith("\n"), output
    assert output.startswith("clustermap: error: Could not download '")
    assert "https://" in output and "set CLUSTERMAP_MIRROR" in output
    assert "Downloading" not in output and "Traceback" not in output
    leftovers = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert leftovers == []
