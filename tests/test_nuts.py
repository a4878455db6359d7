"""NUTS geometry: reading, repair, topology-preserving simplification and the GeoParquet cache."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from layers._errors import GeometryError
from layers.nuts import load_nuts, read_nuts, simplify_levels


@pytest.fixture(scope="module")
def nuts2013(mirror: Path) -> gpd.GeoDataFrame:
    return read_nuts(mirror / "gisco" / "NUTS_RG_20M_2013_4326.geojson")


@pytest.fixture(scope="module")
def nuts2024(mirror: Path) -> gpd.GeoDataFrame:
    return read_nuts(mirror / "gisco" / "NUTS_RG_20M_2024_4326.geojson")


def test_levels_and_columns(nuts2013, nuts2024):
    # counts from the mirror README
    assert nuts2013.groupby("level").size().tolist() == [35, 114, 314, 1468]
    assert nuts2024.groupby("level").size().tolist() == [39, 115, 299, 1345]
    assert list(nuts2013.columns) == ["nuts_id", "level", "country", "name_latn", "name", "repaired", "geometry"]
    assert nuts2013.crs.to_string() == "EPSG:4326"
    vienna = nuts2024.set_index("nuts_id").loc["AT130"]
    assert (vienna.level, vienna.country, vienna.name_latn) == (3, "AT", "Wien")


def test_invalid_shapes_are_repaired_and_counted(nuts2013, nuts2024):
    repaired = set(nuts2013.loc[nuts2013.repaired, "nuts_id"])
    assert len(repaired) == 33
    assert {"FR51", "DE80", "NO03"} <= repaired
    assert nuts2013.geometry.is_valid.all()
    assert not nuts2024.repaired.any()


def test_clipped_overseas_regions_are_absent_not_invented(nuts2013):
    assert not {"ES70", "FRA1", "FRA5"} & set(nuts2013.nuts_id)


def test_simplification_keeps_shared_borders(nuts2024):
    simplified = simplify_levels(nuts2024)
    for level in range(4):
        before = nuts2024.loc[nuts2024.level == level].geometry.to_numpy()
        after = simplified.loc[simplified.level == level].geometry.to_numpy()
        assert shapely.coverage_is_valid(before)
        assert shapely.coverage_is_valid(after), f"level {level}: simplification opened gaps or overlaps"
        assert shapely.get_num_coordinates(after).sum() < shapely.get_num_coordinates(before).sum()
    assert simplified.geometry.is_valid.all()


def test_coordinates_are_rounded_to_four_decimals(nuts2024):
    coords = shapely.get_coordinates(simplify_levels(nuts2024).geometry.to_numpy())
    assert np.allclose(coords, np.round(coords, 4), atol=1e-9)


def test_geoparquet_cache_roundtrip(tmp_path: Path, mirror: Path):
    source = mirror / "gisco" / "NUTS_RG_20M_2024_4326.geojson"
    first = load_nuts(source, year=2024, cache_dir=tmp_path)
    cache = tmp_path / "nuts_2024_20m.parquet"
    assert cache.is_file()
    mtime = cache.stat().st_mtime_ns
    second = load_nuts(source, year=2024, cache_dir=tmp_path)
    assert cache.stat().st_mtime_ns == mtime  # read back, not rebuilt
    assert_geodataframe_equal(first.regions, second.regions)
    assert_geodataframe_equal(second.regions, simplify_levels(read_nuts(source)))


def _write_geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc))
    return path


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_missing_properties_named(tmp_path: Path):
    path = _write_geojson(tmp_path / "bad.geojson", [{"type": "Feature", "properties": {"NUTS_ID": "AT"}, "geometry": SQUARE}])
    with pytest.raises(GeometryError, match=r"bad\.geojson' lacks the properties \['LEVL_CODE', 'CNTR_CODE', 'NAME_LATN'\]"):
        read_nuts(path)


def test_wrong_crs_named(tmp_path: Path):
    props = {"NUTS_ID": "AT", "LEVL_CODE": 0, "CNTR_CODE": "AT", "NAME_LATN": "Österreich"}
    path = _write_geojson(tmp_path / "metric.geojson", [{"type": "Feature", "properties": props, "geometry": SQUARE}], crs="urn:ogc:def:crs:EPSG::3035")
    with pytest.raises(GeometryError, match=r"is in EPSG:3035, expected EPSG:4326"):
        read_nuts(path)


def test_unreadable_file_named(tmp_path: Path):
    path = tmp_path / "nothing.geojson"
    path.write_text("{not json")
    with pytest.raises(GeometryError, match=r"nothing\.geojson' is not a readable GeoJSON file"):
        read_nuts(path)
