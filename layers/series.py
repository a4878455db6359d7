"""A region's indicator over every year of the data, beside its country's and Europe's.

One row per year of the data, always: a year whose value is confidential or missing
is a row without a value and with its status (``layers.query``: value / confidential /
no data); nothing is interpolated and no year is dropped. Values are at the
indicator's decimals, as every view shows them (``layers.ranks.shown_values``).

- The **region** and **country** lines are the map's own numbers for the region and
  for its NUTS 0 row, year by year (``layers.query.region_values``): the same value,
  flag, status and notes a map of that level, sector and year shows.
- **Europe**: the statistics file holds no EU aggregate (its geo codes are the 29
  countries, their regions and extra-regio codes), so Europe is computed here from the
  NUTS 0 rows, per indicator, only where a sum is meaningful (:data:`EUROPE_DEFINITIONS`;
  ``docs/methodology.md`` §15). The counts are the sums of the countries with a value,
  the definition of the portfolio's "EU" row (``layers.portfolio``): Norway is in
  them, and a year that lacks a country says so (``partial``, ``lacks``); nothing is
  estimated. Stars have no European value: they rank regions against each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers import nace
from layers._errors import UnknownRegionError
from layers.indicators import BASE_CODES, INDICATORS
from layers.portfolio import NUTS_ID_RE
from layers.query import STATUS_CONFIDENTIAL, STATUS_MISSING, STATUS_VALUE, ClustersIndex, decimals_of, region_values
from layers.ranks import shown_values

SERIES_COLUMNS = ("year", "value", "flag", "status", "flag_text")
"""Columns of a region's or country's line: ``flag_text`` is the flag in words plus the map's notes (partial total, upper bound …)."""
EUROPE_COLUMNS = ("year", "value", "flag", "status", "partial", "lacks")
"""Columns of Europe's line: ``lacks`` (a tuple) names the countries not in that year's sum; ``partial`` is true when
a country is lacking or adds a partial value (a total or a group sum that lacks sections or members)."""

BASES = tuple(BASE_CODES.values())
EUROPE_DEFINITIONS: dict[str, str | None] = {
    "employment": "sum of the NUTS 0 rows of the countries with a value that year (EU-28 and NO in the data)",
    "local_units": "sum of the NUTS 0 rows of the countries with a value that year (EU-28 and NO in the data)",
    "wages": "sum of the NUTS 0 rows of the countries with a value that year (EU-28 and NO in the data)",
    "avg_wage": "summed wages / summed persons employed, over the countries with both (EU-28 and NO in the data)",
    "employment_share": "the sector's summed employment / the summed employment of all sections, over the countries with both "
    "(this is the reference share of the NUTS 0 location quotients)",
    "lq": "1 by definition: a location quotient compares a region's share with the share over all regions of its level",
    "employment_change": "change of the sum over the countries with a value in both years (like with like)",
    "local_units_change": "change of the sum over the countries with a value in both years (like with like)",
    "wages_change": "change of the sum over the countries with a value in both years (like with like)",
    "stars": None,
}
"""What Europe's line is, per indicator; None: it has none (stars rank regions against each other)."""
NO_EUROPE = {"stars": "Cluster stars rank regions against the other regions of their level; Europe as a whole has none."}


@dataclass(frozen=True)
class RegionSeries:
    """One indicator of one sector over every year: the region's line, its country's and Europe's."""

    nuts_id: str
    nace_r2: str
    indicator: str
    region: pd.DataFrame
    """:data:`SERIES_COLUMNS`, one row per year of the data."""
    country: pd.DataFrame
    """The same for the region's NUTS 0 row (``nuts_id[:2]``; the region's own line for a country)."""
    europe: pd.DataFrame | None
    """:data:`EUROPE_COLUMNS`, one row per year; None where the indicator has no European value (stars)."""
    europe_definition: str
    """What Europe's value is for this indicator, in words (or why there is none)."""


def region_level(index: ClustersIndex, geo: str) -> int:
    """The region's NUTS level; :class:`UnknownRegionError` if the index has no rows of it."""
    if not isinstance(geo, str) or not NUTS_ID_RE.match(geo) or len(geo) > 4:
        raise UnknownRegionError(f"{str(geo)[:20]!r} is not a NUTS code of levels 0-2 (two capital letters, then up to two letters or digits, e.g. DE11)")
    level = len(geo) - 2
    if not any(geo in set(index.code_slice(level, nace.TOTAL, year)["geo"]) for year in index.years):
        raise UnknownRegionError(f"region {geo!r} has no statistics (NUTS 2013 codes of levels 0-2 with a shape, e.g. DE, DE1, DE11)")
    return level


