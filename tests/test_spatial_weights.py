"""layers.spatial.weights on the real NUTS 2013 shapes, against a contiguity of the test's own.

The expected neighbours come from shapely alone (``intersects`` between the shapes
the map draws, read straight from the built GeoParquet), the islands' nearest regions
from centroid distances in EPSG:3035 computed with numpy; libpysal is not used here.
The helpers are imported by ``tests/test_spatial_hotspots.py``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from layers._errors import UnknownRegionError
from layers.spatial.weights import NutsWeights

NUTS_FILE = "nuts/nuts_2013_20m.parquet"


def own_shapes(data_dir, level: int) -> gpd.GeoDataFrame:
    """One level's shapes as the build cached them (the geometry the map draws), sorted by code."""
    regions = gpd.read_parquet(data_dir / NUTS_FILE)
    return regions.loc[regions["level"] == level].sort_values("nuts_id").reset_index(drop=True)


def own_contiguity(shapes: gpd.GeoDataFrame) -> dict[str, set[str]]:
    """Regions whose shapes share at least a point (queen contiguity), by shapely ``intersects``."""
    geoms = shapes.geometry.to_numpy()
    ids = shapes["nuts_id"].tolist()
    neighbours: dict[str, set[str]] = {i: set() for i in ids}
    for a, b in zip(*shapely.STRtree(geoms).query(geoms, predicate="intersects")):
        if a != b:
            neighbours[ids[a]].add(ids[b])
    return neighbours


def own_centroids(shapes: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    points = shapes.to_crs("EPSG:3035").geometry.centroid
    return {i: np.array([x, y]) for i, x, y in zip(shapes["nuts_id"], points.x, points.y)}


def own_weights(ids, contiguity: dict[str, set[str]], centroids: dict[str, np.ndarray]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Contiguity among ``ids``; each region without a neighbour there linked (both ways) to the nearest centroid among ``ids``."""
    members = sorted(ids)
    neighbours = {i: contiguity[i] & set(members) for i in members}
    joined = {}
    points = np.array([centroids[i] for i in members])
    for island in [i for i in members if not neighbours[i]]:
        distance = np.hypot(*(points - centroids[island]).T)
        distance[members.index(island)] = np.inf
        nearest = members[int(np.argmin(distance))]
        joined[island] = nearest
    for island, nearest in joined.items():
        neighbours[island].add(nearest)
        neighbours[nearest].add(island)
    return neighbours, joined


@pytest.fixture(scope="module")
def data_dir(built):
    return built[0]


@pytest.fixture(scope="module")
def nuts_weights(data_dir) -> NutsWeights:
    return NutsWeights.from_data_dir(data_dir)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_queen_contiguity_is_shapely_intersects_on_every_level(nuts_weights, data_dir, level):
    shapes = own_shapes(data_dir, level)
    expected = own_contiguity(shapes)
    weights = nuts_weights.level(level)
    assert weights.ids == tuple(shapes["nuts_id"])
    assert {i: set(n) for i, n in weights.contiguity.items()} == expected


def test_nuts2_islands_are_joined_to_the_nearest_centroid(nuts_weights, data_dir):
    shapes = own_shapes(data_dir, 2)
    neighbours, joined = own_weights(shapes["nuts_id"], own_contiguity(shapes), own_centroids(shapes))
    full = nuts_weights.level(2).full
    assert dict(full.joined) == joined
    # by hand: Malta has no land border and Sicily is the nearest centroid; Iceland's nearest is the Highlands
    assert joined["MT00"] == "ITG1" and joined["IS00"] == "UKM6"
    assert {"CY00", "MT00", "IS00", "ITG1", "ITG2", "FR83", "ES53", "ES63", "ES64", "PT20", "PT30"} <= set(full.islands)
    assert {i: set(n) for i, n in full.neighbours.items()} == neighbours
    assert all(full.neighbours[i] for i in full.ids), "every region has a neighbour"


def test_weights_are_symmetric_binary_then_row_standardised(nuts_weights):
    full = nuts_weights.level(2).full
    w = full.w
    assert w.transform == "R"
    for region in full.ids:
        assert set(w.neighbors[region]) == set(full.neighbours[region])
        assert np.allclose(w.weights[region], 1.0 / len(full.neighbours[region]))
        assert all(region in full.neighbours[other] for other in full.neighbours[region])
    assert np.allclose(np.asarray(w.sparse.sum(axis=1)).ravel(), 1.0)


def test_restriction_to_a_real_view_joins_the_new_islands(nuts_weights, data_dir, dashboard_data):
    """The regions with an LQ for C29 (motor vehicles) in 2012: contiguity among them, islands joined among them."""
    rows = dashboard_data.index.slice(2, "C29", 2012)
    with_value = rows.loc[rows["lq"].notna(), "geo"].tolist()
    shapes = own_shapes(data_dir, 2)
    neighbours, joined = own_weights(with_value, own_contiguity(shapes), own_centroids(shapes))
    restricted = nuts_weights.level(2).restrict(with_value)
    assert restricted.ids == tuple(sorted(with_value))
    assert dict(restricted.joined) == joined
    assert {i: set(n) for i, n in restricted.neighbours.items()} == neighbours
    assert set(joined) - set(nuts_weights.level(2).full.islands), "restricting makes new islands (regions whose neighbours have no value)"
    assert nuts_weights.level(2).restrict(reversed(with_value)) is restricted, "a subset's weights are kept"


def test_levels_are_built_once_and_bad_input_says_what_is_wrong(nuts_weights):
    assert nuts_weights.level(2) is nuts_weights.level(2)
    with pytest.raises(UnknownRegionError, match="XX99"):
        nuts_weights.level(2).restrict(["DE11", "XX99"])
    with pytest.raises(ValueError, match="at least two regions"):
        nuts_weights.level(2).restrict(["DE11"])
    with pytest.raises(ValueError, match="NUTS level"):
        nuts_weights.level(4)
