"""The page's layout in headless Debian Chromium, at the sizes people use: what stays on screen.

From 1280 px wide the map shares the screen with the tabs beside it: choosing a region (map,
search, ranking row) opens the Region tab and never moves the map; a ranking highlight shows on
the map in view. On a 390×844 phone the map comes first, the filters are a drawer, nothing is
wider than the screen. The embed keeps its attribution inside the frame at any size from 300×250.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from tests.test_browser import choose_option, choose_sector, wait_url

pytestmark = pytest.mark.browser

ATTRIBUTIONS = ("Source: Eurostat", "© EuroGeographics for the administrative boundaries")
TRACE0 = "document.querySelector('#map .js-plotly-plot').data[0]"
PANEL_TITLE = "(document.querySelector('#portfolio-panel h2') || {textContent: ''}).textContent"
RECT_JS = """sel => { const e = document.querySelector(sel); if (!e) return null; const r = e.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height, w: innerWidth, h: innerHeight}; }"""


@pytest.fixture
def sized(browser, live_app) -> Iterator[Callable]:
    """``sized(width, height)``: a fresh page of that viewport that records requests and console errors."""
    contexts = []

    def open_page(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.requests, page.console_errors = [], []
        page.on("request", lambda r: page.requests.append(r.url))
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        return page

    yield open_page
    for context in contexts:
        context.close()


def rect(page, selector: str) -> dict:
    found = page.evaluate(RECT_JS, selector)
    assert found is not None, f"{selector} is not on the page"
    return found


def in_view(page, selector: str) -> bool:
    """The element's whole box is inside the window (and it has one)."""
    r = rect(page, selector)
    return r["width"] > 0 and r["height"] > 0 and r["top"] >= 0 and r["left"] >= 0 and r["bottom"] <= r["h"] + 0.5 and r["right"] <= r["w"] + 0.5


def assert_one_screen(page, active_panel: str) -> None:
    """The map and the chosen tab's panel are both wholly in the window, and the page has not scrolled."""
    assert page.evaluate("window.scrollY") == 0
    assert in_view(page, "#map"), rect(page, "#map")
    assert in_view(page, active_panel), rect(page, active_panel)
    assert page.is_visible(active_panel)


def open_view(page, live_app: str, query: str = "?level=2&sector=C29") -> None:
    page.goto(f"{live_app}/{query}")
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)


def click_region(page, nuts_id: str) -> None:
    index = page.evaluate(f"{TRACE0}.locations.indexOf({json.dumps(nuts_id)})")
    assert index >= 0, nuts_id
    page.locator("#map .choroplethlayer path").nth(index).click(force=True)


def selected_tab(page) -> str:
    return page.get_attribute(".panel-tablist [role=tab][aria-selected=true]", "id") or ""