def line(index: ClustersIndex, geo: str, *, nace_r2: str, indicator: str, members: tuple[str, ...] | None = None) -> pd.DataFrame:
    """``geo``'s value of ``indicator`` in ``nace_r2`` for every year of the index (:data:`SERIES_COLUMNS`), as the map shows it."""
    level = len(geo) - 2
    frames = [
        region_values(index, pd.Series([geo]), level=level, nace_r2=nace_r2, indicator=indicator, year=year, members=members).assign(year=year)
        for year in index.years
    ]
    rows = pd.concat(frames, ignore_index=True)
    out = rows.loc[:, list(SERIES_COLUMNS)].copy()
    out["year"] = out["year"].astype("int64")
    out["value"] = shown_values(out["value"].to_numpy(dtype=float), decimals_of(indicator))
    return out.reset_index(drop=True)


def _status(has_value: bool, lacking_flags: list[str]) -> str:
    if has_value:
        return STATUS_VALUE
    return STATUS_CONFIDENTIAL if any("c" in f for f in lacking_flags) else STATUS_MISSING


def _flags(values: pd.Series) -> str:
    return "".join(sorted(set("".join(values.fillna("").astype(str)))))


def _countries(index: ClustersIndex, nace_r2: str, year: int, members: tuple[str, ...] | None, countries: list[str]) -> pd.DataFrame:
    """The NUTS 0 rows of ``nace_r2`` (a group: its sums) in ``year``, one per country of the data (NaN where there is none)."""
    rows = index.slice(0, nace_r2, year, members)
    return rows.set_index("geo").reindex(countries) if "geo" in rows else pd.DataFrame(index=pd.Index(countries, name="geo"))


def _get(rows: pd.DataFrame, column: str, fill: object) -> pd.Series:
    return rows[column] if column in rows else pd.Series(fill, index=rows.index)


