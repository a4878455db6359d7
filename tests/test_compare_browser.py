"""Regions compared side by side in headless Debian Chromium: a ``compare=`` link, remove, add from the map
(Shift+click) and from the search, back and forward.

Values, ranks and stars on screen are compared with ``/api/v1/values`` of each region's level
(the stars with ``indicator=stars``, and each dimension); the trend's lines with ``/series``.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.conftest import save_artifact
from tests.test_browser_related import off_origin

pytestmark = pytest.mark.browser

QUERY = "level=2&sector=C&indicator=employment&year=2012"
ROWS_JS = "Array.from(document.querySelectorAll('#compare-table tbody tr')).map(r => r.dataset.geo)"
COMPARE_JS = "new URLSearchParams(location.search).get('compare')"
CELLS_JS = """Array.from(document.querySelectorAll('#compare-table tbody tr')).map(r => ({
    geo: r.dataset.geo, value: r.querySelector('.compare-value').textContent, rank: r.querySelector('.compare-rank').textContent,
    stars: r.querySelector('.compare-star-count') ? r.querySelector('.compare-star-count').textContent : '',
    which: r.querySelector('.compare-star-which') ? r.querySelector('.compare-star-which').textContent : ''}))"""


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def wait_compared(page, geos: list[str], timeout: int = 15_000) -> None:
    """Until the URL and the table both hold ``geos`` (in order); none: no ``compare`` in the URL and no table."""
    page.wait_for_function(
        "want => (new URLSearchParams(location.search).get('compare') || '') === want.join(',') "
        "&& JSON.stringify(Array.from(document.querySelectorAll('#compare-table tbody tr')).map(r => r.dataset.geo)) === JSON.stringify(want.length > 1 ? want : [])",
        arg=geos,
        timeout=timeout,
    )


def api_row(live_app: str, geo: str, indicator: str = "employment", star: str | None = None) -> tuple[dict, int]:
    level = len(geo) - 2
    extra = f"&star={star}" if star else ""
    answer = get(f"{live_app}/api/v1/values?level={level}&sector=C&indicator={indicator}&year=2012{extra}")
    return next(r for r in answer["regions"] if r["nuts_id"] == geo), answer["ranked"]


def test_a_compare_link_shows_the_regions_with_the_apis_values_ranks_and_stars(page, live_app):
    page.goto(f"{live_app}/?{QUERY}&compare=DE11,FR71,ITC4")
    wait_compared(page, ["DE11", "FR71", "ITC4"], timeout=30_000)
    for cell in page.evaluate(CELLS_JS):
        row, ranked = api_row(live_app, cell["geo"])
        assert cell["value"].startswith(f"{row['value']:,.0f}"), cell
        assert cell["rank"].startswith(f"{row['rank']} of {ranked}"), cell
        stars, _ = api_row(live_app, cell["geo"], "stars")
        assert cell["stars"] == f"{int(stars['value'])} of 3"
        earned = [d for d in ("size", "specialisation", "productivity") if api_row(live_app, cell["geo"], "stars", d)[0]["value"] == 1]
        assert cell["which"] == (", ".join(earned) or "none")
    # one line per region, the series API's values
    traces = page.evaluate("Array.from(document.querySelector('#compare-trend-chart .js-plotly-plot').data).map(t => t.y)")
    for geo, y in zip(["DE11", "FR71", "ITC4"], traces):
        assert y == [p["value"] for p in get(f"{live_app}/api/v1/regions/{geo}/series?sector=C&indicator=employment")["series"]]
    assert page.locator("#compare-sectors tbody tr").count() >= 5
    page.locator("#compare-section").screenshot(path=str(save_artifact(page, "compare_DE11_FR71_ITC4").with_name("compare_section.png")))
    assert off_origin(page, live_app) == []
    assert page.console_errors == []


def test_remove_add_from_the_map_and_the_search_and_back_and_forward(page, live_app):
    page.goto(f"{live_app}/?{QUERY}&compare=DE11,FR71,ITC4")
    wait_compared(page, ["DE11", "FR71", "ITC4"], timeout=30_000)
    page.click("#compare-table tr[data-geo=FR71] .compare-remove")
    wait_compared(page, ["DE11", "ITC4"])

    # Shift+click on the map adds the region and leaves the focus alone
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)
    index = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('FR10')")
    page.locator(".choroplethlayer path").nth(index).click(force=True, modifiers=["Shift"])
    wait_compared(page, ["DE11", "ITC4", "FR10"])
    assert page.evaluate("new URLSearchParams(location.search).get('region')") is None

    # the comparison's own search
    pick_in_compare_search(page, "Wien", "Wien (AT13)")
    wait_compared(page, ["DE11", "ITC4", "FR10", "AT13"])
    row, ranked = api_row(live_app, "AT13")
    assert page.evaluate(CELLS_JS)[3]["rank"].startswith(f"{row['rank']} of {ranked}")

    # a plain click still focuses a region
    index = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('DE21')")
    page.locator(".choroplethlayer path").nth(index).click(force=True)
    page.wait_for_function("new URLSearchParams(location.search).get('region') === 'DE21'", timeout=15_000)
    assert page.evaluate(COMPARE_JS) == "DE11,ITC4,FR10,AT13"

    for geos in (["DE11", "ITC4", "FR10", "AT13"], ["DE11", "ITC4", "FR10"], ["DE11", "ITC4"], ["DE11", "FR71", "ITC4"]):
        page.go_back()
        wait_compared(page, geos)
    for geos in (["DE11", "ITC4"], ["DE11", "ITC4", "FR10"]):
        page.go_forward()
        wait_compared(page, geos)
    assert page.console_errors == []


def pick_in_compare_search(page, typed: str, label: str) -> None:
    """Open the comparison's search, type once its box is there (keys typed before it opens are lost), click the option."""
    page.click("#compare-search")
    search = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    search.wait_for(state="visible", timeout=5_000)
    search.fill(typed)
    option = page.locator(".dash-dropdown-content .dash-dropdown-option", has_text=label)
    option.wait_for(state="visible", timeout=10_000)
    option.click()


def test_removing_down_to_one_region_leaves_no_comparison_in_the_url(page, live_app):
    page.goto(f"{live_app}/?{QUERY}&compare=DE11,FR71")
    wait_compared(page, ["DE11", "FR71"], timeout=30_000)
    page.click("#compare-table tr[data-geo=FR71] .compare-remove")
    page.wait_for_function(f"!{COMPARE_JS}", timeout=15_000)
    page.wait_for_selector("#compare-picked li", timeout=15_000)
    assert "Stuttgart" in (page.text_content("#compare-picked") or "")
    # the region in focus goes in with its portfolio's button
    page.goto(f"{live_app}/?{QUERY}&region=ITC4")
    page.wait_for_selector("#portfolio-panel .compare-add-focus", timeout=30_000)
    page.click("#portfolio-panel .compare-add-focus")
    page.wait_for_selector("#compare-picked li", timeout=15_000)
    pick_in_compare_search(page, "FR71", "Rhône-Alpes (FR71)")
    wait_compared(page, ["ITC4", "FR71"])
    assert page.console_errors == []
