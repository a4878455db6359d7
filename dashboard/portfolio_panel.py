"""The region portfolio panel: a region's strongest sectors, against its country and the EU.

European Cluster Observatory style: when the focus store (``FOCUS_ID``) holds a
NUTS id, the panel shows the region's heading, a comparison table (region,
country, EU sum) and its strongest sectors by cluster stars, then location
quotient, as a bar chart and an accessible table. With no focus the panel has
no children (CSS hides an empty ``section``).

:func:`portfolio_children` is the pure data → components part (tested without
a browser); :func:`register` only wires it to the stores. Every name and label
goes into text components, which Dash escapes; nothing is set as raw HTML, and
text inside the Plotly figure is escaped because Plotly reads tags there.
"""

from __future__ import annotations

import html as html_text
import math

import numpy as np
import pandas as pd
from dash import ALL, Input, Output, State, dcc, html, no_update

from dashboard.callback_guard import guarded, text, whole, whole_list
from dashboard.data import DashboardData
from dashboard.figures import format_value
from dashboard.layout import FOCUS_ID, YEAR_ID
from layers import nace
from layers.eurostat import flag_words
from layers.portfolio import UnknownRegionError, UnknownYearError, region_comparison, region_portfolio

PANEL_ID = "portfolio-panel"
YEAR_SHOWN_ID = "portfolio-year"
"""Store: the year, passed on only while a region is in focus (so a year change without one sends nothing)."""
CLOSE_ID = {"role": "portfolio-close", "panel": "portfolio"}
"""Pattern id: the button exists only while a region is in focus, so its callback matches it by pattern."""
MORE_ID = {"role": "portfolio-more", "panel": "portfolio"}
REST_ID = {"role": "portfolio-rest", "panel": "portfolio"}
"""The "all sectors" toggle and its table: filled on demand, so a focus change sends only the top rows."""
CHART_ID = "portfolio-chart"
TOP = 10
"""Sectors in the chart and the main table; the rest sit in a collapsed "all sectors" table."""

STAR_COLOURS = {0: "#c7e9b4", 1: "#7fcdbb", 2: "#1d91c0", 3: "#0c2c84"}
"""ColorBrewer YlGnBu steps (sequential, colour-blind safe): more stars, darker."""
UNKNOWN_COLOUR = "#9e9e9e"
STAR_DIMENSIONS = (("star_size", "size"), ("star_specialisation", "specialisation"), ("star_productivity", "productivity"))
CHART_CONFIG = {"displaylogo": False, "showSendToCloud": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
SOURCE = "Source: Eurostat (sbs_r_nuts06_r2)"
BOUNDARIES = "© EuroGeographics for the administrative boundaries"
LEVEL_NAMES = {0: "Country (NUTS 0)", 1: "NUTS 1 region", 2: "NUTS 2 region", 3: "NUTS 3 region"}
DASH = "–"


# --- small formatting helpers -------------------------------------------------------------


def _finite(value) -> bool:
    try:
        return value is not None and not pd.isna(value) and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _missing_word(flag: str) -> str:
    return "confidential" if "c" in (flag or "") else "no data"


def _number(value, indicator: str, flag: str = "") -> str:
    """A value with its indicator's decimals; a missing one in words ("confidential" / "no data")."""
    return format_value(float(value), indicator) if _finite(value) else _missing_word(flag)


def region_name(data: DashboardData, geo: str) -> str | None:
    """The region's Latin / national name from the map's shapes (NUTS 2024 for a region only the organisations know), or None."""
    level = len(geo) - 2
    for geometry in (data.geometry.get(level), data.point_geometry.get(level)):  # the statistics' shapes, then NUTS 2024's
        if geometry is not None and geo in geometry.ids:
            return geometry.names[geometry.ids.index(geo)]
    return None


def _stars_text(row: pd.Series) -> tuple[str, str]:
    """(stars, which dimensions) in words, e.g. ("3 of 3", "size, specialisation, productivity")."""
    known = int(row["stars_known"]) if _finite(row["stars_known"]) else 0
    if not _finite(row["stars"]) or known == 0:
        return "unknown", "no dimension known"
    earned = [word for column, word in STAR_DIMENSIONS if row[column] is True or (not pd.isna(row[column]) and bool(row[column]))]
    unknown = [word for column, word in STAR_DIMENSIONS if pd.isna(row[column])]
    stars = int(row["stars"])
    text = f"{stars} of 3" if known == 3 else f"at least {stars} ({known} of 3 known)"
    dims = ", ".join(earned) if earned else "none"
    if unknown:
        dims += f"; unknown: {', '.join(unknown)}"
    return text, dims


def _star_glyphs(row: pd.Series) -> str:
    return "★" * int(row["stars"]) + "☆" * (3 - int(row["stars"])) if _finite(row["stars"]) else ""


def _note_parts(employment_flag: str, wage_flag: str, skip: frozenset[str] = frozenset()) -> str:
    """A row's Eurostat flags in words, leaving out the letters in ``skip`` (said once for the table).

    Said once when employment and wages carry the same letters, else per measure.
    """
    e = "".join(sorted(set(employment_flag) - skip))
    w = "".join(sorted(set(wage_flag) - skip))
    if e == w:
        return flag_words(e)
    return "; ".join(p for p in (f"employment: {flag_words(e)}" if e else "", f"wages: {flag_words(w)}" if w else "") if p)


# --- the parts of the panel ---------------------------------------------------------------


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
            html.Button("Close", id=CLOSE_ID, n_clicks=0, className="portfolio-close", title="Close the region portfolio", type="button"),
        ],
        className="portfolio-head",
    )