@pytest.mark.parametrize("width, height", [(1440, 900), (1280, 800)])
def test_the_map_stays_in_view_beside_the_tabs(sized, live_app, width, height):
    page = sized(width, height)
    open_view(page, live_app)
    page.wait_for_function("document.querySelectorAll('#ranking-body tr').length === 314", timeout=20_000)
    # one screen: filters, map and ranking side by side, nothing below the window
    assert page.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight")
    assert selected_tab(page) == "tab-ranking"
    assert_one_screen(page, "#tabpanel-ranking")
    filters, map_box, side = rect(page, "#filters"), rect(page, "#map"), rect(page, ".side-panel")
    assert filters["right"] <= map_box["left"] and map_box["right"] <= side["left"], (filters, map_box, side)
    assert page.is_visible("#filters") and filters["top"] >= 0 and filters["bottom"] <= height
    source = page.locator("#map-source")
    assert in_view(page, "#map-source") and all(text in source.inner_text() for text in ATTRIBUTIONS)
    assert in_view(page, "h1")

    # 1. a click on Stuttgart: the Region tab opens beside the map, which has not moved
    before = rect(page, "#map")
    click_region(page, "DE11")
    page.wait_for_function(f"{PANEL_TITLE}.includes('Stuttgart')", timeout=15_000)
    assert selected_tab(page) == "tab-region" and page.is_hidden("#tabpanel-ranking")
    assert_one_screen(page, "#tabpanel-region")
    assert rect(page, "#map")["top"] == before["top"]
    assert page.locator("#portfolio-panel").get_by_role("heading", name="Stuttgart").is_visible()

    # 2. a ranking row: back on the Ranking tab, choose Île de France; the Region tab shows it, the map stays
    page.click("#tab-ranking")
    assert selected_tab(page) == "tab-ranking"
    page.locator("#ranking-body tr[data-region='FR10'] button").click()
    page.wait_for_function(f"{PANEL_TITLE}.includes('FR10')", timeout=15_000)
    assert selected_tab(page) == "tab-region"
    assert_one_screen(page, "#tabpanel-region")
    index = page.evaluate(f"{TRACE0}.locations.indexOf('FR10')")
    page.wait_for_function(f"{TRACE0}.selectedpoints && {TRACE0}.selectedpoints[0] === {index}", timeout=5_000)
    wait_url(page, "region=FR10", timeout=10_000)

    # 3. hovering a ranking bar highlights its region on the map, in view at the same time
    page.click("#tab-ranking")
    third = page.evaluate("document.querySelector('#ranking-bars .js-plotly-plot').data[0].y[2]")
    bar = page.locator("#ranking-bars .barlayer .point path").nth(2)
    bar.scroll_into_view_if_needed()  # inside the tab panel: the window does not move
    box = bar.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    index = page.evaluate(f"{TRACE0}.locations.indexOf({json.dumps(third)})")
    page.wait_for_function(f"{TRACE0}.selectedpoints && {TRACE0}.selectedpoints[0] === {index}", timeout=5_000)
    assert_one_screen(page, "#tabpanel-ranking")
    shape = page.locator("#map .choroplethlayer path").nth(index).bounding_box()
    map_box = rect(page, "#map")
    assert shape is not None and map_box["top"] <= shape["y"] and shape["y"] + shape["height"] <= min(map_box["bottom"], height)
    page.mouse.move(5, 5)

    # 4. the region search: Oberbayern opens in the Region tab, the map zooms to it in place
    page.click("#tab-ranking")
    choose_option(page, "region-search", "Oberbayern")
    page.wait_for_function(f"{PANEL_TITLE}.includes('Oberbayern')", timeout=15_000)
    assert selected_tab(page) == "tab-region"
    assert_one_screen(page, "#tabpanel-region")

    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


def test_the_filters_fold_away_and_give_the_map_their_room(sized, live_app):
    page = sized(1280, 800)
    open_view(page, live_app)
    toggle = page.locator("#filters-toggle")
    assert toggle.get_attribute("aria-expanded") == "true" and toggle.get_attribute("aria-controls") == "filters"
    width = rect(page, "#map")["width"]
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and page.is_hidden("#filters")
    page.wait_for_function(f"document.getElementById('map').getBoundingClientRect().width > {width + 150}", timeout=5_000)
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and page.is_visible("#filters")
    # the map's title as page text (it wraps where the figure's would be cut off) follows the view
    assert page.inner_text("#map-heading") == page.text_content("#map .gtitle")
    choose_option(page, "indicator", "Location quotient")
    page.wait_for_function("document.getElementById('map-heading')?.textContent.includes('Location quotient')", timeout=10_000)
    assert page.inner_text("#map-heading") == page.text_content("#map .gtitle")
    assert in_view(page, "#map-heading")
    assert page.console_errors == []


