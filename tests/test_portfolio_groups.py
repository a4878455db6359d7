"""Named groups in the region portfolio: layers, panel, API and browser, against the raw Eurostat file.

Expected numbers come from the mirror's ``sbs_r_nuts06_r2.tsv.gz`` through the tests'
own parser (:mod:`tests.raw_sbs`): a group's employment is the sum of its members' raw
cells that have a value; its LQ and stars are recomputed here by docs/methodology.md
(4.3, 5) with that sum in place of a single code's value. Nothing is taken from
``layers.portfolio.region_groups`` or ``layers.groups.values`` to check them.

Two regions carry the cases (NUTS 2, 2014): ITC4 Lombardia, where every group's sum is
complete, and DE11 Stuttgart, where J61 (digital industries) and C30 (mobility
technologies, blue growth) are confidential, so those sums are partial lower bounds.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from dash import html
from playwright.sync_api import expect

from dashboard import portfolio_panel as pp
from dashboard.figures import format_value
from layers.groups.catalogue import APPROXIMATION_LABEL
from layers.portfolio import GROUP_COLUMNS, UnknownRegionError, UnknownYearError, region_groups
from tests.conftest import save_artifact
from tests.raw_sbs import LQ_STAR, NAN, RawSbs, finite
from tests.test_portfolio_panel import body_rows, cells, find, text

YEAR = 2014
COMPLETE_REGION = "ITC4"
PARTIAL_REGION = "DE11"


# ---------------------------------------------------------------- the expected numbers, from the raw file


def group_sum(raw: RawSbs, name: str, members: tuple[str, ...], geo: str, year: int) -> tuple[float, tuple[str, ...]]:
    """(sum of the members' raw values that are known, NaN if none; the members without a value)."""
    values = {code: raw.cell(name, code, geo, year).value for code in members}
    known = [v for v in values.values() if finite(v)]
    return (sum(known) if known else NAN), tuple(code for code, v in values.items() if not finite(v))


def group_lq(raw: RawSbs, members: tuple[str, ...], geo: str, level: int, year: int) -> float:
    """Methodology 4.3 with the group's sum as E: Ref = the level's shaped, not extra-regio regions with E known and R > 0."""
    e_ref = r_ref = 0.0
    for ref in raw.reference(level):
        e, _ = group_sum(raw, "employment", members, ref, year)
        r = raw.total("employment", ref, year)[0].value
        if finite(e) and finite(r) and r > 0:
            e_ref, r_ref = e_ref + e, r_ref + r
    e, _ = group_sum(raw, "employment", members, geo, year)
    r = raw.total("employment", geo, year)[0].value
    if not (finite(e) and finite(r) and r > 0 and r_ref > 0):
        return NAN
    return (e / r) / (e_ref / r_ref)


def group_avg_wage(raw: RawSbs, members: tuple[str, ...], geo: str, year: int) -> float:
    employment, _ = group_sum(raw, "employment", members, geo, year)
    wages, _ = group_sum(raw, "wages", members, geo, year)
    return wages * 1e6 / employment if finite(wages) and finite(employment) and employment > 0 else NAN


def group_stars(raw: RawSbs, members: tuple[str, ...], geo: str, level: int, year: int) -> dict[str, Any]:
    """Methodology 5 on the group's sums: size and productivity from the top 10 % of the reference, specialisation LQ >= 2."""
    geos = sorted(set(raw.reference(level)) | {geo})
    size = raw.top_star({g: group_sum(raw, "employment", members, g, year)[0] for g in geos}, level)[geo]
    productivity = raw.top_star({g: group_avg_wage(raw, members, g, year) for g in geos}, level)[geo]
    lq = group_lq(raw, members, geo, level, year)
    specialisation = None if not finite(lq) else lq >= LQ_STAR
    known = [s for s in (size, specialisation, productivity) if s is not None]
    return {
        "star_size": size,
        "star_specialisation": specialisation,
        "star_productivity": productivity,
        "stars_known": len(known),
        "stars": float(sum(known)) if known else NAN,
        "lq": lq,
    }


def same(got, want) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return got is None or (isinstance(got, float) and math.isnan(got))
    if want is None:
        return got is None or got is pd.NA
    if isinstance(want, bool):
        return bool(got) is want
    return got is not None and math.isclose(float(got), float(want), rel_tol=1e-9)


@pytest.fixture(scope="module")
def groups(dashboard_data):
    assert len(dashboard_data.groups) == 10  # the shipped emerging industries
    return {g.id: g for g in dashboard_data.groups}


# ---------------------------------------------------------------- layers.portfolio.region_groups


def test_the_two_regions_are_what_the_tests_say(raw, groups):
    """The cases hold in the raw file: Lombardia's sums are complete, Stuttgart's digital sum lacks J61 (confidential)."""
    for group in groups.values():
        assert group_sum(raw, "employment", group.members, COMPLETE_REGION, YEAR)[1] == (), group.id
    assert raw.cell("employment", "J61", PARTIAL_REGION, YEAR).flag == "c" and not finite(raw.cell("employment", "J61", PARTIAL_REGION, YEAR).value)
    assert group_sum(raw, "employment", groups["digital-industries"].members, PARTIAL_REGION, YEAR) == (22869 + 48933 + 1745, ("J61",))
    assert group_sum(raw, "employment", groups["medical-devices"].members, PARTIAL_REGION, YEAR)[1] == ()


@pytest.mark.parametrize("geo", [COMPLETE_REGION, PARTIAL_REGION, "DEA3", "BE10", "DE1", "DE"])
def test_group_sums_and_partial_marks_are_the_raw_members(dashboard_data, raw, groups, geo):
    got = region_groups(dashboard_data.index, geo, year=YEAR, groups=dashboard_data.groups)
    assert tuple(got.columns) == GROUP_COLUMNS
    assert sorted(got["id"]) == sorted(groups)
    for _, row in got.iterrows():
        members = groups[row["id"]].members
        employment, lacks = group_sum(raw, "employment", members, geo, YEAR)
        wages, wages_lacks = group_sum(raw, "wages", members, geo, YEAR)
        assert tuple(row["members"]) == members
        assert same(row["employment"], employment), (geo, row["id"], row["employment"], employment)
        assert same(row["wages"], wages), (geo, row["id"], row["wages"], wages)
        assert tuple(row["lacks"]) == lacks and tuple(row["wages_lacks"]) == wages_lacks, (geo, row["id"])
        assert bool(row["partial"]) is bool(lacks or wages_lacks)
        assert row["note"] == groups[row["id"]].note and row["name"] == groups[row["id"]].name


def test_partial_and_complete_cases_exist(dashboard_data):
    complete = region_groups(dashboard_data.index, COMPLETE_REGION, year=YEAR, groups=dashboard_data.groups)
    partial = region_groups(dashboard_data.index, PARTIAL_REGION, year=YEAR, groups=dashboard_data.groups).set_index("id")
    assert not complete["partial"].any()
    assert partial.at["digital-industries", "partial"] and tuple(partial.at["digital-industries", "lacks"]) == ("J61",)
    assert partial.at["digital-industries", "employment"] == 73547
    assert not partial.at["medical-devices", "partial"] and partial.at["medical-devices", "employment"] == 22869 + 7349


@pytest.mark.parametrize("geo", [COMPLETE_REGION, PARTIAL_REGION])
def test_group_lq_and_stars_are_recomputed_from_raw(dashboard_data, raw, groups, geo):
    """LQ = (sum of members / region total) / (reference sum of members / reference totals), stars by section 5, all from the raw file."""
    got = region_groups(dashboard_data.index, geo, year=YEAR, groups=dashboard_data.groups)
    level = len(geo) - 2
    expected = {gid: group_stars(raw, group.members, geo, level, YEAR) for gid, group in groups.items()}
    for _, row in got.iterrows():
        want = expected[row["id"]]
        for key, value in want.items():
            assert same(row[key], value), (geo, row["id"], key, row[key], value)
        share = group_sum(raw, "employment", groups[row["id"]].members, geo, YEAR)[0] / raw.total("employment", geo, YEAR)[0].value * 100
        assert same(row["employment_share"], share)
    # strongest first: stars (desc), then LQ (desc), then the catalogue's order
    catalogue = list(groups)
    order = sorted(catalogue, key=lambda gid: (-expected[gid]["stars"], -expected[gid]["lq"], catalogue.index(gid)))
    assert got["id"].tolist() == order


def test_known_lq_of_a_complete_group(dashboard_data, raw, groups):
    """A hand check of one complete group: Lombardia's digital industries, 29,505 + 17,358 + 67,160 + 28,786 persons."""
    row = region_groups(dashboard_data.index, COMPLETE_REGION, year=YEAR, groups=dashboard_data.groups).set_index("id").loc["digital-industries"]
    assert row["employment"] == 29505 + 17358 + 67160 + 28786 == 142809
    assert row["lq"] == pytest.approx(group_lq(raw, groups["digital-industries"].members, COMPLETE_REGION, 2, YEAR), rel=1e-12)


def test_region_groups_errors_and_empty(dashboard_data):
    with pytest.raises(UnknownRegionError):
        region_groups(dashboard_data.index, "XX99", year=YEAR, groups=dashboard_data.groups)
    with pytest.raises(UnknownYearError):
        region_groups(dashboard_data.index, PARTIAL_REGION, year=1999, groups=dashboard_data.groups)
    empty = region_groups(dashboard_data.index, PARTIAL_REGION, year=YEAR, groups=())
    assert empty.empty and tuple(empty.columns) == GROUP_COLUMNS


# ---------------------------------------------------------------- the panel's section


@pytest.fixture(scope="module")
def de11(dashboard_data) -> list:
    return pp.portfolio_children(dashboard_data, PARTIAL_REGION, YEAR)


def group_row(children, name: str) -> list[str]:
    table = find(children, html.Table, "portfolio-groups")[0]
    rows = [cells(r) for r in body_rows(table)]
    found = [r for r in rows if r[0].startswith(name)]
    assert len(found) == 1, (name, [r[0][:30] for r in rows])
    return found[0]


def test_panel_section_after_the_strongest_sectors(de11):
    headings = [text(h) for h in find(de11, html.H3)]
    assert (
        headings.index("Strongest sectors") < headings.index("Named groups") < headings.index("Opportunities: sectors related to this region's specialisations")
    )
    label = text(find(de11, html.P, "portfolio-approximation")[0])
    assert APPROXIMATION_LABEL in label
    table = find(de11, html.Table, "portfolio-groups")[0]
    assert [text(th) for th in find(find(table, html.Thead)[0], html.Th)] == list(pp.groups.GROUPS_HEADER)
    assert all(isinstance(r.children[0], html.Th) and getattr(r.children[0], "scope", None) == "row" for r in body_rows(table))
    assert "Stuttgart" in text(find(table, html.Caption)[0])


def test_panel_partial_row_says_what_it_lacks(de11, raw, groups):
    digital = groups["digital-industries"]
    employment, lacks = group_sum(raw, "employment", digital.members, PARTIAL_REGION, YEAR)
    stars = group_stars(raw, digital.members, PARTIAL_REGION, 2, YEAR)
    name, stars_cell, lq, persons = group_row(de11, "Digital industries")
    assert name.startswith("Digital industries Map C26 + J61 + J62 + J63 About this group")
    assert persons == f"{format_value(employment, 'employment')} partial sum: lacks {', '.join(lacks)}" == "73,547 partial sum: lacks J61"
    earned = [w for w, k in (("size", "star_size"), ("specialisation", "star_specialisation"), ("productivity", "star_productivity")) if stars[k]]
    assert f"{int(stars['stars'])} of 3 {', '.join(earned)}" in stars_cell and "from a partial sum" in stars_cell
    assert lq == f"{format_value(stars['lq'], 'lq')} from a partial sum"
    assert digital.note in name  # the note, in the row's details


def test_panel_complete_row_has_no_mark(de11, raw, groups):
    devices = groups["medical-devices"]
    employment, _ = group_sum(raw, "employment", devices.members, PARTIAL_REGION, YEAR)
    stars = group_stars(raw, devices.members, PARTIAL_REGION, 2, YEAR)
    name, stars_cell, lq, persons = group_row(de11, "Medical devices")
    assert name.startswith("Medical devices Map C26 + C32")
    assert persons == format_value(employment, "employment") and "partial" not in stars_cell + lq
    assert lq == format_value(stars["lq"], "lq")
    assert stars_cell.startswith("★★☆ 2 of 3") and int(stars["stars"]) == 2
    title = next(s for s in find(de11, html.Span, "portfolio-group-name") if text(s) == "Medical devices")
    assert title.title == devices.note


def test_panel_without_groups_has_no_section(dashboard_data):
    from dataclasses import replace

    children = pp.portfolio_children(replace(dashboard_data, groups=()), PARTIAL_REGION, YEAR)
    assert "Named groups" not in [text(h) for h in find(children, html.H3)]


# ---------------------------------------------------------------- the API


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def test_api_portfolio_has_groups(client, raw, groups):
    body = client.get(f"/api/v1/regions/{PARTIAL_REGION}/portfolio?year={YEAR}&limit=3").get_json()
    assert len(body["sectors"]) == 3 and len(body["groups"]) == 10  # limit is for the sectors; every group is listed
    by_id = {g["id"]: g for g in body["groups"]}
    for gid, group in groups.items():
        got = by_id[gid]
        employment, lacks = group_sum(raw, "employment", group.members, PARTIAL_REGION, YEAR)
        assert got["members"] == list(group.members) and got["approximation"] is True and got["note"] == group.note
        assert (got["employment"] is None) if not finite(employment) else got["employment"] == employment
        assert got["lacks"] == list(lacks) and got["partial"] is bool(lacks or got["wages_lacks"])
    assert by_id["digital-industries"]["lacks"] == ["J61"] and by_id["digital-industries"]["employment"] == 73547
    lq = group_lq(raw, groups["medical-devices"].members, PARTIAL_REGION, 2, YEAR)
    assert by_id["medical-devices"]["lq"] == pytest.approx(lq, rel=1e-12) and by_id["medical-devices"]["partial"] is False
    assert "stars" in body["groups_order"]


def test_openapi_portfolio_declares_groups(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    portfolio = spec["components"]["schemas"]["Portfolio"]
    assert "groups" in portfolio["required"] and portfolio["properties"]["groups"]["items"] == {"$ref": "#/components/schemas/PortfolioGroup"}
    group = spec["components"]["schemas"]["PortfolioGroup"]["properties"]
    body = client.get(f"/api/v1/regions/{COMPLETE_REGION}/portfolio?year={YEAR}").get_json()
    assert set(body["groups"][0]) == set(group) == set(GROUP_COLUMNS)


# ---------------------------------------------------------------- in Chromium


@pytest.mark.browser
def test_stuttgart_portfolio_shows_named_groups(page, live_app, raw, groups):
    from tests.test_browser import open_app

    employment, _ = group_sum(raw, "employment", groups["digital-industries"].members, PARTIAL_REGION, YEAR)
    open_app(page, live_app)
    index = page.evaluate(f"document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('{PARTIAL_REGION}')")
    assert index >= 0
    page.locator(".choroplethlayer path").nth(index).click(force=True)
    panel = page.locator("#portfolio-panel")
    panel.get_by_role("heading", name="Named groups").wait_for(timeout=10_000)
    expect(panel.locator(".portfolio-approximation")).to_contain_text(APPROXIMATION_LABEL)
    assert panel.locator(".portfolio-approximation").is_visible()
    row = panel.locator("table.portfolio-groups tbody tr[data-group=digital-industries]")
    expect(row).to_have_count(1)
    row_text = row.inner_text()
    assert "Digital industries" in row_text and "C26 + J61 + J62 + J63" in row_text
    assert format_value(employment, "employment") == "73,547" and "73,547" in row_text
    assert "partial sum: lacks J61" in row_text
    assert "2 of 3" in row_text and "size, productivity" in row_text  # the stars in words, and which
    # the group's note: on hover (title) and in a disclosure a keyboard opens
    assert row.locator(".portfolio-group-name").get_attribute("title") == groups["digital-industries"].note
    summary = row.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(row.locator(".portfolio-group-about .portfolio-note")).to_be_visible()
    expect(row.locator(".portfolio-group-about .portfolio-note")).to_contain_text("Leaves out software publishing")
    save_artifact(page, "portfolio_groups_DE11_2014")
    # "Map" sets the map's sector to the group: the address bar carries it, the map's title names it, the panel stays
    row.get_by_role("button", name="Show Digital industries on the map").click()
    page.wait_for_function("new URLSearchParams(location.search).get('sector') === 'digital-industries'", timeout=10_000)
    page.wait_for_function(
        "(document.querySelector('#map .js-plotly-plot').layout.title.text || '').includes('Digital industries (C26 + J61 + J62 + J63)')",
        timeout=10_000,
    )
    assert "Stuttgart" in panel.locator("h2").inner_text()
    assert page.console_errors == []
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []
