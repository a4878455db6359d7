"""The sector ranking: a sortable table of every region on the map, and a top-20 bar chart.

The table is also the map's text alternative: it holds exactly the map's regions,
values and ranks (``DashboardData.values``, computed in ``layers``; the map's
tooltips, the CSV and the API read the same frame), in the map's formatting. The server sends only the rows (``table_data``) and a small bar
figure when the view changes; ``assets/ranking.js`` sorts and renders the rows in
the browser (as plain DOM, text only: a few hundred rows as Dash components
render far too slowly), turns a row choice or a bar hover into the highlight and focus
stores, and applies the highlight to the map figure already there
(``selectedpoints`` on trace 0, no geometry sent).
"""

from __future__ import annotations

import html as html_text
import textwrap
from typing import Any

import numpy as np
import pandas as pd
from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html

from dashboard import callback_guard
from dashboard.callback_guard import Malformed, guarded
from dashboard.data import MIXED, DashboardData
from dashboard.figures import (
    map_title,
    shown_indicator,
    view_unit,
    view_when,
)
from dashboard.html_attrs import wildcard_props
from dashboard.layout import FOCUS_ID, HIGHLIGHT_ID, MAP_ID, PANELS_QUERY_ID
from dashboard.payload import RankingData, RankingRow
from dashboard.stars_explained import about_stars
from dashboard.view import (
    STAR_DIMENSIONS,
    MapView,
    ViewOptions,
    read_view,
    view_options,
)
from layers.classes import format_number
from layers.groups.sector import sector_name
from layers.query import STATUS_VALUE
from layers.ranks import shown_values

PANEL_ID = "ranking"
HEADING_ID = "ranking-heading"
BARS_ID = "ranking-bars"
TABLE_ID = "ranking-table"
TABLE_WRAP_ID = "ranking-table-wrap"
CAPTION_ID = "ranking-caption"
TABLE_TITLE_ID = "ranking-table-title"
"""The caption's text shown above the scrolling table (the ``<caption>`` itself scrolls with it)."""
BODY_ID = "ranking-body"
SORT_STATUS_ID = "ranking-sort-status"
ABOUT_STARS_ID = "about-stars-ranking"
"""The "About stars" explanation under the table: shown when the ranking ranks stars (``dashboard.stars_explained``)."""
DATA_ID = "ranking-data"

"""Store: the rows of the current view (``table_data``); the browser sorts and renders them."""
SORT_ID = "ranking-sort"
"""Store: ``{"column": ..., "ascending": ...}`` of the table."""
SELECTED_ID = "ranking-selected"
"""Store: the NUTS id of the region chosen in the table (written by ``assets/ranking.js``)."""

COLUMNS = (("rank", "Rank"), ("name", "Region"), ("code", "Code"), ("value", "Value"), ("flag", "Flag"))
"""The table's columns: (key, header). ``assets/ranking.js`` knows the same keys."""
TOP_N = 20
LEVEL_NOUNS = {MIXED: "regions (finest level with data)", 0: "countries", 1: "NUTS 1 regions", 2: "NUTS 2 regions", 3: "NUTS 3 regions"}
"""What the bars are, in the chart's title."""
BAR_COLOUR = "#2c7fb8"
"""One hue from the map's ColorBrewer YlGnBu: the bars differ by length only, so colour vision does not matter."""
BAR_LABEL_LENGTH = 30
BARS_CONFIG: dcc.Graph.Config = {
    "displaylogo": False,
    "showSendToCloud": False,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoom2d", "pan2d", "zoomIn2d", "zoomOut2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "filename": "sector_ranking", "scale": 2},
}


def view_from_query(data: DashboardData, query: str | None, options: ViewOptions | None = None) -> MapView:
    """The view named by the ``PANELS_QUERY_ID`` store (``dashboard.view.read_view``; :class:`Malformed` if it names none)."""
    request = read_view(callback_guard.text(query, "view query", max_length=2000) or "", options or view_options(data))
    if request.problems:
        raise Malformed(request.problems)
    return request.view


def zoom_country(view: MapView) -> str | None:
    """The country the map is zoomed to (``DE`` for ``zoom=DE`` or ``zoom=DE11``), or None for all of Europe."""
    return view.zoom[:2] if view.zoom else None


def country_name(data: DashboardData, code: str) -> str:
    """A country's name as the map names it (``Deutschland``), from the country level's shapes; the code if it has none."""
    countries = data.geometry[0]
    names = dict(zip(countries.ids, countries.names))
    return names.get(code, code)


