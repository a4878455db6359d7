"""Related sectors, the network view and opportunities in headless Debian Chromium, and the network's PNG.

Expected numbers: pandas ``corr`` on the LQs recomputed from the raw Eurostat TSV
(``tests.test_spatial_related.raw_lq_matrix``), never ``layers.spatial``.
"""

from __future__ import annotations

import urllib.request

import pytest

from dashboard.view import read_view, view_options
from layers.spatial.related import MIN_COMMON_REGIONS
from tests.conftest import save_artifact
from tests.raw_sbs import finite
from tests.test_browser import wait_url
from tests.test_export_png import read_png, renders
from tests.test_spatial_related import raw_lq_matrix

pytestmark = pytest.mark.browser

NODES = "#map .scatterlayer .trace .points path.point"
EDGES_JS = "(() => { const d = document.querySelector('#map .js-plotly-plot').data; return (d[0].x.length + d[1].x.length) / 3; })()"
TITLE_JS = "(document.querySelector('#map .gtitle') || {textContent: ''}).textContent"


def raw_links(raw, year: int, threshold: float) -> int:
    corr = raw_lq_matrix(raw, year).corr(min_periods=MIN_COMMON_REGIONS)
    return sum(1 for a in corr.index for b in corr.columns if a < b and finite(corr.at[a, b]) and corr.at[a, b] > threshold)


def off_origin(page, live_app: str) -> list[str]:
    return [u for u in page.requests if not u.startswith(live_app) and not u.startswith("data:")]


def test_related_panel_shows_ten_divisions_for_c29_in_2014(page, live_app, raw):
    expected = raw_lq_matrix(raw, 2014).corr(min_periods=MIN_COMMON_REGIONS)["C29"].drop("C29").dropna().sort_values(ascending=False).head(10)
    page.goto(f"{live_app}/?level=2&sector=C29&year=2014")
    rows = page.locator("#related-sectors .related-table tbody tr")
    rows.first.wait_for(state="visible", timeout=30_000)
    assert rows.count() == 10
    assert "Sectors that locate with C29" in (page.text_content("#related-sectors h2") or "")
    codes = page.eval_on_selector_all("#related-sectors .related-table tbody tr", "rs => rs.map(r => r.getAttribute('data-sector'))")
    strengths = page.eval_on_selector_all("#related-sectors .related-strength", "cs => cs.map(c => c.textContent)")
    assert codes == expected.index.tolist()
    assert strengths == [f"{v:.2f}" for v in expected]
    # another sector: the panel follows the view
    page.fill("#sector-search", "C10")
    page.locator("#sector-tree .sector-match > .sector-row").first.click()
    page.wait_for_function("document.querySelector('#related-sectors h2').textContent.includes('C10')", timeout=10_000)
    save_artifact(page, "related_panel_C10_2014")
    assert off_origin(page, live_app) == []
    assert page.console_errors == []


def test_analysis_network_draws_the_network_and_the_threshold_moves_its_links(page, live_app, raw):
    divisions = raw_lq_matrix(raw, 2014).columns
    page.goto(f"{live_app}/?level=2&sector=C29&year=2014")
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)
    page.get_by_label("Related sectors (co-location network)").check()
    page.wait_for_function(f"{TITLE_JS}.includes('Related sectors')", timeout=15_000)
    wait_url(page, "analysis=network", "threshold=0.5")
    assert page.locator(NODES).count() == len(divisions), "one node per division with data"
    assert page.locator(".choroplethlayer path").count() == 0
    assert page.evaluate(EDGES_JS) == raw_links(raw, 2014, 0.5)
    assert "C29" in (page.text_content("#map .scatterlayer .textpoint") or ""), "the view's sector is labelled"
    assert page.is_visible("#threshold-panel")
    # no map in this view: map level, indicator and classes are put away
    assert not page.is_visible("#level-panel") and not page.is_visible("#indicator-panel") and not page.is_visible("#classes-panel")
    save_artifact(page, "network_2014_0.5")

    # the threshold slider: one step left, more links
    page.locator("#threshold [role=slider]").first.focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"{TITLE_JS}.includes('> 0.45')", timeout=15_000)
    wait_url(page, "analysis=network", "threshold=0.45")
    assert page.evaluate(EDGES_JS) == raw_links(raw, 2014, 0.45) > raw_links(raw, 2014, 0.5)

    # hover a node: code, label, employment, degree
    page.locator(NODES).first.hover(force=True)
    page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5_000)
    hover = page.locator("#map .hoverlayer").text_content() or ""
    assert "persons employed in Europe" in hover and "linked to" in hover

    # back: the previous threshold; back again: the map
    page.go_back()
    page.wait_for_function(f"{TITLE_JS}.includes('> 0.5 ')", timeout=15_000)
    assert page.evaluate(EDGES_JS) == raw_links(raw, 2014, 0.5)
    page.go_back()
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=15_000)
    assert "analysis=network" not in page.url
    page.wait_for_function("() => !document.getElementById('level-panel').hidden && !document.getElementById('classes-panel').hidden", timeout=10_000)
    assert page.is_visible("#indicator-panel")
    assert off_origin(page, live_app) == []
    assert page.console_errors == []