def test_the_tabs_work_with_the_keyboard(sized, live_app):
    page = sized(1440, 900)
    open_view(page, live_app)
    page.focus("#tab-ranking")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('tab-region').getAttribute('aria-selected') === 'true'", timeout=5_000)
    assert page.evaluate("document.activeElement.id") == "tab-region"
    assert page.get_attribute("#tab-region", "tabindex") == "0" and page.get_attribute("#tab-ranking", "tabindex") == "-1"
    assert page.is_visible("#tabpanel-region") and page.is_hidden("#tabpanel-ranking")
    assert "Choose a region" in page.inner_text("#tabpanel-region")  # no region yet: what to do
    page.keyboard.press("End")
    page.wait_for_function("document.getElementById('tab-compare').getAttribute('aria-selected') === 'true'", timeout=5_000)
    assert page.is_visible("#compare-panel") and "Pick regions to compare" in page.inner_text("#compare-panel")
    page.keyboard.press("ArrowRight")  # wraps to the first
    page.wait_for_function("document.getElementById('tab-ranking').getAttribute('aria-selected') === 'true'", timeout=5_000)
    assert page.is_visible("#ranking") and page.evaluate("window.scrollY") == 0
    assert page.console_errors == []


def test_a_region_link_opens_on_the_region_tab(sized, live_app):
    page = sized(1280, 800)
    open_view(page, live_app, "?level=2&sector=C29&region=DE11")
    page.wait_for_function(f"{PANEL_TITLE}.includes('Stuttgart')", timeout=20_000)
    assert selected_tab(page) == "tab-region"
    assert_one_screen(page, "#tabpanel-region")


