"""Sector groups in the sector picker, in Chromium: ticking codes into a group and mapping it, choosing a named group.

End to end on the real data: four codes ticked and mapped as one group (URL, title, values, the
link in a fresh page), and a shipped emerging industry chosen by keyboard. The picker's own
behaviour (what it writes into the ``sector`` store, seen as the request the callbacks receive;
named groups of two kinds, as an observatory's own file adds them) runs on synthetic groups.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.sector_tree import kind_heading
from layers import nace
from tests.conftest import ARTIFACTS, REPO, save_artifact, serving
from tests.test_accessibility import BLOCKING, axe, run_axe, summary  # noqa: F401  (axe: the fixture)
from tests.test_browser import map_title, open_app, wait_url
from tests.test_sector_tree import DIGITAL, OWN, focused_code, item, row, shown

pytestmark = pytest.mark.browser

DIGITAL_CODES = ["C26", "J61", "J62", "J63"]
SHIPPED = tomllib.loads((REPO / "layers" / "groups" / "emerging_industries.toml").read_text(encoding="utf-8"))["group"]
"""The shipped catalogue, read here from its file (not through the loader)."""
GROUP_STATE_JS = """() => ({
  checked: [...document.querySelectorAll('#sector-tree [aria-checked=true]')].map(i => i.dataset.code),
  selected: [...document.querySelectorAll('#sector-tree [aria-selected=true]')].map(i => i.dataset.code),
  status: document.getElementById('sector-group-status')?.textContent,
  listed: [...document.querySelectorAll('#sector-group li')].map(li => li.textContent),
  buttons: [...document.querySelectorAll('#sector-group button')].map(b => b.textContent),
  current: document.getElementById('sector-current')?.textContent,
  note: document.getElementById('sector-current-note')?.textContent,
})"""
PLOT_JS = """() => { const d = document.querySelector('#map .js-plotly-plot').data[0];
                     return {locations: Array.from(d.locations), z: Array.from(d.z, v => v === null ? null : Number(v))}; }"""


def wait_current(page, text: str) -> None:
    """Wait until the line above the tree names ``text`` (it follows the view the server drew)."""
    page.wait_for_function("(t) => document.getElementById('sector-current')?.textContent === t", arg=text, timeout=20_000)


def group_state(page) -> dict:
    return page.evaluate(GROUP_STATE_JS)


def sector_sent(request) -> str | None:
    """The value of the ``sector`` store in a callback request (what the server is asked to draw)."""
    body = request.post_data_json or {}
    for entry in [*(body.get("inputs") or []), *(body.get("state") or [])]:
        for one in entry if isinstance(entry, list) else [entry]:
            if one.get("id") == "sector" and one.get("property") == "data":
                return one.get("value")
    return None


def expect_sector_request(page, value: str):
    """Wait for the callback request that carries ``value`` in the sector store."""
    return page.expect_request(lambda r: "_dash-update-component" in r.url and r.method == "POST" and sector_sent(r) == value, timeout=10_000)


def open_section(page, code: str) -> None:
    if item(page, code).get_attribute("aria-expanded") != "true":
        page.locator(f"#sector-node-{code} .sector-twisty").click()


def tick_by_click(page, code: str) -> None:
    page.locator(f"#sector-node-{code} .sector-tick").click()


def tick_digital(page) -> None:
    """As a person would: C26 by a click on its box, J61-J63 by keyboard (type-ahead, Shift+Space, Down)."""
    open_section(page, "C")
    tick_by_click(page, "C26")
    assert focused_code(page) == "C26"
    page.keyboard.type("J61")
    assert focused_code(page) == "J61" and item(page, "J").get_attribute("aria-expanded") == "true"
    page.keyboard.press("Shift+Space")
    for code in ("J62", "J63"):
        page.keyboard.press("ArrowDown")
        assert focused_code(page) == code
        page.keyboard.press("Shift+Space")


def labelled(code: str) -> str:
    return nace.display_name(code)


@pytest.fixture(scope="module")
def groups_app(dashboard_data):
    """The app over the mirror's build with two synthetic named groups (the shipped catalogue is not needed for the picker)."""
    with serving(dataclasses.replace(dashboard_data, groups=(DIGITAL, OWN))) as url:
        yield url


# ---------------------------------------------------------------- a group of codes


def test_tick_codes_and_the_button_writes_the_group_into_the_store(page, live_app):
    open_app(page, live_app)
    tick_digital(page)
    state = group_state(page)
    assert state["checked"] == DIGITAL_CODES and state["selected"] == ["C"]  # ticking chooses nothing: the map is still C
    assert state["status"] == "4 codes ticked for a group."
    assert state["listed"] == [labelled(c) for c in DIGITAL_CODES]
    assert state["buttons"] == ["Map 4 codes as one group", "Clear"]
    assert "C Manufacturing" in map_title(page) and "sector=" not in page.url
    save_artifact(page, "sector_groups_ticked")
    page.locator("#sector-group").screenshot(path=str(ARTIFACTS / "sector_groups_ticked_panel.png"))
    # Tab from the tree reaches the button; Enter on it asks the server for the group, comma-joined in NACE order
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "sector-group-map"
    with expect_sector_request(page, ",".join(DIGITAL_CODES)):
        page.keyboard.press("Enter")
    assert focused_code(page) == "C26"  # focus back in the tree, on the group's first code
    assert page.console_errors == []


def test_a_code_inside_a_ticked_section_is_listed_as_already_inside_it(page, live_app):
    open_app(page, live_app)
    tick_by_click(page, "C")
    state = group_state(page)
    assert state["checked"] == ["C"] and state["status"] == "1 code ticked: tick at least one more to map them as one group."
    assert state["buttons"] == ["Clear"]  # one code is no group
    open_section(page, "C")
    tick_by_click(page, "C29")
    state = group_state(page)
    assert state["listed"] == [labelled("C"), labelled("C29") + " already inside C: counted once, as part of it"]
    assert state["buttons"] == ["Map 2 codes as one group", "Clear"]
    # a tick again unticks; Clear empties the list and leaves focus in the tree
    tick_by_click(page, "C29")
    assert group_state(page)["checked"] == ["C"]
    page.click("#sector-group-clear")
    state = group_state(page)
    assert state["checked"] == [] and state["listed"] == [] and state["status"] == "" and state["buttons"] == []
    assert focused_code(page) is not None
    # the total and headings have no box
    assert item(page, "TOTAL").get_attribute("aria-checked") is None and item(page, "S").get_attribute("aria-checked") is None
    assert page.locator("#sector-node-TOTAL .sector-tick").count() == 0
    assert page.console_errors == []


def test_enter_still_chooses_one_code_alone_and_the_ticks_stay(page, live_app):
    open_app(page, live_app)
    open_section(page, "C")
    tick_by_click(page, "C26")
    tick_by_click(page, "C29")
    # Enter on the focused C29 maps C29 alone; the ticks made by hand wait for the button
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes(' C29 ')", timeout=15_000)
    wait_url(page, "sector=C29")
    state = group_state(page)
    assert state["selected"] == ["C29"] and state["checked"] == ["C26", "C29"] and state["buttons"] == ["Map 2 codes as one group", "Clear"]
    assert page.console_errors == []


def wait_group_title(page, codes: list[str]) -> str:
    page.wait_for_function(
        "codes => { const t = document.querySelector('#map .gtitle'); return t && codes.every(c => t.textContent.includes(c)); }", arg=codes, timeout=20_000
    )
    return map_title(page)


