"""The ``compare`` view parameter and the comparison's content, without a browser, on the real build.

Expected numbers come from the raw Eurostat file (``tests.raw_sbs``): the regions' persons employed,
their stars, their strongest divisions; ranks from ``/api/v1/values`` of each region's level.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from dash import html

from dashboard.compare_panel.content import compare_children
from dashboard.compare_panel.edit import added, codes_of, removed, store_text
from dashboard.compare_panel.values import TOP_DIVISIONS
from dashboard.view import PARAMETER, read_view, view_options, view_query
from tests.raw_sbs import finite, portfolio
from tests.test_portfolio_panel import body_rows, find, text

COMPARED = ("DE11", "FR71", "ITC4")
YEAR = 2012


@pytest.fixture(scope="module")
def options(dashboard_data):
    return view_options(dashboard_data)


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def read(query: str, options):
    request = read_view(query, options)
    return request.view.compare, [(p.parameter, p.message) for p in request.problems], [(p.parameter, p.message) for p in request.notices]


# -- the parameter -------------------------------------------------------------------------


def test_three_regions_of_any_level_are_kept_in_order_and_written_back(options):
    compare, problems, notices = read("compare=ITC4,DE,FR7", options)
    assert (compare, problems, notices) == (("ITC4", "DE", "FR7"), [], [])
    view = read_view("compare=ITC4,DE,FR7", options).view
    assert "compare=ITC4%2CDE%2CFR7" in view_query(view)
    assert read_view(view_query(view), options).view == view


def test_one_region_is_a_notice_and_nothing_is_compared(options):
    compare, problems, _ = read("compare=DE11", options)
    assert compare == ()
    assert problems == [("compare", "compare needs 2-6 different regions (2-6 NUTS codes of levels 0-2 separated by commas, e.g. DE11,FR71,ITC4); 1 given")]


def test_seven_regions_are_a_notice_and_nothing_is_compared(options):
    compare, problems, _ = read("compare=DE11,FR71,ITC4,DE12,DE13,AT13,FR10", options)
    assert compare == ()
    assert [p for p, _ in problems] == ["compare"] and "7 given" in problems[0][1]


def test_an_unknown_region_is_a_notice_naming_it(options):
    compare, problems, _ = read("compare=DE11,XX99", options)
    assert compare == ()
    assert problems[0][0] == "compare" and problems[0][1].startswith("XX99: not a region with statistics")
    compare, problems, _ = read("compare=DE11,de11x", options)  # not a NUTS code at all
    assert compare == () and "'de11x' is not a NUTS code" in problems[0][1]
    compare, problems, _ = read("compare=DE11,DE111", options)  # NUTS 3: no statistics
    assert compare == () and problems[0][1].startswith("DE111")


def test_duplicates_are_dropped_with_a_notice_order_kept(options):
    compare, problems, notices = read("compare=FR71,DE11,FR71,ITC4,DE11", options)
    assert compare == ("FR71", "DE11", "ITC4") and problems == []
    assert notices == [("compare", "FR71, DE11 given more than once: compared once, in the order first given")]
    assert read("compare=DE11,DE11", options)[0] == ()  # one region left: refused


def test_the_page_says_what_it_could_not_use(client):
    def notice(query: str) -> str:
        layout = client.get("/_dash-layout", headers={"Referer": f"http://localhost/?{query}"}).get_json()
        found = []

        def visit(node):
            if isinstance(node, dict):
                if node.get("props", {}).get("id") == "view-notice":
                    found.append(json.dumps(node["props"].get("children")))
                for value in node.values():
                    visit(value)
            elif isinstance(node, list):
                for value in node:
                    visit(value)

        visit(layout)
        return found[0]

    assert "compare=DE11: compare needs 2-6 different regions" in notice("compare=DE11")
    assert "compare=DE11,XX99: XX99: not a region with statistics" in notice("compare=DE11,XX99")
    assert "DE11 given more than once" in notice("compare=DE11,DE11,FR71")


def test_the_row_is_a_page_parameter_only(client):
    assert PARAMETER["compare"].uses == frozenset({"page"})
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "compare" not in {d["name"] for d in spec["paths"]["/api/v1/values"]["get"]["parameters"]}


# -- adding and removing -------------------------------------------------------------------


def test_add_and_remove(dashboard_data):
    regions, names = dashboard_data.statistics_regions, dashboard_data.region_names
    assert codes_of("DE11,FR71") == ("DE11", "FR71") and codes_of(None) == () and codes_of(["DE11"]) == ()
    assert added(("DE11",), "FR71", regions, names) == (("DE11", "FR71"), "")
    assert added(("DE11",), "DE11", regions, names)[1] == "Stuttgart (DE11) is already in the comparison."
    six = ("DE11", "FR71", "ITC4", "DE12", "DE13", "AT13")
    assert added(six, "FR10", regions, names) == (six, "A comparison holds at most 6 regions: remove one to add Île de France (FR10).")
    assert added(("DE11",), "DE111", regions, names)[0] == ("DE11",)
    assert removed(six, "ITC4") == ("DE11", "FR71", "DE12", "DE13", "AT13")
    assert store_text(()) is None and store_text(("DE11", "FR71")) == "DE11,FR71"


# -- the content ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compared(dashboard_data, options) -> list:
    view = read_view(f"level=2&sector=C&indicator=employment&year={YEAR}&compare={','.join(COMPARED)}", options).view
    return compare_children(dashboard_data, view.compare, view)


def test_each_region_has_the_raw_value_the_apis_rank_and_the_raw_stars(compared, raw, client):
    rows = body_rows(find(compared, html.Table, "compare-table")[0])
    assert [r.to_plotly_json()["props"]["data-geo"] for r in rows] == list(COMPARED)
    api = client.get(f"/api/v1/values?level=2&sector=C&indicator=employment&year={YEAR}").get_json()
    by_id = {r["nuts_id"]: r for r in api["regions"]}
    stars = raw.stars(2, "C", YEAR, list(COMPARED))
    for row, geo in zip(rows, COMPARED):
        region, value, rank, star = (text(c) for c in row.children)
        expected = raw.cell("employment", "C", geo, YEAR).value
        assert value.startswith(f"{expected:,.0f}"), (geo, value)
        assert rank.startswith(f"{by_id[geo]['rank']} of {api['ranked']}"), (geo, rank)
        assert re.search(rf"\b{int(stars[geo][0].value)} of 3\b", star), (geo, star)
        assert geo in region and "Remove" in region


def test_the_trend_has_one_line_per_region_with_the_raw_values(compared, raw):
    graph = next(n for n in find(compared, object) if getattr(n, "id", None) == "compare-trend-chart")
    traces = graph.figure["data"]
    assert [t["name"] for t in traces] == [f"{n} ({g})" for n, g in zip(("Stuttgart", "Rhône-Alpes", "Lombardia"), COMPARED)]
    for trace, geo in zip(traces, COMPARED):
        assert trace["connectgaps"] is False
        for year, y in zip(trace["x"], trace["y"]):
            cell = raw.cell("employment", "C", geo, year)
            assert (y is None) == (not finite(cell.value)), (geo, year)
            if y is not None:
                assert y == cell.value


def test_the_strongest_divisions_are_the_union_of_each_regions_raw_top(compared, raw):
    table = find(compared, html.Table, "compare-sectors")[0]
    shown = [r.to_plotly_json()["props"]["data-code"] for r in body_rows(table)]
    expected = set()
    for geo in COMPARED:
        divisions = [row for row in portfolio(raw, geo, YEAR) if re.fullmatch(r"[A-U][0-9]{2}", row["nace_r2"])]
        expected |= {row["nace_r2"] for row in divisions[:TOP_DIVISIONS]}
    assert sorted(shown) == sorted(expected)
    assert len(shown) == len(set(shown))
    rule = text(find(compared, html.P)[-1])
    assert f"top {TOP_DIVISIONS}" in rule and "by cluster stars, then location quotient" in rule


def test_no_comparison_and_one_region(dashboard_data, options):
    view = options.default()
    assert compare_children(dashboard_data, (), view) == []
    one = compare_children(dashboard_data, ("DE11",), view)
    assert "Stuttgart" in text(one) and "Add at least 1 more region" in text(one)
    assert math.isfinite(len(one))
