"""The panel's children for a region and year: heading, comparison, chart, sector table, named groups, organisations.

:func:`portfolio_children` is the pure data → components part (tested without
a browser): [] with no focus, a short message when there are no statistics.
:func:`rest_children` fills the collapsed "all sectors" table on demand.
"""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from dashboard.data import DashboardData
from dashboard.html_attrs import wildcard_props
from dashboard.portfolio_panel.chart import CHART_CONFIG, portfolio_figure
from dashboard.portfolio_panel.groups import groups_section
from dashboard.portfolio_panel.layout import CHART_ID, CLOSE_ID, MORE_ID, PANEL_ID, REST_ID
from dashboard.portfolio_panel.opportunities import opportunities_section
from dashboard.portfolio_panel.similar import add_focus_button, similar_children
from dashboard.portfolio_panel.tables import comparison_table, organisations_section, region_name, sectors_table
from dashboard.portfolio_panel.trend_section import trend_children, trend_place
from dashboard.stars_explained import about_stars, stars_sentence
from layers import nace
from layers.portfolio import UnknownRegionError, UnknownYearError, region_portfolio

TOP = 10
"""Sectors in the chart and the main table; the rest sit in a collapsed "all sectors" table."""
SOURCE = "Source: Eurostat (sbs_r_nuts06_r2)"
BOUNDARIES = "© EuroGeographics for the administrative boundaries"
LEVEL_NAMES = {0: "Country (NUTS 0)", 1: "NUTS 1 region", 2: "NUTS 2 region", 3: "NUTS 3 region"}


def _region_rows(data: DashboardData, geo: str, year: int) -> pd.DataFrame:
    table = data.index.table
    return table.loc[(table["geo"] == geo) & (table["year"] == int(year))]


def _heading(data: DashboardData, geo: str, year: int | None, name: str | None) -> html.Div:
    level = len(geo) - 2
    meta = [LEVEL_NAMES.get(level, f"NUTS {level}")] + ([f"data year {year}"] if year is not None else [])
    return html.Div(
        [
            html.Div(
                [
                    html.P("Region portfolio", className="portfolio-kicker"),
                    html.H2([name or geo, " ", html.Span(f"({geo})", className="portfolio-code")], id=f"{PANEL_ID}-title"),
                    html.P(" · ".join(meta), className="portfolio-meta"),
                ]
            ),
            html.Div(
                [
                    add_focus_button(geo),
                    html.Button("Close", id=CLOSE_ID, n_clicks=0, className="portfolio-close", title="Close the region portfolio", type="button"),
                ],
                className="portfolio-head-actions",
            ),
        ],
        className="portfolio-head",
    )


def _footer() -> html.Footer:
    return html.Footer([html.Span(SOURCE), html.Span(" · "), html.Span(BOUNDARIES)], className="portfolio-source")


def _message(data: DashboardData, geo: str, year: int | None, text: str) -> list:
    return [
        _heading(data, geo, year, region_name(data, geo)),
        html.P(text, className="portfolio-message", role="status"),
        *organisations_section(data, geo),
        _footer(),
    ]


