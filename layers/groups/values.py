"""A sector group's numbers for one level and year, by the rules of a single NACE code.

A group (``C26,J61,J62,J63``, or a named one) is computed at request time, so any
group works without a rebuild. The base counts (employment, local units, wages) are
the sums over the members; everything else is derived from those sums exactly as
``layers.indicators.compute_indicators`` derives it for one code (docs/methodology.md
§4-5, §11): the same reference regions for the location quotient, the same star
thresholds over the regions with a value, the same change rule.

A member without a value (confidential, missing, or no row) is never filled in: the
sum is then the sum of the members that are known, a *partial* lower bound, and
``<base>_missing_members`` names the members it lacks. Like a partial region total,
a partial sum is not compared with the previous year (the two sums could cover
different members), and what is derived from it is marked (``layers.query``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from layers.indicators import BASE_CODES, LQ_STAR, STAR_COLUMNS, top_share_cut
from layers.join import is_extra_regio
from layers.nace import TOTAL

BASES = tuple(BASE_CODES.values())
"""employment, local_units, wages: the counts a group sums."""
GROUP_NACE_LEVEL = -1
"""``nace_level`` of a group's rows: not one level of the NACE tree."""

Columns = Mapping[str, np.ndarray]
"""Columns of one (level, code, year) slice of the table as arrays (:func:`slice_columns`)."""
Slicer = Callable[[int, str, int], Columns]
"""``ClustersIndex.code_columns``: :func:`slice_columns` of the table's rows of one level, NACE code and year."""
COLUMNS = ("employment", "local_units", "wages")
TEXT_COLUMNS = ("employment_flag", "local_units_flag", "wages_flag", "region_missing_sections")