def scope(data: DashboardData, view: MapView) -> str:
    """Where the ranking ranks: ``" in Deutschland (DE)"`` when zoomed to a country, else ``""`` (all of Europe)."""
    country = zoom_country(view)
    return f" in {country_name(data, country)} ({country})" if country else ""


def ranking_rows(data: DashboardData, view: MapView) -> pd.DataFrame:
    """Every region the map shows for ``view``, best first; regions without a value last.

    When the map is zoomed to a country (``view.zoom``), only that country's regions,
    with their rank among themselves.

    Every number comes from ``data.values`` (computed in ``layers``), the frame the
    map's tooltips, the CSV and the API read: the table ranks nothing itself.

    Columns: ``rank`` (1 = highest; the rule of ``layers.ranks``: ties at the
    decimals shown share the best rank; the rank within the country when zoomed;
    missing where there is no value), ``nuts_id``, ``name``, ``value``,
    ``value_text`` (the value at the decimals shown plus unit, or "confidential"
    / "no data"), ``flag`` (Eurostat letters), ``flag_text`` (the flag and notes
    in words; "confidential" / "no data" where there is no value) and ``status``.
    """
    geometry = data.shapes(view)
    values = data.values(view, pd.Series(geometry.ids, dtype=object))  # all shapes: the map's ranks, not a re-ranking of a subset
    country = zoom_country(view)
    kept = np.asarray([country is None or code.startswith(country) for code in geometry.ids], dtype=bool)
    values = values.loc[kept].reset_index(drop=True)
    names = np.asarray(geometry.names, dtype=object)[kept]
    unit, decimals = view_unit(view), shown_indicator(view).decimals
    value = values["value"].to_numpy(dtype=float)
    status = values["status"].to_numpy(dtype=object)
    has_value = np.isfinite(value)
    rank = values["country_rank" if country else "rank"].to_numpy(dtype=float)
    shown = shown_values(value, decimals)
    words = values["flag_text"].fillna("").astype(str).to_numpy(dtype=object)
    rows = pd.DataFrame(
        {
            "rank": pd.array(rank, dtype="Float64").astype("Int64"),
            "nuts_id": values["nuts_id"].to_numpy(dtype=object),
            "name": names,
            "value": value,
            "value_text": [f"{format_number(v, decimals)} {unit}" if ok else s for v, ok, s in zip(shown, has_value, status)],
            "flag": values["flag"].to_numpy(dtype=object),
            "flag_text": np.where((words == "") & ~has_value, status, words),
            "status": status,
        }
    )
    order = np.lexsort((rows["nuts_id"].to_numpy(), np.where(has_value, rank, np.inf)))  # equal ranks in code order
    return rows.iloc[order].reset_index(drop=True)


def table_data(rows: pd.DataFrame, view: MapView) -> RankingData:
    """What the browser needs to render and sort the table: one short list per row (``dashboard.payload.RankingRow``).

    ``rows`` holds ``[rank, code, name, value, value text, flag in words]``
    (``null`` rank and value where there is none; the value at the decimals
    shown); the unit travels once. The browser sorts by the sent rank only.
    """
    decimals = shown_indicator(view).decimals
    unit = view_unit(view)
    shown = shown_values(rows["value"].to_numpy(dtype=float), decimals)
    out: list[RankingRow] = []
    for rank, code, name, value, text, words in zip(rows["rank"], rows["nuts_id"], rows["name"], shown, rows["value_text"], rows["flag_text"]):
        has_value = bool(np.isfinite(value))
        number = (int(value) if decimals == 0 else float(value)) if has_value else None
        out.append((int(rank) if has_value else None, code, name, number, text.removesuffix(f" {unit}") if has_value else text, words))
    return {"level": view.level, "unit": unit, "rows": out}


def caption(view: MapView, rows: pd.DataFrame, where: str = "") -> str:
    """The table's caption: indicator, unit, sector, level and year, where (``scope``), and how many regions have a value."""
    ranked = int((rows["status"] == STATUS_VALUE).sum())
    mixed = (
        " Mixed levels: each country at its finest level with data, so regions of different sizes rank together." if view.level == MIXED and not where else ""
    )
    order = "values ranked from highest (rank 1); the map shows their hot-spot categories" if view.analysis == "hotspots" else "ranked from highest (rank 1)"
    return f"{map_title(view)}: {len(rows)} regions{where}, {ranked} with a value, {order}.{mixed}"


