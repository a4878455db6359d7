"""Trend charts: an indicator over every year, as lines, from ``DashboardData.series`` (``layers.series``).

The numbers are the series' own (one number, one place); this module only draws them. A year
without a value stays a gap (``connectgaps: false``, the trace's y holds null there): nothing is
interpolated. A flagged value has its own marker and its flag in words in the tooltip; a
confidential year gets a "c" at the foot of the plot and is listed under it; a year where Europe's
sum lacks countries is marked as such (a lower bound for the counts).

:func:`trend_figure` is the Region tab's chart (the region, its country, Europe);
:func:`lines_figure` draws any lines on one axis (the comparison's regions, ``dashboard.compare_panel``).
Text inside the figures is escaped, because Plotly reads tags there.
"""

from __future__ import annotations

import html as html_text
from dataclasses import dataclass

import pandas as pd

from dashboard.figures import format_value
from dashboard.portfolio_panel.tables import _finite
from layers.indicators import INDICATORS
from layers.query import STATUS_CONFIDENTIAL, STATUS_MISSING
from layers.series import RegionSeries

COUNTS = frozenset({"employment", "local_units", "wages"})
"""Indicators whose region, country and Europe values differ by orders of magnitude: drawn on a logarithmic axis."""
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
"""Okabe-Ito colours (colour-blind safe), one per line, with a dash style each so lines differ without colour too."""
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
EUROPE_COLOUR = "#4d4d4d"
PLAIN, FLAGGED, PARTIAL = "circle", "diamond", "triangle-up-open"
"""Markers: a value; a value with a Eurostat flag; Europe's sum lacking countries (a lower bound for counts)."""
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif", "size": 12, "color": "#1a1a1a"}


@dataclass(frozen=True)
class Line:
    """One line of a trend chart: a name, a frame of ``layers.series`` columns, and how it is drawn."""

    name: str
    frame: pd.DataFrame
    """``year, value, flag, status`` and ``flag_text`` (a region's or country's line) or ``partial, lacks`` (Europe's)."""
    colour: str
    dash: str = "solid"
    europe: bool = False


def _point_text(line: Line, row: pd.Series, indicator: str) -> str:
    """The tooltip of one point: name, year, value as every view shows it, and what qualifies it."""
    parts = [f"{line.name} · {int(row['year'])}: {format_value(float(row['value']), indicator)}"]
    if line.europe and bool(row.get("partial", False)):
        lacks = ", ".join(row["lacks"]) if len(row["lacks"]) else ""
        bound = "a lower bound" if indicator in COUNTS else "partial"
        parts.append(f"{bound}: without {lacks}" if lacks else f"{bound}: a country's value lacks sections or members")
    words = str(row.get("flag_text", "") or "")
    if words:
        parts.append(words)
    head, rest = html_text.escape(parts[0], quote=False), html_text.escape("; ".join(parts[1:]), quote=False)
    return head + ("<br>" + rest if rest else "")


def _marker(line: Line, row: pd.Series) -> tuple[str, int]:
    if line.europe and bool(row.get("partial", False)):
        return PARTIAL, 9
    if str(row.get("flag", "") or "") and _finite(row["value"]):
        return FLAGGED, 9
    return PLAIN, 6


def line_trace(line: Line, indicator: str) -> dict:
    """A scatter line: every year of the frame, null where there is no value (a gap), per-point markers and tooltips."""
    rows = [row for _, row in line.frame.iterrows()]
    markers = [_marker(line, row) for row in rows]
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": html_text.escape(line.name, quote=False),
        "x": [int(row["year"]) for row in rows],
        "y": [float(row["value"]) if _finite(row["value"]) else None for row in rows],
        "connectgaps": False,
        "line": {"color": line.colour, "width": 2.2, "dash": line.dash},
        "marker": {
            "color": line.colour,
            "symbol": [m for m, _ in markers],
            "size": [s for _, s in markers],
            "line": {"color": line.colour, "width": 1.5},
        },
        "customdata": [_point_text(line, row, indicator) if _finite(row["value"]) else "" for row in rows],
        "hovertemplate": "%{customdata}<extra></extra>",
    }


def gaps(line: Line) -> dict[str, list[int]]:
    """The years without a value, by status (confidential, no data)."""
    frame = line.frame
    out: dict[str, list[int]] = {}
    for status in (STATUS_CONFIDENTIAL, STATUS_MISSING):
        years = [int(y) for y, v, s in zip(frame["year"], frame["value"], frame["status"]) if s == status and not _finite(v)]
        if years:
            out[status] = years
    return out


