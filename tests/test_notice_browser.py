"""The link notice (``view-notice``) goes once the user changes the view, and stays gone on back and forward.

Coming back to a link the page could not use may show it again; a good view never does.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

NOTICE = "#view-notice"


def step_year(page, key: str = "ArrowLeft") -> None:
    page.locator("#year [role=slider]").first.focus()
    page.keyboard.press(key)


@pytest.mark.browser
def test_the_notice_goes_with_the_first_change_and_stays_gone_on_back_and_forward(page, live_app):
    page.goto(f"{live_app}/?level=1&sector=C&year=2014&bogus=1")
    notice = page.locator(NOTICE)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("bogus=1")
    # the address bar says the view shown (the unusable part dropped), in the same history entry
    page.wait_for_function("() => !window.location.search.includes('bogus')", timeout=10_000)
    assert re.search(r"level=1&sector=C&", page.url)

    step_year(page)
    expect(page).to_have_url(re.compile(r"year=2013"), timeout=15_000)
    expect(notice).to_be_hidden()

    page.go_back()  # the view the link opened on (its canonical spelling): a good view, no notice
    expect(page).to_have_url(re.compile(r"year=2014"), timeout=15_000)
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('2014')", timeout=15_000)
    expect(notice).to_be_hidden()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"year=2013"), timeout=15_000)
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('2013')", timeout=15_000)
    expect(notice).to_be_hidden()
    assert page.console_errors == []


@pytest.mark.browser
def test_a_bad_link_reached_by_history_shows_the_notice_until_a_control_changes(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C&year=2014")
    notice = page.locator(NOTICE)
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('NUTS 2')", timeout=30_000)
    expect(notice).to_be_hidden()
    # an entry with an unusable part, reached as back/forward reach one
    page.evaluate("() => { history.pushState(null, '', '?level=0&sector=C&year=2012&k=99'); dispatchEvent(new PopStateEvent('popstate')); }")
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('Countries (NUTS 0)')", timeout=30_000)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("k=99")
    page.wait_for_timeout(500)  # the map's own answer for that view leaves the notice as it is
    expect(notice).to_be_visible()

    page.get_by_label("NUTS 1 regions", exact=True).check()  # any control
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('NUTS 1')", timeout=30_000)
    expect(notice).to_be_hidden()
    page.go_back()  # the link's entry, respelled in place when it was applied: now a good view, no notice
    expect(page).to_have_url(re.compile(r"level=0&.*year=2012"), timeout=15_000)
    assert "k=99" not in page.url
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('Countries (NUTS 0)')", timeout=30_000)
    expect(notice).to_be_hidden()
    page.go_back()  # the first, good view
    expect(page).to_have_url(re.compile(r"level=2"), timeout=15_000)
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('NUTS 2')", timeout=30_000)
    expect(notice).to_be_hidden()