def _known(rows: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(_get(rows, column, np.nan), errors="coerce").astype("float64").notna()


def _complete(rows: pd.DataFrame, base: str) -> pd.Series:
    """Whether each country's value of ``base`` is whole: a total with every section, a group sum with every member."""
    return _get(rows, f"{base}_complete", True).astype("boolean").fillna(True).astype(bool)


def _europe_year(index: ClustersIndex, nace_r2: str, indicator: str, year: int, members: tuple[str, ...] | None, countries: list[str]) -> dict:
    """Europe's value of ``indicator`` in ``year`` by :data:`EUROPE_DEFINITIONS`, with its flag, status and the countries it lacks."""
    rows = _countries(index, nace_r2, year, members, countries)
    if indicator in BASES:
        used = _known(rows, indicator)
        value = float(rows.loc[used, indicator].astype("float64").sum()) if used.any() else np.nan
        flag = _flags(_get(rows, f"{indicator}_flag", "")[used])
        whole = _complete(rows, indicator)[used].all()
        lacking_flags = _get(rows, f"{indicator}_flag", "")[~used].fillna("").astype(str).tolist()
    elif indicator == "avg_wage":
        employment = pd.to_numeric(_get(rows, "employment", np.nan), errors="coerce").astype("float64")
        used = _known(rows, "wages") & (employment > 0)
        value = float(rows.loc[used, "wages"].astype("float64").sum() * 1e6 / employment[used].sum()) if used.any() else np.nan
        flag = _flags(_get(rows, "avg_wage_flag", "")[used])
        whole = (_complete(rows, "wages") & _complete(rows, "employment"))[used].all()
        lacking_flags = _get(rows, "avg_wage_flag", "")[~used].fillna("").astype(str).tolist()
    elif indicator == "employment_share":
        totals = index.code_slice(0, nace.TOTAL, year).set_index("geo").reindex(countries)
        total = pd.to_numeric(totals["employment"], errors="coerce").astype("float64") if "employment" in totals else pd.Series(np.nan, index=rows.index)
        used = _known(rows, "employment") & (total > 0)
        value = float(rows.loc[used, "employment"].astype("float64").sum() / total[used].sum() * 100.0) if used.any() else np.nan
        flag = _flags(_get(rows, "employment_flag", "")[used])
        whole = (_complete(rows, "employment") & _complete(totals, "employment"))[used].all()
        lacking_flags = _get(rows, "employment_flag", "")[~used].fillna("").astype(str).tolist()
    else:
        raise ValueError(f"no European value of {indicator}")
    lacks = tuple(c for c, u in zip(countries, used) if not u)
    has_value = bool(np.isfinite(value))
    return {
        "year": year,
        "value": value,
        "flag": flag,
        "status": _status(has_value, lacking_flags),
        "partial": has_value and (bool(lacks) or not bool(whole)),
        "lacks": lacks,
    }


def _europe_change(index: ClustersIndex, nace_r2: str, base: str, year: int, members: tuple[str, ...] | None, countries: list[str]) -> dict:
    """Percent change of Europe's sum of ``base`` on the previous year, over the countries with a whole value in both years."""
    now = _countries(index, nace_r2, year, members, countries)
    before = _countries(index, nace_r2, year - 1, members, countries)
    used = _known(now, base) & _known(before, base) & _complete(now, base) & _complete(before, base)
    a = float(now.loc[used, base].astype("float64").sum()) if used.any() else np.nan
    b = float(before.loc[used, base].astype("float64").sum()) if used.any() else np.nan
    value = (a / b - 1.0) * 100.0 if used.any() and b > 0 else np.nan
    flag = _flags(pd.concat([_get(now, f"{base}_flag", "")[used], _get(before, f"{base}_flag", "")[used]]))
    lacks = tuple(c for c, u in zip(countries, used) if not u)
    lacking_flags = (
        _get(now, f"{base}_flag", "")[~used].fillna("").astype(str).tolist() + _get(before, f"{base}_flag", "")[~used].fillna("").astype(str).tolist()
    )
    has_value = bool(np.isfinite(value))
    status = _status(has_value, lacking_flags) if _known(before, base).any() else STATUS_MISSING  # the first year has nothing to compare with
    return {"year": year, "value": value, "flag": flag, "status": status, "partial": has_value and bool(lacks), "lacks": lacks}


def _europe_lq(index: ClustersIndex, nace_r2: str, year: int, level: int, members: tuple[str, ...] | None) -> dict:
    """1 where the level has location quotients of the sector that year (its reference share exists), else no value."""
    rows = index.slice(level, nace_r2, year, members)
    has = bool(nace_r2 != nace.TOTAL and "lq" in rows and pd.to_numeric(rows["lq"], errors="coerce").notna().any())
    return {"year": year, "value": 1.0 if has else np.nan, "flag": "", "status": STATUS_VALUE if has else STATUS_MISSING, "partial": False, "lacks": ()}


def europe_line(index: ClustersIndex, *, nace_r2: str, indicator: str, level: int = 0, members: tuple[str, ...] | None = None) -> pd.DataFrame | None:
    """Europe's value of ``indicator`` for every year (:data:`EUROPE_COLUMNS`), or None when it has none (stars).

    ``level``: the level whose location quotients Europe's 1 stands for (the region's).
    """
    if EUROPE_DEFINITIONS.get(indicator) is None:
        return None
    countries = sorted(str(g) for g in index.table.loc[index.table["level"] == 0, "geo"].unique())
    records = []
    for year in index.years:
        if indicator == "lq":
            records.append(_europe_lq(index, nace_r2, year, level, members))
        elif indicator.endswith("_change"):
            records.append(_europe_change(index, nace_r2, indicator.removesuffix("_change"), year, members, countries))
        else:
            records.append(_europe_year(index, nace_r2, indicator, year, members, countries))
    out = pd.DataFrame.from_records(records, columns=list(EUROPE_COLUMNS))
    out["year"] = out["year"].astype("int64")
    out["value"] = shown_values(out["value"].to_numpy(dtype=float), decimals_of(indicator))
    out["partial"] = out["partial"].astype(bool)
    return out


def region_series(index: ClustersIndex, geo: str, *, nace_r2: str, indicator: str, members: tuple[str, ...] | None = None) -> RegionSeries:
    """``indicator`` of sector ``nace_r2`` in region ``geo`` (levels 0-2) over every year, with its country's and Europe's lines.

    ``members``: a sector group's codes, from the data's catalogue (``DashboardData.catalogue.sector(text).members``).
    Raises :class:`UnknownRegionError` for a code without statistics and ``ValueError`` for an indicator
    that is not one of the statistics' (:data:`layers.indicators.INDICATORS`).
    """
    if indicator not in INDICATORS:
        raise ValueError(f"indicator must be one of {', '.join(INDICATORS)} (the statistics' indicators), not {indicator!r}")
    level = region_level(index, geo)
    definition = EUROPE_DEFINITIONS.get(indicator)
    return RegionSeries(
        nuts_id=geo,
        nace_r2=nace_r2,
        indicator=indicator,
        region=line(index, geo, nace_r2=nace_r2, indicator=indicator, members=members),
        country=line(index, geo[:2], nace_r2=nace_r2, indicator=indicator, members=members),
        europe=europe_line(index, nace_r2=nace_r2, indicator=indicator, level=level, members=members),
        europe_definition=f"Europe: {definition}." if definition else NO_EUROPE.get(indicator, "Europe has no value of this indicator."),
    )


__all__ = ["EUROPE_COLUMNS", "EUROPE_DEFINITIONS", "SERIES_COLUMNS", "RegionSeries", "europe_line", "line", "region_level", "region_series"]
