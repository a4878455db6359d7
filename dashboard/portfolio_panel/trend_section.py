"""The Region tab's trend: the view's indicator and sector for the region in focus, its country and Europe, every year.

Its place in the portfolio is a pattern-id ``Div`` (``TREND_ID``): drawn with the portfolio, and
redrawn alone when the map's sector or indicator changes (``dashboard.portfolio_panel.extras_callbacks``).
"""

from __future__ import annotations

from dash import dcc, html

from dashboard.data import DashboardData
from dashboard.portfolio_panel.chart import CHART_CONFIG
from dashboard.portfolio_panel.trend import gap_notes, partial_note, series_lines, trend_figure
from layers._errors import UnknownRegionError
from layers.groups.sector import sector_name
from layers.indicators import INDICATORS

TREND_ID = {"role": "region-trend", "panel": "portfolio"}
"""Pattern id of the trend's place in the portfolio (plus ``"slot": "main"``; there while a region is in focus)."""
TREND_CHART_ID = "region-trend-chart"
FALLBACK_INDICATOR = "employment"
"""The trend's indicator when the map shows an organisation indicator (the records have no years)."""


def trend_children(data: DashboardData, geo: str, *, sector: str, indicator: str, year: int | None, name: str | None) -> list:
    """Heading, chart and notes of the trend of ``indicator`` in ``sector`` for ``geo``; a short message when there is none."""
    note = ""
    if indicator not in INDICATORS:
        note = f"The map's indicator counts organisation records, which have no years: the trend shows {INDICATORS[FALLBACK_INDICATOR].label.lower()}."
        indicator = FALLBACK_INDICATOR
    ind = INDICATORS[indicator]
    try:
        series = data.series(geo, sector, indicator)
    except (UnknownRegionError, ValueError, KeyError) as e:
        return [html.H3("Trend"), html.P(f"No trend for {geo}: {e}", className="portfolio-note")]
    label = name or geo
    country = data.region_names.get(geo[:2])
    lines = series_lines(series, label, country)
    figure = trend_figure(series, label, country, year=year)
    what = f"{ind.label} ({ind.unit}) · {sector_name(series.nace_r2)}"
    caption = [
        f"{what}, {int(series.region['year'].min())}-{int(series.region['year'].max())}: {label}"
        + (f", {country or geo[:2]}" if geo != geo[:2] else "")
        + (" and Europe." if series.europe is not None else "."),
        " Diamonds: values with a Eurostat flag (its words in the tooltip). Years without a value are gaps, never joined.",
        *(f" {n}" for n in gap_notes(lines)),
        *([f" {p}"] if (p := partial_note(lines, indicator)) else []),
        f" {series.europe_definition}",
    ]
    return [
        html.H3(f"Trend: {what}", id="region-trend-title"),
        *([html.P(note, className="portfolio-note")] if note else []),
        html.Figure(
            [
                dcc.Graph(id=TREND_CHART_ID, figure=figure, config=CHART_CONFIG, className="trend-chart"),
                html.Figcaption(caption, id="region-trend-caption"),
            ],
            className="portfolio-figure",
        ),
    ]


def trend_place(children: list | None = None) -> html.Div:
    """The trend's place in the portfolio (filled by :func:`trend_children`)."""
    return html.Div(children or [], id={**TREND_ID, "slot": "main"}, className="region-trend")


__all__ = ["TREND_CHART_ID", "TREND_ID", "trend_children", "trend_place"]
