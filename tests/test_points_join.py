"""Point-in-NUTS join (hand-built and real GISCO 2024 regions) and the aggregate."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from layers._errors import GeometryError
from layers.points import (
    NUTS_COLUMNS,
    RegionIndex,
    aggregate_points,
    generate_synthetic_records,
    join_points,
    join_xy,
    read_nuts_regions,
    validate_records,
    write_points_aggregate,
)

needs_mirror = pytest.mark.usefixtures("nuts_2024_file")  # fails, never skips, without the file


@pytest.fixture
def regions() -> gpd.GeoDataFrame:
    """Country XX (two NUTS 3 squares side by side) and country YY (level 0 only) east of it."""
    rows = [
        ("XX", 0, box(10, 50, 12, 51)),
        ("XX1", 1, box(10, 50, 12, 51)),
        ("XX11", 2, box(10, 50, 12, 51)),
        ("XX111", 3, box(10, 50, 11, 51)),
        ("XX112", 3, box(11, 50, 12, 51)),
        ("YY", 0, box(12, 50, 13, 51)),
    ]
    return gpd.GeoDataFrame(
        {"nuts_id": [r[0] for r in rows], "level": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs="EPSG:4326",
    )


def nuts(frame: pd.DataFrame, row: int) -> list[str | None]:
    return [None if pd.isna(v) else v for v in frame.loc[row, list(NUTS_COLUMNS)]]


@pytest.mark.parametrize("grid", [False, True])
def test_inside_boundary_outside(regions, grid):
    lon = np.array([10.5, 11.0, 11.0, 12.0, 12.5, 20.0, np.nan, 10.0])
    lat = np.array([50.5, 50.5, 51.0, 50.5, 50.5, 20.0, 50.5, 50.0])
    out = join_xy(lon, lat, regions, grid=grid)
    assert nuts(out, 0) == ["XX", "XX1", "XX11", "XX111"]
    # exactly on the XX111 | XX112 edge and on their shared corner: smallest id wins
    assert nuts(out, 1) == ["XX", "XX1", "XX11", "XX111"]
    assert nuts(out, 2) == ["XX", "XX1", "XX11", "XX111"]
    # on the XX112 | YY border: 'XX112' < 'YY'
    assert nuts(out, 3) == ["XX", "XX1", "XX11", "XX112"]
    # YY has no finer regions: only nuts0
    assert nuts(out, 4) == ["YY", None, None, None]
    assert nuts(out, 5) == [None, None, None, None]
    assert nuts(out, 6) == [None, None, None, None]
    assert nuts(out, 7)[3] == "XX111"  # outer corner still intersects
    assert list(out["status"]) == ["inside"] * 5 + ["outside", "outside", "inside"]
    assert out["snap_distance_m"].isna().all()


def test_boundary_rule_does_not_depend_on_row_order(regions):
    lon, lat = np.array([11.0, 12.0, 11.0]), np.array([50.5, 50.7, 51.0])
    expected = join_xy(lon, lat, regions)
    for seed in range(5):
        shuffled = regions.sample(frac=1, random_state=seed)
        pd.testing.assert_frame_equal(join_xy(lon, lat, shuffled), expected)


def test_snapping_within_tolerance(regions):
    # 0.001 degree east of YY at 50.5N is about 71 m
    lon, lat = np.array([13.001, 13.01, 30.0]), np.array([50.5, 50.5, 50.5])
    out = join_xy(lon, lat, regions, snap_tolerance_m=100)
    assert list(out["status"]) == ["snapped", "outside", "outside"]
    assert nuts(out, 0) == ["YY", None, None, None]
    assert 60 < out.loc[0, "snap_distance_m"] < 80
    assert out.loc[1:, "snap_distance_m"].isna().all()
    assert list(join_xy(lon, lat, regions, snap_tolerance_m=50)["status"]) == ["outside"] * 3
    far = join_xy(lon, lat, regions, snap_tolerance_m=1000)
    assert list(far["status"]) == ["snapped", "snapped", "outside"]
    with pytest.raises(ValueError, match="snap_tolerance_m"):
        join_xy(lon, lat, regions, snap_tolerance_m=-1)


def test_snapping_prefers_smallest_id_on_ties(regions):
    # a point south of the XX111 | XX112 corner is equally near both
    out = join_xy(np.array([11.0]), np.array([49.9995]), regions, snap_tolerance_m=500)
    assert out.loc[0, "status"] == "snapped" and out.loc[0, "nuts3"] == "XX111"


def test_join_points_keeps_columns_and_reprojects(regions):
    points = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]},
        geometry=gpd.points_from_xy([10.5, 11.5, 0.0], [50.5, 50.5, 0.0]),
        crs="EPSG:4326",
        index=[10, 20, 30],
    )
    out = join_points(points, regions)
    assert list(out.index) == [10, 20, 30] and list(out["id"]) == ["a", "b", "c"]
    assert list(out["nuts3"].astype("object").fillna("-")) == ["XX111", "XX112", "-"]
    assert isinstance(out["nuts3"].dtype, pd.CategoricalDtype)
    metric = join_points(points.to_crs("EPSG:3035"), regions)
    pd.testing.assert_frame_equal(metric.drop(columns="geometry"), out.drop(columns="geometry"))


def test_join_points_handles_empty_and_missing_geometries(regions):
    from shapely.geometry import Point

    points = gpd.GeoDataFrame(geometry=[Point(10.5, 50.5), Point(), None], crs="EPSG:4326")
    assert list(join_points(points, regions, snap_tolerance_m=100)["status"]) == ["inside", "outside", "outside"]


def test_join_points_refuses_polygons(regions):
    shapes = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    with pytest.raises(GeometryError, match="not points"):
        join_points(shapes, regions)


def test_inconsistent_regions_are_refused(regions):
    wrong = regions.copy()
    wrong.loc[0, "level"] = 2
    with pytest.raises(GeometryError, match="len\\(nuts_id\\) - 2"):
        RegionIndex(wrong)
    with pytest.raises(GeometryError, match="more than once"):
        RegionIndex(pd.concat([regions, regions.iloc[:1]]))
    with pytest.raises(GeometryError, match="nuts_id, level"):
        RegionIndex(regions.drop(columns="level"))


def test_invalid_region_shapes_are_repaired(regions):
    from shapely.geometry import Polygon

    bowtie = Polygon([(10, 50), (11, 51), (11, 50), (10, 51)])  # self-intersecting
    broken = regions.copy()
    broken.loc[broken["nuts_id"] == "XX111", "geometry"] = bowtie
    out = join_xy(np.array([10.9]), np.array([50.5]), broken)
    assert out.loc[0, "nuts3"] == "XX111"


def test_grid_and_strtree_paths_agree_on_boundaries(regions):
    rng = np.random.default_rng(0)
    n = 20_000
    lon = np.round(rng.uniform(9.5, 13.5, n), 1)  # many points exactly on region edges
    lat = np.round(rng.uniform(49.5, 51.5, n), 1)
    index = RegionIndex(regions)
    plain = join_xy(lon, lat, index, grid=False, chunk_size=3000, workers=2)
    gridded = join_xy(lon, lat, index, grid=True, chunk_size=3000, workers=2)
    pd.testing.assert_frame_equal(plain, gridded)
    on_edge = (lon == 11.0) & (lat > 50) & (lat < 51)
    assert on_edge.any() and (plain.loc[on_edge, "nuts3"] == "XX111").all()


def test_aggregate_counts_each_code_once_and_totals(regions):
    records = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "nace": ["C10;G451", "C10", "C1011", "A"],
            "members": pd.array([10, None, 5, 1], dtype="Int64"),
            "employees": pd.array([100, 50, None, 2], dtype="Int64"),
        }
    )
    lon, lat = np.array([10.5, 11.5, 10.2, 40.0]), np.array([50.5, 50.5, 50.2, 40.0])
    joined = pd.concat([records, join_xy(lon, lat, regions)], axis=1)
    table = aggregate_points(joined)
    assert list(table.columns) == ["level", "geo", "nace_r2", "organisations", "members", "employees"]
    got = table.set_index(["level", "geo", "nace_r2"])
    assert got.loc[(3, "XX111", "C10")].tolist() == [1, 10, 100]
    assert got.loc[(3, "XX111", "TOTAL")].tolist() == [2, 15, 100]
    assert got.loc[(0, "XX", "C10")].tolist() == [2, 10, 150]
    assert got.loc[(0, "XX", "TOTAL")].tolist() == [3, 15, 150]
    assert pd.isna(got.loc[(3, "XX111", "C1011"), "employees"])  # nobody reported it
    assert "A" not in set(table["nace_r2"])  # the point outside every region is not counted
    sections = aggregate_points(joined, nace_level="section").set_index(["level", "geo", "nace_r2"])
    assert sections.loc[(0, "XX", "C"), "organisations"] == 3
    assert sections.loc[(0, "XX", "G"), "organisations"] == 1


def test_write_points_aggregate_is_atomic(tmp_path, regions):
    joined = pd.concat([pd.DataFrame({"nace": ["C10"]}), join_xy(np.array([10.5]), np.array([50.5]), regions)], axis=1)
    table = aggregate_points(joined)
    path = tmp_path / "agg" / "points.parquet"
    write_points_aggregate(table, path)
    path.write_bytes(b"old")  # replaced, never appended to
    write_points_aggregate(table, path)
    pd.testing.assert_frame_equal(pd.read_parquet(path), table)
    assert [p.name for p in path.parent.iterdir()] == ["points.parquet"]
    with pytest.raises(KeyError, match="organisations"):
        write_points_aggregate(table.drop(columns="organisations"), path)


@pytest.fixture(scope="module")
def nuts_2024(nuts_2024_file: Path) -> gpd.GeoDataFrame:
    return read_nuts_regions(nuts_2024_file)


@needs_mirror
def test_read_nuts_regions(nuts_2024):
    assert list(nuts_2024.columns) == ["nuts_id", "level", "country", "name_latn", "geometry"]
    assert nuts_2024.crs == "EPSG:4326"
    assert nuts_2024.geometry.is_valid.all()
    assert set(nuts_2024["level"]) == {0, 1, 2, 3}
    assert nuts_2024.loc[nuts_2024["nuts_id"] == "AT130", "name_latn"].item() == "Wien"


@needs_mirror
def test_known_cities_land_in_their_nuts3(nuts_2024):
    cities = {  # lon, lat -> NUTS 3 (2024)
        "Vienna": (16.37, 48.21, ["AT", "AT1", "AT13", "AT130"]),
        "Berlin": (13.40, 52.52, ["DE", "DE3", "DE30", "DE300"]),
        "Paris": (2.35, 48.86, ["FR", "FR1", "FR10", "FR101"]),
        "Kyiv": (30.52, 50.45, ["UA", None, None, None]),  # no NUTS 1-3 for UA in 2024
    }
    lon = np.array([c[0] for c in cities.values()])
    lat = np.array([c[1] for c in cities.values()])
    out = join_xy(lon, lat, nuts_2024)
    for row, (name, (_, _, expected)) in enumerate(cities.items()):
        assert nuts(out, row) == expected, name


@pytest.fixture(scope="module")
def sample_join(nuts_2024):
    """A seeded SYNTHETIC sample: points inside regions plus points anywhere in a European box."""
    inside = generate_synthetic_records(15_000, seed=11, regions=nuts_2024)
    anywhere = generate_synthetic_records(5_000, seed=12)
    anywhere["id"] = anywhere["id"].str.replace("SYN-", "SYN-B-")
    records = validate_records(pd.concat([inside, anywhere], ignore_index=True)).records
    index = RegionIndex(nuts_2024)
    return records, index, join_points(records, index, grid=False)


@needs_mirror
def test_parity_with_geopandas_sjoin(sample_join):
    records, index, joined = sample_join
    leaves = gpd.GeoDataFrame({"leaf": index.leaf_ids}, geometry=index.geometries, crs="EPSG:4326")
    matched = gpd.sjoin(records[["geometry"]], leaves, how="left", predicate="intersects")
    expected = matched["leaf"].groupby(level=0).min()  # the documented boundary rule
    leaf = joined[list(NUTS_COLUMNS)].astype("object").ffill(axis=1).iloc[:, -1]  # deepest level present
    got = leaf.where(joined["status"] == "inside")
    pd.testing.assert_series_equal(got.reindex(expected.index), expected, check_names=False, check_dtype=False)
    assert (joined["status"] == "outside").sum() > 100  # the box sample reaches the sea


@needs_mirror
def test_parents_agree_with_each_level_joined_alone(sample_join, nuts_2024):
    records, _, joined = sample_join
    for level in range(3):
        alone = join_points(records[["geometry"]], nuts_2024[nuts_2024["level"] == level], grid=False)
        column = f"nuts{level}"
        has_leaf = joined["status"] == "inside"
        pd.testing.assert_series_equal(joined.loc[has_leaf, column].astype("object"), alone.loc[has_leaf, column].astype("object"))
        child = joined[f"nuts{level + 1}"].astype("object")
        parent = joined[column].astype("object")
        known = child.notna()
        assert (child[known].str[: 2 + level] == parent[known]).all()


@needs_mirror
def test_grid_path_matches_strtree_on_real_regions(sample_join):
    records, index, joined = sample_join
    gridded = join_points(records, index, grid=True, chunk_size=4096, workers=2)
    pd.testing.assert_frame_equal(gridded, joined)


@needs_mirror
def test_real_sample_aggregates(sample_join):
    _, _, joined = sample_join
    table = aggregate_points(joined)
    totals = table[table["nace_r2"] == "TOTAL"].groupby("level")["organisations"].sum()
    assert totals[0] == (joined["status"] == "inside").sum()
    assert (totals.diff().dropna() <= 0).all()  # UA and BA have no finer units


def reference_aggregate(joined: pd.DataFrame, nace_level: str | None = None) -> pd.DataFrame:
    """The counting rules written out plainly with pandas explode/groupby (an oracle for the accumulator)."""
    frame = joined.reset_index(drop=True)
    codes = frame["nace"].str.split(";").explode().dropna()
    if nace_level:
        codes = codes.str.slice(0, {"section": 1, "division": 3}[nace_level])
    pairs = pd.DataFrame({"row": codes.index, "nace_r2": codes.to_numpy()}).drop_duplicates()
    pairs = pd.concat([pairs, pd.DataFrame({"row": frame.index, "nace_r2": "TOTAL"})])
    pieces = []
    for level in range(4):
        geo = frame[f"nuts{level}"].astype("object")
        part = pairs.assign(geo=geo.to_numpy()[pairs["row"]]).dropna(subset=["geo"])
        part = part.join(frame[["members", "employees"]], on="row")
        grouped = part.groupby(["geo", "nace_r2"])
        sums = grouped[["members", "employees"]].sum(min_count=1)
        pieces.append(sums.assign(organisations=grouped.size(), level=level).reset_index())
    table = pd.concat(pieces)[["level", "geo", "nace_r2", "organisations", "members", "employees"]]
    table = table.astype({"level": "int64", "geo": "str", "nace_r2": "str", "organisations": "int64", "members": "Int64", "employees": "Int64"})
    return table.sort_values(["level", "geo", "nace_r2"]).reset_index(drop=True)


@needs_mirror
@pytest.mark.parametrize("nace_level", [None, "section", "division"])
def test_aggregate_equals_plain_pandas_counting(sample_join, nace_level):
    _, _, joined = sample_join
    got = aggregate_points(joined, nace_level=nace_level)
    pd.testing.assert_frame_equal(got, reference_aggregate(joined, nace_level))


@needs_mirror
def test_accumulator_fed_in_chunks_equals_one_pass(sample_join):
    from layers.points.aggregate import AggregateAccumulator

    _, index, joined = sample_join
    accumulator = AggregateAccumulator(index.categories)
    order = np.random.default_rng(3).permutation(len(joined))  # any order of chunks and rows
    for start in range(0, len(joined), 1_999):
        accumulator.add(joined.iloc[order[start : start + 1_999]])
    pd.testing.assert_frame_equal(accumulator.result(), aggregate_points(joined))
    assert accumulator.rows == len(joined) and accumulator.outside == int((joined["status"] == "outside").sum())


def test_accumulator_refuses_regions_it_does_not_know(regions):
    from layers.points.aggregate import AggregateAccumulator

    joined = pd.concat([pd.DataFrame({"nace": ["C10"]}), join_xy(np.array([10.5]), np.array([50.5]), regions)], axis=1)
    accumulator = AggregateAccumulator({0: ["YY"], 1: [], 2: [], 3: []})
    with pytest.raises(ValueError, match="nuts0 holds regions"):
        accumulator.add(joined.astype({"nuts0": "object"}))


def test_accumulator_sums_stay_exact_beyond_float_precision(regions):
    big = 2**53 + 1  # not representable as float64
    records = pd.DataFrame({"nace": ["C10", "C10"], "employees": pd.array([big, 2], dtype="Int64")})
    joined = pd.concat([records, join_xy(np.array([10.5, 10.6]), np.array([50.5, 50.5]), regions)], axis=1)
    got = aggregate_points(joined).set_index(["level", "geo", "nace_r2"])
    assert got.loc[(3, "XX111", "C10"), "employees"] == big + 2
    assert pd.isna(got.loc[(3, "XX111", "C10"), "members"])