def slice_columns(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """What a group needs of a slice, as arrays: read once per slice, so a group's sums are numpy work only."""
    out: dict[str, np.ndarray] = {"geo": rows["geo"].to_numpy(dtype=object)}
    for column in COLUMNS:
        out[column] = rows[column].to_numpy(dtype="float64", na_value=np.nan)
    for column in TEXT_COLUMNS:
        out[column] = rows[column].to_numpy(dtype=object, na_value="")
    out["region_total_complete"] = rows["region_total_complete"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return out


def _union(*flags: np.ndarray) -> np.ndarray:
    """Sorted union of flag letters, cell by cell (as ``layers.indicators`` writes flags)."""
    joined = flags[0]
    for more in flags[1:]:
        joined = joined + more
    letters = {v: "".join(sorted(set(v))) for v in pd.unique(joined)}
    return np.array([letters[v] for v in joined], dtype=object)


def _scatter(columns: Columns, positions: np.ndarray, size: int, column: str, fill: object) -> np.ndarray:
    """``columns[column]`` placed at ``positions`` of an array of ``size`` (``fill`` elsewhere)."""
    out = np.full(size, fill, dtype=object if isinstance(fill, str) else "float64")
    inside = positions >= 0  # rows of regions outside ``geos`` (-1: another year's or the totals' extra regions) are not placed
    out[positions[inside]] = columns[column][inside]
    return out


def _member_sums(slicer: Slicer, level: int, members: Sequence[str], year: int, geos: pd.Index) -> dict[str, np.ndarray]:
    """Per region of ``geos``: each base summed over the members with a value, the flags' union, the members without a value."""
    size = len(geos)
    slices = [slicer(level, code, year) for code in members]
    positions = [geos.get_indexer(c["geo"]) for c in slices]
    codes = np.array(members, dtype=object)
    out: dict[str, np.ndarray] = {}
    for base in BASES:
        values = np.column_stack([_scatter(c, at, size, base, np.nan) for c, at in zip(slices, positions)]).astype("float64")
        known = ~np.isnan(values)
        out[base] = np.where(known.any(axis=1), np.where(known, values, 0.0).sum(axis=1), np.nan)
        out[f"{base}_complete"] = known.all(axis=1)
        # each pattern of known members once (a few), then one lookup per region
        weights = 1 << np.arange(len(members), dtype=np.int64)
        pattern = (known * weights).sum(axis=1)
        texts = {int(p): ",".join(codes[(int(p) & weights) == 0]) for p in np.unique(pattern)}
        out[f"{base}_missing_members"] = np.array([texts[int(p)] for p in pattern], dtype=object)
        out[f"{base}_flag"] = _union(*(_scatter(c, at, size, f"{base}_flag", "") for c, at in zip(slices, positions)))
    return out


def _either(members: Sequence[str], now: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Members missing in either year, comma-joined in the members' order."""
    pairs = {(a, b): ",".join(m for m in members if m in set(a.split(",")) | set(b.split(","))) for a, b in set(zip(now, before))}
    return np.array([pairs[pair] for pair in zip(now, before)], dtype=object)


def _change(now: np.ndarray, now_complete: np.ndarray, before: np.ndarray, before_complete: np.ndarray) -> np.ndarray:
    """Percent change on the previous year; NaN where either sum is partial or the ratio is not finite."""
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (np.where(now_complete, now, np.nan) / np.where(before_complete, before, np.nan) - 1.0) * 100.0
    change[~np.isfinite(change)] = np.nan
    return change


def _top_share_star(values: np.ndarray, is_region: np.ndarray) -> pd.Series:
    """``layers.indicators``' size/productivity star for one level, year and sector: top 10% of the regions with a value, above 0."""
    reference = values[is_region & ~np.isnan(values)]
    star = pd.Series(np.zeros(len(values), dtype=bool), dtype="boolean")
    if reference.size == 0:
        star[:] = pd.NA
        return star
    cut = top_share_cut(reference)
    with np.errstate(invalid="ignore"):
        star[:] = (values >= cut) & (values > 0)
    star[np.isnan(values)] = pd.NA
    return star


def group_rows(slicer: Slicer, *, level: int, members: Sequence[str], year: int, sector: str) -> pd.DataFrame:
    """The table's columns for the group ``members`` at ``level`` and ``year``, one row per region, ``nace_r2 = sector``.

    ``slicer`` reads the aggregate table (regions with a shape only, as ``ClustersIndex``
    holds it): the members' rows this year and last, and the region totals (``TOTAL``).
    """
    totals = slicer(level, TOTAL, year)
    # the regions with a row for a member (as a single code has rows only where the file has its line)
    geos = pd.Index(np.unique(np.concatenate([slicer(level, code, year)["geo"] for code in members])), name="geo")
    if geos.empty:
        return pd.DataFrame(columns=["geo", "nace_r2", "level", "year"])
    size = len(geos)
    at = geos.get_indexer(totals["geo"])
    table = _member_sums(slicer, level, members, year, geos)
    previous = _member_sums(slicer, level, members, year - 1, geos)
    extra_regio = is_extra_regio(pd.Series(geos)).to_numpy(dtype=bool)
    is_region = ~extra_regio

    employment, wages = table["employment"], table["wages"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["avg_wage"] = np.where(employment > 0, wages * 1e6 / employment, np.nan)
    table["avg_wage_flag"] = _union(table["wages_flag"], table["employment_flag"])

    region_employment = _scatter(totals, at, size, "employment", np.nan).astype("float64")
    complete = np.zeros(size, dtype=bool)
    complete[at[at >= 0]] = totals["region_total_complete"][at >= 0]
    table["region_total_complete"] = complete
    table["region_missing_sections"] = _scatter(totals, at, size, "region_missing_sections", "")
    has_total = region_employment > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(has_total, employment / region_employment * 100.0, np.nan)
    table["employment_share"] = share
    table["employment_share_flag"] = table["employment_flag"]

    reference = is_region & ~np.isnan(employment) & has_total
    reference_total = region_employment[reference].sum()
    ref_share = employment[reference].sum() / reference_total if reference.any() and reference_total > 0 else np.nan
    table["lq"] = np.where(is_region, share / 100.0 / ref_share, np.nan)
    table["lq_flag"] = table["employment_flag"]

    for base in BASES:
        table[f"{base}_change"] = _change(table[base], table[f"{base}_complete"], previous[base], previous[f"{base}_complete"])
        table[f"{base}_change_flag"] = _union(table[f"{base}_flag"], previous[f"{base}_flag"])
        # "not compared" is said where both years have a (partial) sum; with none in a year there is simply no value
        both = ~np.isnan(table[base]) & ~np.isnan(previous[base])
        lacking = _either(members, table[f"{base}_missing_members"], previous[f"{base}_missing_members"])
        table[f"{base}_change_missing_members"] = np.where(both, lacking, "").astype(object)

    stars = {
        "star_size": _top_share_star(employment, is_region),
        "star_specialisation": pd.Series(table["lq"] >= LQ_STAR, dtype="boolean").where(~np.isnan(table["lq"]), pd.NA),
        "star_productivity": _top_share_star(table["avg_wage"], is_region),
    }
    for column, star in stars.items():  # extra-regio is not a region: no stars either way
        star[extra_regio] = pd.NA
        table[column] = star.to_numpy()
    known = sum(stars[c].notna().to_numpy().astype("int8") for c in STAR_COLUMNS)
    earned = sum(stars[c].fillna(False).to_numpy().astype("int8") for c in STAR_COLUMNS)
    table["stars_known"] = np.asarray(known, dtype="int8")
    table["stars"] = np.where(is_region & (known > 0), earned, np.nan)
    table["stars_flag"] = _union(table["lq_flag"], table["avg_wage_flag"])
    frame = pd.DataFrame(table)
    for column in STAR_COLUMNS:
        frame[column] = frame[column].astype("boolean")
    frame.insert(0, "geo", geos.to_numpy())
    frame["level"] = np.int8(level)
    frame["year"] = np.int16(year)
    frame["nace_r2"] = sector
    frame["nace_level"] = np.int8(GROUP_NACE_LEVEL)
    frame["country"] = frame["geo"].str[:2]
    frame["extra_regio"] = extra_regio
    frame["has_shape"] = True
    return frame
