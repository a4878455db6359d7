"""Sector groups in Chromium (issue 12): what a person sees of a group is its members' raw sums, partial sums said.

* The issue's group (C26+J61+J62+J63, persons employed, NUTS 2, 2014): every region's tooltip
  (the map's ``customdata``, drawn by ``assets/map.js`` after a change) shows the sum of the
  members' raw Eurostat cells at 0 decimals, and "partial sum (lower bound): lacks …" where a
  member is confidential or missing; the legend note names the members and counts the partial sums.
* Each of the ten named groups: the map's title names it, the legend note lists its members and
  says "approximation at the data's NACE level", the ranking's caption names it.
* A dropped code (C26 with C) is said in a notice; the next change writes the canonical spelling into the address bar.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

import pytest

from dashboard.figures import map_title
from dashboard.view import parse_view, view_options
from tests.raw_sbs import RawGroup
from tests.test_groups_named import IDS, LABEL
from tests.test_rank_consistency import READY, SCREEN

DIGITAL = ["C26", "J61", "J62", "J63"]
NOTE = """() => { const a = document.querySelector('#map .js-plotly-plot').layout.annotations[1];
  return {visible: a.visible, text: a.text,
          drawn: [...document.querySelectorAll('#map .annotation-text')].map(t => t.textContent).join(' | ')}; }"""


def _open(page, live_app, query: dict, dashboard_data) -> dict:
    """Open the view's previous year, step to its year (a values payload drawn by assets/map.js), and read the screen."""
    view, problems = parse_view(query, view_options(dashboard_data))
    assert not problems
    previous = {**query, "year": str(int(query["year"]) - 1)}
    page.goto(f"{live_app}/?{urlencode(previous)}")
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)
    page.locator("#year [role=slider]").first.focus()
    page.keyboard.press("ArrowRight")
    rows = len(dashboard_data.shapes(view).ids)
    page.wait_for_function(READY, arg=[map_title(view), rows], timeout=30_000)
    return page.evaluate(SCREEN)


@pytest.mark.browser
def test_the_issues_group_on_screen_is_the_sum_of_its_members_raw_cells(page, live_app, dashboard_data, raw):
    query = {"level": "2", "sector": "C26,J61,J62,J63", "indicator": "employment", "year": "2014"}
    screen = _open(page, live_app, query, dashboard_data)
    group = RawGroup(raw, DIGITAL)
    partial = 0
    for code, (text, _rank, note) in zip(screen["locations"], screen["customdata"]):
        cell, lacking = group.cell("employment", code, 2014)
        if math.isnan(cell.value):
            assert text in ("no data", "confidential"), (code, text)
            continue
        assert text == f"{cell.value:,.0f}", (code, text, cell)
        if lacking:
            partial += 1
            assert f"partial sum (lower bound): lacks {','.join(lacking)}" in note, (code, note)
        else:
            assert "partial" not in note, (code, note)
    assert partial > 10
    note = page.evaluate(NOTE)
    assert note["visible"] and note["text"] == f"Sum of C26 + J61 + J62 + J63<br>partial sums (lower bounds) in {partial} regions"
    assert "Sum of C26 + J61 + J62 + J63" in note["drawn"] and f"in {partial} regions" in note["drawn"]
    assert "sector=C26%2CJ61%2CJ62%2CJ63" in page.url
    assert all(url.startswith(live_app) or url.startswith("data:") for url in page.requests)


@pytest.mark.browser
def test_each_named_group_is_titled_with_its_members_and_the_approximation_note(page, live_app, dashboard_data):
    groups = {g.id: g for g in dashboard_data.groups}
    assert tuple(groups) == IDS
    for group_id in IDS:
        group = groups[group_id]
        page.goto(f"{live_app}/?level=2&sector={group_id}&indicator=lq&year=2014")
        page.wait_for_function("(name) => (document.querySelector('#map .gtitle') || {}).textContent?.includes(name)", arg=group.name, timeout=30_000)
        assert f"{group.name} ({' + '.join(group.members)})" in (page.text_content("#map .gtitle") or "")
        note = page.evaluate(NOTE)
        assert note["visible"] and f"{group.name} = {' + '.join(group.members)}" in note["drawn"] and LABEL in note["drawn"], note
        page.wait_for_function("(name) => (document.getElementById('ranking-caption') || {}).textContent?.includes(name)", arg=group.name, timeout=20_000)
        page.goto(f"{live_app}/embed?level=2&sector={group_id}&indicator=lq&year=2014")
        page.wait_for_function("document.querySelectorAll('.annotation-text').length > 1", timeout=30_000)
        drawn = " | ".join(page.locator(".annotation-text").all_text_contents())
        assert LABEL in drawn and " + ".join(group.members) in drawn
        assert "Source: Eurostat" in page.locator(".embed-source").inner_text()  # the source line: page text under the plot


@pytest.mark.browser
def test_a_dropped_code_is_said_and_the_next_link_is_canonical(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C26,C&indicator=employment&year=2014")
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('C Manufacturing')", timeout=30_000)
    notice = page.locator("#view-notice")
    assert notice.is_visible()
    assert "C26 dropped: it is part of C, also listed (no double counting)" in (notice.text_content() or "")
    page.locator("#year [role=slider]").first.focus()
    page.keyboard.press("ArrowLeft")  # the next change goes into the address bar in the canonical spelling, and the notice goes
    page.wait_for_function("() => window.location.search.includes('sector=C&') && window.location.search.includes('year=2013')", timeout=20_000)