def _footer() -> html.Footer:
    return html.Footer([html.Span(SOURCE), html.Span(" · "), html.Span(BOUNDARIES)], className="portfolio-source")


def _message(data: DashboardData, geo: str, year: int | None, text: str) -> list:
    return [_heading(data, geo, year, region_name(data, geo)), html.P(text, className="portfolio-message", role="status"), *organisations_section(data, geo), _footer()]


ORGANISATIONS_SHOWN = 25
"""Organisations listed in the panel; the count says how many more the region has."""


def _whole(value) -> str:
    return f"{int(value):,}" if _finite(value) else DASH


def organisations_section(data: DashboardData, geo: str) -> list:
    """The organisation records located in the region (NUTS 2024, matched by code): [] when no records are loaded."""
    orgs = data.organisations
    if orgs is None:
        return []
    inside = orgs.in_region(geo)
    title = html.H3(f"Organisations in this region ({len(inside):,})")
    kind = "Synthetic sample records, not real organisations" if orgs.synthetic else "Organisation records"
    about = f"{kind}, from {orgs.source}, located on NUTS 2024 regions with the same code."
    if inside.empty:
        return [title, html.P(f"{about} None is located in {geo}.", className="portfolio-note")]
    shown = inside.head(ORGANISATIONS_SHOWN)
    rows = [
        html.Tr(
            [
                html.Th(str(row["name"]), scope="row"),
                html.Td(str(row["nace"]).replace(";", ", ")),
                html.Td(_whole(row["members"]), className="num"),
                html.Td(_whole(row["employees"]), className="num"),
                html.Td(orgs.region_name(row["nuts3"])),
            ]
        )
        for _, row in shown.iterrows()
    ]
    more = f" The first {len(shown)} by name are listed." if len(inside) > len(shown) else ""
    table = html.Table(
        [
            html.Caption(f"Organisations located in {geo}"),
            html.Thead(html.Tr([html.Th(h, scope="col", className="num" if h in ("Members", "Employees") else None) for h in ("Name", "NACE codes", "Members", "Employees", "NUTS 3 region")])),
            html.Tbody(rows),
        ],
        className="portfolio-table portfolio-organisations",
    )
    return [title, html.Div(table, className="portfolio-scroll"), html.P(about + more, className="portfolio-note")]