def no_overflow(page) -> None:
    widths = page.evaluate("({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], widths


def test_phone_map_first_filters_in_a_drawer_nothing_clipped(sized, live_app):
    page = sized(390, 844)
    open_view(page, live_app)
    # the map first, whole, on the first screen; the title whole above it
    map_box = rect(page, "#map")
    assert 0 <= map_box["top"] < 250 and map_box["bottom"] <= 844, map_box
    assert in_view(page, "#map") and in_view(page, "h1")
    no_overflow(page)
    # the filters: a drawer behind a button that says whether it is open
    toggle = page.locator("#filters-toggle")
    assert toggle.get_attribute("aria-expanded") == "false" and toggle.get_attribute("aria-controls") == "filters"
    assert page.is_hidden("#filters")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and page.is_visible("#filters")
    drawer = rect(page, "#filters")
    assert drawer["left"] >= 0 and drawer["right"] <= 390 and drawer["top"] >= rect(page, ".topbar")["bottom"] - 0.5
    page.focus("#sector-search")
    page.keyboard.press("Escape")  # Escape closes it and gives focus back to its button
    assert toggle.get_attribute("aria-expanded") == "false" and page.is_hidden("#filters")
    assert page.evaluate("document.activeElement.id") == "filters-toggle"
    toggle.click()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and page.is_hidden("#filters")
    # the attribution, under the map, whole
    source = page.locator("#map-source")
    source.scroll_into_view_if_needed()
    assert in_view(page, "#map-source") and all(text in source.inner_text() for text in ATTRIBUTIONS)
    assert page.evaluate("(() => { const e = document.getElementById('map-source'); return e.scrollWidth <= e.clientWidth; })()")
    # the tabs under the map; a region's portfolio opens there, its tables scroll inside their own box
    assert rect(page, ".panel-tablist")["top"] >= map_box["bottom"]
    page.evaluate("window.scrollTo(0, 0)")
    click_region(page, "DE11")
    page.wait_for_function(f"{PANEL_TITLE}.includes('Stuttgart')", timeout=15_000)
    assert selected_tab(page) == "tab-region"
    page.locator("#portfolio-panel h2").scroll_into_view_if_needed()
    assert in_view(page, "#portfolio-panel h2")
    page.wait_for_function("document.querySelectorAll('#portfolio-panel table').length > 0", timeout=15_000)
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('#portfolio-panel table')].map(t => {
             let box = t.parentElement; while (box && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
             const r = (box || t).getBoundingClientRect(); return {left: r.left, right: r.right}; })"""
    )
    assert boxes and all(b["left"] >= 0 and b["right"] <= 390 for b in boxes), boxes
    no_overflow(page)
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


def heading_lines(page) -> int:
    """How many lines the map's heading text takes (its line boxes' distinct tops)."""
    return page.evaluate(
        "(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('#map-heading'));"
        " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; })()"
    )


def test_a_longer_heading_after_a_sector_change_does_not_resize_the_map(sized, live_app):
    """The heading keeps room for two lines: C's title takes one line at 1440 px, C29's two; the map keeps its box and
    Plotly is not made to draw it again for a new size (a ``plotly_relayout`` with ``autosize``)."""
    page = sized(1440, 900)
    open_view(page, live_app, "?level=2&sector=C&year=2013")
    page.wait_for_timeout(500)
    page.evaluate(
        "(() => { window.__relayouts = []; document.querySelector('#map .js-plotly-plot').on('plotly_relayout', (e) => window.__relayouts.push(e)); })()"
    )
    before = rect(page, "#map")
    one_line = rect(page, "#map-heading")["height"]
    assert heading_lines(page) == 1
    choose_sector(page, "C29")
    page.wait_for_function("document.querySelector('#map-heading')?.textContent.includes('semi-trailers')", timeout=15_000)
    wait_url(page, "sector=C29")
    page.wait_for_timeout(800)
    after = rect(page, "#map")
    assert (after["top"], after["height"], after["width"]) == (before["top"], before["height"], before["width"]), (before, after)
    assert page.evaluate("window.__relayouts") == []
    # the heading did take a second line (at this width), inside the room kept for it
    assert heading_lines(page) == 2 and rect(page, "#map-heading")["height"] == one_line


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800), (1440, 900)])
def test_the_ranking_charts_title_is_whole_inside_the_chart(sized, live_app, width, height):
    """Plotly does not wrap a title: the server breaks it into lines (``ranking.TITLE_CHARS``); none may run past the chart."""
    page = sized(width, height)
    open_view(page, live_app, "?level=1&sector=C29&zoom=DE&indicator=avg_wage")  # a long title: zoomed, a long indicator and sector
    page.wait_for_function("document.querySelector('#ranking-bars .gtitle')?.textContent.includes('semi-trailers')", timeout=15_000)
    chart, title = rect(page, "#ranking-bars .main-svg"), rect(page, "#ranking-bars .gtitle")
    assert chart["left"] <= title["left"] and title["right"] <= chart["right"], (chart, title)
    text = page.evaluate("[...document.querySelectorAll('#ranking-bars .gtitle tspan.line')].map(t => t.textContent).join(' ')")
    for words in (
        "Top 13 NUTS 1 regions",
        "in Deutschland (DE)",
        "average wage per person employed",
        "C29 Manufacture of motor vehicles,",
        "semi-trailers · 2014",
    ):
        assert words in text, text
    # the bars start below the title
    first_bar = page.evaluate("document.querySelector('#ranking-bars .bars .point').getBoundingClientRect().top")
    assert first_bar > title["bottom"], (first_bar, title)


@pytest.mark.parametrize("width, height", [(300, 250), (320, 480), (800, 600), (1920, 1080)])
def test_the_embed_never_clips_its_attribution(sized, live_app, width, height):
    page = sized(width, height)
    page.goto(f"{live_app}/embed?level=2&sector=C29")
    page.wait_for_selector("#map .choroplethlayer path", timeout=30_000)
    source = page.locator(".embed-source")
    assert all(text in source.inner_text() for text in ATTRIBUTIONS)
    assert in_view(page, ".embed-source"), rect(page, ".embed-source")
    plot = rect(page, "#map .main-svg")
    assert plot["bottom"] <= rect(page, ".embed-source")["top"] + 0.5, (plot, rect(page, ".embed-source"))
    assert in_view(page, ".embed-footer a")
    no_overflow(page)
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []
