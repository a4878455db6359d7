"""A sector change drawn from the view's values by URL (``GET /map/values``) before Dash's callbacks run.

The route answers what the map callback would send for a view (``dashboard.map_updates.view_values``);
``assets/map.js`` ``drawSector`` draws it on the plot, then hands the change to Dash (URL, panels).
Expected numbers come from the raw Eurostat file (``tests.raw_sbs``), decoded here by the wire format's
own rule (little-endian int32 of value × 10^decimals, the int32 minimum for no value), not by
``dashboard.payload``.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dashboard.view import PARAMETER_NAMES
from tests.test_browser import map_title, open_app, wait_url
from tests.test_years_browser import PAINTED, PLOT, watch_map_payloads

NO_VALUE = -(2**31)


def decoded(values: str | list, decimals: int) -> list[float | None]:
    """The wire format's values (``MapPayload.values``) read by its documented rule."""
    if isinstance(values, list):
        return values
    raw = base64.b64decode(values)
    numbers = struct.unpack(f"<{len(raw) // 4}i", raw)
    return [None if n == NO_VALUE else n / 10**decimals for n in numbers]


def year_values(answer: dict, year: int) -> list[float | None]:
    years = answer["values"]
    part = {**years["common"], **years["parts"][years["years"].index(year)]}
    return decoded(part["values"], part["decimals"])


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


# ---------------------------------------------------------------- the route


def test_map_values_answers_every_years_values_in_the_shapes_order_as_the_raw_file_has_them(client, raw):
    r = client.get("/map/values?level=2&sector=C29&year=2013")
    assert r.status_code == 200 and r.mimetype == "application/json"
    answer = r.get_json()
    assert answer["query"] == "level=2&sector=C29&indicator=employment&year=2013&scheme=quantiles&k=5"
    shapes = client.get(answer["shapes"])
    assert shapes.status_code == 200
    ids = [f["id"] for f in json.loads(shapes.get_data())["features"]]
    assert answer["values"]["years"] == list(range(2008, 2016)) and answer["values"]["year"] == 2013
    checked = 0
    for year in answer["values"]["years"]:
        values = year_values(answer, year)
        assert len(values) == len(ids)
        for geo in ("DE11", "FR71", "ITC4", "UKD7", "ES51"):
            cell = raw.base("employment", "C29", geo, year)
            got = values[ids.index(geo)]
            if math.isfinite(cell.value):
                assert got == cell.value, (geo, year, got, cell)
                checked += 1
            else:
                assert got is None, (geo, year, got, cell)
    assert checked >= 30


def test_a_group_and_the_mixed_map_are_answered_with_their_canonical_query(client):
    answer = client.get("/map/values?sector=J63,C26,J61&indicator=employment").get_json()
    assert answer["query"].startswith("level=mixed&sector=C26%2CJ61%2CJ63&indicator=employment")
    assert answer["shapes"].startswith("/geometry/-1.geojson?v=")


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("level=2&sector=Z99", "sector"),
        ("level=2&colour=red", "colour"),
        ("level=2&level=0", "level"),
        ("level=9", "level"),
        ("analysis=network", "analysis"),
        ("analysis=years", "analysis"),
    ],
)
def test_a_bad_view_is_a_400_naming_the_parameter_in_one_line(client, query, parameter):
    r = client.get("/map/values?" + query)
    assert r.status_code == 400 and r.mimetype == "application/json"
    body = r.get_json()
    assert body["parameter"] == parameter and "\n" not in body["error"] and body["error"], body
    assert "given" in body and ("allowed" in body or parameter == "colour"), body
    assert r.headers["Cache-Control"] == "no-store"


def test_map_values_answers_get_only(client):
    assert client.post("/map/values?level=2").status_code == 405
    assert client.head("/map/values?level=2").status_code == 200


names = st.sampled_from([*PARAMETER_NAMES, "x", "", "sector[]"])
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["C29", "2", "mixed", "lq", "2014", "all-years", "C,J"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(names, texts), max_size=4))
def test_any_query_is_answered_200_or_400_never_a_server_error(client, pairs):
    from urllib.parse import urlencode

    r = client.get("/map/values?" + urlencode(pairs))
    assert r.status_code in (200, 400), (pairs, r.status_code, r.get_data(as_text=True)[:200])


# ---------------------------------------------------------------- in Chromium


def watch_values_requests(page) -> list[str]:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/map/values?" in r.url else None)
    return asked


def count_map_updates(page) -> None:
    """Count ``Plotly.update`` calls on the map (a values payload drawn: ``assets/map.js`` drawYear)."""
    page.evaluate(
        f"""(() => {{ window.__updates = 0; const gd = {PLOT}, update = Plotly.update;
          Plotly.update = function (g) {{ if (g === gd) window.__updates += 1; return update.apply(this, arguments); }}; }})()"""
    )