def _scope_note(complete: bool, total_row: pd.Series | None, *, eu: bool) -> str:
    if eu:
        return "" if complete else "partial sum"
    if complete:
        return ""
    missing = str(total_row["region_missing_sections"]) if total_row is not None and "region_missing_sections" in total_row else ""
    return f"partial total: lacks {missing}" if missing else "partial total"


def comparison_table(data: DashboardData, geo: str, year: int, name: str | None) -> html.Div:
    """Employment, wages and average wage of the region, its country and the EU sum (all sectors)."""
    comparison = region_comparison(data.index, geo, year=year)
    rows = comparison.rows.set_index("scope")
    table = data.index.table
    totals = table.loc[(table["year"] == int(year)) & (table["nace_r2"] == nace.TOTAL)].set_index("geo")
    country = geo[:2]
    scopes = [("region", geo, f"{name or geo} ({geo})")]
    if country != geo:
        scopes.append(("country", country, f"{region_name(data, country) or country} ({country})"))
    scopes.append(("eu", "EU", "EU (sum of the countries in the data)"))

    def total(code: str) -> pd.Series | None:
        return totals.loc[code] if code in totals.index else None

    def cell(text: str, note: str = "") -> html.Td:
        return html.Td([text, html.Br(), html.Span(note, className="portfolio-flag")] if note else text)

    employment, wages, avg_wage, share, index = [], [], [], [], []
    for scope, code, _ in scopes:
        r = rows.loc[scope]
        t = total(code) if scope != "eu" else None
        eu = scope == "eu"
        employment_note = _scope_note(bool(r["employment_complete"]), t, eu=eu)
        employment.append(cell(_number(r["employment"], "employment", r["employment_flag"]), employment_note))
        if scope == "eu":
            wage_rows = totals.loc[totals.index.isin(comparison.eu.wage_countries)]
            wage_sum = float(wage_rows["wages"].sum()) if len(wage_rows) else np.nan
            wages.append(cell(_number(wage_sum, "wages"), "" if bool(r["avg_wage_complete"]) else "partial sum"))
        else:
            wage_value = t["wages"] if t is not None else np.nan
            wage_flag = str(t["wages_flag"]) if t is not None else ""
            wage_complete = bool(t["wages_complete"]) if t is not None else False
            wages.append(cell(_number(wage_value, "wages", wage_flag), "" if wage_complete else "partial total"))
        avg_note = "" if bool(r["avg_wage_complete"]) else ("partial sum" if eu else "partial total")
        avg_wage.append(cell(_number(r["avg_wage"], "avg_wage", r["avg_wage_flag"]), avg_note))
        if scope == "region":
            share.append(html.Td(DASH))
            index.append(html.Td(DASH))
        else:
            pct = r["region_employment_pct"]
            share.append(html.Td(f"{pct:,.2f} %" if _finite(pct) else DASH))
            idx = r["region_avg_wage_index"]
            index.append(html.Td(f"{idx:,.0f}" if _finite(idx) else DASH))

    header = html.Tr([html.Th("All sectors", scope="col")] + [html.Th(label, scope="col") for _, _, label in scopes])
    body = [
        html.Tr([html.Th("Persons employed", scope="row"), *employment]),
        html.Tr([html.Th("Wages and salaries (million EUR)", scope="row"), *wages]),
        html.Tr([html.Th("Average wage per person employed (EUR)", scope="row"), *avg_wage]),
        html.Tr([html.Th("Region's share of employment", scope="row"), *share]),
        html.Tr([html.Th("Region's average wage (this column = 100)", scope="row"), *index]),
    ]
    return html.Div(
        [
            html.Table(
                [
                    html.Caption(f"{name or geo} against {'its country and ' if country != geo else ''}the EU, {year}"),
                    html.Thead(header),
                    html.Tbody(body),
                ],
                className="portfolio-table portfolio-compare",
            ),
            html.P(
                f"{comparison.eu.note()} Not an official EU aggregate.",
                className="portfolio-note",
            ),
        ],
        className="portfolio-scroll",
    )


