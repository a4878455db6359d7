"""Years in the browser: the slider, play, back and forward change the map's year without a map payload from the server.

The page holds every year of its view (``dashboard.payload.YearsPayload``); ``assets/map.js``
draws a year from it and ``assets/play.js`` steps through them. What is drawn is compared with
``/api/v1/values`` of that year and, for the tooltip, with the raw Eurostat file (``tests.raw_sbs``).
"""

from __future__ import annotations

import itertools
import json
import math

import pytest

from tests.test_browser import map_title, open_app, wait_url

pytestmark = pytest.mark.browser

TITLE = "(document.querySelector('#map .gtitle') || {textContent: ''}).textContent"
PLOT = "document.querySelector('#map .js-plotly-plot')"


def watch_map_payloads(page) -> list[str]:
    """The map callback's answers that carried a map (a figure or values) for the browser, from now on."""
    carried: list[str] = []

    def seen(response) -> None:
        if "_dash-update-component" not in response.url:
            return
        try:
            answer = json.loads(response.body()).get("response", {})
        except Exception:  # an aborted or empty answer carries nothing
            return
        if "map-values" in answer or "map" in answer:
            carried.append(response.url)

    page.on("response", seen)
    return carried


PAINTED = f"""(() => {{
  const gd = {PLOT}, t = gd.data[0], colours = [];
  for (let i = 0; i < t.colorscale.length; i += 2) colours.push(t.colorscale[i][1]);
  const rgb = (h) => 'rgb(' + [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16)).join(', ') + ')';
  const paths = document.querySelectorAll('#map .choroplethlayer path');
  return paths.length === t.z.length && Array.from(paths).every((p, i) => getComputedStyle(p).fill === rgb(colours[t.z[i]]));
}})()"""
"""Every region's fill is its class's colour in trace 0: Plotly has finished drawing what it holds."""


def wait_year(page, year: int) -> None:
    """The map's title names ``year`` and its regions are painted in the colours of the classes it holds."""
    page.wait_for_function(f"y => {TITLE}.endsWith(' · ' + y)", arg=str(year), timeout=10_000, polling=20)
    page.wait_for_function(PAINTED, timeout=5_000, polling=20)


def drawn(page) -> dict:
    """Each region's fill as drawn, the colour of each class index (trace 0's stepped colour scale) and the legend."""
    return page.evaluate(
        f"""(() => {{
          const gd = {PLOT}, t = gd.data[0];
          const fills = Array.from(document.querySelectorAll('#map .choroplethlayer path'), p => getComputedStyle(p).fill);
          const colours = [];
          for (let i = 0; i < t.colorscale.length; i += 2) colours.push(t.colorscale[i][1]);
          return {{locations: Array.from(t.locations), fills, colours, legend: Array.from(t.colorbar.ticktext),
                   customdata: t.customdata.map(r => Array.from(r))}};
        }})()"""
    )


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def api_values(page, live_app: str, query: str) -> dict[str, dict]:
    body = page.request.get(f"{live_app}/api/v1/values?{query}").json()
    return {r["nuts_id"]: r for r in body["regions"]}


def test_play_steps_through_the_years_with_one_legend_and_the_servers_classes(page, live_app, dashboard_data):
    open_app(page, live_app, "?level=2&sector=C&year=2008&classes=all-years")
    carried = watch_map_payloads(page)
    play = page.locator("#year-play")
    assert play.get_attribute("aria-pressed") == "false"
    play.click()
    page.wait_for_function("document.querySelector('#year-play').getAttribute('aria-pressed') === 'true'", timeout=5_000)
    by_colour: dict[str, list[float]] = {}
    legends = set()
    for year in dashboard_data.years[1:]:
        wait_year(page, year)
        shown = drawn(page)
        api = api_values(page, live_app, f"level=2&sector=C&year={year}&classes=all-years")
        assert shown["locations"] == sorted(api) or set(shown["locations"]) == set(api)
        for code, fill in zip(shown["locations"], shown["fills"]):
            region = api[code]
            assert fill == rgb(shown["colours"][region["class"]]), (year, code, region)
            assert shown["legend"][region["class"]] == region["class_label"], (year, code)
            if region["value"] is not None:
                by_colour.setdefault(fill, []).append(region["value"])
        legends.add(tuple(shown["legend"]))
    page.wait_for_function("document.querySelector('#year-play').getAttribute('aria-pressed') === 'false'", timeout=5_000)
    assert play.text_content() == "Play years"  # stopped at the last year
    assert map_title(page).endswith(str(dashboard_data.years[-1]))
    assert len(legends) == 1, legends  # classes from all years: the legend stays
    # one value, one colour in every year: the value ranges of the colours do not overlap
    ranges = sorted((min(v), max(v), c) for c, v in by_colour.items())
    assert all(hi < next_lo for (_, hi, _), (next_lo, _, _) in itertools.pairwise(ranges)), ranges
    assert carried == [], carried  # no year of the play came from the server
    wait_url(page, f"year={dashboard_data.years[-1]}", "classes=all-years")
    assert page.console_errors == []


def test_play_switches_to_classes_from_all_years_and_is_keyboard_operable(page, live_app):
    open_app(page, live_app, "?level=2&sector=C29&year=2013")
    assert page.locator("#classes-span input[value='year']").is_checked()
    button = page.get_by_role("button", name="Play years")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#year-play').getAttribute('aria-pressed') === 'true'", timeout=5_000)
    assert page.get_by_role("button", name="Pause").is_visible()
    page.wait_for_function("document.querySelector(\"#classes-span input[value='all-years']\").checked", timeout=5_000)
    wait_url(page, "classes=all-years", timeout=10_000)
    wait_year(page, 2014)
    page.locator("#year-play").focus()
    page.keyboard.press("Space")  # pause
    page.wait_for_function("document.querySelector('#year-play').getAttribute('aria-pressed') === 'false'", timeout=5_000)
    paused = map_title(page)
    page.wait_for_timeout(1_500)
    assert map_title(page) == paused  # paused: no further step
    assert any("Classes from all years" in t for t in page.locator("#map .annotation").all_text_contents())  # the legend says so


def test_a_slider_year_change_is_drawn_without_a_map_payload_and_the_tooltip_follows(page, live_app, raw):
    open_app(page, live_app, "?level=2&sector=C29&year=2014")
    carried = watch_map_payloads(page)
    page.locator("#year [role=slider]").focus()
    page.keyboard.press("ArrowLeft")
    wait_year(page, 2013)
    wait_url(page, "year=2013")  # the map callback has answered: URL, PNG name, panels
    page.wait_for_timeout(300)
    assert carried == [], carried
    # the page's heading (the title as text, dashboard.page_frame) follows the year drawn in the browser
    page.wait_for_function("() => document.querySelector('#map-heading')?.textContent.trim().endsWith('2013')", timeout=5_000)
    # the tooltip of Stuttgart shows 2013's value, read from the raw file
    expected = raw.base("employment", "C29", "DE11", 2013).value
    assert math.isfinite(expected)
    index = page.evaluate(f"{PLOT}.data[0].locations.indexOf('DE11')")
    page.locator(".choroplethlayer path").nth(index).hover(force=True)
    page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5_000)
    label = page.locator("#map .hoverlayer").text_content() or ""
    assert f"{expected:,.0f} persons" in label and "Stuttgart" in label, label
    # the Graph's own figure holds the year drawn: the ranking's highlight (which redraws from it) keeps 2013
    page.locator("#ranking-body tr[data-region='DE11'] button.ranking-region").click()
    page.wait_for_function(f"{PLOT}.data[0].selectedpoints && {PLOT}.data[0].selectedpoints.length === 1", timeout=10_000)
    assert map_title(page).endswith("2013")
    assert page.evaluate(f"{PLOT}.data[0].customdata[{index}][0]") == f"{expected:,.0f}"


def test_back_and_forward_restore_the_year_on_the_map(page, live_app):
    open_app(page, live_app, "?level=2&sector=C&year=2014&classes=all-years")
    carried = watch_map_payloads(page)
    slider = page.locator("#year [role=slider]")
    for year in (2013, 2012):
        slider.focus()
        page.keyboard.press("ArrowLeft")
        wait_year(page, year)
        wait_url(page, f"year={year}")
    at_2012 = drawn(page)["fills"]
    page.go_back()
    wait_year(page, 2013)
    api = api_values(page, live_app, "level=2&sector=C&year=2013&classes=all-years")
    shown = drawn(page)
    assert [shown["colours"][api[code]["class"]] for code in shown["locations"]] and all(
        fill == rgb(shown["colours"][api[code]["class"]]) for code, fill in zip(shown["locations"], shown["fills"])
    )
    assert slider.get_attribute("aria-valuenow") == "2013"
    page.go_forward()
    wait_year(page, 2012)
    assert drawn(page)["fills"] == at_2012
    assert slider.get_attribute("aria-valuenow") == "2012"
    assert carried == [], carried


@pytest.mark.browser
@pytest.mark.parametrize(
    "other, title_part",
    [("?level=0&sector=C&year=2012", "Countries (NUTS 0) · 2012"), ("?level=2&sector=C10&year=2010", "C10 Manufacture of food products")],
    ids=["level-and-year", "sector-and-year"],
)
def test_back_to_another_level_or_sector_and_year_draws_that_view(page, live_app, other, title_part):
    """Back or forward that changes the year with another control: the map is that view, not the old one in the new year.

    Both reach the map callback (the other control, then the year the browser drew); Dash keeps only the later
    answer, which must then carry the map.
    """
    open_app(page, live_app, "?level=2&sector=C&year=2014")
    page.evaluate("q => { history.pushState(null, '', q); dispatchEvent(new PopStateEvent('popstate')); }", other)
    page.wait_for_function("part => (document.querySelector('#map .gtitle') || {}).textContent?.includes(part)", arg=title_part, timeout=30_000)
    year = other.rsplit("=", 1)[1]
    assert page.locator("#year [role=slider]").get_attribute("aria-valuenow") == year
    assert map_title(page).endswith(year)
    page.wait_for_function("part => document.querySelector('#map-heading')?.textContent.includes(part)", arg=title_part, timeout=10_000)
