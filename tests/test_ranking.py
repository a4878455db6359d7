"""The sector ranking: table and bars as pure functions on real data, then in Chromium."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard import ranking
from dashboard.callbacks import payload_for
from dashboard.figures import MapView, decode_values
from dashboard.view import view_options
from layers.query import region_values
from tests.conftest import save_artifact
from tests.test_browser import choose_option, choose_sector, open_app, wait_url

C29 = MapView(level=2, nace_r2="C29", indicator="employment", year=2014)


def test_c29_employment_ranks_stuttgart_first(dashboard_data):
    rows = ranking.ranking_rows(dashboard_data, C29)
    first = rows.iloc[0]
    assert (first["rank"], first["nuts_id"], first["name"]) == (1, "DE11", "Stuttgart")
    assert first["value"] == 158012 and first["value_text"] == "158,012 persons"
    assert len(rows) == len(dashboard_data.geometry[2].ids) == 314


def test_rows_hold_exactly_the_maps_regions_and_values(dashboard_data):
    for view in (C29, MapView(level=0, nace_r2="TOTAL", indicator="avg_wage", year=2012), MapView(level=1, nace_r2="C10", indicator="lq", year=2015)):
        rows = ranking.ranking_rows(dashboard_data, view)
        ids = pd.Series(dashboard_data.geometry[view.level].ids)
        expected = region_values(dashboard_data.index, ids, level=view.level, nace_r2=view.nace_r2, indicator=view.indicator, year=view.year)
        assert sorted(rows["nuts_id"]) == sorted(ids)
        got = rows.set_index("nuts_id").loc[ids]
        np.testing.assert_array_equal(got["value"].to_numpy(), expected["value"].to_numpy())
        assert got["status"].tolist() == expected["status"].tolist()
        # what the map's tooltips show, at the map's decimals, and the rank they give
        payload = payload_for(dashboard_data, view)
        shown = decode_values(payload["values"], payload["decimals"])
        has = np.isfinite(shown)
        np.testing.assert_array_equal(has, got["status"].to_numpy() == "value")
        np.testing.assert_allclose(got["value"].to_numpy()[has], shown[has], atol=0.5 * 10.0 ** -payload["decimals"])
        map_rank = 1 + (shown[None, has] > shown[has][:, None]).sum(axis=1)
        assert got["rank"].to_numpy()[has].tolist() == map_rank.tolist()
        assert got["rank"].isna().to_numpy().tolist() == (~has).tolist()
        # ranked first, best first; then the regions without a value, in words
        n = int(has.sum())
        assert rows["rank"].iloc[:n].is_monotonic_increasing and rows["value"].iloc[n:].isna().all()
        assert set(rows["value_text"].iloc[n:]) <= {"no data", "confidential"}
        assert (rows["flag_text"].iloc[n:] != "").all()


def test_ties_share_a_rank(dashboard_data):
    rows = ranking.ranking_rows(dashboard_data, MapView(level=2, nace_r2="C29", indicator="stars", year=2014))
    ranked = rows.dropna(subset=["value"])
    assert ranked["value"].duplicated().any()
    for value, group in ranked.groupby("value"):
        assert group["rank"].nunique() == 1
        assert group["rank"].iloc[0] == 1 + (ranked["value"] > value).sum()
    # ranked at the decimals shown, as the map ranks: 5.0 % and 5.0 % share a rank
    change = ranking.ranking_rows(dashboard_data, MapView(level=0, nace_r2="C29", indicator="employment_change", year=2014)).set_index("nuts_id")
    assert change.loc[["LV", "UK"], "value_text"].tolist() == ["5.0 %", "5.0 %"]
    assert change.loc["LV", "rank"] == change.loc["UK", "rank"] == 7


def test_flags_in_words(dashboard_data):
    rows = ranking.ranking_rows(dashboard_data, C29).set_index("nuts_id")
    assert rows.loc["FR10", "flag_text"] == "break in time series"
    assert rows.loc["UKM3", ["value_text", "flag_text"]].tolist() == ["confidential", "confidential"]
    assert (rows.loc[rows["status"] == "no data", "flag_text"] == "no data").all()


def test_bar_figure_top_20_labelled_and_escaped(dashboard_data):
    rows = ranking.ranking_rows(dashboard_data, C29)
    figure = ranking.ranking_figure(rows, C29)
    bar = figure["data"][0]
    assert bar["type"] == "bar" and len(bar["y"]) == 20
    assert bar["y"][0] == "DE11" and bar["text"][0] == "158,012"
    assert bar["y"] == rows["nuts_id"].head(20).tolist()
    assert "(persons)" in figure["layout"]["title"]["text"] and "C29" in figure["layout"]["title"]["text"]
    assert figure["layout"]["xaxis"]["title"]["text"] == "persons"
    assert ranking.BARS_CONFIG["displaylogo"] is False
    assert len(set(bar["marker"]["color"] if isinstance(bar["marker"]["color"], list) else [bar["marker"]["color"]])) == 1
    # Plotly reads tick and hover text as HTML: every name is escaped
    names = dashboard_data.geometry[2].names
    level2 = ranking.ranking_figure(ranking.ranking_rows(dashboard_data, MapView(level=2, nace_r2="TOTAL", indicator="employment", year=2014)), C29)
    for tick, (_, name, *_rest) in zip(level2["layout"]["yaxis"]["ticktext"], level2["data"][0]["customdata"]):
        assert html.unescape(name) in names and "<" not in name and "'" not in name
        assert html.unescape(tick).rstrip("…") in html.unescape(name)
    assert len(json.dumps(figure)) < 6_000


def test_the_bar_charts_title_is_in_lines_plotly_can_show_whole(dashboard_data):
    """Plotly does not wrap a title: every line is at most TITLE_CHARS long, at word breaks, nothing lost."""
    view = MapView(level=1, nace_r2="C29", indicator="avg_wage", year=2014, zoom="DE")
    figure = ranking.ranking_figure(ranking.ranking_rows(dashboard_data, view), view, " in Deutschland (DE)")
    lines = [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in figure["layout"]["title"]["text"].split("<br>")]
    assert all(len(line) <= ranking.TITLE_CHARS for line in lines) and len(lines) >= 4, lines
    assert (
        " ".join(lines)
        == "Top 13 NUTS 1 regions in Deutschland (DE) by average wage per person employed (EUR) C29 Manufacture of motor vehicles, trailers and semi-trailers · 2014"
    )
    assert figure["layout"]["margin"]["t"] >= 18 * len(lines)


def test_bar_labels_are_shortened_before_they_are_escaped(dashboard_data):
    # ITC2 is second by LQ in C29 at NUTS 2 in 2014; its name has two apostrophes, six characters each once escaped
    view = MapView(level=2, nace_r2="C29", indicator="lq", year=2014)
    figure = ranking.ranking_figure(ranking.ranking_rows(dashboard_data, view), view)
    ticks = dict(zip(figure["layout"]["yaxis"]["tickvals"], figure["layout"]["yaxis"]["ticktext"], strict=True))
    assert html.unescape(ticks["ITC2"]) == "Valle d'Aosta/Vallée d'Aoste"
    assert all("&#" not in html.unescape(tick) for tick in ticks.values())  # never half an entity on screen


def test_empty_view_and_small_payload(dashboard_data):
    rows = ranking.ranking_rows(dashboard_data, C29)
    data = ranking.table_data(rows, C29)
    assert list(data["rows"][0]) == [1, "DE11", "Stuttgart", 158012, "158,012", ""]
    assert len(json.dumps(data)) < 25_000
    empty = rows.assign(value=np.nan, status="no data", rank=pd.NA)
    figure = ranking.ranking_figure(empty, C29)
    assert figure["data"][0]["y"] == [] and "No region has a value" in figure["layout"]["annotations"][0]["text"]
    assert ranking.view_from_query(dashboard_data, "level=2&sector=C29&indicator=employment&year=2014") == C29
    assert ranking.view_from_query(dashboard_data, None) == view_options(dashboard_data).default()


def test_zoomed_to_a_country_ranks_only_its_regions(dashboard_data):
    de = MapView(level=2, nace_r2="C29", indicator="employment", year=2014, zoom="DE")
    rows = ranking.ranking_rows(dashboard_data, de)
    level2 = dashboard_data.geometry[2].ids
    assert sorted(rows["nuts_id"]) == sorted(c for c in level2 if c.startswith("DE")) and len(rows) == 38
    # ranks within Germany: 1, 2, ... among its regions with a value, as Europe's order has them
    europe = ranking.ranking_rows(dashboard_data, C29)
    german = europe.loc[europe["nuts_id"].str.startswith("DE") & europe["rank"].notna(), "nuts_id"].tolist()
    ranked = rows.dropna(subset=["value"])
    assert ranked["nuts_id"].tolist() == german
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))  # no ties among these values
    assert (rows.iloc[1]["nuts_id"], rows.iloc[1]["rank"]) == ("DE21", 2)
    assert europe.set_index("nuts_id").loc["DEA2", "rank"] > rows.set_index("nuts_id").loc["DEA2", "rank"] == 5
    # the caption and the bars say where
    where = ranking.scope(dashboard_data, de)
    assert where == " in Deutschland (DE)"
    text = ranking.caption(de, rows, where)
    assert "38 regions in Deutschland (DE), 31 with a value" in text
    figure = ranking.ranking_figure(rows, de, where)
    assert "Top 20 NUTS 2 regions in Deutschland (DE) by" in figure["layout"]["title"]["text"].replace("<br>", " ")  # in lines (TITLE_CHARS)
    assert all(code.startswith("DE") for code in figure["data"][0]["y"])
    # a region's zoom (the region search) ranks its country; no zoom, all of Europe
    assert (
        ranking.ranking_rows(dashboard_data, MapView(level=2, nace_r2="C29", indicator="employment", year=2014, zoom="DE11"))["nuts_id"].tolist()
        == rows["nuts_id"].tolist()
    )
    assert ranking.scope(dashboard_data, C29) == "" and " in " not in ranking.caption(C29, europe)
    # the mixed map zoomed to France: one level, so no "regions of different sizes" note
    fr = MapView(level=-1, nace_r2="C29", indicator="employment", year=2014, zoom="FR")
    fr_rows = ranking.ranking_rows(dashboard_data, fr)
    assert fr_rows["nuts_id"].str.startswith("FR").all() and fr_rows["nuts_id"].str.len().nunique() == 1
    assert "Mixed levels" not in ranking.caption(fr, fr_rows, ranking.scope(dashboard_data, fr))
    assert ranking.view_from_query(dashboard_data, "level=2&sector=C29&indicator=employment&year=2014&zoom=DE") == de


# ---- in the browser -----------------------------------------------------------------

TRACE0 = "document.querySelector('#map .js-plotly-plot').data[0]"


def table_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all("#ranking-body tr", "trs => trs.map(tr => Array.from(tr.cells, c => c.textContent))")


def open_c29(page, live_app) -> None:
    open_app(page, live_app)
    choose_sector(page, "C29")
    page.wait_for_function("document.querySelector('.gtitle')?.textContent.includes('C29')", timeout=10_000)
    page.wait_for_function("document.getElementById('ranking-caption')?.textContent.includes('C29')", timeout=10_000)


def selected_points(page):
    return page.evaluate(f"(() => {{ const s = {TRACE0}.selectedpoints; return s == null ? null : Array.from(s); }})()")


def index_of(page, nuts_id: str) -> int:
    return page.evaluate(f"{TRACE0}.locations.indexOf({json.dumps(nuts_id)})")


@pytest.mark.browser
def test_ranking_table_is_the_maps_table(page, live_app):
    open_c29(page, live_app)
    rows = table_rows(page)
    assert rows[0] == ["1", "Stuttgart", "DE11", "158,012 persons", ""]
    caption = page.text_content("#ranking-caption") or ""
    for part in ("Persons employed", "(persons)", "C29 Manufacture of motor vehicles", "NUTS 2 regions", "2014"):
        assert part in caption
    # the same regions and the same values as the map's tooltips
    shown = page.evaluate(
        f"(() => {{ const d = {TRACE0}; return Object.fromEntries(d.locations.map((id, i) => [id, [d.customdata[i][0], d.customdata[i][1]]])); }})()"
    )
    assert len(rows) == len(shown) == 314
    table = {code: [value.removesuffix(" persons"), rank] for rank, _, code, value, _ in rows}
    assert table == {code: [value, rank.removeprefix("rank ").split(" of ")[0]] for code, (value, rank) in shown.items()}
    assert page.locator("#ranking-bars .barlayer .point").count() == 20
    page.locator("#ranking").scroll_into_view_if_needed()
    save_artifact(page, "ranking_C29_nuts2")
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


@pytest.mark.browser
def test_sort_by_keyboard_and_click(page, live_app):
    open_c29(page, live_app)
    # keyboard: Tab order reaches the header buttons; Enter sorts by region name, again reverses
    page.focus("#ranking-sort-code")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('ranking-th-name').getAttribute('aria-sort') === 'ascending'", timeout=5_000)
    names = [r[1] for r in table_rows(page)]
    assert names == page.evaluate("ns => ns.slice().sort(new Intl.Collator('en', {sensitivity: 'base', numeric: true}).compare)", names)
    assert page.get_attribute("#ranking-th-rank", "aria-sort") is None
    first_ascending = names[0]
    page.keyboard.press(" ")
    page.wait_for_function("document.getElementById('ranking-th-name').getAttribute('aria-sort') === 'descending'", timeout=5_000)
    assert [r[1] for r in table_rows(page)][-1] == first_ascending
    # click: value, highest first; again, lowest first with the regions without a value still last
    page.click("#ranking-sort-value")
    page.wait_for_function("document.getElementById('ranking-th-value').getAttribute('aria-sort') === 'descending'", timeout=5_000)
    assert table_rows(page)[0][1] == "Stuttgart"
    page.click("#ranking-sort-value")
    page.wait_for_function("document.getElementById('ranking-th-value').getAttribute('aria-sort') === 'ascending'", timeout=5_000)
    rows = table_rows(page)
    values = [float(r[3].removesuffix(" persons").replace(",", "")) for r in rows if r[0]]
    assert values == sorted(values) and all(not r[0] for r in rows[len(values) :])
    assert rows[-1][3] in ("no data", "confidential")
    assert "Sorted by value, ascending" in (page.text_content("#ranking-sort-status") or "")


def hover_until(page, target, done: str, attempts: int = 4) -> None:
    """Put the pointer on ``target`` where it is now, until ``done`` holds: the portfolio a row opened can move the panel
    under a pointer placed a moment before (the bars are where a person would see them, not where they were)."""
    for attempt in range(attempts):
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            page.wait_for_function(done, timeout=2_500)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.mouse.move(5, 5)


@pytest.mark.browser
def test_row_and_bar_highlight_the_map(page, live_app):
    open_c29(page, live_app)
    answers: list[dict] = []
    page.on("response", lambda r: answers.append(r.json()) if "_dash-update-component" in r.url and r.status == 200 else None)
    # choose a row with the keyboard: the map highlights that region, nothing is sent
    stuttgart = page.locator("#ranking-body tr[data-region='DE11'] button")
    stuttgart.focus()
    page.keyboard.press("Enter")
    index = index_of(page, "DE11")
    page.wait_for_function(f"(() => {{ const s = {TRACE0}.selectedpoints; return s && s.length === 1 && s[0] === {index}; }})()", timeout=5_000)
    assert stuttgart.get_attribute("aria-pressed") == "true"
    assert page.evaluate(f"{TRACE0}.unselected.marker.opacity") == 0.3
    # the highlight is applied in the browser: no answer carries the map figure (its geometry) or a highlight;
    # choosing a row opens the region's portfolio, so its region goes into the URL (the map callback answers the query only)
    page.wait_for_function("() => window.location.search.includes('region=DE11')", timeout=10_000)
    assert not [a for a in answers if "map" in a.get("response", {}) or "highlight-region" in a.get("response", {})], answers
    # the portfolio opens in the Region tab beside the map, and keyboard focus goes to that tab
    page.wait_for_function("document.getElementById('tab-region').getAttribute('aria-selected') === 'true'", timeout=5_000)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'tab-region'", timeout=5_000)
    save_artifact(page, "ranking_row_selected")
    # back on the Ranking tab, a click on another row moves it there
    page.click("#tab-ranking")
    page.locator("#ranking-body tr[data-region='FR10'] td").first.click()
    page.wait_for_function(f"{TRACE0}.selectedpoints && {TRACE0}.selectedpoints[0] === {index_of(page, 'FR10')}", timeout=5_000)
    # clicking the chosen row again lets it go: the map is whole again
    page.click("#tab-ranking")
    page.locator("#ranking-body tr[data-region='FR10'] button").click()
    page.wait_for_function(f"{TRACE0}.selectedpoints == null", timeout=5_000)
    # choosing FR10 opened its portfolio (region=FR10 in the URL): let that answer land before hovering the bars
    page.wait_for_function(
        "() => window.location.search.includes('region=FR10') && (document.getElementById('portfolio-panel-title') || {}).textContent?.includes('FR10')",
        timeout=10_000,
    )
    # hovering the third bar highlights the third region; leaving the chart clears it
    page.click("#tab-ranking")
    third = table_rows(page)[2][2]
    hover_until(
        page, page.locator("#ranking-bars .barlayer .point path").nth(2), f"{TRACE0}.selectedpoints && {TRACE0}.selectedpoints[0] === {index_of(page, third)}"
    )
    page.mouse.move(5, 5)
    page.wait_for_function(f"{TRACE0}.selectedpoints == null", timeout=5_000)
    # a new sector keeps the ranking in step with the map
    choose_option(page, "indicator", "Location quotient")
    page.wait_for_function("document.getElementById('ranking-caption')?.textContent.includes('Location quotient')", timeout=10_000)
    assert selected_points(page) is None
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


@pytest.mark.browser
def test_zoom_to_a_country_filters_the_ranking(page, live_app):
    """A click on Germany on the country map: the ranking lists Germany's regions, ranked in Germany; zooming out restores Europe."""
    open_app(page, live_app, "?level=0&sector=C29&year=2014")
    page.wait_for_function("(document.getElementById('ranking-caption') || {}).textContent.includes('35 regions')", timeout=20_000)
    index = index_of(page, "DE")
    page.locator("#map .choroplethlayer path").nth(index).click(force=True)
    page.wait_for_function("document.getElementById('ranking-caption')?.textContent.includes('in Deutschland (DE)')", timeout=20_000)
    wait_url(page, "zoom=DE")
    assert "zoom=DE" in page.url
    page.wait_for_function("document.querySelectorAll('#ranking-body tr').length === 38", timeout=10_000)
    rows = table_rows(page)
    assert all(code.startswith("DE") for _, _, code, _, _ in rows)
    assert rows[0][:3] == ["1", "Stuttgart", "DE11"] and rows[1][:3] == ["2", "Oberbayern", "DE21"]
    caption = page.text_content("#ranking-table-title") or ""
    assert "NUTS 2 regions" in caption and "38 regions in Deutschland (DE)" in caption
    assert "in Deutschland (DE)" in page.evaluate("[...document.querySelectorAll('#ranking-bars .gtitle tspan.line')].map(t => t.textContent).join(' ')")
    bars = page.evaluate("document.querySelector('#ranking-bars .js-plotly-plot').data[0].y")
    assert len(bars) == 20 and all(code.startswith("DE") for code in bars)
    page.locator("#ranking").scroll_into_view_if_needed()
    save_artifact(page, "ranking_C29_zoomed_germany")
    # back to all of Europe: every NUTS 2 region again, ranked in Europe
    page.get_by_role("button", name="Back to all of Europe").click()
    page.wait_for_function("document.querySelectorAll('#ranking-body tr').length === 314", timeout=20_000)
    caption = page.text_content("#ranking-table-title") or ""
    assert "314 regions," in caption and " in Deutschland" not in caption
    assert table_rows(page)[0][:3] == ["1", "Stuttgart", "DE11"]
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []
