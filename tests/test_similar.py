"""Regions alike in structure (issue 13, item 4): the API's top 10 against an independent computation from the raw file.

The test recomputes every region's location quotient of every NACE division from the raw
TSV (``tests.raw_sbs``: methodology 4.3), then the cosine over the divisions both regions
know with pandas, pair by pair, with the documented minimum of shared divisions. Nothing is
taken from ``layers``.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pytest

MIN_SHARED = 20
"""docs/methodology.md §16: a pair sharing fewer known divisions is not scored; a region knowing fewer is disqualified."""
DIVISION = re.compile(r"^[A-Z][0-9]{2}$")


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


_LQS: dict[tuple[int, int], pd.DataFrame] = {}


def raw_lqs(raw, level: int, year: int) -> pd.DataFrame:
    """Region x division LQs of ``level`` in ``year`` from raw cells: the level's shaped regions, not extra-regio."""
    if (level, year) not in _LQS:
        divisions = sorted({code for (_, code, _, _) in raw.cells if DIVISION.match(code)})
        regions = raw.reference(level)
        columns = {}
        for code in divisions:
            ref = raw.ref_share(level, code, year)
            columns[code] = [raw.lq(level, code, geo, year, ref).value for geo in regions]
        frame = pd.DataFrame(columns, index=regions)
        _LQS[level, year] = frame.loc[frame.notna().any(axis=1)]
    return _LQS[level, year]


def expected_similar(raw, geo: str, year: int, limit: int = 10) -> list[tuple[str, float, int]]:
    """(region, cosine, shared divisions), best first at 4 decimals then by code: pandas, pair by pair."""
    lqs = raw_lqs(raw, len(geo) - 2, year)
    own = lqs.loc[geo]
    if own.notna().sum() < MIN_SHARED:
        return []
    out = []
    for other, row in lqs.iterrows():
        if other == geo:
            continue
        both = own.notna() & row.notna()
        if both.sum() < MIN_SHARED:
            continue
        a, b = own[both], row[both]
        denominator = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
        if denominator > 0:
            out.append((str(other), float((a * b).sum()) / denominator, int(both.sum())))
    out.sort(key=lambda r: (-round(r[1], 4), r[0]))
    return out[:limit]


def similar(client, geo: str, **query) -> dict:
    r = client.get(f"/api/v1/regions/{geo}/similar?" + urlencode(query))
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


CASES = [("DE11", 2014), ("ITC4", 2012), ("FR71", 2013), ("ES51", 2010), ("DE", 2012), ("FR1", 2011)]


@pytest.mark.parametrize(("geo", "year"), CASES, ids=[f"{g}-{y}" for g, y in CASES])
def test_top_ten_agrees_with_an_independent_cosine_on_raw_lqs(client, dashboard_data, raw, geo, year):
    expected = expected_similar(raw, geo, year)
    assert len(expected) == 10
    body = similar(client, geo, year=str(year))
    got = body["similar"]
    assert [r["nuts_id"] for r in got] == [e[0] for e in expected], (got, expected)
    for row, (_, score, shared) in zip(got, expected):
        assert abs(row["score"] - round(score, 4)) < 1e-9 and row["shared_divisions"] == shared, (row, score, shared)
        assert row["name"] == dashboard_data.region_names[row["nuts_id"]]
    assert body["year"] == year and body["region"]["nuts_id"] == geo and body["note"] == ""
    full = dashboard_data.similar(geo, year)  # what the page calls: full-precision scores
    assert list(full.rows.columns) == ["nuts_id", "name", "score", "shared_divisions"]
    np.testing.assert_allclose(full.rows["score"].to_numpy(), [e[1] for e in expected], rtol=0, atol=1e-9)


def test_no_pair_below_the_minimum_is_scored(dashboard_data, raw):
    """Every region a NUTS 2 region is scored against shares at least 20 divisions; the whole list equals pandas'."""
    everything = dashboard_data.similar("DE11", 2014, limit=1000).rows
    expected = expected_similar(raw, "DE11", 2014, limit=1000)
    assert len(everything) == len(expected) > 150
    assert everything["shared_divisions"].min() >= MIN_SHARED
    np.testing.assert_allclose(everything["score"].to_numpy(), [e[1] for e in expected], rtol=0, atol=1e-9)


def test_a_region_with_too_few_divisions_is_disqualified_with_a_reason(client, raw):
    lqs = raw_lqs(raw, 2, 2010)
    few = lqs.notna().sum(axis=1)
    thin = sorted(few[few < MIN_SHARED].index)
    assert thin == ["UKD7"], thin  # Merseyside knows 3 divisions in 2010
    body = similar(client, "UKD7", year="2010")
    assert body["similar"] == [] and body["known_divisions"] == int(few["UKD7"])
    assert "only 3 NACE divisions" in body["note"] and str(MIN_SHARED) in body["note"]
    none = similar(client, "FR71", year="2015")  # no LQ at all that year
    assert none["similar"] == [] and "no location quotient" in none["note"]


def test_defaults_limit_and_errors(client, dashboard_data):
    body = similar(client, "DE11")
    assert body["year"] == 2014 and body["limit"] == 10  # the map's default year (the best-covered), not the latest
    assert len(similar(client, "DE11", year="2014", limit="3")["similar"]) == 3
    assert len(similar(client, "DE11", year="2014", limit="50")["similar"]) == 50
    for query, parameter in (
        ({"limit": "0"}, "limit"),
        ({"limit": "51"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"year": "2020"}, "year"),
        ({"year": "last"}, "year"),
        ({"sector": "C29"}, "sector"),
    ):
        r = client.get("/api/v1/regions/DE11/similar?" + urlencode(query))
        assert r.status_code == 400 and r.get_json()["parameter"] == parameter, (query, r.get_json())
    for geo in ("XX99", "de11", "DE11Z9"):
        r = client.get(f"/api/v1/regions/{geo}/similar")
        assert r.status_code == 404 and r.get_json()["parameter"] == "nuts_id"
