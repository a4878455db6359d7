"""layers.spatial.hotspots on the real data, against a local Moran's I of the test's own.

Expected: location quotients read from the raw Eurostat file (``tests.raw_sbs``),
contiguity from shapely (``tests.test_spatial_weights``), and local Moran's I with its
conditional permutation test written here in numpy (Anselin 1995): I_i = (n-1) z_i
lag_i / sum(z^2), lag_i the mean of the neighbours' z; the pseudo p-value is folded,
(min(#{I_sim >= I_i}, P - #{I_sim >= I_i}) + 1) / (P + 1), with each region's
neighbours drawn from the other n-1 regions.

Permutation noise: esda runs 999 permutations, this test 9,999 with another random
generator, so p-values differ by chance (standard error about 0.007 near 0.05 for
999). Categories are compared for every region whose esda p-value lies outside
[0.05 - BAND, 0.05 + BAND] with BAND = 0.025 (3.5 standard errors of the difference);
quadrants and I are compared for every region.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import pandas as pd
import pytest

from layers.spatial.hotspots import HOTSPOT_COLUMNS, cross_border_clusters, hh_clusters, hotspots
from layers.spatial.weights import NutsWeights
from tests.raw_sbs import finite
from tests.test_spatial_weights import own_centroids, own_contiguity, own_shapes, own_weights

CASES = [(sector, year) for sector in ("C29", "C10", "J62") for year in (2010, 2014)]
"""Motor vehicles, food products, computer programming; two years."""
OWN_PERMUTATIONS = 9_999
BAND = 0.025


def own_local_moran(values: dict[str, float], neighbours: dict[str, set[str]], rng: np.random.Generator) -> pd.DataFrame:
    ids = sorted(values)
    n = len(ids)
    y = np.array([values[i] for i in ids])
    z = y - y.mean()
    position = {i: k for k, i in enumerate(ids)}
    lag = np.array([np.mean([z[position[j]] for j in neighbours[i]]) for i in ids])
    scale = (n - 1) / np.sum(z * z)
    local_i = scale * z * lag
    cardinality = {i: len(neighbours[i]) for i in ids}
    k_max = max(cardinality.values())
    draws = np.argsort(rng.random((OWN_PERMUTATIONS, n - 1)), axis=1)[:, :k_max]  # one permutation of n-1 ids per row
    p_value = np.empty(n)
    for k, region in enumerate(ids):
        others = np.delete(np.arange(n), k)
        simulated_lag = z[others[draws[:, : cardinality[region]]]].mean(axis=1)
        simulated = scale * z[k] * simulated_lag
        larger = int(np.sum(simulated >= local_i[k]))
        larger = min(larger, OWN_PERMUTATIONS - larger)
        p_value[k] = (larger + 1) / (OWN_PERMUTATIONS + 1)
    high, high_lag = z > 0, lag > 0
    quadrant = np.where(high, np.where(high_lag, "HH", "HL"), np.where(high_lag, "LH", "LL"))
    return pd.DataFrame({"quadrant": quadrant, "p_value": p_value, "local_i": local_i}, index=ids)


@pytest.fixture(scope="module")
def level2(built):
    return NutsWeights.from_data_dir(built[0]).level(2)


@pytest.fixture(scope="module")
def own_geometry(built):
    shapes = own_shapes(built[0], 2)
    return shapes, own_contiguity(shapes), own_centroids(shapes)


def raw_lqs(raw, sector: str, year: int) -> dict[str, float]:
    """The LQ of every NUTS 2 shape (NaN where unknown), recomputed from the raw file."""
    ref = raw.ref_share(2, sector, year)
    return {geo: raw.lq(2, sector, geo, year, ref).value for geo in raw.reference(2)}


@pytest.mark.parametrize(("sector", "year"), CASES)
def test_categories_agree_with_an_own_local_moran(raw, dashboard_data, level2, own_geometry, sector, year):
    shapes, contiguity, centroids = own_geometry
    ids = shapes["nuts_id"].tolist()  # the regions the NUTS 2 map draws
    rows = dashboard_data.index.slice(2, sector, year).set_index("geo")
    got = hotspots(rows["lq"].reindex(ids), level2).set_index("nuts_id")
    assert list(got.index) == ids and tuple(got.reset_index().columns) == HOTSPOT_COLUMNS

    lqs = raw_lqs(raw, sector, year)
    known = {geo: v for geo, v in lqs.items() if finite(v)}
    no_data = [i for i in ids if i not in known]
    assert (got.loc[no_data, "hotspot"] == "no data").all() and got.loc[no_data, "p_value"].isna().all()
    neighbours, _ = own_weights(known, contiguity, centroids)
    expected = own_local_moran(known, neighbours, np.random.default_rng(12345))
    got = got.loc[expected.index]

    assert (got["quadrant"] == expected["quadrant"]).all(), "quadrant of every region with a value"
    assert np.allclose(got["local_i"], expected["local_i"], rtol=1e-9, atol=1e-12)
    p, q = got["p_value"].to_numpy(), expected["p_value"].to_numpy()
    noise = 4 * np.sqrt(q * (1 - q) / 1000 + q * (1 - q) / (OWN_PERMUTATIONS + 1)) + 0.002
    assert (np.abs(p - q) <= noise).all(), f"p-values beyond permutation noise: {got.index[np.abs(p - q) > noise].tolist()}"

    clear = np.abs(p - 0.05) > BAND
    expected_category = np.where(q <= 0.05, expected["quadrant"], "ns")
    differ = got.index[clear & (got["hotspot"].to_numpy() != expected_category)]
    assert not len(differ), f"{sector} {year}: categories differ for {differ.tolist()}"
    assert clear.mean() > 0.8, "the band leaves most regions compared (folded p-values of a random map: 10 % fall in it)"
    assert (got["hotspot"] == "HH").sum() >= 3, "the case has hot spots to compare"


def test_same_view_same_categories(dashboard_data, level2):
    rows = dashboard_data.index.slice(2, "C29", 2014).set_index("geo")
    first, second = hotspots(rows["lq"], level2), hotspots(rows["lq"], level2)
    pd.testing.assert_frame_equal(first, second)


def own_components(members: set[str], neighbours: dict[str, set[str]]) -> list[set[str]]:
    seen: set[str] = set()
    components = []
    for start in sorted(members):
        if start in seen:
            continue
        component, queue = set(), deque([start])
        while queue:
            region = queue.popleft()
            if region in component:
                continue
            component.add(region)
            queue.extend(neighbours[region] & members)
        seen |= component
        components.append(component)
    return components


@pytest.mark.parametrize(("sector", "year"), [("C29", 2014), ("C10", 2010)])
def test_hh_clusters_are_connected_groups_with_raw_employment(raw, dashboard_data, level2, own_geometry, sector, year):
    _, contiguity, centroids = own_geometry
    rows = dashboard_data.index.slice(2, sector, year).set_index("geo")
    result = hotspots(rows["lq"], level2)
    clusters = hh_clusters(result, level2, rows["employment"])

    with_value = result.loc[result["hotspot"] != "no data", "nuts_id"]
    neighbours, _ = own_weights(with_value, contiguity, centroids)
    hh = set(result.loc[result["hotspot"] == "HH", "nuts_id"])
    expected = {frozenset(c) for c in own_components(hh, neighbours)}
    assert {frozenset(r) for r in clusters["regions"]} == expected
    for _, cluster in clusters.iterrows():
        countries = {geo[:2] for geo in cluster["regions"]}  # a NUTS code starts with its country's
        assert cluster["countries"] == tuple(sorted(countries))
        assert bool(cluster["cross_border"]) == (len(countries) > 1)
        cells = {geo: raw.cell("employment", sector, geo, year).value for geo in cluster["regions"]}
        assert cluster["employment_missing"] == tuple(sorted(g for g, v in cells.items() if not finite(v)))
        known = [v for v in cells.values() if finite(v)]
        assert math.isclose(cluster["employment"], sum(known)) if known else math.isnan(cluster["employment"])
    assert list(clusters["cluster"]) == list(range(1, len(clusters) + 1))
    crossing = cross_border_clusters(result, level2, rows["employment"])
    assert {frozenset(r) for r in crossing["regions"]} == {frozenset(c) for c in expected if len({g[:2] for g in c}) > 1}


def test_motor_vehicles_2014_has_a_cross_border_cluster_around_southern_germany(dashboard_data, level2):
    """By hand: the car industry's belt from Baden-Württemberg/Bavaria into Czechia is one High-High cluster."""
    rows = dashboard_data.index.slice(2, "C29", 2014).set_index("geo")
    crossing = cross_border_clusters(hotspots(rows["lq"], level2), level2, rows["employment"])
    biggest = crossing.iloc[0]
    assert {"DE", "CZ"} <= set(biggest["countries"])
    assert {"DE11", "DE21"} & set(biggest["regions"])


def test_no_data_and_degenerate_inputs(level2):
    values = pd.Series({"DE11": 1.0, "DE12": np.nan, "DE13": 2.0})
    result = hotspots(values, level2).set_index("nuts_id")
    assert result.at["DE12", "hotspot"] == "no data"
    assert (result.loc[["DE11", "DE13"], "hotspot"] == "ns").all(), "two regions: too few for a statistic"
    flat = hotspots(pd.Series(1.0, index=["DE11", "DE12", "DE13", "DE14"]), level2)
    assert (flat["hotspot"] == "ns").all(), "a constant map has no hot spot"
    assert (hotspots(pd.Series([np.nan, np.nan], index=["DE11", "DE12"]), level2)["hotspot"] == "no data").all()
    with pytest.raises(ValueError, match="duplicate"):
        hotspots(pd.Series([1.0, 2.0, 3.0], index=["DE11", "DE11", "DE12"]), level2)
