"""The region portfolio panel: pure component functions on the real build, then the panel in Chromium."""

from __future__ import annotations

import pytest
from dash import dcc, html, no_update
from playwright.sync_api import expect

from dashboard import portfolio_panel as pp
from dashboard.figures import format_value
from layers.portfolio import region_comparison, region_portfolio
from tests.conftest import save_artifact


def walk(node):
    """Every component and string in a tree (depth first)."""
    yield node
    children = node if isinstance(node, (list, tuple)) else getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from walk(child)
    elif children is not None and not isinstance(node, (list, tuple)):
        yield from walk(children)


def text(node) -> str:
    return " ".join(" ".join(n for n in walk(node) if isinstance(n, str)).split())


def find(tree, kind, class_name: str | None = None) -> list:
    return [n for n in walk(tree) if isinstance(n, kind) and (class_name is None or class_name in (getattr(n, "className", "") or ""))]


def body_rows(table: html.Table) -> list[html.Tr]:
    return find(find(table, html.Tbody)[0], html.Tr)


def cells(row: html.Tr) -> list[str]:
    return [text(c) for c in row.children]


@pytest.fixture(scope="module")
def de11(dashboard_data) -> list:
    return pp.portfolio_children(dashboard_data, "DE11", 2014)


def test_no_focus_is_an_empty_panel(dashboard_data):
    assert pp.portfolio_children(dashboard_data, None, 2014) == []
    assert pp.portfolio_children(dashboard_data, "", 2014) == []
    assert pp.layout()[0].children is None  # empty section: hidden by `.tabpanel section:empty` (assets/layout.css)


def test_de11_2014_heading_and_top_sector(dashboard_data, de11):
    head = text(find(de11, html.H2)[0])
    assert "Stuttgart" in head and "(DE11)" in head
    meta = text(find(de11, html.P, "portfolio-meta")[0])
    assert "NUTS 2 region" in meta and "2014" in meta
    close = [b for b in find(de11, html.Button) if b.id == pp.CLOSE_ID]
    assert len(close) == 1 and close[0].children == "Close" and close[0].type == "button"
    table = find(de11, html.Table, "portfolio-sectors")[0]
    first = cells(body_rows(table)[0])
    assert first[1].startswith("C29 Manufacture of motor vehicles")
    assert first[2] == "★★★ 3 of 3 size, specialisation, productivity"
    assert first[3] == "5.59" and first[4] == "158,012"
    footer = text(find(de11, html.Footer)[0])
    assert "Source: Eurostat" in footer and "© EuroGeographics for the administrative boundaries" in footer


def test_sector_table_rows_match_region_portfolio(dashboard_data, de11):
    expected = region_portfolio(dashboard_data.index, "DE11", year=2014, limit=pp.TOP)
    table = find(de11, html.Table, "portfolio-sectors")[0]
    rows = body_rows(table)
    assert len(rows) == pp.TOP == 10
    assert [r.children[1].children[0].children for r in rows] == expected["nace_r2"].tolist()
    for row, (_, want) in zip(rows, expected.iterrows()):
        got = cells(row)
        assert f"{int(want['stars'])} of 3" in got[2]
        assert got[3] == format_value(want["lq"], "lq")
        assert got[4] == format_value(want["employment"], "employment")
        assert got[5] == format_value(want["avg_wage"], "avg_wage")
    # accessible table: caption, column headers and one row header per sector
    assert "top 10 of 101" in text(find(table, html.Caption)[0])
    assert all(th.scope == "col" for th in find(find(table, html.Thead)[0], html.Th))
    assert all(isinstance(r.children[1], html.Th) and r.children[1].scope == "row" for r in rows)
    # the rest on demand: ranks 11-101, and the toggle's label flips
    rest, label, expanded = pp.rest_children(dashboard_data, "DE11", 2014, 1)
    assert expanded == "true" and label == "Show only the top sectors"
    rest_rows = body_rows(rest[0])
    assert len(rest_rows) == 91 and cells(rest_rows[0])[0] == "11"
    assert [r.children[1].children[0].children for r in rest_rows] == region_portfolio(dashboard_data.index, "DE11", year=2014)["nace_r2"].tolist()[10:]
    assert pp.rest_children(dashboard_data, "DE11", 2014, 2) == ([], "Show all 101 sectors", "false")


