"""A region's sector portfolio and how it compares with its country and the EU.

Read-only functions on the aggregate table (``layers.clusters``) or a
``layers.query.ClustersIndex`` over it; nothing here knows Dash or Flask.

- :func:`region_portfolio`: the region's sectors, strongest first (cluster
  stars, then location quotient).
- :func:`region_comparison`: the region's persons employed and average wage
  next to its country's NUTS 0 row and the "EU" row.
- :func:`region_groups`: the named sector groups (``layers.groups``) in the region,
  strongest first, with the members a partial sum lacks.

"EU" here means exactly: **the sum of the NUTS 0 rows of the countries in the
table for that year and sector** (the sbs_r_nuts06_r2 file has EU-28 and NO, so
Norway is in that sum although it is not an EU member; :data:`EU28` names the
members so the result can say so). A country whose value is confidential or
missing is left out of the sum and named; a country whose own total lacks
sections adds a lower bound and is named too. Nothing is estimated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from layers import nace
from layers._errors import UnknownRegionError, UnknownYearError
from layers.groups.catalogue import SectorGroup
from layers.query import ClustersIndex

PORTFOLIO_COLUMNS = (
    "nace_r2",
    "label",
    "stars",
    "star_size",
    "star_specialisation",
    "star_productivity",
    "lq",
    "employment",
    "employment_flag",
    "wages",
    "avg_wage",
    "employment_share",
    "stars_known",
)
"""Columns of :func:`region_portfolio`, in order (``stars_known``: 0-3 star dimensions known)."""

EU28 = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "UK",
    ]
)
"""EU member states in the reference years 2008-2015, in Eurostat's codes (EL Greece, UK United Kingdom)."""

NUTS_ID_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
"""What a NUTS code looks like: country letters, then up to three letters or digits."""


def _table(table_or_index: pd.DataFrame | ClustersIndex) -> pd.DataFrame:
    return table_or_index.table if isinstance(table_or_index, ClustersIndex) else table_or_index


def _region_rows(table: pd.DataFrame, geo: str, year: int) -> pd.DataFrame:
    """The region's rows of ``year``; raises if the region or the year is not in the table."""
    if not isinstance(geo, str) or not NUTS_ID_RE.match(geo):
        raise UnknownRegionError(f"{str(geo)[:20]!r} is not a NUTS code (two capital letters, then up to three letters or digits, e.g. DE11)")
    rows = table.loc[table["geo"] == geo]
    if rows.empty:
        raise UnknownRegionError(f"region {geo!r} has no statistics in the table (NUTS 2013 codes of levels 0-2, e.g. DE, DE1, DE11)")
    years = table["year"].unique()
    if int(year) not in {int(y) for y in years}:
        raise UnknownYearError(f"year {year} has no statistics; years in the table: {int(years.min())}-{int(years.max())}")
    return rows.loc[rows["year"] == int(year)]


def region_portfolio(table_or_index: pd.DataFrame | ClustersIndex, geo: str, *, year: int, limit: int | None = None) -> pd.DataFrame:
    """The region's sectors in ``year``, strongest first: stars (desc, NaN last), then LQ (desc, NaN last), then code.

    Every sector row counts (sections, divisions and groups; not ``TOTAL``). A
    region with rows in other years but none in ``year`` gets an empty frame.
    ``stars`` counts the stars earned among the ``stars_known`` dimensions (a
    lower bound when fewer than 3 are known); stars and LQ use a region total
    that may lack sections (see ``docs/methodology.md``, 4.3 and 5).
    Raises :class:`UnknownRegionError` / :class:`UnknownYearError`.
    """
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit < 0):
        raise ValueError(f"limit must be a whole number >= 0 or None, not {limit!r}")
    rows = _region_rows(_table(table_or_index), geo, year)
    rows = rows.loc[rows["nace_r2"] != nace.TOTAL]
    rows = rows.sort_values(["stars", "lq", "nace_r2"], ascending=[False, False, True], na_position="last", kind="stable")
    if limit is not None:
        rows = rows.head(int(limit))
    out = pd.DataFrame(
        {
            "nace_r2": rows["nace_r2"].astype(str).to_numpy(),
            "label": [nace.label(c) for c in rows["nace_r2"]],
        }
    )
    for column in PORTFOLIO_COLUMNS[2:]:
        out[column] = rows[column].to_numpy() if column != "employment_flag" else rows[column].fillna("").astype(str).to_numpy()
    for column in ("star_size", "star_specialisation", "star_productivity"):
        out[column] = out[column].astype("boolean")
    return out


GROUP_COLUMNS = (
    "id",
    "name",
    "kind",
    "members",
    "approximation",
    "note",
    "stars",
    "star_size",
    "star_specialisation",
    "star_productivity",
    "stars_known",
    "lq",
    "employment",
    "employment_flag",
    "wages",
    "avg_wage",
    "avg_wage_flag",
    "employment_share",
    "partial",
    "lacks",
    "wages_lacks",
)
"""Columns of :func:`region_groups`, in order. ``members``, ``lacks`` and ``wages_lacks`` are tuples of NACE codes."""


