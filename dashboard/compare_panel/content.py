"""The comparison's content for the regions of ``compare`` in a view: table, trends, strongest sectors aligned.

Pure data → components (tested without a browser). Every number is read from the data layer
(``dashboard.compare_panel.values``) and only formatted here; names go into text components, which
Dash escapes.
"""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from dashboard.compare_panel.layout import REMOVE_ID
from dashboard.compare_panel.values import TOP_DIVISIONS, RegionValues, aligned_sectors, compared_values, statistics_indicator
from dashboard.data import DashboardData
from dashboard.figures import format_value
from dashboard.html_attrs import wildcard_props
from dashboard.portfolio_panel.chart import CHART_CONFIG
from dashboard.portfolio_panel.tables import _finite
from dashboard.portfolio_panel.trend import COLOURS, DASHES, Line, gap_notes, lines_figure
from dashboard.view import COMPARE_SIZE, MapView
from layers import nace
from layers._errors import UnknownRegionError
from layers.groups.sector import sector_name
from layers.indicators import INDICATORS

TREND_CHART_ID = "compare-trend-chart"
LEVEL_WORDS = {0: "country", 1: "NUTS 1", 2: "NUTS 2"}
LEVEL_PLURAL = {0: "countries", 1: "NUTS 1 regions", 2: "NUTS 2 regions"}
DASH = "–"


def _remove_button(geo: str, name: str) -> html.Button:
    return html.Button(
        "Remove",
        id={**REMOVE_ID, "geo": geo},
        n_clicks=0,
        type="button",
        className="compare-remove",
        **wildcard_props({"aria-label": f"Remove {name} ({geo}) from the comparison"}),
    )


def _region_cell(r: RegionValues) -> html.Th:
    level = html.Span(LEVEL_WORDS.get(r.level, ""), className="portfolio-flag")
    return html.Th(
        [r.name, " ", html.Span(f"({r.nuts_id})", className="portfolio-code"), html.Br(), level, " ", _remove_button(r.nuts_id, r.name)], scope="row"
    )


def _value_cell(r: RegionValues, indicator: str) -> html.Td:
    shown = format_value(r.value, indicator) if _finite(r.value) else r.status
    words = r.flag_text
    return html.Td([shown, *([html.Br(), html.Span(words, className="portfolio-flag")] if words else [])], className="num compare-value")


def _rank_cell(r: RegionValues) -> html.Td:
    text = f"{int(r.rank)} of {r.ranked}" if _finite(r.rank) else f"not ranked (of {r.ranked})"
    return html.Td([text, html.Br(), html.Span(LEVEL_PLURAL.get(r.level, ""), className="portfolio-flag")], className="num compare-rank")


def _glyphs(stars: float) -> str:
    return "★" * int(stars) + "☆" * (3 - int(stars)) if _finite(stars) else ""


def _stars_cell(r: RegionValues) -> html.Td:
    if not _finite(r.stars):
        return html.Td("unknown", className="compare-stars")
    which = ", ".join(r.earned) if r.earned else "none"
    if r.unknown:
        which += f"; unknown: {', '.join(r.unknown)}"
    glyphs = _glyphs(r.stars)
    return html.Td(
        [
            html.Span(glyphs, className="portfolio-stars", **wildcard_props({"aria-hidden": "true"})),
            " ",
            html.Span(f"{int(r.stars)} of 3", className="compare-star-count"),
            html.Br(),
            html.Span(which, className="portfolio-flag compare-star-which"),
        ],
        className="compare-stars",
    )


def values_table(regions: list[RegionValues], view: MapView, indicator: str) -> html.Div:
    """One row per region (with its Remove button): the view's value with its flag words, its rank at its level, its stars and which."""
    ind = INDICATORS[indicator]
    header = html.Tr(
        [
            html.Th("Region", scope="col"),
            html.Th(f"{ind.label} ({ind.unit})", scope="col", className="num"),
            html.Th("Rank", scope="col", className="num"),
            html.Th("Stars (earned for)", scope="col"),
        ]
    )
    rows = [html.Tr([_region_cell(r), _value_cell(r, indicator), _rank_cell(r), _stars_cell(r)], **wildcard_props({"data-geo": r.nuts_id})) for r in regions]
    caption = f"{sector_name(view.nace_r2)}, {view.year}: each region ranked among the regions of its own level"
    return html.Div(
        html.Table([html.Caption(caption), html.Thead(header), html.Tbody(rows)], className="portfolio-table compare-table", id="compare-table"),
        className="portfolio-scroll",
        tabIndex="0",
    )


