"""The "all years" small multiples (``analysis=years``): one map per year of the data, one legend.

Each year's map is the view of that year with ``classes=all-years``
(``DashboardData.values``, ``layers.classes.classes_from_pool``): the class breaks are
found once on every year's values, so one colour means one value range in every map and
the legend is the same for all of them. Every value, rank, class and note comes from
that frame; this module only lays the maps out (one ``choropleth`` per year, each on a
``geo`` subplot of a grid), titles each with its year and draws the legend once (the
first map's colour bar; the others share its colours and range). The page names the
shapes by URL (plotly.js fetches a URL once for every map that names it); exports carry them.

Like the network (``dashboard.network``), the figure is always sent whole: it replaces
the single map, so no values payload applies to it. Only the statistics have years: the
view vocabulary refuses ``analysis=years`` with an organisation indicator.
"""

from __future__ import annotations

import copy
import html
from dataclasses import replace

import pandas as pd

from dashboard.data import DashboardData
from dashboard.figures import ALL_YEARS_NOTE, NOTE_ANNOTATION, apply_payload, choropleth_figure, map_payload, map_title, view_attribution
from dashboard.view import MapView
from layers.classes import STAR_CATEGORIES
from layers.groups.sector import legend_note, sector_of

YEARS = "years"
"""The ``analysis`` value of the small multiples."""
YEARS_SHAPES = "years:"
"""Prefix of what the map's shapes store holds while the small multiples are drawn: a change to or from them sends the whole figure."""
WIDE_COLUMNS, TALL_COLUMNS = 4, 2
"""Maps per row: 4 x 2 on a wide screen or image, 2 x 4 on a tall one (a phone, a portrait PNG)."""
YEARS_NOTE = "Classes from all years' values (always, with one map per year): one colour, one range in every map"
GAP_X, GAP_Y = 0.01, 0.05
"""Between the maps, as shares of the plot area; the vertical gap holds each map's year."""
YEAR_TITLE_SIZE = 13


def year_view(view: MapView, year: int) -> MapView:
    """One map of the grid: the view in ``year``, its classes found on all years' values."""
    return replace(view, year=year, classes="all-years", analysis="values")


def year_frames(data: DashboardData, view: MapView) -> list[tuple[int, pd.DataFrame]]:
    """(year, values frame) for every year of the data, in the view's shapes' order: every number the maps show."""
    ids = pd.Series(data.shapes(view).ids)
    return [(year, data.values(year_view(view, year), ids)) for year in data.years]


def years_shapes(data: DashboardData, view: MapView) -> str:
    """What the map's shapes store holds for the small multiples of ``view``."""
    return YEARS_SHAPES + data.shapes(view).url


