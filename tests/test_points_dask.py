"""The dask-geopandas join over dask.distributed gives the single-machine answer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

# The optional "scale" extra (in the "test" extra too): skipped locally without it, a failure under CI=true.
pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("dask.distributed")

from layers.points import generate_synthetic_records, join_points, read_nuts_regions, validate_records  # noqa: E402
from layers.points.distributed import (  # noqa: E402
    join_points_distributed,
    read_points_parquet,
    regions_token,
    write_points_parquet,
)


@pytest.fixture(scope="module")
def regions(nuts_2024_file: Path):
    return read_nuts_regions(nuts_2024_file)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def records(regions):
    """SYNTHETIC records: most inside regions, some anywhere in a European box (sea, borders)."""
    inside = generate_synthetic_records(12_000, seed=21, regions=regions)
    anywhere = generate_synthetic_records(3_000, seed=22)
    anywhere["id"] = anywhere["id"].str.replace("SYN-", "SYN-B-")
    return validate_records(pd.concat([inside, anywhere], ignore_index=True)).records


def by_id(frame):
    return frame.sort_values("id").reset_index(drop=True)


@pytest.mark.parametrize("snap", [None, 5_000.0])
def test_distributed_join_matches_single_machine(tmp_path, client, regions, records, snap):
    files = write_points_parquet(records, tmp_path / "points", rows_per_file=4_000)
    assert len(files) == 4
    single = join_points(records, regions, snap_tolerance_m=snap)
    spread = join_points_distributed(tmp_path / "points", regions, client=client, snap_tolerance_m=snap)
    expected, got = by_id(single), by_id(spread)
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got.drop(columns="geometry"), expected.drop(columns="geometry"))
    assert got.geometry.geom_equals_exact(expected.geometry, 0).all()
    assert got.crs == expected.crs
    if snap:
        assert (got["status"] == "snapped").sum() > 0


def test_lazy_result_and_grid_path(tmp_path, client, regions, records):
    write_points_parquet(records, tmp_path / "points", rows_per_file=5_000)
    lazy = join_points_distributed(read_points_parquet(tmp_path / "points"), regions, grid=True, compute=False)
    assert lazy.npartitions == 3
    got = by_id(client.compute(lazy).result())
    pd.testing.assert_frame_equal(got.drop(columns="geometry"), by_id(join_points(records, regions, grid=False)).drop(columns="geometry"))


def test_regions_token_tracks_content(regions):
    assert regions_token(regions) == regions_token(regions.copy())
    moved = regions.copy()
    moved.loc[0, "geometry"] = moved.loc[0, "geometry"].buffer(0.1)
    assert regions_token(moved) != regions_token(regions)


def test_missing_dataset_is_reported(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"no \.parquet files"):
        read_points_parquet(tmp_path / "empty")
