"""Period change (``since``): the change of a view's indicator from an earlier year, against the raw file.

Expected numbers come from the raw TSV through the tests' own parser (``tests.raw_sbs``) and
the methodology (§17): growth = (v_year / v_since − 1) × 100 for counts and wages, percentage
points for the share, a difference for the LQ; no value, with a note naming the year, where a
cell is confidential or missing in either year; partial totals and partial group sums never compared.
"""

from __future__ import annotations

import csv
import json
import math
import urllib.error
import urllib.request
from dataclasses import replace

import pytest

from dashboard.callbacks import control_values, view_from_controls_values, view_from_search
from dashboard.export import ExportParameterError, export_views, view_grid
from dashboard.figures import map_title
from dashboard.view import MapView, view_options, view_query, view_slug
from tests.raw_sbs import NAN, Cell, RawGroup, finite, union, words

UNITS = {"growth": "%", "points": "pp", "difference": "LQ difference"}
KIND = {"employment": "growth", "local_units": "growth", "wages": "growth", "avg_wage": "growth", "employment_share": "points", "lq": "difference"}
DECIMALS = {"growth": 1, "points": 2, "difference": 2}


def _get(live_app: str, path: str, query: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(f"{live_app}{path}?{query}", timeout=60) as response:
            body = response.read().decode()
            return response.status, json.loads(body) if path.startswith("/api") else body
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _status(cell: Cell) -> str:
    return "value" if finite(cell.value) else "confidential" if "c" in cell.flag else "no data"


def _year_cell(raw, *, level: int, sector: str, indicator: str, geo: str, year: int, group: RawGroup | None) -> tuple[Cell, str]:
    """One year's value of the view (the raw file's, by the methodology) and what its sum lacks ("" when whole)."""
    if group is not None:
        if indicator in ("employment", "local_units", "wages"):
            cell, lacking = group.cell(indicator, geo, year)
        elif indicator == "avg_wage":
            cell, lacking = group.avg_wage(geo, year)
        elif indicator == "employment_share":
            cell, lacking = group.share(geo, year), group.cell("employment", geo, year)[1]
        else:
            cell, lacking = group.lq(level, geo, year, group.ref_share(level, year)), group.cell("employment", geo, year)[1]
        return cell, f"partial sum (lacks {','.join(lacking)})" if lacking and finite(cell.value) else ""
    if indicator in ("employment", "local_units", "wages"):
        cell = raw.base(indicator, sector, geo, year)
    elif indicator == "avg_wage":
        cell = raw.avg_wage(sector, geo, year)
    elif indicator == "employment_share":
        cell = raw.share(sector, geo, year)
    else:
        cell = raw.lq(level, sector, geo, year, raw.ref_share(level, sector, year))
    lacking = ""
    if sector == "TOTAL" and finite(cell.value):
        bases = ("wages", "employment") if indicator == "avg_wage" else ("employment",) if indicator in ("employment_share", "lq") else (indicator,)
        if any(raw.total(b, geo, year)[1] for b in bases):
            sections = raw.total("employment", geo, year)[1]
            lacking = f"partial total (lacks {','.join(sections)})" if bases == ("employment",) else "partial total (some sections have no value)"
    return cell, lacking


def expected_change(raw, ids: list[str], *, level: int, sector: str, indicator: str, since: int, year: int, members: list[str] | None = None) -> dict:
    """nuts_id → (value, flag, status, flag_text) of the change, from the raw file alone."""
    group = RawGroup(raw, members) if members else None
    kind = KIND[indicator]
    out = {}
    for geo in ids:
        (then, then_lacks), (now, now_lacks) = (
            _year_cell(raw, level=level, sector=sector, indicator=indicator, geo=geo, year=y, group=group) for y in (since, year)
        )
        flag = union(then.flag, now.flag)
        notes = [words(flag)] if flag else []
        value = NAN
        if finite(then.value) and finite(now.value) and not then_lacks and not now_lacks:
            if kind == "growth":
                value = (now.value / then.value - 1) * 100 if then.value != 0 else NAN
            else:
                value = now.value - then.value
        if finite(value):
            status = "value"
            if indicator in ("employment_share", "lq") and sector != "TOTAL":
                for y in (since, year):
                    if missing := raw.total("employment", geo, y)[1]:
                        notes.append(f"upper bound in {y}: region total lacks {','.join(missing)}")
        else:
            statuses = {since: _status(then), year: _status(now)}
            status = "confidential" if "confidential" in statuses.values() else "no data"
            absent = [f"{y} ({s})" for y, s in statuses.items() if s != "value"]
            partial = [f"{what} in {y}" for y, what in ((since, then_lacks), (year, now_lacks)) if what]
            if absent:
                notes.append("no value in " + ", ".join(absent))
            elif partial:
                notes.append("not compared: " + "; ".join(partial))
            elif kind == "growth" and then.value == 0:
                notes.append(f"no growth rate: 0 in {since}")
        out[geo] = (value, flag, status, "; ".join(notes))
    return out


def _assert_view(live_app, raw, *, level: int, sector: str, indicator: str, since: int, year: int, members: list[str] | None = None) -> list[dict]:
    query = f"level={level}&sector={sector}&indicator={indicator}&year={year}&since={since}"
    status, body = _get(live_app, "/api/v1/values", query)
    assert status == 200, body
    assert isinstance(body, dict)
    kind = KIND[indicator]
    assert body["indicator"]["unit"] == UNITS[kind] and body["indicator"]["decimals"] == DECIMALS[kind]
    assert f"change {since}–{year}" in body["indicator"]["label"] and f"change {since}–{year}" in body["view"]["title"]
    regions = body["regions"]
    expected = expected_change(raw, [r["nuts_id"] for r in regions], level=level, sector=sector, indicator=indicator, since=since, year=year, members=members)
    digits = DECIMALS[kind]
    shown = [round(v, digits) for v, *_ in expected.values() if finite(v)]
    bad = []
    for row in regions:
        value, flag, state, text = expected[row["nuts_id"]]
        rank = 1 + sum(s > round(value, digits) for s in shown) if finite(value) else None
        value_ok = row["value"] is None if not finite(value) else row["value"] is not None and math.isclose(row["value"], value, rel_tol=1e-9, abs_tol=1e-9)
        if not (value_ok and row["flag"] == flag and row["status"] == state and row["flag_text"] == text and row["rank"] == rank):
            bad.append((row, (value, flag, state, text, rank)))
    assert not bad, f"{query}: {len(bad)} of {len(regions)} regions differ from the raw file, e.g. {bad[:2]}"
    assert sum(r["status"] == "value" for r in regions) > 20, "a view with values"
    return regions


@pytest.mark.parametrize(
    "level, sector, indicator, since, year",
    [
        (2, "C29", "employment", 2009, 2014),
        (2, "C10", "local_units", 2008, 2012),
        (1, "C", "wages", 2010, 2015),
        (2, "C28", "avg_wage", 2009, 2014),
        (2, "C", "employment_share", 2009, 2014),
        (2, "C", "lq", 2009, 2014),
        (0, "J62", "lq", 2011, 2013),
        (2, "TOTAL", "employment", 2009, 2014),
        (1, "TOTAL", "avg_wage", 2008, 2013),
    ],
)
def test_period_change_equals_the_raw_file(live_app, raw, level, sector, indicator, since, year):
    regions = _assert_view(live_app, raw, level=level, sector=sector, indicator=indicator, since=since, year=year)
    notes = " ".join(r["flag_text"] for r in regions)
    assert f"no value in {since}" in notes or f"{year} (" in notes, "a region lacking a year says which"


def test_a_confidential_year_and_a_partial_total_say_so(live_app, raw):
    regions = {r["nuts_id"]: r for r in _assert_view(live_app, raw, level=2, sector="TOTAL", indicator="employment", since=2009, year=2014)}
    partial = [r for r in regions.values() if "not compared: partial total" in r["flag_text"]]
    assert partial and all(r["value"] is None and r["rank"] is None for r in partial)
    regions = _assert_view(live_app, raw, level=2, sector="C28", indicator="avg_wage", since=2009, year=2014)
    confidential = [r for r in regions if r["status"] == "confidential"]
    assert confidential and all("(confidential)" in r["flag_text"] and r["class"] == 1 for r in confidential)


@pytest.mark.parametrize("indicator", ["employment", "lq"])
def test_a_groups_partial_sum_in_either_year_is_never_compared(live_app, raw, indicator):
    members = ["C26", "J61", "J62"]
    regions = _assert_view(live_app, raw, level=2, sector=",".join(members), indicator=indicator, since=2009, year=2014, members=members)
    assert any("not compared: partial sum (lacks" in r["flag_text"] for r in regions)


def test_classes_are_on_the_change_and_split_at_zero(live_app, raw):
    regions = _assert_view(live_app, raw, level=2, sector="C29", indicator="employment", since=2009, year=2014)
    below = {r["class"] for r in regions if r["value"] is not None and round(r["value"], 1) <= 0}
    above = {r["class"] for r in regions if r["value"] is not None and round(r["value"], 1) > 0}
    assert below and above and max(below) < min(above)
    assert all(r["class"] in (0, 1) for r in regions if r["value"] is None)


def test_csv_and_embed_show_the_change(live_app, raw):
    query = "level=2&sector=C&indicator=lq&year=2014&since=2009"
    status, csv_text = _get(live_app, "/export.csv", query)
    assert status == 200 and isinstance(csv_text, str)
    assert csv_text.startswith("# Location quotient (employment), change 2009–2014 (LQ difference)")
    _, body = _get(live_app, "/api/v1/values", query)
    assert isinstance(body, dict)
    rows = [line for line in csv_text.splitlines() if not line.startswith("#")][1:-1]
    served = {r["nuts_id"]: r for r in body["regions"]}
    for line in rows[:50]:
        cells = next(csv.reader([line]))
        row = served[cells[0]]
        assert (cells[2] == "" and row["value"] is None) or float(cells[2]) == pytest.approx(row["value"], rel=1e-12)
    status, embed = _get(live_app, "/embed", query)
    assert status == 200 and isinstance(embed, str) and "change 2009–2014" in embed


@pytest.mark.parametrize(
    "query, message",
    [
        ("year=2014&since=2014", "before year"),
        ("year=2012&since=2013", "before year"),
        ("since=2015", "since must be one of 2008-2014"),
        ("since=1999", "since must be one of"),
        ("since=abc", "whole number"),
        ("indicator=stars&since=2009", "stars has none"),
        ("indicator=stars&star=size&since=2009", "stars has none"),
        ("indicator=employment_change&since=2009", "employment_change has none"),
    ],
)
def test_a_bad_since_is_a_400_naming_it_and_a_notice_on_the_page(live_app, dashboard_data, query, message):
    for path in ("/api/v1/values", "/export.csv", "/export.png"):
        status, body = _get(live_app, path, f"level=2&sector=C&{query}")
        assert status == 400 and isinstance(body, dict), (path, status)
        assert body["parameter"] == "since" and message in body["error"], body
    view, notice = view_from_search(dashboard_data, f"?level=2&{query}")
    assert view.since is None and "since=" in repr(notice) and message in repr(notice)


def test_the_page_control_round_trips_and_refuses_a_later_year(dashboard_data):
    options = view_options(dashboard_data)
    view = MapView(level=2, nace_r2="C29", indicator="employment", year=2014, since=2009)
    assert "&year=2014&since=2009&" in view_query(view)
    assert view_from_controls_values(control_values(view), options) == (view, [])
    _, problems = view_from_controls_values(control_values(replace(view, year=2008)), options)
    assert [p.parameter for p in problems] == ["since"]


def test_the_export_grid_takes_since_and_names_the_files(dashboard_data):
    options = view_options(dashboard_data)
    views = view_grid(options, levels=[2], sectors=["C29"], indicators=["employment", "lq"], years=[2014], params={"since": 2009})
    assert [v.since for v in views] == [2009, 2009]
    assert [view_slug(v) for v in views] == ["persons_employed_C29_NUTS2_change_2009_2014", "location_quotient_employment_C29_NUTS2_change_2009_2014"]
    with pytest.raises(ExportParameterError) as e:
        view_grid(options, levels=[2], years=[2014], params={"since": 2014})
    assert e.value.parameter == "since"


@pytest.mark.browser
def test_the_png_export_is_titled_with_the_change(dashboard_data, tmp_path):
    from tests.test_export_png import read_png

    view = MapView(level=2, nace_r2="C29", indicator="employment", year=2014, since=2009)
    (path,) = export_views(dashboard_data, [view], tmp_path, width=500, height=400, scale=1, progress=False)
    assert path.name == "persons_employed_C29_NUTS2_change_2009_2014.png"
    title = read_png(path.read_bytes())["text"]["Title"]
    assert title == map_title(view) and title.startswith("Persons employed, change 2009–2014 (%) · C29 ")


@pytest.mark.browser
def test_the_page_compares_with_a_year_and_says_what_it_cannot_use(page, live_app):
    from tests.test_browser import choose_option, wait_url

    title = "(document.querySelector('#map .gtitle') || {textContent: ''}).textContent"
    page.goto(f"{live_app}/?level=2&sector=C29&indicator=employment&year=2014")
    page.wait_for_function(f"{title}.includes('C29')", timeout=20_000)
    choose_option(page, "since", "2009")
    wait_url(page, "since=2009", timeout=10_000)
    page.wait_for_function(f"{title}.includes('Persons employed, change 2009–2014 (%)')", timeout=10_000)
    legend = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].colorbar.ticktext")
    assert any(label.endswith("– 0.0") for label in legend), legend  # the classes split at no change
    page.locator("#year [role=slider]").focus()
    page.keyboard.press("Home")  # 2008: before the year compared with
    page.wait_for_function(
        "(document.querySelector('#input-notice') || {textContent: ''}).textContent.includes('since must be a year before year')", timeout=10_000
    )
    page.goto(f"{live_app}/?level=2&sector=C&indicator=stars&since=2009")
    notice = page.locator("#view-notice")
    notice.wait_for(state="visible", timeout=20_000)
    assert "since=2009" in (notice.text_content() or "") and "stars has none" in (notice.text_content() or "")
