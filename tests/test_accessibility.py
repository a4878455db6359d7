"""Accessibility of the dashboard and the embed page, in headless Debian Chromium.

Three kinds of check, each as a person relying on them would meet the page:

* axe-core (bundled by ``axe-playwright-python`` and injected from the installed
  package file, nothing fetched) with the WCAG 2.1 A/AA rules: no violation of
  impact serious or critical on ``/?level=2``, ``/`` (the mixed default), the
  sector tree searched and opened, and ``/embed?level=1``.
* The keyboard alone: Tab from the top of the page reaches every control; a
  sector is chosen in the sector tree with the arrow keys, type-ahead, Enter or
  Space, or from its search box; the year slider moves with the arrow keys; each
  control that takes focus is announced with its visible label.
* The map's text alternative: the ranking table (``#ranking``) holds one row per
  map region, with the map's values and ranks.

Failures print what a developer needs: rule id, impact, target selectors and a
short help text; or the focus sequence the Tab walk recorded.
"""

from __future__ import annotations

import re

import pytest

from tests.test_browser import map_title, open_app, wait_url

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
MAX_TABS = 60
"""Tab presses allowed to walk from the top of the page to the Embed button (the sidebar comes first)."""

# control -> how the focused element is recognised (closest element with an id, and what it must be)
TAB_TARGETS = {
    "region search": "region-search",
    "level radios": "level",
    "sector search": "sector-search",
    "sector tree": "sector-tree",
    "indicator dropdown": "indicator",
    "year slider": "year",
    "class scheme": "scheme",
    "number of classes": "classes",
    "palette": "palette",
    "CSV link": "csv-link",
    "Embed button": "embed-button",
}
VISIBLE_LABELS = {
    "region-search": "Find a region",
    "sector-search": "Sector",
    "indicator": "Indicator",
    "year": "Year",
    "scheme": "Scheme",
    "classes": "Number of classes",
    "palette": "Palette",
    "csv-link": "Download CSV",
    "embed-button": "Embed",
}
"""The visible label of each control; a screen reader must announce it (WCAG 2.5.3 label in name, 4.1.2)."""

FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const control = e.closest('[id]');
  return {
    tag: e.tagName.toLowerCase(), id: e.id || null, role: e.getAttribute('role'),
    ariaLabel: e.getAttribute('aria-label'), control: control ? control.id : null,
    text: (e.textContent || '').trim().slice(0, 40), valueNow: e.getAttribute('aria-valuenow'),
  };
}"""
TREE_STATE_JS = """() => {
  const active = document.activeElement;
  const item = active && active.closest('#sector-tree [role=treeitem]');
  return {
    focused: active ? (active.getAttribute('data-code') || active.id || active.tagName) : null,
    expanded: [...document.querySelectorAll('#sector-tree [aria-expanded=true]')].map(i => i.getAttribute('data-code')),
    selected: [...document.querySelectorAll('#sector-tree [aria-selected=true]')].map(i => i.getAttribute('data-code')),
    tabStops: [...document.querySelectorAll('#sector-tree [tabindex="0"]')].map(i => i.getAttribute('data-code')),
    search: (document.getElementById('sector-search') || {}).value,
    inTree: !!item,
  };
}"""


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def axe():
    """axe-playwright-python's runner; its axe.min.js is read from the installed package."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:  # a skip locally; under CI=true conftest makes every skip a failure
        pytest.skip("axe-playwright-python is missing: pip install -e '.[test]' (or pip install axe-playwright-python)")
    return Axe()


def run_axe(page, axe, live_app: str) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now; checks that axe came from disk."""
    from axe_playwright_python.base import AXE_FILE_PATH

    assert AXE_FILE_PATH.is_file(), AXE_FILE_PATH
    before = len(page.requests)
    results = axe.run(page, options=AXE_OPTIONS).response
    # the script was evaluated from the package's file: no request of any kind, and the bundled version ran
    assert page.requests[before:] == [], f"running axe made requests: {page.requests[before:]}"
    bundled = re.search(r"axe v(\d+\.\d+\.\d+)", AXE_FILE_PATH.read_text(encoding="utf-8")[:200])
    assert bundled and results["testEngine"]["version"] == bundled.group(1), results["testEngine"]
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    return results["violations"]


def summary(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({len(v['nodes'])} elements)")
        for node in v["nodes"][:6]:
            target = " ".join(" >>> ".join(t) if isinstance(t, list) else t for t in node["target"])
            lines.append(f"    {target}")
        if len(v["nodes"]) > 6:
            lines.append(f"    ... and {len(v['nodes']) - 6} more")
    return "\n".join(lines)


def wait_for_ranking(page) -> None:
    """The ranking table is filled for the map on the page (same level, same number of regions)."""
    page.wait_for_function(
        """() => {
          const plot = document.querySelector('#map .js-plotly-plot');
          const rows = document.querySelectorAll('#ranking tbody tr[data-region]').length;
          return plot && plot.data && plot.data[0] && rows > 0 && rows === plot.data[0].locations.length;
        }""",
        timeout=20_000,
    )


def accessible_name(page, expression: str = "document.activeElement") -> dict:
    """Chromium's computed role and accessible name of the focused element (what a screen reader announces)."""
    cdp = page.context.new_cdp_session(page)
    try:
        handle = cdp.send("Runtime.evaluate", {"expression": expression})
        node = cdp.send("DOM.describeNode", {"objectId": handle["result"]["objectId"]})
        tree = cdp.send("Accessibility.getPartialAXTree", {"backendNodeId": node["node"]["backendNodeId"], "fetchRelatives": False})
        ax = tree["nodes"][0]
        return {"axRole": (ax.get("role") or {}).get("value"), "axName": (ax.get("name") or {}).get("value", "")}
    finally:
        cdp.detach()


