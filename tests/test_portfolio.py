"""layers.portfolio on the real build: a region's strongest sectors and its country / EU comparison.

Facts are checked three ways: against the function, against a direct pandas
computation on the table, and against raw cells of the mirror's Eurostat file.
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from layers import nace
from layers._errors import ClusterMapError
from layers.portfolio import (
    EU28,
    PORTFOLIO_COLUMNS,
    UnknownRegionError,
    UnknownYearError,
    region_comparison,
    region_portfolio,
)


def raw_cell(sbs_path, nace_r2: str, indic: str, geo: str, year: int) -> str:
    """The cell of the mirror's bulk TSV for one key and year, as written (stripped)."""
    prefix = f"{nace_r2},{indic},{geo}\t"
    with gzip.open(sbs_path, "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        years = [h.strip() for h in header[1:]]
        for line in f:
            if line.startswith(prefix):
                return line.rstrip("\n").split("\t")[1 + years.index(str(year))].strip()
    raise AssertionError(f"{prefix!r} not in {sbs_path}")


@pytest.fixture(scope="module")
def table(dashboard_data) -> pd.DataFrame:
    return dashboard_data.index.table


def test_de11_2014_top_sector_by_stars_then_lq(dashboard_data, table, sbs_path):
    p = region_portfolio(dashboard_data.index, "DE11", year=2014)
    assert tuple(p.columns) == PORTFOLIO_COLUMNS
    # direct pandas: the region's sector rows, stars desc, then LQ desc, unknowns last
    rows = table.loc[(table["geo"] == "DE11") & (table["year"] == 2014) & (table["nace_r2"] != "TOTAL")]
    expected = rows.sort_values(["stars", "lq", "nace_r2"], ascending=[False, False, True], na_position="last")
    assert p["nace_r2"].tolist() == expected["nace_r2"].tolist()
    assert len(p) == len(rows) == 101
    top = p.iloc[0]
    best = rows.loc[rows["stars"] == rows["stars"].max()]
    assert top["nace_r2"] == best.loc[best["lq"].idxmax(), "nace_r2"] == "C29"
    assert top["label"] == nace.label("C29") == "Manufacture of motor vehicles, trailers and semi-trailers"
    assert top["stars"] == 3 and top["stars_known"] == 3
    assert bool(top["star_size"]) and bool(top["star_specialisation"]) and bool(top["star_productivity"])
    assert top["lq"] == pytest.approx(5.5939, abs=1e-4)
    # the mirror's raw cells: persons employed and wages (million EUR) of DE11 C29 in 2014
    assert raw_cell(sbs_path, "C29", "V16110", "DE11", 2014) == "158012"
    assert top["employment"] == 158012 and top["employment_flag"] == ""
    wages = float(raw_cell(sbs_path, "C29", "V13320", "DE11", 2014))
    assert top["wages"] == wages == 10071.5
    assert top["avg_wage"] == pytest.approx(wages * 1e6 / 158012)
    region_total = table.loc[(table["geo"] == "DE11") & (table["year"] == 2014) & (table["nace_r2"] == "TOTAL"), "employment"].item()
    assert top["employment_share"] == pytest.approx(158012 / region_total * 100)
    # the runner-up: C28, also 3 stars, lower LQ
    assert p.iloc[1]["nace_r2"] == "C28" and p.iloc[1]["stars"] == 3 and p.iloc[1]["lq"] < top["lq"]


def test_order_unknown_stars_last_and_limit(dashboard_data, table):
    # a region with confidential cells: some sectors have no star total
    frame = table.loc[(table["level"] == 2) & (table["year"] == 2014) & (table["nace_r2"] != "TOTAL")]
    geo = frame.loc[frame["stars"].isna()].groupby("geo").size().idxmax()
    p = region_portfolio(dashboard_data.index, geo, year=2014)
    stars = p["stars"].to_numpy()
    known = ~np.isnan(stars)
    assert known.any() and (~known).any()
    assert not known[np.argmax(~known) :].any(), "NaN stars come after every known one"
    assert (np.diff(stars[known]) <= 0).all()
    for _, group in p.loc[known].groupby("stars"):
        lq = group["lq"].to_numpy()
        lq_known = lq[~np.isnan(lq)]
        assert (np.diff(lq_known) <= 0).all() and not np.isnan(lq[: len(lq_known)]).any()
    head = region_portfolio(dashboard_data.index, geo, year=2014, limit=5)
    pd.testing.assert_frame_equal(head, p.head(5))
    assert region_portfolio(dashboard_data.index, geo, year=2014, limit=0).empty


def test_index_and_table_give_the_same_portfolio(dashboard_data, table):
    a = region_portfolio(dashboard_data.index, "FR10", year=2012, limit=20)
    b = region_portfolio(table, "FR10", year=2012, limit=20)
    pd.testing.assert_frame_equal(a, b)
    assert a["star_size"].dtype == "boolean"


def test_unknown_region_and_year_raise_clear_errors(dashboard_data):
    for geo in ("XX11", "CH01", "de11", "DE11/../x", ""):
        with pytest.raises(UnknownRegionError) as info:
            region_portfolio(dashboard_data.index, geo, year=2014)
        assert isinstance(info.value, ClusterMapError) and isinstance(info.value, LookupError)
        with pytest.raises(UnknownRegionError):
            region_comparison(dashboard_data.index, geo, year=2014)
    with pytest.raises(UnknownYearError) as info:
        region_portfolio(dashboard_data.index, "DE11", year=1999)
    assert isinstance(info.value, ClusterMapError) and "2008-2015" in str(info.value)
    with pytest.raises(ValueError):
        region_portfolio(dashboard_data.index, "DE11", year=2014, limit=-1)


def test_comparison_de11_against_germany_and_the_eu(dashboard_data, table):
    c = region_comparison(dashboard_data.index, "DE11", year=2014)
    rows = c.rows.set_index("scope")
    assert list(rows.index) == ["region", "country", "eu"]
    t = table.loc[(table["year"] == 2014) & (table["nace_r2"] == "TOTAL")].set_index("geo")
    assert rows.at["region", "employment"] == t.at["DE11", "employment"]
    assert rows.at["region", "employment_complete"] == bool(t.at["DE11", "employment_complete"])
    assert rows.at["country", "geo"] == "DE"
    assert rows.at["country", "employment"] == t.at["DE", "employment"]
    assert rows.at["country", "avg_wage"] == pytest.approx(t.at["DE", "avg_wage"])
    # EU: the sum of the NUTS 0 rows present that year, nothing else
    countries = t.loc[t["level"] == 0]
    with_value = countries.loc[countries["employment"].notna()]
    assert rows.at["eu", "employment"] == with_value["employment"].sum()
    both = countries.loc[countries["employment"].notna() & countries["wages"].notna()]
    assert rows.at["eu", "avg_wage"] == pytest.approx(both["wages"].sum() * 1e6 / both["employment"].sum())
    assert set(c.eu.countries) == set(with_value.index) and len(c.eu.countries) == 29
    assert set(c.eu.partial) == set(with_value.index[~with_value["employment_complete"].astype(bool)]) == {"CY", "IE", "MT"}
    assert c.eu.missing == {}
    assert c.eu.non_eu == ("NO",) and len(EU28) == 28
    assert c.eu.is_partial and not rows.at["eu", "employment_complete"]
    note = c.eu.note()
    assert "sum of the NUTS 0 rows" in note and "CY, IE, MT" in note and "NO" in note and "partial" in note
    assert rows.at["country", "region_employment_pct"] == pytest.approx(t.at["DE11", "employment"] / t.at["DE", "employment"] * 100)
    assert rows.at["eu", "region_avg_wage_index"] == pytest.approx(t.at["DE11", "avg_wage"] / rows.at["eu", "avg_wage"] * 100)


def test_comparison_names_missing_countries(dashboard_data, table, sbs_path):
    # 2015 is about half filled: the countries without a value must be named, not counted as 0
    c = region_comparison(dashboard_data.index, "DE11", year=2015)
    countries = table.loc[(table["level"] == 0) & (table["year"] == 2015) & (table["nace_r2"] == "TOTAL")].set_index("geo")
    no_value = set(countries.index[countries["employment"].isna()]) | (set(table.loc[table["level"] == 0, "geo"]) - set(countries.index))
    assert no_value and set(c.eu.missing) == no_value
    assert not set(c.eu.countries) & no_value
    rows = c.rows.set_index("scope")
    assert rows.at["eu", "employment"] == countries["employment"].sum(min_count=1)
    assert c.eu.is_partial and all(code in c.eu.note() for code in no_value)
    # a sector comparison: DE C29 in 2014 against the raw cell
    s = region_comparison(table, "DE11", year=2014, nace_r2="C29").rows.set_index("scope")
    assert s.at["country", "employment"] == float(raw_cell(sbs_path, "C29", "V16110", "DE", 2014)) == 906405
    assert s.at["region", "employment"] == 158012
    assert s.at["country", "region_employment_pct"] == pytest.approx(158012 / 906405 * 100)


def test_country_compares_with_itself(dashboard_data):
    rows = region_comparison(dashboard_data.index, "AT", year=2013).rows.set_index("scope")
    assert rows.at["region", "employment"] == rows.at["country", "employment"]
    assert rows.at["country", "region_employment_pct"] == pytest.approx(100)