def choose_by_keyboard(page, code: str) -> None:
    """Type the code in the tree's search box and press Enter: its first match is chosen."""
    page.fill("#sector-search", "")
    page.focus("#sector-search")
    page.keyboard.type(code)
    page.wait_for_function(f"document.querySelector('#sector-tree [data-code=\"{code}\"]')?.offsetParent !== null", timeout=5_000)
    page.keyboard.press("Enter")


def wait_map_sector(page, code: str, year: int) -> None:
    page.wait_for_function(
        f"([c, y]) => {{ const t = {PLOT}.layout.title?.text || ''; return t.includes(' ' + c + ' ') && t.endsWith(' · ' + y); }}",
        arg=[code, str(year)],
        timeout=10_000,
        polling=20,
    )
    page.wait_for_function(PAINTED, timeout=5_000, polling=20)


def tooltip_value(page, geo: str) -> str:
    return page.evaluate(f"g => {{ const t = {PLOT}.data[0]; return t.customdata[Array.from(t.locations).indexOf(g)][0]; }}", geo)


@pytest.mark.browser
def test_a_sector_chosen_in_the_tree_is_drawn_from_its_values_by_url_then_dash_follows(page, live_app, raw):
    open_app(page, live_app, "?level=2&sector=C&year=2013")
    asked = watch_values_requests(page)
    carried = watch_map_payloads(page)
    count_map_updates(page)
    choose_by_keyboard(page, "C29")
    wait_map_sector(page, "C29", 2013)
    assert len(asked) == 1 and re.search(r"[?&]sector=C29(&|$)", asked[0]), asked
    expected = raw.base("employment", "C29", "DE11", 2013).value
    assert tooltip_value(page, "DE11") == f"{expected:,.0f}"
    # then Dash hears it: the URL, the heading and the ranking follow, and the map callback's answer (the same view) draws nothing again
    wait_url(page, "sector=C29")
    page.wait_for_function("document.querySelector('#map-heading')?.textContent.includes('C29')", timeout=10_000)
    page.wait_for_function("document.querySelector('#ranking-caption, #ranking-body')?.textContent.length > 0", timeout=10_000)
    page.wait_for_timeout(500)
    assert len(carried) == 1, carried  # the map callback's answer came (its values held for the year slider)
    assert page.evaluate("window.__updates") == 1  # drawn once, from /map/values
    # a year change after it draws the new sector's values in that year (not the sector before's, which the store held)
    page.locator("#year [role=slider]").focus()
    page.keyboard.press("ArrowLeft")
    wait_map_sector(page, "C29", 2012)
    assert tooltip_value(page, "DE11") == f"{raw.base('employment', 'C29', 'DE11', 2012).value:,.0f}"
    wait_url(page, "year=2012")
    # two sectors in quick succession: the map ends on the second, as the URL does
    choose_by_keyboard(page, "C10")
    choose_by_keyboard(page, "C20")
    wait_map_sector(page, "C20", 2012)
    wait_url(page, "sector=C20")
    page.wait_for_timeout(800)
    assert " C20 " in map_title(page) and tooltip_value(page, "FR71") == f"{raw.base('employment', 'C20', 'FR71', 2012).value:,.0f}"
    # back, until C29 of 2012, drawn by the map callback: each step's map is the URL's sector (C10 has an entry
    # of its own only when Dash heard it before C20: Dash keeps the later of two answers on their way)
    for _ in range(2):
        page.go_back()
        page.wait_for_function("() => !location.search.includes('sector=C20')", timeout=5_000)
        sector = re.search(r"sector=(C\d+)", page.url).group(1)
        wait_map_sector(page, sector, 2012)
        if sector == "C29":
            break
    assert "sector=C29" in page.url
    assert tooltip_value(page, "DE11") == f"{raw.base('employment', 'C29', 'DE11', 2012).value:,.0f}"
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


@pytest.mark.browser
def test_when_the_values_request_fails_the_map_callback_draws_the_sector(page, live_app, raw):
    page.route("**/map/values?**", lambda route: route.fulfill(status=503, body="unavailable"))
    open_app(page, live_app, "?level=2&sector=C&year=2014")
    asked = watch_values_requests(page)
    choose_by_keyboard(page, "C29")
    wait_map_sector(page, "C29", 2014)
    wait_url(page, "sector=C29")
    assert len(asked) == 1
    assert tooltip_value(page, "DE11") == f"{raw.base('employment', 'C29', 'DE11', 2014).value:,.0f}"
    assert [e for e in page.console_errors if "503" not in e] == []


@pytest.mark.browser
def test_the_years_grid_changes_sector_through_the_map_callback_alone(page, live_app):
    """Not a plain values map (one map per year): nothing is asked by URL, the map callback sends the whole grid."""
    open_app(page, live_app, "?level=2&sector=C&analysis=years")
    asked = watch_values_requests(page)
    choose_by_keyboard(page, "C29")
    wait_url(page, "sector=C29")
    page.wait_for_function(f"{PLOT}.layout.title?.text?.includes('C29')", timeout=10_000)
    assert asked == []
    assert page.console_errors == []
