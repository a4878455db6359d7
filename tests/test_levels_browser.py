"""The level control, the map and the address bar agree on the level, for every level x indicator family.

Statistics indicators have NUTS 0, 1, 2 and mixed; the organisation indicators (the seeded
SYNTHETIC sample of ``tests/test_points_layer.py``) have NUTS 0-3 and mixed (NUTS 3 everywhere).
What the map draws is read from the figure in the browser: the URL of its shapes and their number.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from dashboard.data import MIXED
from dashboard.view import LEVEL_WORDS
from tests import test_points_layer
from tests.test_browser import choose_option

points_data, points_app, points_page = test_points_layer.points_data, test_points_layer.points_app, test_points_layer.points_page

FAMILIES = {"statistics": ("employment", "Persons employed"), "organisations": ("org_count", "Organisations in the records")}
STATISTICS_LEVELS = {"mixed", "0", "1", "2"}
ORGANISATION_LEVELS = {"mixed", "0", "1", "2", "3"}
"""Written here, not read from the code: what each family offers."""
STATE = """() => {
    const gd = document.querySelector('#map .js-plotly-plot');
    const checked = document.querySelector('#level input:checked');
    const trace = gd && gd.data && gd.data[0];
    return {radio: checked ? checked.value : null, shapes: trace ? String(trace.geojson) : null,
            drawn: trace && trace.locations ? trace.locations.length : 0, search: window.location.search,
            disabled: [...document.querySelectorAll('#level input')].filter((i) => i.disabled).map((i) => i.value)};
}"""


def query_level(level: str) -> int:
    """A query's level as the control holds it (mixed is -1)."""
    return MIXED if level == "mixed" else int(level)


def expected_shapes(data, indicator: str, level: str) -> tuple[str, int]:
    """The shapes' file and count a view must be drawn on: from the data's geometry, by the family's rule written here."""
    if indicator == "org_count":
        geometry = data.point_geometry[3 if level == "mixed" else int(level)]
        key = f"2024-{3 if level == 'mixed' else level}"
    else:
        geometry = data.geometry[query_level(level)]
        key = str(query_level(level))
    return f"/geometry/{key}.geojson?v=", len(geometry.ids)


def agreed(page, data, indicator: str, level: str) -> dict:
    """Wait until the radio, the map and the address bar all say ``level``; return what the page shows."""
    shapes, count = expected_shapes(data, indicator, level)
    radio = str(query_level(level))
    condition = f"""(() => {{ const s = ({STATE})();
        return s.radio === {json.dumps(radio)} && s.shapes.startsWith({json.dumps(shapes)}) && s.drawn === {count}
            && new URLSearchParams(s.search).get('level') === {json.dumps(level)}; }})()"""
    try:
        page.wait_for_function(condition, timeout=30_000)
    except Exception:
        raise AssertionError(f"{indicator} at level {level}: the page shows {page.evaluate(STATE)}") from None
    state = page.evaluate(STATE)
    assert parse_qs(urlparse(page.url).query)["indicator"] == [indicator]
    return state


@pytest.mark.browser
@pytest.mark.parametrize("family", FAMILIES)
def test_every_level_of_the_family_agrees_on_radio_map_and_url(points_page, points_app, points_data, family):
    indicator, _ = FAMILIES[family]
    offered = ORGANISATION_LEVELS if family == "organisations" else STATISTICS_LEVELS
    page = points_page
    page.goto(f"{points_app}/?level=2&sector=C&indicator={indicator}")
    state = agreed(page, points_data, indicator, "2")
    # the indicator's levels are offered; the others (NUTS 3 for the statistics) are there but disabled
    assert set(state["disabled"]) == ({"3"} if family == "statistics" else set())
    for level in ["0", "1", "mixed", "2", "3"]:
        box = page.locator(f"#level input[value='{query_level(level)}']")
        if level not in offered:
            expect(box).to_be_disabled()
            continue
        page.get_by_label(LEVEL_WORDS["mixed" if level == "mixed" else int(level)], exact=True).check()
        agreed(page, points_data, indicator, level)
    # a link opens each offered level the same way
    for level in sorted(offered):
        page.goto(f"{points_app}/?level={level}&sector=C&indicator={indicator}")
        agreed(page, points_data, indicator, level)
        expect(page.locator("#view-notice")).to_be_hidden()


@pytest.mark.browser
def test_switching_from_a_nuts3_organisation_map_to_statistics_moves_the_level(points_page, points_app, points_data):
    page = points_page
    page.goto(f"{points_app}/?level=3&sector=C&indicator=org_count")
    agreed(page, points_data, "org_count", "3")
    choose_option(page, "indicator", FAMILIES["statistics"][1])
    state = agreed(page, points_data, "employment", "mixed")  # the level's default: every statistics map has it
    assert state["disabled"] == ["3"]
    expect(page.locator("#input-notice")).to_be_hidden()  # nothing refused on the way
    # and back: NUTS 3 is offered again
    choose_option(page, "indicator", FAMILIES["organisations"][1])
    state = agreed(page, points_data, "org_count", "mixed")
    assert state["disabled"] == []
    page.get_by_label(LEVEL_WORDS[3], exact=True).check()
    agreed(page, points_data, "org_count", "3")


@pytest.mark.browser
def test_a_link_to_nuts3_statistics_says_so_and_shows_a_level_all_agree_on(points_page, points_app, points_data):
    page = points_page
    page.goto(f"{points_app}/?level=3&indicator=employment&sector=C")
    notice = page.locator("#view-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("level=3")
    agreed(page, points_data, "employment", "mixed")
    # the next change leaves the notice behind and keeps the three in step
    page.get_by_label(LEVEL_WORDS[1], exact=True).check()
    agreed(page, points_data, "employment", "1")
    expect(notice).to_be_hidden()