def _confidential_marks(lines: list[Line]) -> list[dict]:
    """A "c" at the foot of the plot under each confidential year, in the line's colour (stacked when several lines share a year)."""
    marks = []
    stacked: dict[int, int] = {}
    for line in lines:
        for year in gaps(line).get(STATUS_CONFIDENTIAL, []):
            at = stacked.get(year, 0)
            stacked[year] = at + 1
            marks.append(
                {
                    "x": year,
                    "xref": "x",
                    "y": 0,
                    "yref": "paper",
                    "yanchor": "bottom",
                    "yshift": 2 + 14 * at,
                    "text": "c",
                    "showarrow": False,
                    "font": {"color": line.colour, "size": 13},
                    "hovertext": html_text.escape(f"{line.name}: confidential in {year}", quote=False),
                }
            )
    return marks


def lines_figure(lines: list[Line], indicator: str, *, year: int | None = None, height: int = 300) -> dict:
    """The lines on one axis (logarithmic for counts), years on x, the view's ``year`` marked by a dotted rule."""
    ind = INDICATORS[indicator]
    traces = [line_trace(line, indicator) for line in lines]
    years = sorted({int(y) for line in lines for y in line.frame["year"]})
    log = indicator in COUNTS
    shapes = []
    if year is not None:
        shapes.append({"type": "line", "x0": year, "x1": year, "yref": "paper", "y0": 0, "y1": 1, "line": {"color": "#9e9e9e", "width": 1, "dash": "dot"}})
    return {
        "data": traces,
        "layout": {
            "height": height,
            "margin": {"l": 8, "r": 14, "t": 12, "b": 36},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "font": FONT,
            "hovermode": "closest",
            "xaxis": {"tickmode": "array", "tickvals": years, "ticktext": [str(y) for y in years], "gridcolor": "#eeeeee", "fixedrange": True},
            "yaxis": {
                "title": {"text": html_text.escape(f"{ind.unit}{' (log scale)' if log else ''}", quote=False), "font": {"size": 11}},
                "type": "log" if log else "linear",
                **({"dtick": "D2", "tickformat": "~s"} if log else {}),  # 1, 2, 5 per decade, each labelled in full (200k, 500k, 1M)
                "gridcolor": "#e6e6e6",
                "automargin": True,
                "fixedrange": True,
                "rangemode": "normal" if log or indicator.endswith("_change") else "tozero",
            },
            "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.16, "yanchor": "top"},
            "shapes": shapes,
            "annotations": _confidential_marks(lines),
        },
    }


def series_lines(series: RegionSeries, region_name: str, country_name: str | None) -> list[Line]:
    """The region's line, its country's (unless the region is the country) and Europe's (where the indicator has one)."""
    lines = [Line(f"{region_name} ({series.nuts_id})", series.region, COLOURS[0])]
    if series.nuts_id != series.nuts_id[:2]:
        lines.append(Line(f"{country_name or series.nuts_id[:2]} ({series.nuts_id[:2]})", series.country, COLOURS[1], "dash"))
    if series.europe is not None:
        lines.append(Line("Europe", series.europe, EUROPE_COLOUR, "dot", europe=True))
    return lines


def trend_figure(series: RegionSeries, region_name: str, country_name: str | None, *, year: int | None = None) -> dict:
    """The Region tab's chart: the region, its country and Europe over every year."""
    return lines_figure(series_lines(series, region_name, country_name), series.indicator, year=year)


def gap_notes(lines: list[Line]) -> list[str]:
    """Sentences naming the years each line has no value (confidential, or no data), e.g. "Confidential (a gap, marked c): Stuttgart (DE11) 2012"."""
    notes = []
    for status, lead in ((STATUS_CONFIDENTIAL, "Confidential (a gap, marked c)"), (STATUS_MISSING, "No data (a gap)")):
        named = [f"{line.name} {', '.join(map(str, gaps(line)[status]))}" for line in lines if status in gaps(line)]
        if named:
            notes.append(f"{lead}: {'; '.join(named)}.")
    return notes


def partial_note(lines: list[Line], indicator: str) -> str:
    """Which of Europe's years lack countries (a lower bound for counts), or ""."""
    europe = next((line for line in lines if line.europe), None)
    if europe is None or "partial" not in europe.frame:
        return ""
    years = [int(y) for y, p, v in zip(europe.frame["year"], europe.frame["partial"], europe.frame["value"]) if bool(p) and _finite(v)]
    if not years:
        return ""
    what = "lower bounds" if indicator in COUNTS else "partial"
    return f"Europe in {', '.join(map(str, years))} lacks countries (open triangles): {what}; the tooltip names them."


__all__ = ["COLOURS", "COUNTS", "DASHES", "Line", "gap_notes", "gaps", "line_trace", "lines_figure", "partial_note", "series_lines", "trend_figure"]