def trend_section(data: DashboardData, regions: list[RegionValues], view: MapView, indicator: str) -> list:
    """One line per region over every year (``DashboardData.series``), gaps kept."""
    ind = INDICATORS[indicator]
    lines = []
    for i, r in enumerate(regions):
        try:
            series = data.series(r.nuts_id, view.nace_r2, indicator)
        except (UnknownRegionError, ValueError, KeyError):
            continue
        lines.append(Line(f"{r.name} ({r.nuts_id})", series.region, COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]))
    figure = lines_figure(lines, indicator, year=view.year, height=320)
    caption = [
        f"{ind.label} ({ind.unit}) in {sector_name(view.nace_r2)}, every year of the data; the dotted rule marks {view.year}. "
        "Diamonds: values with a Eurostat flag (its words in the tooltip). Years without a value are gaps, never joined.",
        *(f" {n}" for n in gap_notes(lines)),
    ]
    return [
        html.H3(f"Trends: {ind.label}"),
        html.Figure(
            [dcc.Graph(id=TREND_CHART_ID, figure=figure, config=CHART_CONFIG, className="trend-chart"), html.Figcaption(caption)],
            className="portfolio-figure",
        ),
    ]


def _sector_cell(by_code: pd.DataFrame, code: str, in_top: bool) -> html.Td:
    if code not in by_code.index:
        return html.Td(DASH, className="num")
    lq, stars = by_code.at[code, "lq"], by_code.at[code, "stars"]
    shown = format_value(float(lq), "lq") if _finite(lq) else DASH
    glyphs = _glyphs(float(stars)) if _finite(stars) else ""
    star_text = f"{int(stars)} star{'s' if int(stars) != 1 else ''}" if _finite(stars) else "stars unknown"
    return html.Td(
        [
            html.Span(shown, className="compare-lq"),
            " " if glyphs else "",
            html.Span(glyphs, className="portfolio-stars", **wildcard_props({"aria-hidden": "true"})),
            html.Br(),
            html.Span(star_text + (" · top 5" if in_top else ""), className="portfolio-flag"),
        ],
        className="num compare-sector" + (" compare-top" if in_top else ""),
    )


def sectors_section(data: DashboardData, regions: list[RegionValues], year: int) -> list:
    """The union of the regions' strongest divisions as rows, each region's LQ and stars in its column."""
    codes = tuple(r.nuts_id for r in regions)
    rows, by_code = aligned_sectors(data, codes, year)
    rule = (
        f"Rows: the NACE divisions in any compared region's top {TOP_DIVISIONS} of {year} (by cluster stars, then location quotient, as in its portfolio); "
        f"first those in the most regions' top {TOP_DIVISIONS}, then by the best stars and LQ among them. "
        f"Each cell: the region's LQ and stars in that division; “top 5” marks the region's own top {TOP_DIVISIONS}."
    )
    if rows.empty:
        return [html.H3("Strongest sectors"), html.P(f"No division has a location quotient in {year} for these regions.", className="portfolio-note")]
    header = html.Tr(
        [html.Th("Division (NACE Rev. 2)", scope="col")]
        + [html.Th([r.nuts_id, html.Br(), html.Span(r.name, className="portfolio-flag")], scope="col", className="num") for r in regions]
    )
    body = [
        html.Tr(
            [html.Th([html.Span(code, className="portfolio-code"), " ", nace.label(code)], scope="row")]
            + [_sector_cell(by_code[r.nuts_id], code, r.nuts_id in tops) for r in regions],
            **wildcard_props({"data-code": code}),
        )
        for code, tops in zip(rows["nace_r2"], rows["tops"])
    ]
    table = html.Table(
        [html.Caption(f"Strongest divisions of the compared regions, {year}: location quotient and cluster stars"), html.Thead(header), html.Tbody(body)],
        className="portfolio-table compare-sectors",
        id="compare-sectors",
    )
    return [
        html.H3("Strongest sectors, aligned"),
        html.Div(table, className="portfolio-scroll", tabIndex="0"),
        html.P(rule, className="portfolio-note", id="compare-sectors-rule"),
    ]


def building_children(data: DashboardData, codes: tuple[str, ...]) -> list:
    """A comparison being built (one region): that region, its Remove button, and what to do next."""
    items = [
        html.Li([data.region_names.get(g, g), " ", html.Span(f"({g})", className="portfolio-code"), " ", _remove_button(g, data.region_names.get(g, g))])
        for g in codes
    ]
    low = COMPARE_SIZE[0]
    return [
        html.Ul(items, className="compare-picked", id="compare-picked"),
        html.P(f"Add at least {low - len(codes)} more region to compare.", className="portfolio-note"),
    ]


def compare_children(data: DashboardData, codes: tuple[str, ...], view: MapView) -> list:
    """The comparison of ``codes`` in ``view``'s sector, indicator and year: [] for none; the picked region while there is one."""
    codes = tuple(c for c in codes if c in data.statistics_regions)
    if not codes:
        return []
    if len(codes) < COMPARE_SIZE[0]:
        return building_children(data, codes)
    indicator = statistics_indicator(view)
    regions = compared_values(data, view, codes)
    note = (
        [html.P("The map shows organisation records, which have no years or levels: the comparison shows persons employed.", className="portfolio-note")]
        if indicator != view.indicator
        else []
    )
    return [
        html.P(f"{len(codes)} regions · {sector_name(view.nace_r2)} · {view.year}", className="portfolio-meta", id="compare-meta"),
        *note,
        values_table(regions, view, indicator),
        *trend_section(data, regions, view, indicator),
        *sectors_section(data, regions, view.year),
    ]


__all__ = ["TREND_CHART_ID", "compare_children", "sectors_section", "trend_section", "values_table"]