def test_a_network_link_opens_on_the_network_and_embeds(page, live_app, raw):
    page.goto(f"{live_app}/?sector=J62&year=2010&analysis=network&threshold=0.6")
    page.wait_for_function(f"{TITLE_JS}.includes('Related sectors')", timeout=30_000)
    assert page.locator(NODES).count() == len(raw_lq_matrix(raw, 2010).columns)
    assert page.evaluate(EDGES_JS) == raw_links(raw, 2010, 0.6)
    page.goto(f"{live_app}/embed?sector=J62&year=2010&analysis=network&threshold=0.6")
    page.wait_for_selector("#map .scatterlayer .points path.point", timeout=15_000)
    assert page.locator("#map .scatterlayer .points path.point").count() == len(raw_lq_matrix(raw, 2010).columns)
    assert "Related sectors" in (page.text_content("#map .gtitle") or "")
    assert off_origin(page, live_app) == []
    assert page.console_errors == []


def test_a_regions_portfolio_shows_its_opportunities(page, live_app, raw):
    lqs = raw_lq_matrix(raw, 2012)
    region = lqs.loc["DE11"]
    starred = [c for c in region.index if finite(region[c]) and region[c] >= 2]
    corr = lqs.corr(min_periods=MIN_COMMON_REGIONS)
    scores = {c: sum(v for v in (corr.at[c, s] for s in starred) if finite(v) and v > 0) for c in region.index[region.notna() & (region < 2)]}
    expected = sorted((c for c in scores if scores[c] > 0), key=lambda c: (-scores[c], c))[:10]
    page.goto(f"{live_app}/?level=2&sector=C29&year=2012")
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)
    index = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('DE11')")
    page.locator(".choroplethlayer path").nth(index).click(force=True)  # a click on Stuttgart opens its portfolio
    rows = page.locator("#portfolio-panel .portfolio-opportunities tbody tr")
    rows.first.wait_for(state="visible", timeout=15_000)
    assert "Opportunities: sectors related to this region's specialisations" in (page.text_content("#portfolio-panel") or "")
    codes = page.eval_on_selector_all("#portfolio-panel .portfolio-opportunities tbody tr th .portfolio-code", "cs => cs.map(c => c.textContent)")
    assert codes == expected
    first = rows.first.text_content() or ""
    assert f"{scores[expected[0]]:.2f}" in first and "C28" in first
    save_artifact(page, "portfolio_DE11_2012_opportunities")
    assert off_origin(page, live_app) == []


@renders
def test_png_of_the_network_view_renders_with_its_title(live_app, dashboard_data, tmp_path):
    query = "sector=C29&year=2014&analysis=network&threshold=0.5&width=900&height=700"
    with urllib.request.urlopen(f"{live_app}/export.png?{query}", timeout=60) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "image/png"
        assert "related_sectors_network_C29_2014_above_0.5.png" in response.headers["Content-Disposition"]
        info = read_png(response.read())
    assert (info["width"], info["height"]) == (900, 700)
    assert info["text"]["Title"].startswith("Related sectors: NACE divisions linked where co-location strength &gt; 0.5 · 2014")
    assert "Eurostat" in info["text"]["Source"] and "analysis=network" in info["text"]["Comment"]

    from dashboard.export import export_views

    view = read_view("sector=J62&year=2010&analysis=network&threshold=0.6", view_options(dashboard_data)).view
    (path,) = export_views(dashboard_data, [view], tmp_path, width=600, height=500, progress=False)
    assert path.name == "related_sectors_network_J62_2010_above_0.6.png"
    assert read_png(path.read_bytes())["text"]["Title"].startswith("Related sectors")
