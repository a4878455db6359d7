"""Stars are explained where they show: the star panel beside the map, the ranking, the portfolio.

The thresholds the page states are compared with the constants the stars are computed with
(``layers.indicators.TOP_SHARE``, ``LQ_STAR``), and the method link serves docs/methodology.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from layers.indicators import LQ_STAR, TOP_SHARE

METHODOLOGY = Path(__file__).resolve().parents[1] / "docs" / "methodology.md"
TOP = f"top {TOP_SHARE * 100:g} %"
LQ = f"location quotient at least {LQ_STAR:g}"


def check_explanation(details) -> None:
    """Open an "About stars" element and read each star's rule and the method link."""
    expect(details).to_be_visible()
    details.locator("summary").click()
    expect(details.locator("li[data-star='size']")).to_contain_text(f"{TOP} of the level's regions by persons employed")
    expect(details.locator("li[data-star='specialisation']")).to_contain_text(LQ)
    expect(details.locator("li[data-star='productivity']")).to_contain_text(f"{TOP} of the level's regions by average wage")
    expect(details.locator("a")).to_have_attribute("href", "/methodology.md")


def test_the_method_is_served_from_the_page_origin(live_app):
    r = requests.get(f"{live_app}/methodology.md", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    assert r.text == METHODOLOGY.read_text() and "## 5. Cluster stars" in r.text
    # the method states the same thresholds as the page
    assert f"`lq ≥ {LQ_STAR:.1f}` (`LQ_STAR`)" in r.text and "floor(0.10 × n)" in r.text and TOP_SHARE == 0.10


@pytest.mark.browser
def test_stars_are_explained_beside_the_map_the_ranking_and_the_portfolio(page, live_app):
    page.goto(f"{live_app}/?level=2&sector=C29&indicator=stars&year=2014&region=DE11")
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('stars')", timeout=30_000)
    check_explanation(page.locator("#about-stars-map"))
    ranking = page.locator("#about-stars-ranking")
    page.wait_for_function("document.getElementById('ranking-caption')?.textContent.includes('C29')", timeout=15_000)
    page.click("#tab-ranking")  # region=DE11 opened the Region tab; the ranking is beside it
    check_explanation(ranking)
    page.click("#tab-region")
    portfolio = page.locator("#portfolio-panel .about-stars")
    expect(page.locator("#portfolio-panel")).to_contain_text("Stuttgart", timeout=15_000)
    check_explanation(portfolio)
    expect(page.locator("#portfolio-panel")).to_contain_text(f"specialisation (LQ at least {LQ_STAR:g})")
    # another indicator: no stars on the map or in the ranking, so no explanation there
    page.goto(f"{live_app}/?level=2&sector=C29&indicator=employment&year=2014")
    page.wait_for_function("document.getElementById('ranking-caption')?.textContent.includes('Persons employed')", timeout=30_000)
    expect(page.locator("#about-stars-map")).to_be_hidden()
    expect(ranking).to_be_hidden()
    assert [u for u in page.requests if not u.startswith(live_app)] == []