def years_span(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


def years_title(view: MapView, years: list[int]) -> str:
    """The view's title with its years instead of one: what, sector, level, "2008–2015, one map per year"."""
    single = map_title(year_view(view, years[0]))
    return single.removesuffix(f" · {years[0]}") + f" · {years_span(years)}, one map per year"


def years_note(view: MapView, frames: list[tuple[int, pd.DataFrame]]) -> str:
    """The legend note (escaped HTML): a group's members and its partial sums over all years, and the classes' span."""
    sector = sector_of(view.nace_r2)
    lines: list[str] = []
    if sector.is_group:
        lines += legend_note(sector, 0).split("\n")
        partial = sum(int(frame["partial"].sum()) for _, frame in frames if "partial" in frame)
        if partial:
            lines.append(f"partial sums (lower bounds) in {partial} region-years (see the tooltips)")
    if view.column not in STAR_CATEGORIES:
        lines.append(YEARS_NOTE)
    return "<br>".join(html.escape(line) for line in lines)


def grid_domains(count: int, columns: int, *, bottom: float, top: float) -> list[tuple[list[float], list[float]]]:
    """(x, y) paper domains of ``count`` maps, ``columns`` per row, filled row by row from the top between ``bottom`` and ``top``."""
    rows = -(-count // columns)
    width = (1 - GAP_X * (columns - 1)) / columns
    height = (top - bottom - GAP_Y * (rows - 1)) / rows
    domains = []
    for i in range(count):
        row, col = divmod(i, columns)
        x0 = col * (width + GAP_X)
        y1 = top - row * (height + GAP_Y)
        domains.append(([round(x0, 4), round(x0 + width, 4)], [round(y1 - height, 4), round(y1, 4)]))
    return domains


def grid_bottom(note: str) -> float:
    """Where the maps start, as a share of the plot's height: above the legend note's lines."""
    lines = note.count("<br>") + 1 if note else 0
    return 0.015 + 0.035 * lines


def grid_update(count: int, columns: int, note: str) -> dict:
    """The layout keys that put the maps ``columns`` a row (``Plotly.relayout``'s form): the page's ``assets/multiples.js``
    switches between the wide and the tall grid with these when the map panel is narrower than it is tall (a phone)."""
    update: dict = {"meta.grid": "wide" if columns == WIDE_COLUMNS else "tall"}
    for i, (x, y) in enumerate(grid_domains(count, columns, bottom=grid_bottom(note), top=0.95)):
        geo = "geo" if i == 0 else f"geo{i + 1}"
        update[f"{geo}.domain.x"], update[f"{geo}.domain.y"] = x, y
        update[f"annotations[{FIRST_YEAR_TITLE + i}].x"], update[f"annotations[{FIRST_YEAR_TITLE + i}].y"] = (x[0] + x[1]) / 2, y[1]
    return update


FIRST_YEAR_TITLE = NOTE_ANNOTATION + 1
"""Index of the first map's year among the annotations: after the source line and the legend note."""


def _year_title(year: int, x: list[float], y: list[float]) -> dict:
    return {
        "text": f"<b>{year}</b>",
        "xref": "paper",
        "yref": "paper",
        "x": (x[0] + x[1]) / 2,
        "y": y[1],
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": YEAR_TITLE_SIZE, "color": "#222"},
    }


def years_figure(data: DashboardData, view: MapView, *, geometry_url: bool = False, columns: int = WIDE_COLUMNS) -> dict:
    """The whole figure: one choropleth per year on a grid of geo subplots, each titled with its year; one legend, title, source, note.

    ``geometry_url``: every map names its shapes by URL (the page, the embed: fetched once) instead of carrying them (exports).
    """
    frames = year_frames(data, view)
    years = [year for year, _ in frames]
    geometry = data.shapes(view)
    bounds = data.bounds.get(view.zoom) if view.zoom else None
    payloads = [map_payload(frame, year_view(view, year)) for year, frame in frames]
    base = choropleth_figure(
        geometry, payloads[0], year_view(view, years[0]), geometry_url=True, bounds=bounds, attribution=view_attribution(view, data.organisations)
    )
    template, layout = base["data"][0], base["layout"]
    note = years_note(view, frames)
    domains = grid_domains(len(frames), columns, bottom=grid_bottom(note), top=0.95)
    traces, titles = [], []
    for i, ((year, _), payload, (x, y)) in enumerate(zip(frames, payloads, domains)):
        one = apply_payload({"data": [copy.deepcopy(template)], "layout": {"title": {}}}, payload)
        trace = one["data"][0]
        geo = "geo" if i == 0 else f"geo{i + 1}"
        trace["geo"] = geo
        trace["showscale"] = i == 0  # one legend: the maps share its colours and range (the classes are all years')
        trace["name"] = str(year)
        trace["hovertemplate"] = trace["hovertemplate"].replace("(%{location})", f"(%{{location}}) · {year}", 1)
        if not geometry_url:
            trace["geojson"] = geometry.geojson
        traces.append(trace)
        layout[geo] = {**layout["geo"], "domain": {"x": x, "y": y}}
        titles.append(_year_title(year, x, y))
    traces[0]["colorbar"] = {**traces[0]["colorbar"], "len": 0.7, "y": 0.55}
    annotations = layout["annotations"]
    annotations[NOTE_ANNOTATION] = {**annotations[NOTE_ANNOTATION], "text": note, "visible": bool(note), "y": 0, "bgcolor": "rgba(255,255,255,0)"}
    layout["annotations"] = [*annotations, *titles]  # source and note first, where the other figures have them
    layout["title"]["text"] = years_title(view, years)
    layout["uirevision"] = f"years-{view.level}-{view.zoom}-{columns}"
    layout["dragmode"] = False  # eight maps: hover and click, no pan (each would pan alone)
    layout["meta"] = {
        "grid": "wide" if columns == WIDE_COLUMNS else "tall",
        "grids": {"wide": grid_update(len(frames), WIDE_COLUMNS, note), "tall": grid_update(len(frames), TALL_COLUMNS, note)},
    }
    return {"data": traces, "layout": layout}


__all__ = [
    "ALL_YEARS_NOTE",
    "TALL_COLUMNS",
    "WIDE_COLUMNS",
    "YEARS",
    "YEARS_NOTE",
    "YEARS_SHAPES",
    "grid_domains",
    "year_frames",
    "year_view",
    "years_figure",
    "years_note",
    "years_shapes",
    "years_span",
    "years_title",
]
