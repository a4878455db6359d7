"""The panel's tables: the region against its country and the EU, its sectors, its organisations.

Accessible tables (caption, column and row headers) built from the data layer's
numbers, with Eurostat flags and missing values said in words. Every name and
label goes into text components, which Dash escapes; nothing is set as raw HTML.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from dash import html
from dash.development.base_component import Component

from dashboard.data import DashboardData
from dashboard.figures import format_value
from dashboard.html_attrs import wildcard_props
from layers import nace
from layers.eurostat import flag_words
from layers.portfolio import region_comparison

STAR_DIMENSIONS = (("star_size", "size"), ("star_specialisation", "specialisation"), ("star_productivity", "productivity"))
DASH = "–"


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
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col", className="num" if h in ("Members", "Employees") else None)
                        for h in ("Name", "NACE codes", "Members", "Employees", "NUTS 3 region")
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        className="portfolio-table portfolio-organisations",
    )
    return [title, html.Div(table, className="portfolio-scroll", tabIndex="0"), html.P(about + more, className="portfolio-note")]


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
        tabIndex="0",
    )


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
                    html.Span(glyphs, className="portfolio-stars", **wildcard_props({"aria-hidden": "true"})),
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
    children: list[Component] = [table]
    if common:
        children.append(html.P(f"Eurostat flags on every sector above: {flag_words(''.join(sorted(common)))}.", className="portfolio-note"))
    return html.Div(children)