def test_comparison_table_region_country_eu(dashboard_data, de11):
    comparison = region_comparison(dashboard_data.index, "DE11", year=2014).rows.set_index("scope")
    table = find(de11, html.Table, "portfolio-compare")[0]
    header = [text(th) for th in find(find(table, html.Thead)[0], html.Th)]
    assert "Stuttgart (DE11)" in header[1] and "(DE)" in header[2] and header[3] == "EU (sum of the countries in the data)"
    employment = cells(body_rows(table)[0])
    assert employment[1].startswith(format_value(comparison.at["region", "employment"], "employment"))
    assert "partial total: lacks" in employment[1]  # DE11's total lacks a confidential section
    assert employment[2] == format_value(comparison.at["country", "employment"], "employment")
    assert employment[3] == format_value(comparison.at["eu", "employment"], "employment") + " partial sum"
    avg = cells(body_rows(table)[2])
    assert avg[2] == format_value(comparison.at["country", "avg_wage"], "avg_wage")
    note = text(find(de11, html.P, "portfolio-note")[0])
    assert note.startswith("EU = sum of the NUTS 0 rows of the 29 countries") and "partial (a lower bound)" in note


def test_chart_bars_by_stars_with_legend(de11):
    graph = find(de11, dcc.Graph)[0]
    assert graph.config["displaylogo"] is False
    traces = graph.figure["data"]
    assert [t["name"] for t in traces] == ["3 stars", "2 stars", "1 star", "0 stars"]  # the legend always lists 0-3
    assert all(t["orientation"] == "h" and t["showlegend"] for t in traces)
    assert len({t["marker"]["color"] for t in traces}) == len(traces)
    three = traces[0]
    assert three["y"][0].startswith("C29 ") and three["x"][0] == pytest.approx(5.5939, abs=1e-4)
    assert sum(len(t["customdata"]) for t in traces) == 10  # one bar per sector; empty counts only in the legend
    assert [x for t in traces[2:] for x in t["x"]] == [None, None]
    assert graph.figure["layout"]["yaxis"]["categoryarray"][0].startswith("C29 ")


@pytest.mark.parametrize("geo", ["DE41", "SI01", "CH01", "XX99", "<img src=x onerror=alert(1)>", 42])
def test_unknown_or_odd_ids_give_a_message(dashboard_data, geo):
    children = pp.portfolio_children(dashboard_data, geo, 2014)
    message = find(children, html.P, "portfolio-message")
    assert len(message) == 1 and "No statistics" in text(message[0])
    assert [b for b in find(children, html.Button) if b.id == pp.CLOSE_ID]


def test_unknown_year_and_text_only(dashboard_data, de11):
    assert "no statistics for 1999" in text(pp.portfolio_children(dashboard_data, "DE11", 1999))
    for node in walk(de11):
        assert "dangerously_set_inner_html" not in getattr(node, "_prop_names", ())
    assert pp.close_focus([0]) is no_update and pp.close_focus([]) is no_update
    assert pp.close_focus([1]) is None


def test_country_in_focus_has_no_country_column(dashboard_data):
    children = pp.portfolio_children(dashboard_data, "DE", 2014)
    assert "Country (NUTS 0)" in text(find(children, html.P, "portfolio-meta")[0])
    header = find(find(children, html.Table, "portfolio-compare")[0], html.Thead)[0]
    assert len(find(header, html.Th)) == 3


@pytest.mark.browser
def test_click_stuttgart_opens_its_portfolio(page, live_app):
    from tests.test_browser import open_app

    open_app(page, live_app)
    panel = page.locator("#portfolio-panel")
    assert not panel.is_visible()  # empty → hidden
    index = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('DE11')")
    assert index >= 0
    page.locator(".choroplethlayer path").nth(index).click(force=True)
    panel.get_by_role("heading", name="Stuttgart").wait_for(timeout=10_000)
    assert panel.is_visible()
    first = panel.locator("table.portfolio-sectors tbody tr").first
    assert "C29" in first.inner_text() and "3 of 3" in first.inner_text()
    assert "2014" in panel.locator(".portfolio-meta").inner_text()
    assert panel.get_by_text("Source: Eurostat").first.is_visible()
    assert panel.get_by_text("© EuroGeographics for the administrative boundaries").first.is_visible()
    assert panel.locator(".portfolio-chart .js-plotly-plot").count() == 1
    # all sectors on demand
    more = panel.locator("button.portfolio-more-button")
    expect(more).to_have_text("Show all 101 sectors")
    save_artifact(page, "portfolio_DE11_2014")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true", timeout=10_000)
    expect(panel.locator("table.portfolio-sectors tbody tr")).to_have_count(101)

    # the year slider, by keyboard: the panel follows
    page.locator("#year [role=slider]").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.querySelector('#portfolio-panel .portfolio-meta').textContent.includes('2013')", timeout=10_000)
    assert "Stuttgart" in panel.locator("h2").inner_text()

    # Close, by keyboard: the panel empties and hides
    close = panel.get_by_role("button", name="Close")
    close.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('portfolio-panel').children.length === 0", timeout=10_000)
    assert not panel.is_visible()

    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []
