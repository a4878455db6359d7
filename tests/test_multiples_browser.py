"""One map per year (``analysis=years``) in Debian's Chromium: the page, back and forward, the embed, the PNG and the CLI.

Expected values are ``/api/v1/values`` of each single year (itself tested against the raw file,
``tests/test_raw_values.py``); the PNG is read by ``tests.test_export_png``'s own decoder.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter

import pytest

from tests.conftest import save_artifact
from tests.test_export_png import pixels, read_png, renders

pytestmark = pytest.mark.browser

QUERY = "level=2&sector=C29&indicator=employment&analysis=years"
YEARS = list(range(2008, 2016))
REGIONS = 314
"""NUTS 2 shapes: each year's map draws all of them."""


def api(live_app: str, query: str) -> dict:
    with urllib.request.urlopen(f"{live_app}/api/v1/values?{query}") as response:
        return json.loads(response.read())


def wait_maps(page, maps: int, timeout: int = 30_000) -> None:
    page.wait_for_function(f"document.querySelectorAll('#map .choroplethlayer path').length === {maps * REGIONS}", timeout=timeout)


def year_titles(page) -> list[str]:
    return [t for t in page.eval_on_selector_all("#map .annotation-text", "els => els.map(e => e.textContent)") if t.isdigit()]


def hover_text(page, year_index: int, region_index: int) -> str:
    """The tooltip of a region on one year's map: the choropleths' paths come trace by trace, each in its locations' order."""
    page.mouse.move(1, 1)
    page.locator("#map .choroplethlayer path").nth(year_index * REGIONS + region_index).hover(force=True)
    page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5_000)
    return page.locator("#map .hoverlayer").text_content() or ""


def test_page_shows_eight_maps_one_legend_and_each_years_values(page, live_app):
    page.goto(f"{live_app}/?{QUERY}")
    wait_maps(page, 8)
    assert year_titles(page) == [str(y) for y in YEARS]
    assert page.locator("#map .colorbar").count() == 1
    assert "one map per year" in (page.text_content("#map .gtitle") or "")
    assert page.locator("#year-note").is_visible() and "year control is off" in page.text_content("#year-note")
    assert (
        page.locator("#year [role=slider]").first.get_attribute("data-disabled") is not None
        or page.locator("#year .rc-slider-disabled, #year [data-disabled]").count() > 0
    )
    assert "all years' values" in (page.locator("#map .annotation-text").nth(1).text_content() or "")  # classes: all years, said in the note
    locations = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations")
    index = locations.index("DE11")
    for year in (2009, 2013):
        expected = next(r for r in api(live_app, f"level=2&sector=C29&indicator=employment&year={year}")["regions"] if r["nuts_id"] == "DE11")
        text = hover_text(page, YEARS.index(year), index)
        assert "Stuttgart" in text and f"· {year}" in text, text
        assert f"{expected['value']:,.0f} persons" in text, (year, text)
        assert f"rank {expected['rank']} of " in text, (year, text)
    save_artifact(page, "years_C29_nuts2")
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


def test_one_class_one_colour_in_every_map(page, live_app):
    page.goto(f"{live_app}/?{QUERY}")
    wait_maps(page, 8)
    page.wait_for_timeout(300)
    fills = page.eval_on_selector_all("#map .choroplethlayer path", "ps => ps.map(p => getComputedStyle(p).fill)")
    body = api(live_app, QUERY)
    colours: dict[int, set[str]] = {}
    years_of: dict[int, set[int]] = {}
    for i, block in enumerate(body["years"]):
        for j, region in enumerate(block["regions"]):
            colours.setdefault(region["class"], set()).add(fills[i * REGIONS + j])
            years_of.setdefault(region["class"], set()).add(block["year"])
    assert all(len(c) == 1 for c in colours.values()), colours  # one class, one colour, whichever the year
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)  # and a colour per class
    assert all(len(years_of[c]) >= 6 for c in range(2, 7))  # every value class is drawn in most years