def _short(name: str) -> str:
    return name if len(name) <= BAR_LABEL_LENGTH else name[: BAR_LABEL_LENGTH - 1].rstrip() + "…"


TITLE_CHARS = 40
"""The longest line of the bar chart's title: Plotly does not wrap a title, and the chart is as narrow as the panel
(about 330 px on a phone, 400 px beside the map at 1280 px)."""
TITLE_LINE_PX = 18
NO_BREAK = "\u00a0"
"""Joins words :func:`wrapped` keeps on one line (textwrap breaks at ASCII spaces only); shown as a plain space."""


def wrapped(text: str) -> list[str]:
    """``text`` in lines of at most :data:`TITLE_CHARS` characters at word breaks, each escaped (Plotly reads it as HTML)."""
    lines = textwrap.wrap(text, TITLE_CHARS, break_long_words=False, break_on_hyphens=False)
    return [html_text.escape(line.replace(NO_BREAK, " ")) for line in lines] or [""]


def ranking_figure(rows: pd.DataFrame, view: MapView, where: str = "") -> dict:
    """Horizontal bars of the top ``TOP_N`` regions of ``rows`` (from :func:`ranking_rows`), values labelled.

    ``where`` (``scope``) says which country they are in when the map is zoomed to one.
    A plain figure dict (no template, no geometry). Names are escaped: Plotly
    reads tick and hover text as HTML.
    """
    ind = shown_indicator(view)
    top = rows.loc[rows["status"] == STATUS_VALUE].head(TOP_N)
    n = len(top)
    what = f"{ind.label.lower()} ({ind.unit})" if view.column == view.indicator else f"{STAR_DIMENSIONS[view.star].lower()} star (1 = star)"
    heading = wrapped(f"Top {n} {LEVEL_NOUNS[view.level]}{where.replace(' ', NO_BREAK)} by {what}")  # the country's name on one line
    subtitle = wrapped(f"{sector_name(view.nace_r2)} · {view_when(view)}")
    title = "<br>".join([*heading, *(f"<span style='font-size:12px'>{line}</span>" for line in subtitle)])
    lines = len(heading) + len(subtitle)
    values = top["value"].to_numpy(dtype=float)
    ids = top["nuts_id"].tolist()
    names = [html_text.escape(name) for name in top["name"]]
    labels = [format_number(v, ind.decimals) for v in shown_values(values, ind.decimals)]
    lo = min(0.0, float(values.min())) if n else 0.0
    hi = max(0.0, float(values.max())) if n else 1.0
    pad = (hi - lo) * 0.16 or 1.0
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top", "font": {"size": 14}},
        "height": 130 + 24 * max(n, 3) + TITLE_LINE_PX * (lines - 2),
        "margin": {"l": 8, "r": 16, "t": 26 + TITLE_LINE_PX * lines, "b": 40},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 12, "color": "#1a1a1a"},
        "bargap": 0.25,
        "hovermode": "closest",
        "dragmode": False,
        "showlegend": False,
        "xaxis": {
            "title": {"text": html_text.escape(view_unit(view)), "font": {"size": 12}},
            "range": [lo - (pad if lo < 0 else 0.0), hi + (pad if hi > 0 else 0.0)],
            "fixedrange": True,
            "gridcolor": "#e6e6e6",
            "zeroline": True,
            "zerolinecolor": "#999999",
            "tickformat": ",~s" if hi - lo >= 10_000 else ",~r",
        },
        "yaxis": {
            "type": "category",
            "autorange": "reversed",
            "tickmode": "array",
            "tickvals": ids,
            "ticktext": [html_text.escape(_short(name)) for name in top["name"]],  # shortened, then escaped: never half an entity
            "automargin": True,
            "fixedrange": True,
        },
    }
    if not n:
        layout["annotations"] = [{"text": "No region has a value for this view", "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False}]
        layout["xaxis"]["visible"] = False
        layout["yaxis"]["visible"] = False
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [float(v) for v in values],
        "y": ids,
        "text": labels,
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"color": "#1a1a1a", "size": 11},
        "marker": {"color": BAR_COLOUR, "line": {"width": 0}},
        "customdata": [[i, name, label, int(rank)] for i, name, label, rank in zip(ids, names, labels, top["rank"])],
        "hovertemplate": f"<b>%{{customdata[1]}}</b> (%{{customdata[0]}})<br>%{{customdata[2]}} {html_text.escape(view_unit(view))}<br>rank %{{customdata[3]}}<extra></extra>",
    }
    return {"data": [trace], "layout": layout}


