"""``build_points`` / ``clustermap build --points``: chunked streaming, the organisations file, reports.

Records are seeded SYNTHETIC samples (``layers.points.synthetic``) with rows broken on
purpose; geometry is the real NUTS 2024 file of the mirror.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from layers.points import aggregate_points, catalogue, join_points, read_nuts_regions, read_records, write_rejected
from layers.points.build import (
    ORGANISATION_DTYPES,
    ORGANISATIONS_FILE,
    OUTSIDE_REPORT,
    POINTS_FILE,
    POINTS_NACE_LEVEL,
    REJECTED_REPORT,
    SOURCE_KEY,
    build_points,
)
from layers.points.synthetic import generate_synthetic_records, inject_bad_rows

NUTS_FILE = Path("gisco") / "NUTS_RG_20M_2024_4326.geojson"
SNAP_M = 15_000.0
COLUMNS = ["id", "name", "longitude", "latitude", "nace", "members", "employees", "year", "website",
           "nuts0", "nuts1", "nuts2", "nuts3", "status", "synthetic"]  # fmt: skip


@pytest.fixture(scope="module")
def nuts_path(nuts_2024_file: Path) -> Path:
    return nuts_2024_file


@pytest.fixture(scope="module")
def regions(nuts_path: Path) -> gpd.GeoDataFrame:
    return read_nuts_regions(nuts_path)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, regions: gpd.GeoDataFrame) -> tuple[Path, pd.DataFrame]:
    """3,000 SYNTHETIC records (a fifth anywhere in Europe's box), 40 broken rows, duplicate ids in different chunks."""
    frame = generate_synthetic_records(3_000, seed=31, regions=regions, outside_share=0.2)
    frame = inject_bad_rows(frame, 40, seed=31)
    frame.loc[2_500, "id"] = frame.loc[7, "id"]  # chunks of 400 rows: rows 7 and 2,500 are in chunks 0 and 6
    frame.loc[[1_200, 2_900], "id"] = frame.loc[399, "id"]  # 399 is the last row of chunk 0
    path = tmp_path_factory.mktemp("records") / "synthetic_sample.csv"
    frame.to_csv(path, index=False)
    return path, frame


def run(path: Path, data_dir: Path, mirror: Path, **options) -> tuple[object, dict[str, Path]]:
    report = build_points(path, data_dir=data_dir, mirror=mirror, snap_tolerance_m=SNAP_M, **options)
    files = {
        "aggregate": data_dir / POINTS_FILE,
        "organisations": data_dir / ORGANISATIONS_FILE,
        "rejected": data_dir / "reports" / REJECTED_REPORT,
        "outside": data_dir / "reports" / OUTSIDE_REPORT,
    }
    return report, files


@pytest.fixture(scope="module")
def chunked(sample, mirror: Path, tmp_path_factory: pytest.TempPathFactory):
    """The sample built in chunks of 400 rows (8 chunks)."""
    return run(sample[0], tmp_path_factory.mktemp("chunked"), mirror, chunk_size=400)


def test_chunked_build_equals_the_unchunked_path(sample, chunked, regions, mirror, tmp_path):
    """Aggregate and rejected rows of the streamed build equal read_records + join_points + aggregate_points on the whole file."""
    path, frame = sample
    report, files = chunked
    whole = read_records(path)
    joined = join_points(whole.records, regions, snap_tolerance_m=SNAP_M)
    located = joined[joined["status"] != "outside"]
    pd.testing.assert_frame_equal(pd.read_parquet(files["aggregate"]), aggregate_points(located, nace_level=POINTS_NACE_LEVEL))
    expected_rejected = write_rejected(whole, tmp_path / "expected.rejected.csv")
    assert files["rejected"].read_bytes() == expected_rejected.read_bytes()
    rejected = pd.read_csv(files["rejected"])
    split = rejected[rejected["id"] == frame.loc[7, "id"]]
    assert list(split["line"]) == [9, 2_502]  # CSV lines: header is 1
    assert split["reason"].str.contains("lines 9, 2502").all()
    assert list(rejected.loc[rejected["id"] == frame.loc[399, "id"], "line"]) == [401, 1_202, 2_902]
    # counts add up, and match the unchunked path
    assert report.rows == len(frame) == report.rejected + report.inside + report.snapped + report.outside
    assert report.rejected == whole.n_rejected
    for status in ("inside", "snapped", "outside"):
        assert getattr(report, status) == int((joined["status"] == status).sum()), status
    assert report.inside > 0 and report.snapped > 0 and report.outside > 0


def test_chunk_size_does_not_change_any_output(sample, chunked, mirror, tmp_path):
    _, files = chunked
    _, whole = run(sample[0], tmp_path / "one-chunk", mirror, chunk_size=1_000_000)
    for name in ("aggregate", "organisations"):
        pd.testing.assert_frame_equal(pd.read_parquet(files[name]), pd.read_parquet(whole[name]), obj=name)
    for name in ("rejected", "outside"):
        assert files[name].read_bytes() == whole[name].read_bytes(), name


def test_organisations_file_schema(sample, chunked):
    report, files = chunked
    organisations = pd.read_parquet(files["organisations"])
    assert list(organisations.columns) == COLUMNS
    assert list(ORGANISATION_DTYPES) == COLUMNS
    for column in ("id", "name", "nace", "website", "nuts0", "nuts1", "nuts2", "nuts3", "status"):
        assert pd.api.types.is_string_dtype(organisations[column]) and not isinstance(organisations[column].dtype, pd.CategoricalDtype), column
    assert organisations["longitude"].dtype == "float64" and organisations["latitude"].dtype == "float64"
    for column in ("members", "employees", "year"):
        assert organisations[column].dtype == "Int64", column
    assert organisations["synthetic"].dtype == "bool" and organisations["synthetic"].all()
    assert len(organisations) == report.inside + report.snapped
    assert organisations["id"].is_unique
    assert set(organisations["status"]) == {"inside", "snapped"}
    assert organisations["nace"].str.fullmatch(r"[A-U](\d{2,4})?(;[A-U](\d{2,4})?)*").all()
    assert organisations["members"].isna().any() and organisations["members"].notna().any()  # nullable, not float
    metadata = pq.read_schema(files["organisations"]).metadata
    assert metadata[SOURCE_KEY] == b"synthetic_sample.csv"
    assert report.organisations_path == str(files["organisations"])
    assert f"{files['organisations']}: {len(organisations):,} located organisations" in report.summary()


def test_organisations_keep_the_coordinates_of_the_file(sample, chunked):
    _, frame = sample
    _, files = chunked
    organisations = pd.read_parquet(files["organisations"]).set_index("id")
    given = frame.drop_duplicates("id", keep=False).set_index("id").loc[organisations.index]
    np.testing.assert_array_equal(organisations["longitude"].to_numpy(), given["longitude"].astype("float64").to_numpy())
    np.testing.assert_array_equal(organisations["latitude"].to_numpy(), given["latitude"].astype("float64").to_numpy())
    assert (organisations["name"] == given["name"]).all()


def test_organisations_nuts_codes_match_an_independent_sjoin(chunked, nuts_path):
    """A sample of inside points against geopandas.sjoin on the raw GISCO file, level by level."""
    _, files = chunked
    organisations = pd.read_parquet(files["organisations"])
    inside = organisations[organisations["status"] == "inside"].sample(60, random_state=1).reset_index(drop=True)
    points = gpd.GeoDataFrame(inside[["id"]], geometry=gpd.points_from_xy(inside["longitude"], inside["latitude"]), crs="EPSG:4326")
    gisco = gpd.read_file(nuts_path)[["NUTS_ID", "LEVL_CODE", "geometry"]]
    for level in range(4):
        shapes = gisco[gisco["LEVL_CODE"] == level]
        matched = gpd.sjoin(points, shapes, how="left", predicate="within").groupby(level=0)["NUTS_ID"].min()
        expected = matched.reindex(points.index).astype("object")
        got = inside[f"nuts{level}"].astype("object")
        assert got.where(got.notna(), None).tolist() == expected.where(expected.notna(), None).tolist(), level
    assert inside["nuts0"].notna().all()


def test_snapped_points_are_near_their_region(chunked, regions):
    _, files = chunked
    organisations = pd.read_parquet(files["organisations"])
    snapped = organisations[organisations["status"] == "snapped"]
    shapes = regions.set_index("nuts_id").geometry
    for row in snapped.head(20).itertuples():
        leaf = row.nuts3 if isinstance(row.nuts3, str) else row.nuts0
        assert shapes[leaf].distance(gpd.points_from_xy([row.longitude], [row.latitude])[0]) < 0.5  # degrees, ~ tens of km


def test_synthetic_flag_follows_the_file(tmp_path, mirror, nuts_path, regions):
    records = generate_synthetic_records(6, seed=2, regions=regions)
    records["synthetic"] = ["True", "no", "", "1", "FALSE", "yes"]
    with_column = tmp_path / "with.csv"
    records.to_csv(with_column, index=False)
    build_points(with_column, data_dir=tmp_path / "a", mirror=mirror)
    flags = pd.read_parquet(tmp_path / "a" / ORGANISATIONS_FILE).set_index("id")["synthetic"]
    assert flags.loc[records["id"]].tolist() == [True, False, False, True, False, True]
    without = tmp_path / "without.parquet"
    records.drop(columns="synthetic").to_parquet(without, index=False)
    build_points(without, data_dir=tmp_path / "b", mirror=mirror)
    organisations = pd.read_parquet(tmp_path / "b" / ORGANISATIONS_FILE)
    assert organisations["synthetic"].dtype == "bool" and not organisations["synthetic"].any()
    assert pq.read_schema(tmp_path / "b" / ORGANISATIONS_FILE).metadata[SOURCE_KEY] == b"without.parquet"


def test_catalogue_reads_what_the_build_writes(chunked):
    """The dashboard's reader agrees with the writer on file name, metadata key and columns."""
    report, files = chunked
    assert catalogue.ORGANISATIONS_FILE == ORGANISATIONS_FILE and catalogue.SOURCE_KEY == SOURCE_KEY
    organisations = catalogue.load_organisations(files["organisations"])
    assert len(organisations) == report.inside + report.snapped
    assert organisations.source == "synthetic_sample.csv" and organisations.synthetic


def test_outputs_are_replaced_atomically_and_stale_reports_removed(tmp_path, mirror, regions):
    data_dir = tmp_path / "data"
    bad = inject_bad_rows(generate_synthetic_records(50, seed=4), 5, seed=4)
    bad.to_csv(tmp_path / "bad.csv", index=False)
    first = build_points(tmp_path / "bad.csv", data_dir=data_dir, mirror=mirror)
    assert first.rejected_report and Path(first.rejected_report).exists()
    clean = tmp_path / "clean.csv"
    generate_synthetic_records(30, seed=5, regions=regions).to_csv(clean, index=False)
    second = build_points(clean, data_dir=data_dir, mirror=mirror, chunk_size=7)
    assert second.rejected_report is None and second.outside_report is None
    assert not (data_dir / "reports" / REJECTED_REPORT).exists()  # the old report no longer applies
    assert not (data_dir / "reports" / OUTSIDE_REPORT).exists()
    assert len(pd.read_parquet(data_dir / ORGANISATIONS_FILE)) == 30
    leftovers = [p.name for p in data_dir.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_failing_build_leaves_the_previous_outputs(tmp_path, mirror, regions):
    data_dir = tmp_path / "data"
    clean = tmp_path / "clean.csv"
    generate_synthetic_records(30, seed=5, regions=regions).to_csv(clean, index=False)
    build_points(clean, data_dir=data_dir, mirror=mirror)
    before = {p: p.read_bytes() for p in (data_dir / POINTS_FILE, data_dir / ORGANISATIONS_FILE)}
    broken = tmp_path / "broken.csv"
    body = clean.read_text(encoding="utf-8").splitlines()
    body[25] += ",one field too many"
    broken.write_text("\n".join(body) + "\n", encoding="utf-8")
    from layers.points import RecordsError

    with pytest.raises(RecordsError, match=r"broken\.csv.*line 26"):
        build_points(broken, data_dir=data_dir, mirror=mirror, chunk_size=10)
    assert {p: p.read_bytes() for p in before} == before
    assert [p.name for p in data_dir.rglob("*.tmp")] == []


def test_cli_build_points_writes_aggregate_and_reports(built, mirror, tmp_path, monkeypatch, capsys):
    """`clustermap build --points FILE`: counts add up, rejected and outside rows are reported, the aggregate is written."""
    from dashboard import cli

    data_dir, _ = built
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    records = generate_synthetic_records(40, seed=7)  # SYNTHETIC records, uniform over Europe's box: some fall in the sea
    records = pd.concat([records, records.iloc[[0]]], ignore_index=True)  # a duplicate id: rejected
    path = tmp_path / "synthetic_points.csv"
    records.to_csv(path, index=False)
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(copy))
    assert cli.main(["build", "--points", str(path)]) == 0
    out = capsys.readouterr().out
    assert "41 records read" in out
    aggregate = pd.read_parquet(copy / "points.parquet")
    assert set(aggregate["level"]) <= {0, 1, 2, 3}
    rejected = pd.read_csv(copy / "reports" / "points.rejected.csv")
    assert rejected["reason"].str.contains("duplicate", case=False).any()
    n_rejected = rejected["line"].nunique()
    outside = pd.read_csv(copy / "reports" / "points.outside.csv")
    assert f"{len(outside)} outside every region" in out
    inside, snapped, n_outside = (
        int(x.replace(",", "")) for x in re.search(r"([\d,]+) inside a region, ([\d,]+) snapped to the nearest, ([\d,]+) outside", out).groups()
    )
    assert n_outside == len(outside) and snapped == 0
    assert n_rejected + inside + n_outside == 41  # every row is rejected, inside or outside: nothing dropped
    assert inside > 0 and n_outside > 0  # the synthetic box holds land and sea
    organisations = pd.read_parquet(copy / ORGANISATIONS_FILE)
    assert len(organisations) == inside and f"{inside} located organisations" in out
