"""The Region tab's trend and similar regions in headless Debian Chromium.

The trend's points are read from the Plotly figure in the page and compared with
``/api/v1/regions/<id>/series``; a confidential year (``: c`` in the raw Eurostat file) is a gap
(null in the trace's y) with its "c" mark. The similar list is compared with ``/similar``, and its
"Compare" opens the comparison of both regions.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.conftest import save_artifact
from tests.test_browser import wait_url

pytestmark = pytest.mark.browser

TREND_JS = "Array.from(document.querySelector('#region-trend-chart .js-plotly-plot').data).map(t => ({name: t.name, x: t.x, y: t.y}))"
MARKS_JS = "(document.querySelector('#region-trend-chart .js-plotly-plot').layout.annotations || []).map(a => [a.x, a.text])"


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def open_trend(page, live_app: str, query: str) -> list[dict]:
    page.goto(f"{live_app}/?{query}")
    page.wait_for_selector("#region-trend-chart .js-plotly-plot", timeout=30_000)
    page.wait_for_function("document.querySelector('#region-trend-chart .js-plotly-plot').data", timeout=15_000)
    return page.evaluate(TREND_JS)


def test_the_trend_draws_the_series_apis_values(page, live_app):
    traces = open_trend(page, live_app, "level=2&sector=C29&indicator=employment&year=2012&region=DE11")
    api = get(f"{live_app}/api/v1/regions/DE11/series?sector=C29&indicator=employment")
    assert [t["name"] for t in traces] == ["Stuttgart (DE11)", "Deutschland (DE)", "Europe"]
    for trace, line in zip(traces, (api["series"], api["country"], api["europe"])):
        assert trace["x"] == [p["year"] for p in line]
        assert trace["y"] == [p["value"] for p in line], trace["name"]
    caption = page.text_content("#region-trend-caption") or ""
    assert api["europe_definition"] in caption
    save_artifact(page, "region_trend_DE11_C29")
    assert page.console_errors == []


def test_a_confidential_year_is_a_gap_marked_c(page, live_app, raw):
    cell = raw.cell("employment", "C28", "BE23", 2014)
    assert cell.flag == "c" and cell.value != cell.value  # confidential in the raw file, no value
    traces = open_trend(page, live_app, "level=2&sector=C28&indicator=employment&year=2014&region=BE23")
    region = traces[0]
    at = region["x"].index(2014)
    assert region["y"][at] is None
    assert region["y"][at - 1] is not None  # the line stops before the gap: nothing is interpolated into it
    assert [2014, "c"] in page.evaluate(MARKS_JS)
    assert "Confidential (a gap, marked c): Prov. Oost-Vlaanderen (BE23) 2014" in (page.text_content("#region-trend-caption") or "")


def test_the_trend_follows_the_maps_indicator(page, live_app):
    open_trend(page, live_app, "level=2&sector=C29&indicator=employment&year=2012&region=DE11")
    page.locator("#indicator").click()
    page.locator(".dash-dropdown-option", has_text="Average wage per person employed (EUR)").click()
    wait_url(page, "indicator=avg_wage", timeout=15_000)
    page.wait_for_function("(document.getElementById('region-trend-title') || {}).textContent.includes('Average wage')", timeout=15_000)
    api = get(f"{live_app}/api/v1/regions/DE11/series?sector=C29&indicator=avg_wage")
    assert page.evaluate(TREND_JS)[0]["y"] == [p["value"] for p in api["series"]]


def test_the_similar_list_is_the_apis_and_compare_opens_both(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C&year=2012&region=DE11")
    page.wait_for_selector("#region-similar tbody tr", timeout=30_000)
    api = get(f"{live_app}/api/v1/regions/DE11/similar?year=2012")
    rows = page.evaluate(
        "Array.from(document.querySelectorAll('#region-similar tbody tr')).map(r => [r.dataset.geo, r.children[2].textContent, r.children[3].textContent])"
    )
    assert rows == [[s["nuts_id"], f"{s['score']:.4f}", str(s["shared_divisions"])] for s in api["similar"]]
    first = api["similar"][0]["nuts_id"]
    page.locator(f"#region-similar tr[data-geo={first}] button", has_text="Compare").click()
    page.wait_for_function("geos => new URLSearchParams(location.search).get('compare') === geos", arg=f"DE11,{first}", timeout=15_000)
    page.wait_for_function(
        "n => document.querySelectorAll('#compare-table tbody tr').length === n && document.querySelector('#compare-section').getBoundingClientRect().top < innerHeight",
        arg=2,
        timeout=15_000,
    )
    assert page.evaluate("Array.from(document.querySelectorAll('#compare-table tbody tr')).map(r => r.dataset.geo)") == ["DE11", first]
    # "Open" focuses a similar region
    second = api["similar"][1]["nuts_id"]
    page.click("#tab-region")  # the comparison opened the Compare tab; the similar list is in the Region tab
    page.locator(f"#region-similar tr[data-geo={second}] button", has_text="Open").click()
    wait_url(page, f"region={second}", timeout=15_000)
    page.wait_for_function(f"(document.querySelector('#portfolio-panel h2') || {{}}).textContent.includes('{second}')", timeout=15_000)
    assert page.console_errors == []


def test_a_disqualified_region_says_why(page, live_app, dashboard_data):
    found = next(
        (geo, year)
        for year in dashboard_data.years
        for geo in sorted(dashboard_data.statistics_regions)
        if len(geo) == 4 and dashboard_data.similar(geo, year).reason and not dashboard_data.similar(geo, year).rows.size
    )
    geo, year = found
    page.goto(f"{live_app}/?level=2&sector=C&year={year}&region={geo}")
    page.wait_for_selector("#region-similar-reason", timeout=30_000)
    assert get(f"{live_app}/api/v1/regions/{geo}/similar?year={year}")["note"] in (page.text_content("#region-similar-reason") or "")