def portfolio_children(
    data: DashboardData, geo: str | None, year: int | None, *, top: int = TOP, sector: str | None = None, indicator: str | None = None
) -> list:
    """The panel's children for region ``geo`` in ``year``: [] with no focus, a short message when there are no statistics.

    ``sector``, ``indicator``: the map's, for the trend (left empty without them, for its own callback to fill).
    """
    if not geo:
        return []
    if not isinstance(geo, str):
        geo = str(geo)
    geo = geo.strip()[:12]
    try:
        year = int(year) if year is not None else None
    except (TypeError, ValueError):
        year = None
    if year is None:
        return _message(data, geo, None, "Pick a year to see this region's portfolio.")
    name = region_name(data, geo)
    try:
        portfolio = region_portfolio(data.index, geo, year=year)
    except UnknownRegionError:
        return _message(data, geo, year, f"No statistics for {name or geo} in this data (NUTS 2013 regions of levels 0-2 only).")
    except UnknownYearError:
        return _message(data, geo, year, f"The data has no statistics for {year}.")
    if portfolio.empty:
        return _message(data, geo, year, f"No statistics for {name or geo} in {year}; try another year.")

    region_rows = _region_rows(data, geo, year)
    wage_flags = dict(zip(region_rows["nace_r2"], region_rows["wages_flag"].fillna("").astype(str)))
    total = region_rows.loc[region_rows["nace_r2"] == nace.TOTAL]
    missing = str(total["region_missing_sections"].iloc[0]) if len(total) else ""
    head = portfolio.head(top)
    rest = portfolio.iloc[top:]
    label = name or geo
    caption = f"Strongest sectors of {label} in {year}, by cluster stars then location quotient (top {len(head)} of {len(portfolio)})"
    notes = [f"{stars_sentence()} LQ compares the sector's share of the region's employment with its share over all regions of the level."]
    if missing:
        notes.append(f"The region's total lacks sections {missing} (no value), so its shares and LQs are upper bounds.")
    children = [
        _heading(data, geo, year, name),
        comparison_table(data, geo, year, name),
        trend_place(trend_children(data, geo, sector=sector, indicator=indicator, year=year, name=name) if sector and indicator else None),
        html.H3("Strongest sectors"),
        html.Figure(
            [
                dcc.Graph(id=CHART_ID, figure=portfolio_figure(head), config=CHART_CONFIG, className="portfolio-chart"),
                html.Figcaption(
                    f"Location quotient of the top {len(head)} sectors of {label} in {year}, coloured by cluster stars. "
                    "Dotted line: LQ 1, the average of the level's regions; dashed line: LQ 2, the specialisation star. The table below has the same values."
                ),
            ],
            className="portfolio-figure",
        ),
        html.Div(sectors_table(head, wage_flags, caption), className="portfolio-scroll", tabIndex="0"),
    ]
    if len(rest):
        children.append(
            html.Div(
                [
                    html.Button(
                        _more_label(len(portfolio), False),
                        id=MORE_ID,
                        n_clicks=0,
                        type="button",
                        className="portfolio-more-button",
                        **wildcard_props({"aria-expanded": "false"}),
                    ),
                    html.Div(id=REST_ID, className="portfolio-scroll", tabIndex="0"),
                ],
                className="portfolio-more",
            )
        )
    children.append(html.Div(similar_children(data, geo, year, name), className="region-similar"))
    children += groups_section(data, geo, year, label)
    children += [html.P(n, className="portfolio-note") for n in notes]
    children.append(about_stars())  # each star's rule and the method (dashboard.stars_explained)
    children += opportunities_section(data, geo, year)
    children += organisations_section(data, geo)
    children.append(_footer())
    return children


def _more_label(n: int, expanded: bool) -> str:
    return "Show only the top sectors" if expanded else f"Show all {n} sectors"


def rest_children(data: DashboardData, geo: str | None, year: int | None, clicks: int | None, *, top: int = TOP) -> tuple[list, str, str]:
    """(table of the sectors after the top ones, button label, aria-expanded) for the "all sectors" toggle's click count."""
    expanded = clicks is not None and clicks % 2 == 1
    if geo is None or year is None:
        return [], "", "false"
    try:
        portfolio = region_portfolio(data.index, geo, year=year)
    except (UnknownRegionError, UnknownYearError, TypeError, ValueError):
        return [], "", "false"
    label = _more_label(len(portfolio), expanded)
    if not expanded or len(portfolio) <= top:
        return [], label, "false"
    region_rows = _region_rows(data, geo, year)
    wage_flags = dict(zip(region_rows["nace_r2"], region_rows["wages_flag"].fillna("").astype(str)))
    name = region_name(data, geo) or geo
    caption = f"Further sectors of {name} in {year} (ranks {top + 1}-{len(portfolio)})"
    return [sectors_table(portfolio.iloc[top:], wage_flags, caption, start=top + 1)], label, "true"