def tab_walk(page, stop_at: str = "embed-button") -> list[dict]:
    """Press Tab from the top of the page until ``stop_at`` has focus (or ``MAX_TABS``); the focus after each press."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.locator("h1").click()  # a person clicks on the page's heading, then tabs from there
    stops = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is not None:
            focused.update(accessible_name(page))
        stops.append(focused)
        if focused and stop_at in (focused["id"], focused["control"]):
            break
    return stops


def describe(stops: list[dict | None]) -> str:
    out = []
    for i, s in enumerate(stops, 1):
        if s is None:
            out.append(f"{i:2d}. (body)")
        else:
            out.append(
                f"{i:2d}. <{s['tag']}> id={s['id']} in #{s['control']} role={s['role']} announced={s.get('axRole')}/{s.get('axName')!r} aria-label={s['ariaLabel']!r} {s['text']!r}"
            )
    return "\n".join(out)


def reached(stop: dict | None, control_id: str) -> bool:
    if stop is None:
        return False
    if control_id in ("year", "classes"):
        return stop["control"] == control_id and "slider" in (stop["role"], stop.get("axRole"))
    if control_id == "level":
        return stop["control"] == control_id and stop["tag"] == "input"
    if control_id == "sector-tree":
        return stop["control"] == control_id and stop["role"] == "treeitem"
    return stop["id"] == control_id


def focus_by_tab(page, control_id: str) -> dict:
    """Tab from the top until the control has focus; fail with the walk when it never does."""
    stops = tab_walk(page, stop_at=control_id)
    hit = [s for s in stops if reached(s, control_id)]
    assert hit, f"#{control_id} never received focus by Tab:\n{describe(stops)}"
    return hit[0]


def sector_text(page) -> str:
    """The line above the sector tree that names the current choice."""
    return (page.text_content("#sector-current") or "").strip()


# ---------------------------------------------------------------- axe-core


@pytest.mark.parametrize(
    "path, state",
    [
        ("/?level=2", "loaded"),
        ("/", "loaded"),
        ("/?level=2", "sector tree searched"),
        ("/embed?level=1", "loaded"),
        ("/?level=2&sector=C&year=2012&region=DE11&compare=DE11,FR71,ITC4", "loaded"),
    ],
    ids=["nuts2", "default", "nuts2-sector-tree-searched", "embed-nuts1", "region-trend-similar-and-compare"],
)
def test_no_serious_or_critical_wcag21_violations(page, live_app, axe, path, state):
    if path.startswith("/embed"):
        page.goto(live_app + path)
        page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)
    else:
        open_app(page, live_app, path.lstrip("/"))
        wait_for_ranking(page)
    if "compare=" in path:  # the Region tab's trend and similar regions, and the comparison (dashboard/compare_panel)
        page.wait_for_selector("#region-similar tbody tr", state="attached", timeout=15_000)
        page.wait_for_selector("#compare-table tbody tr", timeout=15_000)  # the link opens the Compare tab
        page.click("#tab-region")  # the Region tab's trend and similar regions, checked too
        page.wait_for_selector("#region-similar tbody tr", timeout=15_000)
        region_tab = [v for v in run_axe(page, axe, live_app) if v["impact"] in BLOCKING]
        assert not region_tab, f"axe-core WCAG 2.1 AA, {path} (Region tab): {len(region_tab)} serious/critical rules\n{summary(region_tab)}"
        page.click("#tab-compare")
        page.wait_for_selector("#compare-table tbody tr", timeout=15_000)
    if state == "sector tree searched":
        page.fill("#sector-search", "motor")  # sections open, matches marked, the status says how many
        page.wait_for_function("document.getElementById('sector-search-status')?.textContent.includes('match')", timeout=5_000)
        page.keyboard.press("ArrowDown")  # focus in the tree, on the first match
        page.wait_for_function("document.activeElement.getAttribute('role') === 'treeitem'", timeout=5_000)
    violations = run_axe(page, axe, live_app)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core WCAG 2.1 AA, {path} ({state}): {len(blocking)} serious/critical rules\n{summary(blocking)}"
    assert page.console_errors == []


# ---------------------------------------------------------------- keyboard


def test_every_control_is_reachable_by_tab(page, live_app):
    open_app(page, live_app)
    wait_for_ranking(page)
    stops = tab_walk(page)
    missing = [name for name, control_id in TAB_TARGETS.items() if not any(reached(s, control_id) for s in stops)]
    assert missing == [], f"not reached by Tab: {missing}\nfocus sequence:\n{describe(stops)}"
    # focus never fell back to the page itself or onto something hidden from assistive technology
    lost = [i + 1 for i, s in enumerate(stops) if s is None]
    assert lost == [], f"Tab presses {lost} left focus on <body>:\n{describe(stops)}"


def test_focused_controls_are_announced_with_their_label(page, live_app):
    open_app(page, live_app)
    wait_for_ranking(page)
    stops = tab_walk(page)
    wrong = []
    for control_id, label in VISIBLE_LABELS.items():
        stop = next((s for s in stops if reached(s, control_id)), None)
        if stop is None:
            wrong.append(f"#{control_id}: never focused")
        elif label.lower() not in (stop.get("axName") or "").lower():
            wrong.append(f"#{control_id}: announced as {stop.get('axRole')} {stop.get('axName')!r}, its visible label is {label!r}")
    level = next((s for s in stops if reached(s, "level")), None)
    if level is None or not level.get("axName"):
        wrong.append(f"#level: the focused radio has no name ({level})")
    # the sector tree: the focused item is announced as a tree item with its own code and label
    # (not its children's), inside a tree named by the control's visible label
    item = next((s for s in stops if reached(s, "sector-tree")), None)
    if item is None or (item.get("axRole"), item.get("axName")) != ("treeitem", "C Manufacturing"):
        wrong.append(f"#sector-tree: the focused item is announced as {item and item.get('axRole')} {item and item.get('axName')!r}")
    tree = accessible_name(page, "document.getElementById('sector-tree')")
    if tree["axRole"] != "tree" or "sector" not in tree["axName"].lower():
        wrong.append(f"#sector-tree: announced as {tree}, its visible label is 'Sector (NACE Rev. 2)'")
    assert wrong == [], "\n".join(wrong) + f"\nfocus sequence:\n{describe(stops)}"


SECTOR_WAYS = {
    # name: (where focus starts, keys, the sector that must be chosen)
    "tree: type-ahead C29, Enter": ("sector-tree", ["C", "2", "9", "Enter"], "C29"),
    "tree: Right opens C, Right, Down, Space": ("sector-tree", ["ArrowRight", "ArrowRight", "ArrowDown", " "], "C11"),
    "tree: Down, Enter": ("sector-tree", ["ArrowDown", "Enter"], "D"),
    "tree: Home to All sectors, Enter": ("sector-tree", ["Home", "Enter"], "TOTAL"),
    "search: type motor, Down, Enter": ("sector-search", [*"motor", "ArrowDown", "Enter"], "C29"),
    "search: type J62, Enter": ("sector-search", [*"J62", "Enter"], "J62"),
}


@pytest.mark.parametrize("way", list(SECTOR_WAYS), ids=["type-ahead", "arrows-space", "down-enter", "home-total", "search-down", "search-enter"])
def test_sector_tree_works_with_the_keyboard_alone(page, live_app, way):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    start, keys, code = SECTOR_WAYS[way]
    open_app(page, live_app)
    wait_for_ranking(page)
    focus_by_tab(page, start)
    before = sector_text(page)
    assert before == "C Manufacturing", before
    steps = []
    for key in keys:
        page.keyboard.press(key)
        page.wait_for_timeout(60 if len(key) == 1 and key != " " else 200)  # type-ahead wants the characters close together
        steps.append((key, page.evaluate(TREE_STATE_JS)))
    try:
        page.wait_for_function("code => new URLSearchParams(location.search).get('sector') === code", arg=code, timeout=10_000)
        page.wait_for_function(
            "code => document.querySelector('#map .gtitle')?.textContent.includes(code === 'TOTAL' ? 'All sectors' : ' ' + code + ' ')",
            arg=code,
            timeout=10_000,
        )
    except PlaywrightTimeout:
        pytest.fail(
            f"{way}: 10 s after the keys the URL and the map title do not show {code}: URL {page.url}, "
            f"title {map_title(page)!r}, tree {page.evaluate(TREE_STATE_JS)}; steps: {steps}"
        )
    state = page.evaluate(TREE_STATE_JS)
    wait_url(page, f"sector={code}")
    assert f"sector={code}" in page.url, f"{way}: the URL is {page.url}; steps: {steps}"
    assert state["selected"] == [code], f"{way}: the tree marks {state['selected']} as chosen; steps: {steps}"
    after = sector_text(page)
    assert after != before and (after.split()[0] == code or (code == "TOTAL" and after.startswith("All sectors"))), after
    assert (code if code != "TOTAL" else "All sectors") in map_title(page), map_title(page)
    # focus stayed where the person was (the item or the search box), and the tree keeps one tab stop
    assert state["focused"] == (code if start == "sector-tree" or "Down" in way else "sector-search"), steps
    assert len(state["tabStops"]) == 1, state


def test_year_slider_moves_with_arrow_keys(page, live_app):
    open_app(page, live_app)
    thumb = focus_by_tab(page, "year")
    start = int(thumb["valueNow"])
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("y => document.querySelector('#map .gtitle')?.textContent.endsWith(String(y))", arg=start - 1, timeout=10_000)
    assert page.evaluate("document.activeElement.getAttribute('aria-valuenow')") == str(start - 1)
    wait_url(page, f"year={start - 1}")
    assert f"year={start - 1}" in page.url, page.url
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("y => document.querySelector('#map .gtitle')?.textContent.endsWith(String(y))", arg=start + 1, timeout=10_000)
    assert page.evaluate("document.activeElement.getAttribute('aria-valuenow')") == str(start + 1)
    wait_url(page, f"year={start + 1}")
    assert f"year={start + 1}" in page.url, page.url
    assert page.evaluate(FOCUSED_JS)["control"] == "year"  # focus stayed on the thumb while the map redrew


def test_level_radios_and_embed_button_work_with_the_keyboard(page, live_app):
    open_app(page, live_app)
    focus_by_tab(page, "level")
    assert page.evaluate("document.activeElement.value") == "2"
    page.keyboard.press("ArrowUp")
    page.wait_for_function("() => document.querySelector('#map .gtitle')?.textContent.includes('NUTS 1 regions')", timeout=10_000)
    wait_url(page, "level=1")
    assert "level=1" in page.url, page.url
    # the Embed button opens its snippet with Enter and says so
    page.focus("#embed-button")
    page.keyboard.press("Enter")
    page.locator("#embed-snippet").wait_for(state="visible", timeout=5_000)
    assert page.get_attribute("#embed-button", "aria-expanded") == "true"


# ---------------------------------------------------------------- text alternative


@pytest.mark.parametrize("query", ["?level=2", ""], ids=["nuts2", "default"])
def test_ranking_table_is_the_maps_text_alternative(page, live_app, query):
    open_app(page, live_app, query)
    wait_for_ranking(page)
    found = page.evaluate(
        """() => {
          const trace = document.querySelector('#map .js-plotly-plot').data[0];
          const panel = document.querySelector('#ranking');
          const table = panel.querySelector('table');
          const rows = [...table.querySelectorAll('tbody tr[data-region]')].map(tr => ({
            code: tr.getAttribute('data-region'),
            rank: tr.querySelector('.ranking-col-rank').textContent,
            value: tr.querySelector('.ranking-col-value').textContent,
          }));
          return {
            locations: trace.locations, customdata: trace.customdata, rows: rows,
            caption: (table.querySelector('caption') || {}).textContent || '',
            region: table.closest('[role=region]') ? table.closest('[role=region]').getAttribute('aria-labelledby') : null,
            headers: [...table.querySelectorAll('thead th[scope=col]')].map(th => th.textContent),
          };
        }"""
    )
    locations, rows = found["locations"], found["rows"]
    assert len(rows) == len(locations), f"{len(rows)} table rows for {len(locations)} map regions"
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == len(codes), "a region appears twice in the table"
    assert set(codes) == set(locations), (set(locations) - set(codes), set(codes) - set(locations))
    # each row says what the map's tooltip says: the shown value and the rank
    by_code = {r["code"]: r for r in rows}
    differ = []
    for code, (shown, rank, _note) in zip(locations, found["customdata"]):
        row = by_code[code]
        if rank:  # a value on the map
            if not row["value"].startswith(f"{shown} ") or f"rank {row['rank']} of" not in rank:
                differ.append((code, shown, rank, row))
        elif row["rank"]:
            differ.append((code, shown, rank, row))
    assert differ == [], f"{len(differ)} regions differ between map and table, e.g. {differ[:5]}"
    # the table names itself and its columns for a screen reader
    assert f"{len(locations)} regions" in found["caption"], found["caption"]
    assert found["region"], "the scrolling table wrapper has no accessible name"
    assert found["headers"] == ["Rank", "Region", "Code", "Value", "Flag"], found["headers"]
