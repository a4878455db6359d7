"""Sector groups (issue 12): a group's values are its members' raw Eurostat cells summed, partial sums said, never filled in.

The expected numbers come from the raw TSV through the tests' own parser and recipes
(``tests.raw_sbs.RawGroup``: sums, share, LQ, average wage, change and stars by
``docs/methodology.md`` §4, §5 and §11), never from ``layers``. Every region of the
view is compared: value, flag, status, the note (``flag_text``) and the rank.
"""

from __future__ import annotations

import csv
import io
import math
from urllib.parse import urlencode

import pytest

from tests.raw_sbs import RawGroup, assert_same, expected_group_view

DIGITAL = ["C26", "J61", "J62", "J63"]
QUERY = {"level": "2", "sector": "C26,J61,J62,J63", "indicator": "employment", "year": "2014"}


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def values(client, **query) -> dict:
    r = client.get("/api/v1/values?" + urlencode(query))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()


def test_the_issues_group_is_the_sum_of_its_four_members_in_every_nuts2_region(client, raw):
    """The done-when case: C26+J61+J62+J63 employment 2014 at NUTS 2, every region, against the raw file."""
    body = values(client, **QUERY)
    ids = [r["nuts_id"] for r in body["regions"]]
    assert len(ids) > 250
    group = RawGroup(raw, DIGITAL)
    complete = partial = 0
    for region in body["regions"]:
        cells = [raw.cell("employment", code, region["nuts_id"], 2014) for code in DIGITAL]
        known = [c.value for c in cells if not math.isnan(c.value)]
        if len(known) == 4:
            complete += 1
            assert region["value"] == sum(known), region
            assert "partial" not in region["flag_text"], region
        elif known:
            partial += 1
            assert region["value"] == sum(known), region  # the known members only: a lower bound, never filled in
            lacking = ",".join(code for code, c in zip(DIGITAL, cells) if math.isnan(c.value))
            assert f"partial sum (lower bound): lacks {lacking}" in region["flag_text"], region
        else:
            assert region["value"] is None, region
        assert region["flag"] == group.cell("employment", region["nuts_id"], 2014)[0].flag
    assert complete > 100 and partial > 10, (complete, partial)
    assert_same(body["regions"], expected_group_view(raw, ids, level=2, members=DIGITAL, indicator="employment", year=2014), "API")
    assert body["sector"]["members"] == [{"code": c, "label": body["sector"]["members"][i]["label"]} for i, c in enumerate(DIGITAL)]
    assert body["sector"]["kind"] == "group"


CASES = [
    (level, members, indicator, year)
    for level, members, year in (("2", DIGITAL, 2014), ("1", ["C21", "M72"], 2010), ("0", ["G451", "G452", "H49"], 2012), ("2", ["B", "C10", "C11"], 2009))
    for indicator in ("employment", "wages", "local_units", "avg_wage", "employment_share", "lq", "stars", "employment_change")
]


@pytest.mark.parametrize(("level", "members", "indicator", "year"), CASES, ids=[f"{lv}-{'+'.join(m)}-{i}-{y}" for lv, m, i, y in CASES])
def test_every_indicator_of_a_group_follows_the_single_code_rules_on_the_raw_file(client, raw, level, members, indicator, year):
    body = values(client, level=level, sector=",".join(members), indicator=indicator, year=str(year))
    ids = [r["nuts_id"] for r in body["regions"]]
    expected = expected_group_view(raw, ids, level=int(level), members=members, indicator=indicator, year=year)
    assert_same(body["regions"], expected, f"{indicator} of {'+'.join(members)} at NUTS {level}, {year}")
    assert sum(e.status == "value" for e in expected) > 5


def test_a_group_of_one_section_and_its_divisions_counts_each_person_once(client):
    """C with C26 listed: C26 is dropped (its people are in C), said in a notice; the values are C's."""
    body = values(client, level="2", sector="C26,C", indicator="employment", year="2014")
    alone = values(client, level="2", sector="C", indicator="employment", year="2014")
    assert body["view"]["sector"] == "C"
    assert body["regions"] == alone["regions"]
    assert body["notices"] == [{"parameter": "sector", "given": "C26,C", "notice": "C26 dropped: it is part of C, also listed (no double counting)"}]


def test_one_group_has_one_spelling(client):
    body = values(client, level="2", sector=" J63,C26, J61,J62,C26 ", indicator="lq", year="2014")
    assert body["view"]["sector"] == "C26,J61,J62,J63"
    assert "sector=C26%2CJ61%2CJ62%2CJ63" in body["view"]["query"]
    assert body["regions"] == values(client, level="2", sector="C26,J61,J62,J63", indicator="lq", year="2014")["regions"]


@pytest.mark.parametrize(
    ("sector", "named"),
    [
        ("C26,X99", "X99"),
        ("C26,c29", "c29"),
        ("C26,TOTAL", "TOTAL"),
        ("digital-industries,C10", "digital-industries"),
        ("no-such-group", "no-such-group"),
        (",".join(f"G4{d}" for d in range(51, 99)), "G4"),
    ],
)
def test_a_group_that_cannot_be_used_is_a_400_naming_the_code(client, sector, named):
    r = client.get("/api/v1/values?" + urlencode({"level": "2", "sector": sector}))
    assert r.status_code == 400
    body = r.get_json()
    assert body["parameter"] == "sector" and named in (body["error"] + body["given"])
    assert "\n" not in body["error"] and "Traceback" not in body["error"]


def test_the_csv_of_a_group_says_what_it_sums_and_marks_partial_rows(client):
    r = client.get("/export.csv?" + urlencode(QUERY))
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    sector_line = next(line for line in text.splitlines() if line.startswith("# Sector:"))
    assert "C26 Manufacture of computer, electronic and optical products" in sector_line and "partial sums (lower bounds)" in sector_line
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    api = {r["nuts_id"]: r for r in values(client, **QUERY)["regions"]}
    assert {r["nuts_id"]: r["flag_text"] for r in rows} == {k: v["flag_text"] for k, v in api.items()}
    assert sum("partial sum (lower bound)" in r["flag_text"] for r in rows) > 10
    assert 'filename="persons_employed_C26_J61_J62_J63_NUTS2_2014.csv"' in r.headers["Content-Disposition"]
