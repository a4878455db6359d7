"""Indicators, LQ and stars on a small hand-written fixture, with hand-computed results.

Fixture (persons employed, 2014; sections B and C only):

    region  B     C     total (B+C)
    AT11    10    90    100
    AT12    50    50    100
    AT13    20    180   200
    AT21    : c   60    60, incomplete (B confidential)
    AT99    5     45    50   (old code: no shape, not in the reference)
    ATZZ    0     1000  1000 (extra-regio: not in the reference)

Reference shares over the shaped regions with a value:
    C: (90 + 50 + 180 + 60) / (100 + 100 + 200 + 60) = 380 / 460
    B: (10 + 50 + 20) / (100 + 100 + 200) = 80 / 400 = 0.2
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from layers.eurostat import read_eurostat_tsv
from layers.indicators import compute_indicators

FIXTURE = """nace_r2,indic_sb,geo\\time\t2014 \t2013 
B,V16110,AT11\t10 \t: 
B,V16110,AT12\t50 \t: 
B,V16110,AT13\t20 \t: 
B,V16110,AT21\t: c\t: 
B,V16110,AT99\t5 \t: 
B,V16110,ATZZ\t0 \t: 
C,V16110,AT11\t90 \t80 
C,V16110,AT12\t50 \t: 
C,V16110,AT13\t180 \t: 
C,V16110,AT21\t60 \t: 
C,V16110,AT99\t45 \t: 
C,V16110,ATZZ\t1000 \t: 
C,V13320,AT11\t4.5 \t: 
C,V13320,AT12\t1.5 \t: 
C,V13320,AT13\t7.2 \t: 
C,V13320,AT21\t3.6 p\t: 
C,V11210,AT11\t9 \t: 
"""  # noqa: W291 - Eurostat's TSV ends each cell with a space (value, space, flag), kept as the file has it
SHAPED = {"AT11", "AT12", "AT13", "AT21"}


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> pd.DataFrame:
    path: Path = tmp_path_factory.mktemp("fixture") / "fixture.tsv"
    path.write_text(FIXTURE)
    parsed = read_eurostat_tsv(path, strict=True)
    return compute_indicators(parsed.table, has_shape=SHAPED).set_index(["geo", "nace_r2", "year"])


def test_region_totals_and_completeness(table):
    assert table.loc[("AT13", "TOTAL", 2014), "employment"] == 200
    assert table.loc[("AT13", "TOTAL", 2014), "employment_complete"]
    at21 = table.loc[("AT21", "TOTAL", 2014)]
    assert at21.employment == 60  # the sum of what is known, not a guess
    assert not at21.employment_complete
    assert at21.employment_flag == "c"
    assert table.loc[("AT21", "C", 2014), "region_missing_sections"] == "B"
    assert not table.loc[("AT21", "C", 2014), "region_total_complete"]


def test_employment_share(table):
    assert table.loc[("AT11", "C", 2014), "employment_share"] == pytest.approx(90.0)
    assert table.loc[("AT13", "B", 2014), "employment_share"] == pytest.approx(10.0)
    assert table.loc[("AT21", "C", 2014), "employment_share"] == pytest.approx(100.0)  # upper bound, marked incomplete


def test_location_quotients(table):
    ref_c = 380 / 460
    assert table.loc[("AT11", "C", 2014), "lq"] == pytest.approx(0.9 / ref_c)
    assert table.loc[("AT12", "C", 2014), "lq"] == pytest.approx(0.5 / ref_c)
    assert table.loc[("AT12", "B", 2014), "lq"] == pytest.approx(2.5)
    assert table.loc[("AT11", "B", 2014), "lq"] == pytest.approx(0.5)
    # old code: compared with the reference, not part of it
    assert table.loc[("AT99", "C", 2014), "lq"] == pytest.approx(0.9 / ref_c)
    assert np.isnan(table.loc[("AT21", "B", 2014), "lq"])  # confidential cell
    assert np.isnan(table.loc[("AT11", "TOTAL", 2014), "lq"])


def test_average_wage_and_change(table):
    assert table.loc[("AT11", "C", 2014), "avg_wage"] == pytest.approx(4.5e6 / 90)
    assert table.loc[("AT21", "C", 2014), "avg_wage_flag"] == "p"
    assert table.loc[("AT11", "C", 2014), "employment_change"] == pytest.approx(12.5)
    assert np.isnan(table.loc[("AT12", "C", 2014), "employment_change"])


def test_stars(table):
    # 4 shaped regions → top 10% = the single largest (floor(0.4) = 0, at least 1)
    size_c = {g: table.loc[(g, "C", 2014), "star_size"] for g in sorted(SHAPED)}
    assert size_c == {"AT11": False, "AT12": False, "AT13": True, "AT21": False}
    # extra-regio 1000 is not a region: it neither takes nor sets the threshold
    assert table.loc[("ATZZ", "C", 2014), "star_size"] is pd.NA
    assert np.isnan(table.loc[("ATZZ", "C", 2014), "stars"])
    assert np.isnan(table.loc[("ATZZ", "C", 2014), "lq"])
    assert table.loc[("AT12", "B", 2014), "star_specialisation"]
    assert not table.loc[("AT11", "B", 2014), "star_specialisation"]
    # average wages C: 50,000 / 30,000 / 40,000 / 60,000 → AT21 is top
    assert table.loc[("AT21", "C", 2014), "star_productivity"]
    assert not table.loc[("AT11", "C", 2014), "star_productivity"]
    assert table.loc[("AT12", "B", 2014), "star_productivity"] is pd.NA  # no wages for B
    assert table.loc[("AT13", "C", 2014), "stars"] == 1  # size only (LQ 1.21, wage 40,000)
    assert table.loc[("AT12", "B", 2014), "stars"] == 2  # size and specialisation
    assert np.isnan(table.loc[("AT13", "TOTAL", 2014), "stars"])


# A second fixture for the edge cases of stars, changes and totals.
#   - B07: only one of 11 regions employs anyone: ties at zero earn no size star;
#   - C: 11 regions 10..110 → floor(10% x 11) = 1 size star, not 2;
#   - DE11 C employment confidential: no star is known, so no star total;
#   - DE12 C wages confidential: stars_flag carries the wage flag;
#   - DE13 has no B row in 2014 at all: its total is incomplete and names B;
#   - DE14 total complete in 2013, B confidential in 2014: no change on a partial total.
EDGE_REGIONS = [f"DE{i}" for i in range(11, 22)]


def _edge_fixture() -> str:
    rows = ["nace_r2,indic_sb,geo\\time\t2014 \t2013 "]
    for i, geo in enumerate(EDGE_REGIONS):
        rows.append(f"B07,V16110,{geo}\t{5 if geo == 'DE21' else 0} \t0 ")
        employment = ": c" if geo == "DE11" else f"{10 * (i + 1)} "
        rows.append(f"C,V16110,{geo}\t{employment}\t{10 * (i + 1)} ")
        wages = ": c" if geo == "DE12" else f"{0.01 * (i + 1):.2f} "
        rows.append(f"C,V13320,{geo}\t{wages}\t: ")
        if geo == "DE13":
            continue
        b = ": c" if geo == "DE14" else "5 "
        rows.append(f"B,V16110,{geo}\t{b}\t5 ")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def edge(tmp_path_factory) -> pd.DataFrame:
    path: Path = tmp_path_factory.mktemp("edge") / "edge.tsv"
    path.write_text(_edge_fixture())
    parsed = read_eurostat_tsv(path, strict=True)
    return compute_indicators(parsed.table, has_shape=set(EDGE_REGIONS)).set_index(["geo", "nace_r2", "year"])


def _is_true(star) -> bool:
    return star is not pd.NA and bool(star)


def test_ties_at_zero_earn_no_size_star(edge):
    stars = [_is_true(edge.loc[(g, "B07", 2014), "star_size"]) for g in EDGE_REGIONS]
    assert stars.count(True) == 1 and _is_true(edge.loc[("DE21", "B07", 2014), "star_size"])
    assert not edge.loc[("DE11", "B07", 2013), "star_size"]  # all zero: nobody


def test_top_ten_percent_is_floor_of_ten_percent(edge):
    # 10 regions with a value for C in 2014 (DE11 confidential) → floor(1.0) = 1: DE21 (110)
    winners = [g for g in EDGE_REGIONS if _is_true(edge.loc[(g, "C", 2014), "star_size"])]
    assert winners == ["DE21"]
    # 11 values in 2013 → floor(1.1) = 1, where ceil would have given 2
    assert [g for g in EDGE_REGIONS if _is_true(edge.loc[(g, "C", 2013), "star_size"])] == ["DE21"]


def test_confidential_employment_gives_no_star_total(edge):
    row = edge.loc[("DE11", "C", 2014)]
    assert row.stars_known == 0
    assert np.isnan(row.stars)  # unknown, not zero stars
    assert "c" in row.stars_flag


def test_stars_flag_carries_the_wage_flag(edge):
    row = edge.loc[("DE12", "C", 2014)]
    assert row.star_productivity is pd.NA and row.stars_known == 2
    assert "c" in row.stars_flag


def test_total_names_a_section_without_a_row(edge):
    assert edge.loc[("DE13", "C", 2014), "region_missing_sections"] == "B"
    assert not edge.loc[("DE13", "TOTAL", 2014), "employment_complete"]


def test_no_change_on_a_partial_total(edge):
    assert edge.loc[("DE14", "TOTAL", 2013), "employment_complete"]
    assert not edge.loc[("DE14", "TOTAL", 2014), "employment_complete"]
    assert np.isnan(edge.loc[("DE14", "TOTAL", 2014), "employment_change"])
    # a complete total on both years does change: DE15 (C 50 → 50, B 5 → 5) = 0 %
    assert edge.loc[("DE15", "TOTAL", 2014), "employment_change"] == pytest.approx(0.0)
    # and a change's flag unions both years: DE11 C 2014 is confidential
    assert "c" in edge.loc[("DE11", "C", 2014), "employment_change_flag"]


def test_map_values_say_what_is_partial(edge):
    from layers.query import STATUS_CONFIDENTIAL, ClustersIndex, region_values

    index = ClustersIndex(edge.reset_index())
    ids = pd.Series(["DE11", "DE12", "DE13"])
    stars = region_values(index, ids, level=2, nace_r2="C", indicator="stars", year=2014).set_index("nuts_id")
    assert stars.loc["DE11", "status"] == STATUS_CONFIDENTIAL  # not "0 stars"
    assert "at least: 2 of 3 star dimensions known" in stars.loc["DE12", "flag_text"]
    totals = region_values(index, ids, level=2, nace_r2="TOTAL", indicator="employment", year=2014).set_index("nuts_id")
    assert totals.loc["DE13", "flag_text"] == "partial total: lacks B"
