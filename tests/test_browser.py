"""The dashboard in headless Debian Chromium, as a person uses it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import save_artifact

pytestmark = pytest.mark.browser


def map_fills(page) -> list[str]:
    return page.eval_on_selector_all(".choroplethlayer path", "ps => ps.map(p => getComputedStyle(p).fill)")


def map_title(page) -> str:
    return page.text_content("#map .gtitle") or ""


def wait_url(page, *parts: str, timeout: int = 5_000) -> None:
    """Wait until the address bar holds every part: after a change it follows once the map callback has answered (assets/url_state.js)."""
    page.wait_for_function("parts => parts.every(p => window.location.href.includes(p))", arg=list(parts), timeout=timeout)


def open_app(page, url: str, query: str = "?level=2") -> None:
    """Open the app on a view (NUTS 2 unless told otherwise) and wait for the map."""
    page.goto(url + ("/" if not url.endswith("/") else "") + query)
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)


def choose_option(page, dropdown_id: str, text: str) -> None:
    """Open a Dash dropdown, type into its search box once it is there, pick the first match."""
    page.click(f"#{dropdown_id}")
    search = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    search.wait_for(state="visible", timeout=5_000)
    search.fill(text)
    page.locator(".dash-dropdown-content .dash-dropdown-option").first.wait_for(state="visible", timeout=5_000)
    search.press("Enter")


def choose_sector(page, text: str) -> None:
    """Search the sector tree for ``text`` and click the first sector that matches."""
    page.fill("#sector-search", text)
    first = page.locator("#sector-tree .sector-match > .sector-row").first
    first.wait_for(state="visible", timeout=5_000)
    first.click()


def test_pick_a_sector_and_the_map_changes(page, live_app):
    # 1. open the app: the NUTS 2 map of manufacturing is drawn
    open_app(page, live_app)
    assert page.locator(".choroplethlayer path").count() == 314
    assert "C Manufacturing" in map_title(page)
    before = map_fills(page)

    # 2. the attribution is visible, under the map (page text; the figure's own line is for its PNG)
    source = page.locator("#map-source")
    assert source.get_by_text("Source: Eurostat").is_visible()
    assert source.get_by_text("© EuroGeographics for the administrative boundaries").is_visible()

    # 3. pick motor vehicles: the title and the colours change, geometry is not resent
    with page.expect_response(lambda r: "_dash-update-component" in r.url) as response_info:
        choose_sector(page, "C29")
    response = response_info.value
    body = response.body()
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('C29')", timeout=10_000)
    assert "Manufacture of motor vehicles" in map_title(page)
    after = map_fills(page)
    assert len(after) == 314 and after != before
    assert b"coordinates" not in body and len(body) < 30_000, len(body)  # every year's values (dashboard.payload.YearsPayload), no shapes
    save_artifact(page, "map_C29_nuts2")

    # 4. nothing left the origin, and the console stayed clean
    foreign = [u for u in page.requests if not u.startswith(live_app)]
    assert foreign == []
    assert page.console_errors == []


def test_hover_shows_name_value_rank_and_flag(page, live_app):
    open_app(page, live_app)
    choose_sector(page, "C29")
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('C29')", timeout=10_000)
    # hover Stuttgart: find its path by the trace's location order
    index = page.evaluate("document.getElementById('map').querySelector('.js-plotly-plot').data[0].locations.indexOf('DE11')")
    page.locator(".choroplethlayer path").nth(index).hover(force=True)
    page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5_000)
    label = page.locator("#map .hoverlayer").text_content() or ""
    assert "Stuttgart" in label and "(DE11)" in label
    assert "158,012 persons" in label
    assert "rank 1 of" in label


def test_indicator_year_and_level_controls(page, live_app):
    open_app(page, live_app)
    choose_option(page, "indicator", "Location quotient")
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('Location quotient')", timeout=10_000)
    # the year slider is keyboard-operable: four steps left from 2014
    page.locator("#year [role=slider]").focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('2010')", timeout=10_000)
    page.get_by_label("Countries (NUTS 0)").check()
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length === 35", timeout=10_000)
    assert "Countries (NUTS 0)" in map_title(page) and "2010" in map_title(page)
    legend = page.locator("#map .colorbar").text_content() or ""
    assert "no data" in legend and "confidential" in legend
    save_artifact(page, "map_lq_countries_2010")
    assert [u for u in page.requests if not u.startswith(live_app)] == []


def test_browser_applies_a_change_exactly_as_python_would(page, live_app, dashboard_data):
    """assets/map.js and dashboard.figures.apply_payload are twins: same classes, same tooltips."""
    from dashboard.callbacks import map_update
    from dashboard.figures import MapView

    open_app(page, live_app)
    choose_sector(page, "All sectors")  # partial totals: the longest notes
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('All sectors')", timeout=10_000)
    trace = page.evaluate(
        "(() => { const d = document.querySelector('#map .js-plotly-plot').data[0];"
        " return {z: Array.from(d.z), customdata: d.customdata, ticktext: d.colorbar.ticktext}; })()"
    )
    expected, _ = map_update(dashboard_data, MapView(level=2, nace_r2="TOTAL", indicator="employment", year=2014), full=True)
    want = expected["data"][0]
    assert trace["z"] == want["z"]
    assert trace["customdata"] == want["customdata"]
    assert trace["ticktext"] == want["colorbar"]["ticktext"]
    assert any("partial total: lacks" in row[2] for row in trace["customdata"])


def test_zoomed_tooltips_rank_within_the_country_in_python_and_the_browser(page, live_app, dashboard_data):
    """Zoomed to a country, a tooltip ranks its region in the country (as the sector ranking does) and in Europe."""
    from dashboard.callbacks import map_update
    from dashboard.figures import MapView

    title = "(document.querySelector('#map .gtitle') || {textContent: ''}).textContent"
    page.goto(f"{live_app}/?level=2&sector=C&year=2013&zoom=DE")
    page.wait_for_function(f"{title}.includes('2013')", timeout=20_000)
    page.locator("#year [role=slider]").first.focus()
    page.keyboard.press("ArrowRight")  # 2014: a values payload, applied by assets/map.js
    page.wait_for_function(f"{title}.includes('2014')", timeout=10_000)
    customdata = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].customdata")
    expected, _ = map_update(dashboard_data, MapView(level=2, nace_r2="C", year=2014, zoom="DE"), full=True)
    assert customdata == expected["data"][0]["customdata"]
    ids = expected["data"][0]["locations"]
    stuttgart = customdata[ids.index("DE11")][1]
    german = sum(1 for i, row in zip(ids, customdata) if i.startswith("DE") and row[1])
    assert re.fullmatch(rf"rank \d+ of {german} in DE, \d+ of \d+ in Europe", stuttgart), stuttgart
    assert " in DE" not in customdata[ids.index("FR10")][1]  # a neighbour keeps its European rank


def test_geometry_is_a_cacheable_file_sent_once_per_level(page, live_app):
    import urllib.error
    import urllib.request

    open_app(page, live_app)
    geometry_requests = [u for u in page.requests if "/geometry/" in u]
    assert len(geometry_requests) == 1 and "/geometry/2.geojson?v=" in geometry_requests[0]
    # a level change sends a figure that names its shapes by URL, not the shapes
    with page.expect_response(lambda r: "_dash-update-component" in r.url and b'"figure"' in r.body()) as info:
        page.get_by_label("NUTS 1 regions").check()
    body = info.value.body()
    assert b"coordinates" not in body and len(body) < 60_000, len(body)
    page.wait_for_function("document.querySelectorAll('#map .choroplethlayer path').length === 114", timeout=20_000)
    # the file itself: long-lived cache, ETag, 304 on revalidation, compressed on the wire
    url = live_app + geometry_requests[0].removeprefix(live_app)
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})) as response:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] in ("gzip", "br")
        etag = response.headers["ETag"]
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(urllib.request.Request(url, headers={"If-None-Match": etag, "Accept-Encoding": "gzip"}))
    assert not_modified.value.code == 304
    not_modified.value.close()