def _bar_label(code: str, label: str, width: int = 40) -> str:
    text = f"{code} {label}"
    return text if len(text) <= width else text[: width - 1].rstrip(" ,;") + "…"


def portfolio_figure(top: pd.DataFrame) -> dict:
    """Horizontal bars: LQ per sector, strongest at the top, coloured by star count (0-3; grey: unknown).

    The legend always lists 0-3 stars (a count without bars gets an empty entry), so colours read the same for every region.
    """
    labels = [html_text.escape(_bar_label(c, lab)) for c, lab in zip(top["nace_r2"], top["label"])]
    full = [html_text.escape(f"{c} {lab}") for c, lab in zip(top["nace_r2"], top["label"])]
    stars = top["stars"].to_numpy(dtype=float)
    lq = top["lq"].to_numpy(dtype=float)
    groups = [(s, f"{s} star{'s' if s != 1 else ''}", STAR_COLOURS[s]) for s in (3, 2, 1, 0)]
    if np.isnan(stars).any():
        groups.append((None, "unknown", UNKNOWN_COLOUR))
    traces = []
    for value, name, colour in groups:
        sel = np.flatnonzero(np.isnan(stars) if value is None else stars == value)
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "x": [float(lq[i]) if np.isfinite(lq[i]) else None for i in sel] if len(sel) else [None],
                "y": [labels[i] for i in sel] if len(sel) else [labels[0]] if labels else [],
                "marker": {"color": colour, "line": {"color": "#4d4d4d", "width": 0.6}},
                "customdata": [[full[i]] for i in sel],
                "hovertemplate": "%{customdata[0]}<br>LQ %{x:.2f} · " + name + "<extra></extra>",
                "showlegend": True,
            }
        )
    finite = lq[np.isfinite(lq)]
    xmax = max(2.3, float(finite.max()) * 1.06) if finite.size else 2.3
    return {
        "data": traces,
        "layout": {
            "height": 96 + 24 * max(len(top), 1),
            "margin": {"l": 8, "r": 14, "t": 30, "b": 44},
            "barmode": "overlay",
            "bargap": 0.25,
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif", "size": 12, "color": "#1a1a1a"},
            "xaxis": {
                "title": {"text": "Location quotient (LQ)", "font": {"size": 11}},
                "range": [0, xmax],
                "gridcolor": "#e6e6e6",
                "zeroline": False,
                "fixedrange": True,
            },
            "yaxis": {"categoryorder": "array", "categoryarray": labels, "autorange": "reversed", "automargin": True, "fixedrange": True, "ticks": ""},
            "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "title": {"text": "Cluster stars:"}, "traceorder": "normal"},
            "shapes": [
                {"type": "line", "x0": v, "x1": v, "yref": "paper", "y0": 0, "y1": 1, "line": {"color": c, "width": 1.2, "dash": d}}
                for v, c, d in ((1.0, "#1a1a1a", "dot"), (2.0, "#b35806", "dash"))
            ],
        },
    }


def _sector_rows(top: pd.DataFrame, notes: list[str] | None, start: int = 1) -> list[html.Tr]:
    out = []
    for i, (rank, (_, row)) in enumerate(enumerate(top.iterrows(), start=start)):
        stars, dims = _stars_text(row)
        glyphs = _star_glyphs(row)
        cells = [
            html.Td(str(rank), className="num"),
            html.Th([html.Span(row["nace_r2"], className="portfolio-code"), " ", row["label"]], scope="row"),
            html.Td(
                [
                    html.Span(glyphs, className="portfolio-stars", **{"aria-hidden": "true"}),
                    " " if glyphs else "",
                    stars,
                    html.Br(),
                    html.Span(dims, className="portfolio-flag"),
                ]
            ),
            html.Td(format_value(float(row["lq"]), "lq") if _finite(row["lq"]) else DASH, className="num"),
            html.Td(_number(row["employment"], "employment", row["employment_flag"]), className="num"),
            html.Td(_number(row["avg_wage"], "avg_wage", row["avg_wage_flag"]), className="num"),
        ]
        if notes is not None:
            cells.append(html.Td(notes[i], className="portfolio-flag"))
        out.append(html.Tr(cells))
    return out


