"""Hot spots in headless Debian Chromium: the Analysis control, the URL, the panel, the embed and the PNG.

What the browser draws is compared with what the server computed for the same view
(``dashboard.callbacks.map_update``); the categories themselves are tested against an
independent computation in ``tests/test_hotspots_view.py``.
"""

from __future__ import annotations

import pytest

from dashboard.figures import HOTSPOT_COLOURS, NO_DATA_COLOUR
from dashboard.view import MapView, view_query
from tests.conftest import save_artifact
from tests.test_accessibility import BLOCKING, axe as accessibility_runner, run_axe, summary, wait_for_ranking
from tests.test_browser import map_title, open_app, wait_url
from tests.test_export_png import get, has_colour_bar, pixels, read_png, renders

CATEGORY_WORDS = ["High-High (hot spot)", "Low-Low (cold spot)", "High-Low (high among low)", "Low-High (low among high)", "not significant"]
VIEW = MapView(level=2, nace_r2="C29", indicator="lq", year=2014)
HOT = MapView(level=2, nace_r2="C29", indicator="lq", year=2014, analysis="hotspots")
TITLE = "(document.querySelector('#map .gtitle') || {textContent: ''}).textContent"
TRACE = "(() => { const d = document.querySelector('#map .js-plotly-plot').data[0]; return {z: Array.from(d.z), customdata: d.customdata, ticktext: d.colorbar.ticktext, locations: d.locations}; })()"


def legend(page) -> list[str]:
    return page.eval_on_selector_all("#map .colorbar g[class$='tick'] text", "ts => ts.map(t => t.textContent)")


@pytest.mark.browser
def test_analysis_hot_spots_draws_categories_lists_clusters_and_follows_the_url(page, live_app, dashboard_data):
    from dashboard.callbacks import map_update

    open_app(page, live_app, f"?{view_query(VIEW)}")
    assert page.locator("#hotspots").is_hidden() and page.locator("#classes-panel").is_visible()
    page.get_by_label("Hot spots (local Moran's I)").check()
    page.wait_for_function(f"{TITLE}.startsWith('Hot spots of')", timeout=15_000)
    wait_url(page, "analysis=hotspots")
    assert page.locator("#classes-panel").is_hidden(), "no class settings for fixed categories"

    # the legend names the categories; the drawn classes and tooltips are the server's (Python twin)
    shown = legend(page)
    assert all(word in shown for word in CATEGORY_WORDS) and "no data" in shown
    trace = page.evaluate(TRACE)
    expected = map_update(dashboard_data, HOT, full=True)[0]["data"][0]
    assert trace["z"] == expected["z"] and trace["customdata"] == expected["customdata"] and trace["ticktext"] == expected["colorbar"]["ticktext"]
    stuttgart = trace["customdata"][trace["locations"].index("DE11")]
    assert stuttgart[2].startswith("High-High (hot spot); p = 0.0"), stuttgart
    # and the tooltip itself says it
    page.locator(".choroplethlayer path").nth(trace["locations"].index("DE11")).hover(force=True)
    page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5_000)
    label = page.locator("#map .hoverlayer").text_content() or ""
    assert "Stuttgart" in label and "High-High (hot spot)" in label and "p = 0.0" in label

    # the panel lists the cross-border clusters with their countries
    page.locator("#hotspots").wait_for(state="visible", timeout=10_000)
    first = page.locator("#hotspots .hotspots-cluster").first
    countries = (first.get_attribute("data-countries") or "").split(",")
    assert {"DE", "CZ"} <= set(countries)
    assert "(DE)" in (first.locator("h3").text_content() or "") and "persons employed" in (first.text_content() or "")
    save_artifact(page, "hotspots_C29_lq_nuts2_2014")

    # back: the values map, the panel hidden; forward: the hot spots again
    page.go_back()
    page.wait_for_function(f"!{TITLE}.startsWith('Hot spots of')", timeout=15_000)
    assert "analysis=hotspots" not in page.url
    assert page.get_by_label("Values in classes").is_checked()
    assert not any(word in legend(page) for word in CATEGORY_WORDS)
    page.locator("#hotspots").wait_for(state="hidden", timeout=10_000)
    assert page.locator("#classes-panel").is_visible()
    page.go_forward()
    page.wait_for_function(f"{TITLE}.startsWith('Hot spots of')", timeout=15_000)
    wait_url(page, "analysis=hotspots")
    assert page.get_by_label("Hot spots (local Moran's I)").is_checked()
    page.locator("#hotspots .hotspots-cluster").first.wait_for(state="visible", timeout=10_000)

    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


