"""The compared regions' numbers, each read from where it lives: nothing is computed here.

- value, flag words, rank of how many: ``DashboardData.values`` for the map of the region's own
  level (all its regions, so the rank is the map's and ``/api/v1/values``'s for that level);
- stars and which were earned: the same with ``indicator=stars`` (the count, then each dimension);
- the trend lines: ``DashboardData.series``; the strongest sectors: ``layers.portfolio.region_portfolio``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pandas as pd

from dashboard.data import DashboardData
from dashboard.view import MapView
from layers._errors import UnknownRegionError, UnknownYearError
from layers.indicators import INDICATORS
from layers.portfolio import region_portfolio
from layers.query import STAR_NAMES

TOP_DIVISIONS = 5
"""Divisions per region in the aligned sectors table (its top by stars then LQ)."""
DIVISION = re.compile(r"^[A-U][0-9]{2}$")
FALLBACK_INDICATOR = "employment"


@dataclass(frozen=True)
class RegionValues:
    """One compared region's numbers in the view."""

    nuts_id: str
    name: str
    level: int
    value: float
    status: str
    flag_text: str
    rank: float
    ranked: int
    stars: float
    earned: tuple[str, ...]
    unknown: tuple[str, ...]


def statistics_indicator(view: MapView) -> str:
    """The view's indicator, or persons employed for an organisation indicator (the records have no years or ranks per level)."""
    return view.indicator if view.indicator in INDICATORS else FALLBACK_INDICATOR


def level_view(view: MapView, level: int, indicator: str, star: str = "all") -> MapView:
    """The map of ``level`` with the view's sector and year: what ``/api/v1/values?level=…&sector=…&indicator=…&year=…`` answers."""
    return replace(
        view, level=level, indicator=indicator, star=star, zoom=None, region=None, compare=(), analysis="values",
        scheme="quantiles", k=5, breaks=(), classes="year", points=False,
    )  # fmt: skip


def _row(data: DashboardData, view: MapView, geo: str) -> pd.Series:
    level = len(geo) - 2
    ids = pd.Series(data.geometry[level].ids)
    frame = data.values(view, ids)
    return frame.loc[frame["nuts_id"] == geo].iloc[0]


def star_dimensions(data: DashboardData, view: MapView, geo: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(earned, unknown): the region's star dimensions in words, read from its row of the table (``layers.query.STAR_NAMES``)."""
    sector = data.catalogue.sector(view.nace_r2)
    rows = data.index.slice(len(geo) - 2, view.nace_r2, view.year, sector.members if sector.is_group else None)
    row = rows.loc[rows["geo"] == geo]
    flags = {word: (row[column].iloc[0] if len(row) else pd.NA) for column, word in STAR_NAMES.items()}
    return tuple(w for w, f in flags.items() if not pd.isna(f) and bool(f)), tuple(w for w, f in flags.items() if pd.isna(f))


def compared_values(data: DashboardData, view: MapView, codes: tuple[str, ...]) -> list[RegionValues]:
    """Each compared region's value, rank and stars in the view's sector and year, at its own level."""
    indicator = statistics_indicator(view)
    out = []
    for geo in codes:
        level = len(geo) - 2
        row = _row(data, level_view(view, level, indicator), geo)
        stars = _row(data, level_view(view, level, "stars"), geo)
        earned, unknown = star_dimensions(data, view, geo)
        out.append(
            RegionValues(
                nuts_id=geo,
                name=data.region_names.get(geo, geo),
                level=level,
                value=float(row["value"]),
                status=str(row["status"]),
                flag_text=str(row["flag_text"] or ""),
                rank=float(row["rank"]),
                ranked=int(row["ranked"]),
                stars=float(stars["value"]),
                earned=earned,
                unknown=unknown,
            )
        )
    return out


def top_divisions(data: DashboardData, geo: str, year: int) -> pd.DataFrame:
    """The region's NACE divisions in ``year``, strongest first (stars, then LQ: the portfolio's order); empty without statistics."""
    try:
        portfolio = region_portfolio(data.index, geo, year=year)
    except (UnknownRegionError, UnknownYearError):
        return pd.DataFrame(columns=["nace_r2", "label", "stars", "lq"])
    return portfolio.loc[portfolio["nace_r2"].map(lambda c: bool(DIVISION.match(str(c))))].reset_index(drop=True)


def aligned_sectors(data: DashboardData, codes: tuple[str, ...], year: int) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The union of each region's top :data:`TOP_DIVISIONS` divisions, as rows, and each region's divisions by code.

    Order: in the most regions' top first, then the best stars, then the best LQ among the regions, then code.
    """
    divisions = {geo: top_divisions(data, geo, year) for geo in codes}
    tops = {geo: list(frame["nace_r2"].head(TOP_DIVISIONS)) for geo, frame in divisions.items()}
    union = list(dict.fromkeys(code for geo in codes for code in tops[geo]))
    by_code = {geo: frame.set_index("nace_r2") for geo, frame in divisions.items()}

    def best(code: str, column: str) -> float:
        found = [float(by_code[g].at[code, column]) for g in codes if code in by_code[g].index and pd.notna(by_code[g].at[code, column])]
        return max(found) if found else -1.0

    rows = pd.DataFrame(
        {
            "nace_r2": union,
            "in_top": [sum(code in tops[g] for g in codes) for code in union],
            "best_stars": [best(code, "stars") for code in union],
            "best_lq": [best(code, "lq") for code in union],
        }
    )
    rows = rows.sort_values(["in_top", "best_stars", "best_lq", "nace_r2"], ascending=[False, False, False, True], kind="stable").reset_index(drop=True)
    rows["tops"] = [tuple(g for g in codes if code in tops[g]) for code in rows["nace_r2"]]
    return rows, by_code


__all__ = ["TOP_DIVISIONS", "RegionValues", "aligned_sectors", "compared_values", "level_view", "statistics_indicator", "top_divisions"]