def layout() -> html.Section:
    """The panel: heading, bar chart, and the table (its body rendered by ``assets/ranking.js``)."""
    header = html.Tr(
        [
            html.Th(
                html.Button(label, id=f"ranking-sort-{key}", n_clicks=0, className="ranking-sort", type="button"),
                id=f"ranking-th-{key}",
                scope="col",
                className=f"ranking-col-{key}",
                **wildcard_props({"aria-sort": "ascending"} if key == "rank" else {}),
            )
            for key, label in COLUMNS
        ]
    )
    return html.Section(
        [
            html.H2("Sector ranking", id=HEADING_ID),
            html.P(
                "Every region on the map, ranked by the map's indicator. Hover a bar, or choose a region in the table, "
                "to highlight it on the map; choosing it also opens its portfolio.",
                className="ranking-intro",
            ),
            dcc.Graph(id=BARS_ID, figure={"data": [], "layout": {"height": 610}}, config=BARS_CONFIG, clear_on_unhover=True, className="ranking-bars"),
            html.P(id=TABLE_TITLE_ID, className="ranking-table-title", **wildcard_props({"aria-hidden": "true"})),
            html.Div(
                html.Table(
                    [
                        html.Caption(id=CAPTION_ID, className="visually-hidden"),
                        html.Thead(header),
                        html.Tbody(id=BODY_ID),  # rows: plain DOM from assets/ranking.js, never Dash children
                    ],
                    id=TABLE_ID,
                    className="ranking-table",
                ),
                id=TABLE_WRAP_ID,
                className="ranking-table-wrap",
                tabIndex="0",
                role="region",
                **wildcard_props({"aria-labelledby": CAPTION_ID}),
            ),
            about_stars(ABOUT_STARS_ID, hidden=True),  # shown when the ranking ranks stars
            html.P(id=SORT_STATUS_ID, className="visually-hidden", role="status"),
            dcc.Store(id=DATA_ID),
            dcc.Store(id=SORT_ID, data={"column": "rank", "ascending": True}),
            dcc.Store(id=SELECTED_ID),
        ],
        id=PANEL_ID,
        className="ranking panel",
        **wildcard_props({"aria-labelledby": HEADING_ID}),
    )


def register(app: Dash, data: DashboardData) -> None:
    """Attach this panel's callbacks to ``app``: one server callback per view change, the rest in the browser."""
    options = view_options(data)

    @app.callback(
        Output(DATA_ID, "data"),
        Output(BARS_ID, "figure"),
        Output(CAPTION_ID, "children"),
        Output(TABLE_TITLE_ID, "children"),
        Output(ABOUT_STARS_ID, "hidden"),
        Input(PANELS_QUERY_ID, "data"),
    )
    @guarded
    def update_ranking(query: str | None):
        # A chosen region the new rows lack (another level or country) is let go in the browser
        # (assets/ranking.js, renderRows): as an output here, the selection would chain this
        # callback to the map's figure, and Dash would hold every map change until it returned.
        view = view_from_query(data, query, options)
        rows = ranking_rows(data, view)
        where = scope(data, view)
        text = caption(view, rows, where)
        return table_data(rows, view), ranking_figure(rows, view, where), text, text, view.indicator != "stars"

    def clientside(name: str) -> ClientsideFunction:
        return ClientsideFunction(namespace="ranking", function_name=name)

    app.clientside_callback(
        clientside("sortBy"),
        Output(SORT_ID, "data"),
        *[Input(f"ranking-sort-{key}", "n_clicks") for key, _ in COLUMNS],
        State(SORT_ID, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        clientside("renderRows"),
        Output(BODY_ID, "data-rows"),
        *[Output(f"ranking-th-{key}", "aria-sort") for key, _ in COLUMNS],
        Output(SORT_STATUS_ID, "children"),
        Input(DATA_ID, "data"),
        Input(SORT_ID, "data"),
        Input(SELECTED_ID, "data"),
    )
    app.clientside_callback(
        clientside("highlightOf"),
        Output(HIGHLIGHT_ID, "data", allow_duplicate=True),
        Input(BARS_ID, "hoverData"),
        Input(SELECTED_ID, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        clientside("focusOf"),
        Output(FOCUS_ID, "data", allow_duplicate=True),
        Input(SELECTED_ID, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        clientside("highlightMap"),
        Output(MAP_ID, "figure", allow_duplicate=True),
        Input(HIGHLIGHT_ID, "data"),
        State(MAP_ID, "figure"),
        prevent_initial_call=True,
    )
