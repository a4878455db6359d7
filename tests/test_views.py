"""Classes, star view and URL history in a real browser, as a person uses them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import save_artifact
from tests.test_browser import choose_option, wait_url

pytestmark = pytest.mark.browser

TITLE = "(document.querySelector('#map .gtitle') || {textContent: ''}).textContent"


def wait_title(page, text: str) -> None:
    page.wait_for_function(f"{TITLE}.includes({text!r})", timeout=20_000)


def legend(page) -> list[str]:
    return page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].colorbar.ticktext")


def test_classes_scheme_count_and_own_breaks(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C29&year=2014")
    wait_title(page, "C29")
    assert len(legend(page)) == 2 + 5
    # seven classes with the keyboard: the slider moves from 5 to 7
    page.locator("#classes [role=slider]").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('#map .js-plotly-plot').data[0].colorbar.ticktext.length === 9", timeout=10_000)
    wait_url(page, "k=7")
    assert "k=7" in page.url
    # own breaks: the legend shows exactly those bounds
    choose_option(page, "scheme", "My own breaks")
    page.locator("#breaks").fill("1000,10000,50000")
    page.locator("#breaks").press("Enter")
    page.wait_for_function("document.querySelector('#map .js-plotly-plot').data[0].colorbar.ticktext.length === 6", timeout=10_000)
    labels = legend(page)
    assert labels[:2] == ["no data", "confidential"]
    assert labels[2].endswith("– 1,000") and labels[3] == "> 1,000 – 10,000" and labels[4] == "> 10,000 – 50,000"
    wait_url(page, "scheme=user", "breaks=1000%2C10000%2C50000")
    assert "scheme=user" in page.url and "breaks=1000%2C10000%2C50000" in page.url
    choose_option(page, "palette", "Viridis")
    page.wait_for_url(re.compile(r"palette=Viridis"), timeout=10_000)
    colours = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].colorscale.map(c => c[1])")
    assert "#f2f2f2" in colours and "#9e9e9e" in colours  # no data and confidential keep their neutral greys
    save_artifact(page, "classes_own_breaks_viridis")


def test_star_view_is_categorical_by_dimension(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C29&year=2014&indicator=stars")
    wait_title(page, "Cluster stars")
    assert legend(page) == ["no data", "confidential", "0 stars", "1 star", "2 stars", "3 stars"]
    page.get_by_role("radio", name="Specialisation").check()
    wait_title(page, "Specialisation star")
    assert legend(page) == ["no data", "confidential", "no star", "star"]
    wait_url(page, "star=specialisation")
    assert "star=specialisation" in page.url
    index = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('DE11')")
    z = page.evaluate(f"document.querySelector('#map .js-plotly-plot').data[0].z[{index}]")
    assert z == 3  # Stuttgart: LQ >= 2 in motor vehicles → the "star" class
    save_artifact(page, "stars_specialisation_C29")


def test_back_and_forward_step_through_views(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C29&year=2014")
    wait_title(page, "C29")
    page.locator("#year [role=slider]").focus()
    page.keyboard.press("ArrowLeft")
    wait_title(page, "2013")
    page.get_by_label("Countries (NUTS 0)").check()
    page.wait_for_function("document.querySelectorAll('#map .choroplethlayer path').length === 35", timeout=20_000)
    wait_url(page, "level=0", "year=2013")
    assert "level=0" in page.url and "year=2013" in page.url
    page.go_back()
    page.wait_for_function("document.querySelectorAll('#map .choroplethlayer path').length === 314", timeout=20_000)
    wait_title(page, "2013")
    page.go_back()
    wait_title(page, "2014")
    assert page.locator("#year [role=slider]").get_attribute("aria-valuenow") == "2014"
    page.go_forward()
    wait_title(page, "2013")
    assert [u for u in page.requests if not u.startswith(live_app)] == []


def paths(page) -> int:
    return page.locator("#map .choroplethlayer path").count()


def test_default_is_the_mixed_map_and_a_country_click_zooms_in(page, live_app, dashboard_data):
    page.goto(live_app)
    wait_title(page, "Mixed")
    # the shapes arrive by URL after the figure: wait for every region of the mixed map to be drawn
    page.wait_for_function(f"document.querySelectorAll('#map .choroplethlayer path').length === {len(dashboard_data.geometry[-1].ids)}", timeout=20_000)
    assert paths(page) == len(dashboard_data.geometry[-1].ids)
    # the country map: click Germany → its NUTS 2 regions, zoomed
    page.get_by_label("Countries (NUTS 0)").check()
    page.wait_for_function("document.querySelectorAll('#map .choroplethlayer path').length === 35", timeout=20_000)
    index = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('DE')")
    page.locator("#map .choroplethlayer path").nth(index).click(force=True)
    page.wait_for_url(re.compile(r"zoom=DE"), timeout=20_000)
    wait_title(page, "NUTS 2 regions")
    lon = page.evaluate("document.querySelector('#map .js-plotly-plot').layout.geo.lonaxis.range")
    bounds = dashboard_data.bounds["DE"]
    assert lon[0] < bounds[0] and lon[1] > bounds[2] and lon[1] - lon[0] < 25  # Germany's frame, not Europe's
    assert abs((lon[0] + lon[1]) / 2 - (bounds[0] + bounds[2]) / 2) < 0.5  # centred on it, widened to the panel's shape
    zoom_out = page.get_by_role("button", name="Back to all of Europe")
    expect(zoom_out).to_be_visible()
    save_artifact(page, "zoomed_germany_nuts2")
    zoom_out.click()
    page.wait_for_function("document.querySelector('#map .js-plotly-plot').layout.geo.lonaxis.range[0] < -10", timeout=20_000)
    page.wait_for_url(lambda url: "zoom=" not in url, timeout=5_000)  # the address bar follows once the map callback has answered
    expect(zoom_out).to_be_hidden()


def test_find_a_region_zooms_to_it(page, live_app):
    page.goto(f"{live_app}/?level=0&sector=C29")
    wait_title(page, "C29")
    choose_option(page, "region-search", "Stuttgart")
    page.wait_for_url(re.compile(r"zoom=DE11"), timeout=20_000)
    wait_title(page, "NUTS 2 regions")
    lat = page.evaluate("document.querySelector('#map .js-plotly-plot').layout.geo.lataxis.range")
    assert 47 < lat[0] < 48.5 and 49 < lat[1] < 50.5
    wait_url(page, "level=2")
    assert "level=2" in page.url
    assert [u for u in page.requests if not u.startswith(live_app)] == []


def test_one_star_dimension_reads_as_star_or_not_in_the_tooltip(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C29&year=2014&indicator=stars&star=size")
    wait_title(page, "Size star")
    index = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('DE11')")
    page.locator("#map .choroplethlayer path").nth(index).hover(force=True)
    page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5_000)
    label = page.locator("#map .hoverlayer").text_content() or ""
    assert "1 (1 = star)" in label and "stars" not in label


def test_region_search_options_come_from_the_server_as_the_user_types(dashboard_data):
    """The page carries no region options; typed text gets the matches, the code itself first."""
    assert [o["value"] for o in dashboard_data.find_regions("stuttgart")] == ["DE11"]
    assert dashboard_data.find_regions("de11")[0]["value"] == "DE11"
    assert dashboard_data.find_regions("DE")[0]["value"] == "DE"
    ober = [o["label"] for o in dashboard_data.find_regions("ober")]
    assert "Oberbayern (DE21)" in ober and all("ober" in label.casefold() for label in ober)
    assert len(dashboard_data.find_regions("a")) == 20
    assert dashboard_data.find_regions("") == []
    assert [o["value"] for o in dashboard_data.find_regions("no such place", current="DE11")] == ["DE11"]