def _codes(text: object) -> tuple[str, ...]:
    return tuple(c for c in str(text or "").split(",") if c) if not pd.isna(text) else ()


def _group_slice(index: ClustersIndex, group: SectorGroup, level: int, year: int) -> pd.DataFrame:
    """The group's rows at ``level`` and ``year`` (the index's cached group slice)."""
    return index.slice(level, group.id, year, group.members)


def region_groups(index: ClustersIndex, geo: str, *, year: int, groups: Iterable[SectorGroup]) -> pd.DataFrame:
    """The named groups in region ``geo`` and ``year``, one row each (:data:`GROUP_COLUMNS`), strongest first.

    Order: stars (desc, unknown last), then LQ (desc, unknown last), then the catalogue's
    order, the rule of :func:`region_portfolio`, so the two lists read alike. The values are
    the group's rows of the region's level (``layers.groups.values``: sums over the members,
    LQ and stars by the single-code rules). A member without a value is never filled in:
    ``lacks`` names the members missing from the employment sum (the value, its share, LQ,
    the size and specialisation stars), ``wages_lacks`` those missing from the wage sum
    (average wage, productivity star), and ``partial`` is true when either is not empty:
    then the sums are lower bounds. Raises :class:`UnknownRegionError` / :class:`UnknownYearError`;
    a region without rows in ``year`` gets an empty frame.
    """
    rows = _region_rows(index.table, geo, year)
    catalogue = list(groups)
    if rows.empty or not catalogue:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in GROUP_COLUMNS})
    level = int(rows["level"].iloc[0])
    records = []
    for position, group in enumerate(catalogue):
        found = _group_slice(index, group, level, int(year))
        found = found.loc[found["geo"] == geo] if "geo" in found else found.iloc[0:0]
        row = found.iloc[0] if len(found) else None

        def get(column: str, row: pd.Series | None = row) -> Any:
            return row[column] if row is not None and column in row.index else np.nan

        lacks = _codes(get("employment_missing_members")) if row is not None else group.members
        wages_lacks = _codes(get("wages_missing_members")) if row is not None else group.members
        records.append(
            {
                "id": group.id,
                "name": group.name,
                "kind": group.kind,
                "members": group.members,
                "approximation": group.approximation,
                "note": group.note,
                "stars": get("stars"),
                "star_size": get("star_size"),
                "star_specialisation": get("star_specialisation"),
                "star_productivity": get("star_productivity"),
                "stars_known": int(get("stars_known")) if row is not None else 0,
                "lq": get("lq"),
                "employment": get("employment"),
                "employment_flag": str(get("employment_flag") or "") if row is not None else "",
                "wages": get("wages"),
                "avg_wage": get("avg_wage"),
                "avg_wage_flag": str(get("avg_wage_flag") or "") if row is not None else "",
                "employment_share": get("employment_share"),
                "partial": bool(lacks or wages_lacks),
                "lacks": lacks,
                "wages_lacks": wages_lacks,
                "_position": position,
            }
        )
    out = pd.DataFrame.from_records(records)
    for column in ("stars", "lq", "employment", "wages", "avg_wage", "employment_share"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in ("star_size", "star_specialisation", "star_productivity"):
        out[column] = out[column].astype("boolean")
    out["stars_known"] = out["stars_known"].astype("int8")
    out = out.sort_values(["stars", "lq", "_position"], ascending=[False, False, True], na_position="last", kind="stable")
    return out.loc[:, list(GROUP_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class EUSum:
    """How the "EU" row was summed: which countries are in, which are out and why."""

    definition: str
    countries: tuple[str, ...]
    """Countries whose employment is in the sum."""
    wage_countries: tuple[str, ...]
    """Countries in the average wage (both wages and employment known)."""
    missing: dict[str, str] = field(default_factory=dict)
    """Country → why it is not in the employment sum ("confidential", "no data", "no row for this year")."""
    partial: tuple[str, ...] = ()
    """Countries in the sum whose own value is a partial total (it lacks sections)."""
    non_eu: tuple[str, ...] = ()
    """Countries in the sum that are not EU member states (:data:`EU28`)."""

    @property
    def is_partial(self) -> bool:
        """The sum lacks a country's value or adds a partial total."""
        return bool(self.missing or self.partial)

    def note(self) -> str:
        """One sentence for people."""
        parts = [self.definition + "."]
        if self.missing:
            parts.append("Not in the sum: " + ", ".join(f"{c} ({why})" for c, why in sorted(self.missing.items())) + ".")
        if self.partial:
            parts.append("Partial totals (lacking sections) in the sum: " + ", ".join(self.partial) + ".")
        if self.non_eu:
            parts.append("Includes non-EU countries: " + ", ".join(self.non_eu) + ".")
        parts.append("The sum is therefore partial (a lower bound)." if self.is_partial else "Every country in the data has a complete value.")
        return " ".join(parts)


@dataclass(frozen=True)
class RegionComparison:
    """A region next to its country and the EU sum, for one sector (default the region's total) and year."""

    geo: str
    year: int
    nace_r2: str
    rows: pd.DataFrame
    """One row per scope (``region``, ``country``, ``eu``): geo, employment, employment_flag,
    employment_complete, avg_wage, avg_wage_flag, avg_wage_complete, region_employment_pct
    (region's employment as % of that scope's) and region_avg_wage_index (region's average
    wage, that scope's = 100)."""
    eu: EUSum


def _complete(row: pd.Series, names: tuple[str, ...]) -> bool:
    return bool(all(bool(row.get(f"{n}_complete", True)) for n in names))


def region_comparison(table_or_index: pd.DataFrame | ClustersIndex, geo: str, *, year: int, nace_r2: str = nace.TOTAL) -> RegionComparison:
    """Persons employed and average wage of ``geo`` against its country (NUTS 0 row ``geo[:2]``) and the EU.

    The EU row is the sum of the NUTS 0 rows of the countries in the table that
    year (see the module docstring and :class:`EUSum`): employment over the
    countries with an employment value, average wage as summed wages / summed
    employment over the countries with both. Missing values are NaN, never 0.
    Raises :class:`UnknownRegionError` / :class:`UnknownYearError`.
    """
    table = _table(table_or_index)
    region = _region_rows(table, geo, year)
    region = region.loc[region["nace_r2"] == nace_r2]
    country_code = geo[:2]
    countries_all = table.loc[table["level"] == 0]
    countries = countries_all.loc[(countries_all["year"] == int(year)) & (countries_all["nace_r2"] == nace_r2)]
    countries = countries.set_index("geo").sort_index()

    records = []

    def record(scope: str, code: str, row: pd.Series | None) -> None:
        if row is None:
            records.append(
                {
                    "scope": scope,
                    "geo": code,
                    "employment": np.nan,
                    "employment_flag": "",
                    "employment_complete": False,
                    "avg_wage": np.nan,
                    "avg_wage_flag": "",
                    "avg_wage_complete": False,
                }
            )
            return
        records.append(
            {
                "scope": scope,
                "geo": code,
                "employment": float(row["employment"]),
                "employment_flag": str(row["employment_flag"] or ""),
                "employment_complete": _complete(row, ("employment",)),
                "avg_wage": float(row["avg_wage"]),
                "avg_wage_flag": str(row["avg_wage_flag"] or ""),
                "avg_wage_complete": _complete(row, ("employment", "wages")),
            }
        )

    record("region", geo, region.iloc[0] if len(region) else None)
    record("country", country_code, countries.loc[country_code] if country_code in countries.index else None)

    in_data = sorted(countries_all["geo"].unique())
    employment = countries["employment"]
    has_employment = employment.notna()
    has_both = has_employment & countries["wages"].notna() & (employment > 0)
    missing: dict[str, str] = {}
    for code in in_data:
        if code not in countries.index:
            missing[code] = "no row for this year"
        elif not has_employment[code]:
            missing[code] = "confidential" if "c" in str(countries.at[code, "employment_flag"]) else "no data"
    summed = countries.loc[has_employment]
    partial = tuple(c for c in summed.index if not bool(summed.at[c, "employment_complete"]))
    definition = f"EU = sum of the NUTS 0 rows of the {len(summed)} countries with a value in the data for {int(year)} ({nace.display_name(nace_r2)})"
    eu = EUSum(
        definition=definition,
        countries=tuple(summed.index),
        wage_countries=tuple(countries.index[has_both]),
        missing=missing,
        partial=partial,
        non_eu=tuple(c for c in summed.index if c not in EU28),
    )
    eu_employment = float(summed["employment"].sum()) if len(summed) else np.nan
    wage_rows = countries.loc[has_both]
    eu_avg = float(wage_rows["wages"].sum() * 1e6 / wage_rows["employment"].sum()) if len(wage_rows) else np.nan
    wage_partial = bool(set(in_data) - set(wage_rows.index)) or not all(_complete(r, ("employment", "wages")) for _, r in wage_rows.iterrows())
    records.append(
        {
            "scope": "eu",
            "geo": "EU",
            "employment": eu_employment,
            "employment_flag": "".join(sorted(set("".join(summed["employment_flag"].astype(str))))),
            "employment_complete": not eu.is_partial,
            "avg_wage": eu_avg,
            "avg_wage_flag": "".join(sorted(set("".join(wage_rows["avg_wage_flag"].astype(str))))),
            "avg_wage_complete": not wage_partial,
        }
    )
    rows = pd.DataFrame.from_records(records)
    own = rows.iloc[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["region_employment_pct"] = own["employment"] / rows["employment"].where(rows["employment"] > 0) * 100.0
        rows["region_avg_wage_index"] = own["avg_wage"] / rows["avg_wage"].where(rows["avg_wage"] > 0) * 100.0
    return RegionComparison(geo=geo, year=int(year), nace_r2=nace_r2, rows=rows, eu=eu)


__all__ = [
    "EU28",
    "GROUP_COLUMNS",
    "NUTS_ID_RE",
    "PORTFOLIO_COLUMNS",
    "EUSum",
    "RegionComparison",
    "UnknownRegionError",
    "UnknownYearError",
    "region_comparison",
    "region_groups",
    "region_portfolio",
]