def test_tick_four_codes_map_them_and_share_the_link(page, live_app, browser):
    """End to end (needs the server side of sector groups): the URL, the title, the values, and the same in a fresh page."""
    open_app(page, live_app)
    before = page.evaluate(PLOT_JS)
    tick_digital(page)
    page.click("#sector-group-map")
    wait_url(page, "sector=C26%2CJ61%2CJ62%2CJ63", timeout=20_000)
    assert parse_qs(urlsplit(page.url).query)["sector"] == ["C26,J61,J62,J63"]
    title = wait_group_title(page, DIGITAL_CODES)
    assert "Group of 4: C26, J61, J62, J63" in title, title
    drawn = page.evaluate(PLOT_JS)
    assert drawn["z"] != before["z"]
    state = group_state(page)
    assert state["checked"] == DIGITAL_CODES and state["selected"] == []
    assert state["current"] == "Group of 4: " + "; ".join(labelled(c) for c in DIGITAL_CODES)
    assert state["status"] == "The map shows these 4 codes as one group." and state["buttons"] == ["Clear"]
    region = drawn["locations"][next(i for i, z in enumerate(drawn["z"]) if z is not None)]
    tooltip = hover_text(page, region)
    save_artifact(page, "sector_groups_mapped")
    # the link, opened in a fresh page: the same title, the same values, the same tooltip, the four ticked
    fresh = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True).new_page()
    try:
        errors: list[str] = []
        fresh.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        fresh.goto(page.url)
        fresh.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)
        assert wait_group_title(fresh, DIGITAL_CODES) == title
        assert fresh.evaluate(PLOT_JS) == drawn
        assert hover_text(fresh, region) == tooltip
        fresh.wait_for_function("document.getElementById('sector-current')?.textContent.startsWith('Group of 4')", timeout=10_000)
        again = group_state(fresh)
        assert again["checked"] == DIGITAL_CODES and again["current"] == state["current"]
        assert item(fresh, "J").get_attribute("aria-expanded") == "true"  # the ticked codes are shown
        assert errors == []
    finally:
        fresh.context.close()
    # back: manufacturing again, and the group's ticks go with it
    page.go_back()
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes(' C ')", timeout=15_000)
    page.wait_for_function("document.getElementById('sector-current')?.textContent === 'C Manufacturing'", timeout=5_000)
    assert group_state(page)["checked"] == []
    assert page.console_errors == []


def hover_text(page, region: str) -> str:
    index = page.evaluate("r => document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf(r)", region)
    page.locator(".choroplethlayer path").nth(index).hover(force=True)
    page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5_000)
    text = page.locator("#map .hoverlayer").text_content() or ""
    page.mouse.move(1, 1)
    return text


# ---------------------------------------------------------------- named groups


def test_named_groups_sit_after_all_sectors_and_search_finds_them(page, groups_app):
    open_app(page, groups_app)
    top = page.eval_on_selector_all("#sector-tree > [role=treeitem]", "is => is.map(i => i.dataset.code)")
    assert top[:3] == ["TOTAL", "KIND-0", "KIND-1"] and top[3] == "B"
    heading = page.text_content("#sector-node-KIND-0") or ""
    assert heading.strip() == "Emerging industries (approximations at the data's NACE level)" == kind_heading(DIGITAL.kind, [DIGITAL])
    assert (page.text_content("#sector-node-KIND-1") or "").strip() == "Cluster categories"
    assert item(page, "KIND-0").get_attribute("aria-selected") is None  # a heading, no choice
    # search by name
    page.fill("#sector-search", "digital")
    page.wait_for_function("document.getElementById('sector-search-status')?.textContent.includes('match')", timeout=5_000)
    assert "digital-test" in shown(page) and "transport-test" not in shown(page)
    assert page.text_content("#sector-search-status") == "1 sector matches"
    # and by id
    page.fill("#sector-search", "transport-test")
    page.wait_for_function("document.getElementById('sector-search-status')?.textContent === '1 sector matches'", timeout=5_000)
    assert "transport-test" in shown(page) and "digital-test" not in shown(page)
    # a group's row shows its members; its description (and title) is its note
    members = page.text_content("#sector-node-transport-test .sector-members")
    assert members == "C29, C30"
    assert page.get_attribute("#sector-node-transport-test", "title") == OWN.note
    described = page.evaluate(
        "() => document.getElementById(document.querySelector('[data-code=\"transport-test\"]').getAttribute('aria-describedby')).textContent"
    )
    assert described == OWN.note
    assert page.console_errors == []