@pytest.mark.browser
def test_a_hot_spot_link_opens_on_hot_spots_and_another_sector_updates_the_panel(page, live_app):
    open_app(page, live_app, f"?{view_query(HOT)}")
    assert map_title(page).startswith("Hot spots of")
    assert page.locator("#hotspots .hotspots-cluster").count() >= 1, "the first view's panel is in the layout"
    assert page.locator("#classes-panel").is_hidden()
    before = page.locator("#hotspots .hotspots-summary").text_content()
    page.get_by_label("NUTS 1 regions").check()
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length === 114", timeout=15_000)
    page.wait_for_function(f"{TITLE}.includes('NUTS 1')", timeout=15_000)
    page.wait_for_function("before => (document.querySelector('#hotspots .hotspots-summary') || {}).textContent !== before", arg=before, timeout=10_000)
    assert "NUTS 1" in (page.locator("#hotspots .hotspots-summary").text_content() or "")
    assert all(word in legend(page) for word in CATEGORY_WORDS)
    assert [u for u in page.requests if not u.startswith(live_app)] == []


@pytest.mark.browser
def test_embed_draws_the_hot_spots(page, live_app):
    page.goto(f"{live_app}/embed?{view_query(HOT)}")
    page.wait_for_selector("#map .choroplethlayer path", timeout=20_000)
    assert (page.text_content("#map .gtitle") or "").startswith("Hot spots of")
    assert all(word in legend(page) for word in CATEGORY_WORDS)
    fills = set(page.eval_on_selector_all(".choroplethlayer path", "ps => ps.map(p => getComputedStyle(p).fill)"))
    assert "rgb(178, 24, 43)" in fills, "High-High regions are dark red"
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


@renders
def test_png_of_a_hot_spot_view_has_the_categories_in_its_legend(live_app, dashboard_data):
    status, headers, body = get(f"{live_app}/export.png?{view_query(HOT)}&width=700&height=500&scale=1")
    assert status == 200, body[:300]
    assert headers["Content-Disposition"] == 'attachment; filename="hotspots_location_quotient_employment_C29_NUTS2_2014.png"'
    info = read_png(body)
    assert info["text"]["Title"].startswith("Hot spots of location quotient")
    assert info["text"]["Description"].splitlines()[1:] == ["no data", "confidential", *CATEGORY_WORDS]
    colours = [NO_DATA_COLOUR, "#9e9e9e", *(HOTSPOT_COLOURS[c] for c in ("HH", "LL", "HL", "LH", "ns"))]
    assert has_colour_bar(pixels(info), list(reversed(colours))), "no colour bar with the category colours"


@renders
def test_cli_export_writes_hot_spot_maps(built, mirror, tmp_path, monkeypatch, capsys):
    from dashboard import cli

    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(built[0]))
    out = tmp_path / "pngs"
    args = ["export", "--out", str(out), "--level", "2", "--sector", "C29", "C10", "--indicator", "lq", "--year", "2014", "--analysis", "hotspots"]
    assert cli.main([*args, "--width", "600", "--height", "400"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["hotspots_location_quotient_employment_C10_NUTS2_2014.png", "hotspots_location_quotient_employment_C29_NUTS2_2014.png"]
    for name in names:
        info = read_png((out / name).read_bytes())
        assert info["text"]["Title"].startswith("Hot spots of") and info["text"]["Description"].splitlines()[1:] == ["no data", "confidential", *CATEGORY_WORDS]
    assert capsys.readouterr().out.count(".png") == 2


axe = accessibility_runner
"""The axe-core runner fixture of ``tests/test_accessibility.py``."""


@pytest.mark.browser
def test_hot_spot_page_has_no_serious_wcag21_violations(page, live_app, axe):
    """axe-core on the page opened on hot spots (map, legend, the panel with its clusters), as for every other view."""
    open_app(page, live_app, f"?{view_query(HOT)}")
    wait_for_ranking(page)
    page.locator("#hotspots .hotspots-cluster").first.wait_for(state="visible", timeout=10_000)
    blocking = [v for v in run_axe(page, axe, live_app) if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core WCAG 2.1 AA on hot spots: {len(blocking)} serious/critical rules\n{summary(blocking)}"
    assert page.console_errors == []
