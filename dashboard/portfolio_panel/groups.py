"""The panel's "Named groups" section: the region's emerging industries (and an observatory's own groups).

One table, beside the strongest NACE codes: each named group's stars (and for which
dimension), LQ and persons employed, from ``layers.portfolio.region_groups``. A sum that
lacks a member (confidential or no data) is never filled in: its cell says "partial sum:
lacks J61", a lower bound. Every group that approximates an official definition is labelled
"approximation at the data's NACE level"; its note (members, what it leaves out) sits in the
row's ``title`` and in a ``details`` element a keyboard reaches. A group's "Map" button
sets the map's sector to the group (``dashboard.portfolio_panel.callbacks``).
"""

from __future__ import annotations

import pandas as pd
from dash import html
from dash.development.base_component import Component

from dashboard.data import DashboardData
from dashboard.figures import format_value
from dashboard.html_attrs import wildcard_props
from dashboard.portfolio_panel.layout import GROUP_MAP_ID
from dashboard.portfolio_panel.tables import DASH, _finite, _number, _star_glyphs, _stars_text
from layers.groups.catalogue import APPROXIMATION_LABEL
from layers.portfolio import UnknownRegionError, UnknownYearError, region_groups

GROUPS_HEADER = ("Group (member NACE codes)", "Stars (earned for)", "LQ", "Persons employed")
GROUPS_TITLE = "Named groups"


def _lacks_text(codes: tuple[str, ...]) -> str:
    return ", ".join(codes)


def employment_mark(row: pd.Series) -> str:
    """The persons-employed cell's mark: "partial sum: lacks J61" for a sum without some members, else ""."""
    if row["lacks"] and _finite(row["employment"]):
        return f"partial sum: lacks {_lacks_text(row['lacks'])}"
    if row["lacks"]:
        return "no member has a value"
    return ""


def stars_mark(row: pd.Series) -> str:
    """The stars cell's mark when the stars come from partial sums (employment, or wages for productivity)."""
    if not _finite(row["stars"]):
        return ""
    if row["lacks"]:
        return "from a partial sum"  # the persons-employed cell names the members it lacks
    if row["wages_lacks"]:
        return f"productivity from a partial wage sum: lacks {_lacks_text(row['wages_lacks'])}"
    return ""


def _cell(value: str, mark: str, class_name: str | None = None) -> html.Td:
    children: list = [value]
    if mark:
        children += [html.Br(), html.Span(mark, className="portfolio-flag portfolio-partial")]
    return html.Td(children, className=class_name)


def _name_cell(row: pd.Series, label_each: bool) -> html.Th:
    """The group's name and members; its note on hover (``title``) and in a disclosure a keyboard opens.

    The approximation label goes on the row too when the section's label does not cover every group.
    """
    members: list = [html.Span(" + ".join(row["members"]), className="portfolio-code portfolio-group-members")]
    if label_each and bool(row["approximation"]):
        members += [html.Br(), html.Span(APPROXIMATION_LABEL, className="portfolio-flag")]
    map_it = html.Button(
        "Map",
        id={**GROUP_MAP_ID, "group": row["id"]},
        n_clicks=0,
        type="button",
        className="portfolio-map-group",
        title=f"Show {row['name']} on the map",
        **wildcard_props({"aria-label": f"Show {row['name']} on the map"}),
    )
    return html.Th(
        [
            html.Span(row["name"], className="portfolio-group-name", title=row["note"]),
            " ",
            map_it,
            html.Br(),
            *members,
            html.Details(
                [html.Summary("About this group"), html.P(row["note"], className="portfolio-note")],
                className="portfolio-group-about",
            ),
        ],
        scope="row",
    )


def _group_rows(groups: pd.DataFrame, label_each: bool) -> list[html.Tr]:
    rows = []
    for _, row in groups.iterrows():
        stars, dims = _stars_text(row)
        glyphs = _star_glyphs(row)
        stars_children: list = [
            html.Span(glyphs, className="portfolio-stars", **wildcard_props({"aria-hidden": "true"})),
            " " if glyphs else "",
            stars,
            html.Br(),
            html.Span(dims, className="portfolio-flag"),
        ]
        mark = stars_mark(row)
        if mark:
            stars_children += [html.Br(), html.Span(mark, className="portfolio-flag portfolio-partial")]
        lq = format_value(float(row["lq"]), "lq") if _finite(row["lq"]) else DASH
        rows.append(
            html.Tr(
                [
                    _name_cell(row, label_each),
                    html.Td(stars_children),
                    _cell(lq, "from a partial sum" if row["lacks"] and _finite(row["lq"]) else "", "num"),
                    _cell(_number(row["employment"], "employment", row["employment_flag"]), employment_mark(row), "num"),
                ],
                **wildcard_props({"data-group": row["id"]}),
            )
        )
    return rows


def groups_section(data: DashboardData, geo: str, year: int, label: str) -> list[Component]:
    """Heading, approximation label, table and note for the region's named groups; [] when none is loaded or the region has none."""
    if not data.groups:
        return []
    try:
        groups = region_groups(data.index, geo, year=year, groups=data.groups)
    except (UnknownRegionError, UnknownYearError):
        return []
    if groups.empty:
        return []
    approximations = int(groups["approximation"].astype(bool).sum())
    about = ["Sectors that cut across NACE, each the sum of the member codes listed, with LQ and stars by the rules of a single code."]
    if approximations == len(groups):
        about.append(f"Every group here is an {APPROXIMATION_LABEL}: the official definitions use finer classes this data lacks.")
    elif approximations:
        about.append(f"Groups marked “{APPROXIMATION_LABEL}” approximate an official definition that uses finer classes this data lacks.")
    table = html.Table(
        [
            html.Caption(f"Named groups of {label} in {year}, strongest first (stars, then LQ)"),
            html.Thead(html.Tr([html.Th(h, scope="col", className="num" if h in ("LQ", "Persons employed") else None) for h in GROUPS_HEADER])),
            html.Tbody(_group_rows(groups, label_each=0 < approximations < len(groups))),
        ],
        className="portfolio-table portfolio-groups",
    )
    notes = [html.P(" ".join(about), className="portfolio-note portfolio-approximation")]
    after = []
    if groups["partial"].astype(bool).any():
        after.append(
            html.P(
                "A partial sum lacks members that are confidential or have no data: it is a lower bound, never filled in, "
                "and the LQ and stars computed from it are marked the same way.",
                className="portfolio-note",
            )
        )
    return [html.H3(GROUPS_TITLE), *notes, html.Div(table, className="portfolio-scroll", tabIndex="0"), *after]


__all__ = ["GROUPS_HEADER", "GROUPS_TITLE", "employment_mark", "groups_section", "stars_mark"]