SECTOR_HEADER = ("#", "Sector (NACE Rev. 2)", "Stars (earned for)", "LQ", "Persons employed", "Average wage (EUR)", "Flags")


def sectors_table(rows: pd.DataFrame, wage_flags: dict[str, str], caption: str, *, start: int = 1) -> html.Div:
    """An accessible table of portfolio rows (caption, column and row headers).

    Eurostat flags in words: those on every row are said once under the table; the rest
    in a Flags column, which is left out when no row needs it.
    """
    wage = [wage_flags.get(c, "") for c in rows["nace_r2"]]
    employment = [str(f or "") for f in rows["employment_flag"]]
    rows = rows.assign(avg_wage_flag=[w + e for w, e in zip(wage, employment)])
    # "confidential" already stands in the cell of a value that is missing: the flags column skips it there
    employment = [e.replace("c", "") if not _finite(v) else e for e, v in zip(employment, rows["employment"])]
    wage = [w.replace("c", "") if not _finite(v) else w for w, v in zip(wage, rows["avg_wage"])]
    common = frozenset.intersection(*(frozenset(e) & frozenset(w) for e, w in zip(employment, wage))) if len(rows) > 1 else frozenset()
    own = [_note_parts(e, w, common) for e, w in zip(employment, wage)]
    notes = own if any(own) else None
    header = SECTOR_HEADER if notes else SECTOR_HEADER[:-1]
    table = html.Table(
        [
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col", className="num" if h in ("LQ", "Persons employed", "Average wage (EUR)") else None) for h in header])),
            html.Tbody(_sector_rows(rows, notes, start=start)),
        ],
        className="portfolio-table portfolio-sectors",
    )
    children = [table]
    if common:
        children.append(html.P(f"Eurostat flags on every sector above: {flag_words(''.join(sorted(common)))}.", className="portfolio-note"))
    return html.Div(children)


def portfolio_children(data: DashboardData, geo: str | None, year: int | None, *, top: int = TOP) -> list:
    """The panel's children for region ``geo`` in ``year``: [] with no focus, a short message when there are no statistics."""
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
    notes = [
        "Stars: size (top 10% of regions by persons employed), specialisation (LQ at least 2), "
        "productivity (top 10% by average wage). LQ compares the sector's share of the region's employment with its share over all regions of the level."
    ]
    if missing:
        notes.append(f"The region's total lacks sections {missing} (no value), so its shares and LQs are upper bounds.")
    children = [
        _heading(data, geo, year, name),
        comparison_table(data, geo, year, name),
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
        html.Div(sectors_table(head, wage_flags, caption), className="portfolio-scroll"),
    ]
    if len(rest):
        children.append(
            html.Div(
                [
                    html.Button(_more_label(len(portfolio), False), id=MORE_ID, n_clicks=0, type="button", className="portfolio-more-button",
                                **{"aria-expanded": "false"}),
                    html.Div(id=REST_ID, className="portfolio-scroll"),
                ],
                className="portfolio-more",
            )
        )
    children += [html.P(n, className="portfolio-note") for n in notes]
    children += organisations_section(data, geo)
    children.append(_footer())
    return children


def _more_label(n: int, expanded: bool) -> str:
    return "Show only the top sectors" if expanded else f"Show all {n} sectors"


def rest_children(data: DashboardData, geo: str | None, year: int | None, clicks: int | None, *, top: int = TOP) -> tuple[list, str, str]:
    """(table of the sectors after the top ones, button label, aria-expanded) for the "all sectors" toggle's click count."""
    expanded = bool(clicks) and int(clicks) % 2 == 1
    try:
        portfolio = region_portfolio(data.index, str(geo), year=int(year))
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


