"""layers.spatial.related on the real data, against pandas ``corr`` on LQs recomputed from the raw file.

Expected strengths: the location quotients of every NACE division in every NUTS 2
shape, recomputed from the mirror's Eurostat TSV by ``tests.raw_sbs`` (methodology
4.3), correlated with ``DataFrame.corr(min_periods=30)`` (pairwise complete Pearson).
European employment: the raw NUTS 0 employment cells, summed where they have a value.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from layers.portfolio import region_comparison
from layers.spatial.related import MIN_COMMON_REGIONS, RelatedSectors, UnknownDivisionError, european_employment, location_quotients, pairwise_pearson
from tests.raw_sbs import finite

CASES = [(sector, year) for sector in ("C29", "C10", "J62") for year in (2010, 2014)]
DIVISION = re.compile(r"^[A-U]\d{2}$")


def raw_divisions(raw) -> list[str]:
    return sorted({nace for (_, nace, _, _) in raw.cells if DIVISION.match(nace)})


_RAW_LQ: dict[int, pd.DataFrame] = {}


def raw_lq_matrix(raw, year: int) -> pd.DataFrame:
    """NUTS 2 shape x division LQs from the raw file (NaN where unknown)."""
    if year not in _RAW_LQ:
        columns = {}
        for code in raw_divisions(raw):
            ref = raw.ref_share(2, code, year)
            columns[code] = {geo: raw.lq(2, code, geo, year, ref).value for geo in raw.reference(2)}
        _RAW_LQ[year] = pd.DataFrame(columns)
    return _RAW_LQ[year]


@pytest.fixture(scope="module")
def related(dashboard_data) -> RelatedSectors:
    return RelatedSectors(dashboard_data.index)


@pytest.mark.parametrize(("sector", "year"), CASES)
def test_top_ten_related_agree_with_pandas_corr_on_raw_lqs(raw, related, sector, year):
    lqs = raw_lq_matrix(raw, year)
    strength = lqs.corr(method="pearson", min_periods=MIN_COMMON_REGIONS)[sector].drop(sector).dropna()
    expected = strength.sort_values(ascending=False).head(10)
    common = lqs.notna().astype(int)
    got = related.related(sector, year, limit=10)
    assert list(got.columns) == ["nace_r2", "name", "strength", "regions"]
    assert got["nace_r2"].tolist() == expected.index.tolist()
    assert np.allclose(got["strength"], expected.to_numpy(), rtol=0, atol=1e-9)
    assert got["regions"].tolist() == [int((common[sector] & common[c]).sum()) for c in expected.index]
    assert got["name"].iloc[0] and got["name"].iloc[0] != got["nace_r2"].iloc[0], "a label, not the code"


@pytest.mark.parametrize("year", [2010, 2014])
def test_every_pair_agrees_with_pandas_corr_on_raw_lqs(raw, related, year):
    lqs = raw_lq_matrix(raw, year)
    expected = lqs.corr(min_periods=MIN_COMMON_REGIONS)
    pairs = related.colocation(year)
    assert pairs.codes == tuple(sorted(lqs.columns))
    got = pairs.strength.reindex(index=expected.index, columns=expected.columns)
    off_diagonal = ~np.eye(len(expected), dtype=bool)
    assert (got.isna().to_numpy() == expected.isna().to_numpy())[off_diagonal].all()
    assert np.nanmax(np.abs(got.to_numpy() - expected.to_numpy())[off_diagonal]) < 1e-9
    assert got.isna().to_numpy()[~off_diagonal].all(), "no strength of a division with itself"


def test_fewer_than_30_regions_in_common_gives_no_value(raw, dashboard_data):
    """On 40 real regions, pairs with a division known in few of them fall below 30 regions in common."""
    matrix = location_quotients(dashboard_data.index, 2014).iloc[:40]
    strength, regions = pairwise_pearson(matrix)
    expected = matrix.corr(min_periods=MIN_COMMON_REGIONS)
    off_diagonal = ~np.eye(len(expected), dtype=bool)
    few = (regions.to_numpy() < MIN_COMMON_REGIONS) & off_diagonal
    assert few.any(), "the sample has pairs below the minimum"
    assert strength.isna().to_numpy()[few].all()
    assert (strength.isna().to_numpy() == expected.isna().to_numpy())[off_diagonal].all()
    assert np.nanmax(np.abs(strength.to_numpy() - expected.to_numpy())[off_diagonal]) < 1e-9


def test_network_edges_nodes_and_layout(raw, related, dashboard_data):
    year, threshold = 2014, 0.4
    network = related.network(year, threshold)
    expected = raw_lq_matrix(raw, year).corr(min_periods=MIN_COMMON_REGIONS)
    pairs = {(a, b) for a in expected.index for b in expected.columns if a < b and finite(expected.at[a, b]) and expected.at[a, b] > threshold}
    assert set(zip(network.edges["source"], network.edges["target"])) == pairs
    assert network.graph.number_of_edges() == len(pairs) and network.graph.number_of_nodes() == len(expected)

    countries = sorted(dashboard_data.index.table.loc[dashboard_data.index.table["level"] == 0, "geo"].unique())
    for code, employment in zip(network.nodes["nace_r2"], network.nodes["employment"]):
        cells = [raw.cell("employment", code, geo, year).value for geo in countries]
        known = [v for v in cells if finite(v)]
        assert math.isclose(employment, sum(known)) if known else math.isnan(employment), code
    assert np.isfinite(network.nodes[["x", "y"]].to_numpy()).all()
    again = related.network(year, threshold)
    pd.testing.assert_frame_equal(network.nodes, again.nodes)
    assert set(network.nodes.loc[network.nodes["degree"] == 0, "nace_r2"]) == set(expected.index) - {c for p in pairs for c in p}


def test_european_employment_is_the_portfolio_eu_row(dashboard_data):
    """One definition of the "EU" sum: the same number as layers.portfolio's comparison row."""
    sums = european_employment(dashboard_data.index, 2012).set_index("nace_r2")
    for code in ("C29", "B05", "J62"):
        comparison = region_comparison(dashboard_data.index, "DE", year=2012, nace_r2=code)
        eu = comparison.rows.set_index("scope").at["eu", "employment"]
        assert math.isclose(sums.at[code, "employment"], eu)
        assert set(sums.at[code, "missing"]) == set(comparison.eu.missing)


def test_bad_input_says_what_is_wrong(related):
    with pytest.raises(UnknownDivisionError, match="C2"):
        related.related("C2", 2014)
    with pytest.raises(ValueError, match="year 1999"):
        related.related("C29", 1999)
    with pytest.raises(ValueError, match="limit"):
        related.related("C29", 2014, limit=-1)
    with pytest.raises(ValueError, match="threshold"):
        related.network(2014, 1.5)
    assert len(related.related("C29", 2014, limit=3)) == 3
