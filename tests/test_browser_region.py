"""A region in the URL in headless Debian Chromium: its portfolio opens from a link, closes, comes back with
back; the network view of its opportunities marks them; its PNG and embed.

Expected divisions: the raw Eurostat TSV's LQs and pandas ``corr`` (``tests.test_related_views.raw_opportunities``).
"""

from __future__ import annotations

import urllib.request

import pytest

from tests.conftest import save_artifact
from tests.test_browser import wait_url
from tests.test_browser_related import TITLE_JS, off_origin
from tests.test_export_png import read_png, renders
from tests.test_region_network import raw_starred
from tests.test_related_views import raw_opportunities

pytestmark = pytest.mark.browser

PANEL_TITLE = "(document.querySelector('#portfolio-panel h2') || {textContent: ''}).textContent"
TRACES_JS = """(() => {
    const d = (document.querySelector('#map .js-plotly-plot') || document.getElementById('map')).data;  // the page's graph, or the embed's plot
    const find = prefix => d.find(t => t.name.startsWith(prefix)) || {customdata: [], text: []};
    return {stars: find('Specialisation star of').customdata, opportunities: find('Opportunity of').text};
})()"""


def test_a_region_link_opens_its_portfolio_close_drops_it_and_back_restores_it(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C29&year=2012&region=DE11")
    page.wait_for_function(f"{PANEL_TITLE}.includes('Stuttgart')", timeout=30_000)
    assert page.locator("#portfolio-panel .portfolio-opportunities tbody tr").count() == 10
    assert "region=DE11" in page.url
    page.locator("#portfolio-panel .portfolio-close").click()
    page.wait_for_function("!window.location.search.includes('region=')", timeout=15_000)
    page.wait_for_function(f"!{PANEL_TITLE}.includes('Stuttgart')", timeout=10_000)
    page.go_back()
    wait_url(page, "region=DE11", timeout=15_000)
    page.wait_for_function(f"{PANEL_TITLE}.includes('Stuttgart')", timeout=15_000)
    save_artifact(page, "portfolio_DE11_from_url")
    assert off_origin(page, live_app) == []
    assert page.console_errors == []


def test_a_map_click_puts_the_region_in_the_url(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C29&year=2012")
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)
    index = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('DE11')")
    page.locator(".choroplethlayer path").nth(index).click(force=True)
    wait_url(page, "region=DE11", timeout=15_000)
    page.wait_for_function(f"{PANEL_TITLE}.includes('Stuttgart')", timeout=15_000)
    assert page.console_errors == []


def test_the_network_view_of_a_region_marks_its_stars_and_opportunities(page, live_app, raw):
    expected = [code for code, _, _ in raw_opportunities(raw, "DE11", 2012)[:10]]
    page.goto(f"{live_app}/?year=2012&analysis=network&region=DE11")
    page.wait_for_function(f"{TITLE_JS}.includes('Stuttgart')", timeout=30_000)
    marks = page.evaluate(TRACES_JS)
    assert set(marks["stars"]) == raw_starred(raw, "DE11", 2012)
    assert marks["opportunities"] == [f"{rank} {code}" for rank, code in enumerate(expected, start=1)]
    assert "Diversification opportunities" in page.evaluate(TITLE_JS)
    save_artifact(page, "network_DE11_2012_opportunities")
    # the portfolio is open too, with its link to this very view
    page.wait_for_function(f"{PANEL_TITLE}.includes('Stuttgart')", timeout=15_000)
    assert page.get_attribute("#portfolio-opportunities-network", "href") == "/?year=2012&analysis=network&region=DE11"
    page.goto(f"{live_app}/embed?year=2012&analysis=network&region=DE11")
    page.wait_for_selector("#map .scatterlayer .points path.point", timeout=15_000)
    assert "Stuttgart" in (page.text_content("#map .gtitle") or "")
    assert page.evaluate(TRACES_JS)["opportunities"][0] == f"1 {expected[0]}"
    assert off_origin(page, live_app) == []
    assert page.console_errors == []


@renders
def test_png_of_the_region_network_names_the_region(live_app, dashboard_data, tmp_path):
    with urllib.request.urlopen(f"{live_app}/export.png?year=2012&analysis=network&region=DE11&width=900&height=700", timeout=60) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "image/png"
        assert "related_sectors_network_DE11_opportunities_2012_above_0.5.png" in response.headers["Content-Disposition"]
        info = read_png(response.read())
    assert info["text"]["Title"].startswith("Diversification opportunities of Stuttgart (DE11) · 2012")
    assert "region=DE11" in info["text"]["Comment"]

    from dashboard.export import export_views
    from dashboard.view import read_view, view_options

    view = read_view("year=2012&analysis=network&region=DE11", view_options(dashboard_data)).view
    (path,) = export_views(dashboard_data, [view], tmp_path, width=600, height=500, progress=False)
    assert path.name == "related_sectors_network_DE11_opportunities_2012_above_0.5.png"
    assert "Stuttgart" in read_png(path.read_bytes())["text"]["Title"]
