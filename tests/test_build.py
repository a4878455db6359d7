"""The aggregate cache: contents on the real data, no-op rebuilds, corruption and atomic writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dashboard import cli
from layers import cache
from layers.build import build
from layers.clusters import REQUIRED_COLUMNS, read_clusters_table
from tests.conftest import cut_mirror


@pytest.fixture(scope="module")
def clusters(built) -> pd.DataFrame:
    data_dir, _ = built
    return read_clusters_table(data_dir / "clusters.parquet").set_index(["geo", "nace_r2", "year"])


def test_report_lists_codes_without_shape(built):
    _, report = built
    assert report.built and report.rejected_rows == 0
    assert report.rows > 300_000
    # old NUTS codes and the regions the mirror's NUTS 2013 copy clips are reported, not drawn
    assert {"DE41", "DE42", "FI18", "SI01", "ES70", "FRA1"} <= set(report.codes_without_shape)
    assert {"FRZZ", "CZZZ"} <= set(report.extra_regio_codes)
    assert len(report.repaired_shapes["2013"]) == 33


def test_schema_and_spot_values(clusters):
    assert set(REQUIRED_COLUMNS) <= set(clusters.reset_index().columns)
    stuttgart = clusters.loc[("DE11", "C29", 2014)]
    assert stuttgart.employment == 158012  # raw line 57601
    assert stuttgart.nuts_year == 2013 and stuttgart.level == 2 and stuttgart.has_shape
    assert stuttgart.stars == 3
    assert stuttgart.lq > 2
    assert not stuttgart.region_total_complete and stuttgart.region_missing_sections == "D,E"
    confidential = clusters.loc[("DE25", "B", 2008)]
    assert pd.isna(confidential.wages) and "c" in confidential.wages_flag
    assert not clusters.loc[("DE41", "C", 2008), "has_shape"]


def test_second_build_does_nothing(built, mirror: Path):
    data_dir, _ = built
    target = data_dir / "clusters.parquet"
    before = target.stat().st_mtime_ns
    again = build(data_dir=data_dir, mirror=mirror)
    assert not again.built
    assert target.stat().st_mtime_ns == before


def test_corrupt_cache_is_rebuilt(tmp_path: Path, built, mirror: Path):
    data_dir, _ = built
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    target = copy / "clusters.parquet"
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    report = build(data_dir=copy, mirror=mirror)
    assert report.built
    assert pq.read_metadata(target).num_rows == report.rows


def test_atomic_write_leaves_old_file_on_crash(tmp_path: Path):
    target = tmp_path / "x.parquet"
    cache.atomic_write(target, lambda p: p.write_text("old"), fingerprint_value="a")

    def crash(path: Path) -> None:
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        cache.atomic_write(target, crash, fingerprint_value="b")
    assert target.read_text() == "old"
    assert {p.name for p in tmp_path.iterdir()} == {"x.parquet", "x.parquet.inputs.json"}
    assert cache.read_if_fresh(target, lambda p: p.read_text(), fingerprint_value="a") == "old"


def test_cli_build_prints_summary(tmp_path: Path, mirror: Path, monkeypatch, capsys):
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(tmp_path))
    assert cli.main(["build"]) == 0
    out = capsys.readouterr().out
    assert "clusters.parquet: built" in out
    assert "0 rejected" in out
    assert "extra-regio" in out


def _edited_mirror(mirror: Path, tmp_path: Path, edit) -> Path:
    """A copy of the mirror whose SBS file has ``edit`` applied to its lines (the build copies it again: its bytes changed)."""
    import gzip

    copy = cut_mirror(mirror, tmp_path / "mirror")
    sbs = copy / "eurostat" / "sbs_r_nuts06_r2.tsv.gz"
    with gzip.open(sbs, "rt") as fh:
        lines = fh.readlines()
    with gzip.open(sbs, "wt") as fh:
        fh.writelines(edit(lines))
    return copy


def test_rejected_rows_are_counted_reported_and_written(built, tmp_path: Path, mirror: Path, monkeypatch, capsys):
    def edit(lines):
        key, rest = lines[10].split("\t", 1)
        lines[10] = key + "\t12x \t" + rest.split("\t", 1)[1]  # a cell that is no number
        lines.append("B-E,V16110,AT11\t" + "\t".join(["1 "] * 8) + "\n")  # an aggregate the tree cannot hold
        return lines

    data_dir, _ = built
    copy = shutil.copytree(data_dir, tmp_path / "data")
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(_edited_mirror(mirror, tmp_path, edit)))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(copy))
    assert cli.main(["build"]) == 0
    out = capsys.readouterr().out
    assert "2 rejected" in out
    report_csv = copy / "reports" / "sbs_r_nuts06_r2.rejected.csv"
    assert f"(see {report_csv})" in out
    rejected = pd.read_csv(report_csv)
    assert sorted(rejected["line"]) == [0, 11]  # line 0: a code, counted over every line that has it
    assert "not a number in year 2015: '12x'" in rejected.loc[rejected["line"] == 11, "reason"].iat[0]
    assert "'B-E'" in rejected.loc[rejected["line"] == 0, "reason"].iat[0]
    assert "V91290" in out  # indicators read but not mapped are named, not hidden


def test_truncated_statistics_give_one_line_and_no_traceback(tmp_path: Path, mirror: Path, monkeypatch, capsys):
    damaged = cut_mirror(mirror, tmp_path / "mirror")
    sbs = damaged / "eurostat" / "sbs_r_nuts06_r2.tsv.gz"
    sbs.write_bytes(sbs.read_bytes()[:50_000])
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(damaged))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["build"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "sbs_r_nuts06_r2.tsv.gz" in err and "truncated or damaged" in err and "clustermap pull" in err


def test_unreadable_build_report_means_rebuild(built, tmp_path: Path, mirror: Path):
    data_dir, _ = built
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    (copy / "build_report.json").write_text('{"clusters_path": "x", "built": tr')
    report = build(data_dir=copy, mirror=mirror)
    assert report.built
    assert build(data_dir=copy, mirror=mirror).built is False


def test_gunicorn_entry_point_serves_the_page(built, mirror: Path, monkeypatch):
    import importlib
    import sys

    data_dir, _ = built
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(data_dir))
    sys.modules.pop("dashboard.wsgi", None)
    wsgi = importlib.import_module("dashboard.wsgi")
    response = wsgi.server.test_client().get("/")
    assert response.status_code == 200
    assert b"Cluster Observatory Map" in response.data