SCROLL_JS = """
function (children, focus) {
    // A newly opened region: if the panel starts in the lower part of the window (under the map),
    // scroll so that its heading shows. Side effect only; a year change keeps the region and does not scroll.
    const state = (window.clustermapPortfolio = window.clustermapPortfolio || {shown: null});
    if (!children || !children.length) { state.shown = null; return window.dash_clientside.no_update; }
    if (focus && focus !== state.shown) {
        state.shown = focus;
        setTimeout(function () {
            const panel = document.getElementById("portfolio-panel");
            if (!panel) return;
            const top = panel.getBoundingClientRect().top;
            if (top > window.innerHeight * 0.6) {
                const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
                window.scrollBy({top: top - window.innerHeight * 0.3, behavior: reduce ? "auto" : "smooth"});
            }
        }, 60);
    }
    return window.dash_clientside.no_update;
}
"""


def layout() -> list:
    """The panel, empty (hidden by CSS) until a region is in focus, and its year store."""
    return [html.Section(id=PANEL_ID, className="portfolio", **{"aria-labelledby": f"{PANEL_ID}-title"}), dcc.Store(id=YEAR_SHOWN_ID)]


def close_focus(clicks: list | None):
    """The Close button's effect on the focus store: cleared after a click, untouched otherwise."""
    return None if any(clicks or []) else no_update


def register(app, data: DashboardData) -> None:
    """Attach this panel's callbacks to ``app``."""

    # the year reaches the panel only while a region is in focus: without one, a year change
    # costs no round trip (and no panel re-render competing with the map's)
    app.clientside_callback(
        "(year, geo) => geo ? year : window.dash_clientside.no_update",
        Output(YEAR_SHOWN_ID, "data"),
        Input(YEAR_ID, "value"),
        State(FOCUS_ID, "data"),
        prevent_initial_call=True,
    )

    @app.callback(Output(PANEL_ID, "children"), Input(FOCUS_ID, "data"), Input(YEAR_SHOWN_ID, "data"), State(YEAR_ID, "value"), prevent_initial_call=True)
    @guarded
    def show_portfolio(geo: str | None, _shown: int | None, year: int | None):
        return portfolio_children(data, text(geo, "focus", max_length=12), whole(year, "year"))

    app.clientside_callback(SCROLL_JS, Output(PANEL_ID, "className"), Input(PANEL_ID, "children"), State(FOCUS_ID, "data"), prevent_initial_call=True)

    @app.callback(Output(FOCUS_ID, "data", allow_duplicate=True), Input({**CLOSE_ID, "panel": ALL}, "n_clicks"), prevent_initial_call=True)
    @guarded
    def close_portfolio(clicks: list | None):
        return close_focus(whole_list(clicks or [], "n_clicks"))

    @app.callback(
        Output({**REST_ID, "panel": ALL}, "children"),
        Output({**MORE_ID, "panel": ALL}, "children"),
        Output({**MORE_ID, "panel": ALL}, "aria-expanded"),
        Input({**MORE_ID, "panel": ALL}, "n_clicks"),
        State(FOCUS_ID, "data"),
        State(YEAR_ID, "value"),
        prevent_initial_call=True,
    )
    @guarded
    def toggle_rest(clicks: list, geo: str | None, year: int | None):
        clicks, geo, year = whole_list(clicks or [], "n_clicks"), text(geo, "focus", max_length=12), whole(year, "year")
        if not clicks:
            return [], [], []
        rest, label, expanded = rest_children(data, geo, year, clicks[0])
        return [rest] * len(clicks), [label] * len(clicks), [expanded] * len(clicks)


__all__ = [
    "PANEL_ID",
    "TOP",
    "close_focus",
    "comparison_table",
    "layout",
    "portfolio_children",
    "portfolio_figure",
    "region_name",
    "register",
    "rest_children",
    "sectors_table",
]