def test_choosing_a_named_group_writes_its_id_into_the_store(page, groups_app):
    open_app(page, groups_app)
    page.locator("#sector-node-KIND-0 .sector-twisty").click()
    with expect_sector_request(page, DIGITAL.id):
        row(page, DIGITAL.id).click()
    wait_current(page, DIGITAL.name)  # the line names what the map shows: after the server's answer
    state = group_state(page)
    assert state["selected"] == [DIGITAL.id] and state["checked"] == []
    assert state["current"] == DIGITAL.name and state["note"] == DIGITAL.note
    save_artifact(page, "sector_groups_named")
    # by keyboard: Enter in the search box chooses the first match, the other group
    page.fill("#sector-search", "transport")
    with expect_sector_request(page, OWN.id):
        page.press("#sector-search", "Enter")
    wait_current(page, OWN.name)
    assert page.console_errors == []


def test_the_shipped_emerging_industries_are_in_the_tree_and_one_is_mapped_by_keyboard(page, live_app):
    """End to end on the shipped catalogue: the ten groups as the TOML file lists them; one chosen by keyboard puts its id in the URL."""
    open_app(page, live_app)
    top = page.eval_on_selector_all("#sector-tree > [role=treeitem]", "is => is.map(i => i.dataset.code)")
    assert top[:3] == ["TOTAL", "KIND-0", "B"]  # one kind: the emerging industries
    assert (page.text_content("#sector-node-KIND-0") or "").strip() == "Emerging industries (approximations at the data's NACE level)"
    listed = page.eval_on_selector_all(
        "#sector-tree [data-code='KIND-0'] > [role=group] > [role=treeitem]",
        "is => is.map(i => [i.dataset.code, i.querySelector('.sector-text').textContent, i.querySelector('.sector-members').textContent])",
    )
    assert listed == [[g["id"], g["name"], ", ".join(g["members"])] for g in SHIPPED] and len(listed) == 10
    # keyboard: into the tree, Home, Down to the heading, Right opens it, Right to its first group, type-ahead, Enter
    page.focus("#sector-search")
    page.keyboard.press("Tab")
    for key in ("Home", "ArrowDown", "ArrowRight", "ArrowRight"):
        page.keyboard.press(key)
    assert focused_code(page) == SHIPPED[0]["id"]
    page.keyboard.type("dig")
    assert focused_code(page) == "digital-industries"
    page.keyboard.press("Enter")
    wait_url(page, "sector=digital-industries", timeout=20_000)
    assert re.search(r"[?&]sector=digital-industries(&|$)", page.url), page.url
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('Digital industries')", timeout=15_000)
    state = group_state(page)
    assert state["selected"] == ["digital-industries"] and state["current"] == "Digital industries"
    assert state["note"].startswith("Approximation at the data's NACE level: C26, J61, J62, J63.")
    title = map_title(page)
    # the link opens on the group: chosen in the tree, its heading open, the same title
    page.goto(page.url)
    page.wait_for_function("document.getElementById('sector-current')?.textContent === 'Digital industries'", timeout=15_000)
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('Digital industries')", timeout=15_000)
    assert map_title(page) == title
    assert item(page, "digital-industries").get_attribute("aria-selected") == "true" and item(page, "KIND-0").get_attribute("aria-expanded") == "true"
    assert group_state(page)["note"] == state["note"]
    assert page.console_errors == []


def test_ticks_and_named_groups_have_no_serious_wcag_violations(page, groups_app, axe):  # noqa: F811  (the axe fixture)
    open_app(page, groups_app)
    page.locator("#sector-node-KIND-0 .sector-twisty").click()
    open_section(page, "C")
    tick_by_click(page, "C")
    tick_by_click(page, "C26")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+Space")
    assert len(group_state(page)["checked"]) == 3
    violations = run_axe(page, axe, groups_app)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core WCAG 2.1 AA, ticked codes and named groups: {len(blocking)} serious/critical rules\n{summary(blocking)}"
    # the focused item is announced as a checked tree item, by its code and label
    node = page.evaluate("() => { const e = document.activeElement; return [e.getAttribute('role'), e.getAttribute('aria-checked'), e.dataset.code]; }")
    assert node == ["treeitem", "true", "C27"]
    assert page.console_errors == []