def test_choosing_years_and_back_and_forward(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C29&indicator=employment&year=2012")
    wait_maps(page, 1)
    page.get_by_label("All years, one map each").check()
    wait_maps(page, 8)
    page.wait_for_function("window.location.search.includes('analysis=years')", timeout=5_000)
    assert year_titles(page) == [str(y) for y in YEARS]
    page.go_back()
    wait_maps(page, 1)
    assert "2012" in (page.text_content("#map .gtitle") or "") and page.locator("#year-note").is_hidden()
    page.go_forward()
    wait_maps(page, 8)
    assert page.locator("#map .colorbar").count() == 1 and page.locator("#year-note").is_visible()
    assert page.console_errors == []


def test_a_phone_gets_two_maps_a_row(browser, live_app):
    context = browser.new_context(viewport={"width": 420, "height": 860}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_app}/?{QUERY}")
    wait_maps(page, 8)
    page.wait_for_function("document.querySelector('#map .js-plotly-plot').layout.meta.grid === 'tall'", timeout=10_000)
    boxes = [page.locator(f"#map .geolayer > g:nth-child({i})").bounding_box() for i in (1, 2, 3)]
    assert boxes[0] and boxes[1] and boxes[2]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[2]["y"] > boxes[0]["y"] + boxes[0]["height"] / 2  # 2008, 2009 side by side; 2010 below
    page.locator("#map").screenshot(path=str(save_artifact(page, "years_phone").with_name("years_phone_map.png")))
    context.close()


def test_embed_shows_every_year(page, live_app):
    page.goto(f"{live_app}/embed?{QUERY}")
    wait_maps(page, 8)
    assert year_titles(page) == [str(y) for y in YEARS]
    assert page.locator("#map .colorbar").count() == 1
    assert page.get_by_text("© EuroGeographics for the administrative boundaries").count() > 0
    assert [u for u in page.requests if "/geometry/" in u] and [u for u in page.requests if not u.startswith(live_app)] == []


@renders
@pytest.mark.parametrize(("width", "height"), [(1200, 800), (800, 1200)])
def test_png_is_one_image_of_every_year_with_one_legend(live_app, width, height):
    with urllib.request.urlopen(f"{live_app}/export.png?{QUERY}&width={width}&height={height}") as response:
        assert response.headers["Content-Type"] == "image/png"
        assert "persons_employed_C29_NUTS2_all_years.png" in response.headers["Content-Disposition"]
        info = read_png(response.read())
    assert (info["width"], info["height"]) == (width, height)
    colours = Counter(p for row in pixels(info) for p in row)
    assert len(colours) > 50, len(colours)  # eight maps in seven classes, anti-aliased edges: never blank
    assert colours.most_common(1)[0][1] < 0.9 * width * height
    text = info["text"]
    assert "2008–2015, one map per year" in text["Title"]
    assert "Source: Eurostat" in text["Source"] and "© EuroGeographics for the administrative boundaries" in text["Source"]
    assert all(str(y) in text["Source"] for y in YEARS)  # each map's year title is in the figure's annotations
    assert text["Description"].startswith("Legend (bottom to top):\nno data\nconfidential")


@renders
def test_cli_export_writes_one_png_of_all_years(built, mirror, tmp_path, monkeypatch, capsys):
    from dashboard import cli

    data_dir, _ = built
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(data_dir))
    out = tmp_path / "pngs"
    assert cli.main(["export", "--out", str(out), "--analysis", "years", "--level", "2", "--sector", "C29", "--width", "1200", "--height", "800"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["persons_employed_C29_NUTS2_all_years.png"]
    info = read_png((out / names[0]).read_bytes())
    assert (info["width"], info["height"]) == (1200, 800) and "view: " in info["text"]["Comment"] and "analysis=years" in info["text"]["Comment"]
