"""The change of a view's indicator from an earlier year (``since``) to the view's year: one number per region, computed here.

Counts and wages change as a growth rate, ``(x_year / x_since − 1) × 100`` (%); the
share of the region's employment in percentage points, ``share_year − share_since``
(pp); the location quotient as a difference, ``LQ_year − LQ_since``. Each year's
value is the table's (``layers.query.region_values``; a sector group's through its
members' sums), so a change is exactly the two numbers a reader sees in the two years.

The flag rules (docs/methodology.md §17): a cell confidential or missing in either year
gives no change, with its status and a note naming the year that lacks it; a sum over
parts that are not all known (a region's partial total, a group's partial sum) in either
year is never compared, as the year-on-year changes are not (§4.2, §11); a growth rate
from zero is not a number. Ranks and classes are then taken on the change as shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.eurostat import flag_words
from layers.indicators import INDICATORS, Indicator
from layers.nace import TOTAL
from layers.query import STATUS_CONFIDENTIAL, STATUS_MISSING, STATUS_VALUE, ClustersIndex, region_values
from layers.ranks import rank_columns

GROWTH, POINTS, DIFFERENCE = "growth", "points", "difference"
KINDS: dict[str, str] = {
    "employment": GROWTH,
    "local_units": GROWTH,
    "wages": GROWTH,
    "avg_wage": GROWTH,
    "employment_share": POINTS,
    "lq": DIFFERENCE,
}
"""The indicators a period change exists for, and how each changes. Stars have no meaningful change, the
``*_change`` indicators are changes already, the organisation indicators have no years."""
UNITS = {GROWTH: "%", POINTS: "pp", DIFFERENCE: "LQ difference"}
DECIMALS = {GROWTH: 1, POINTS: 2, DIFFERENCE: 2}
"""Growth to 0.1 % as the year-on-year changes; the share's points and the LQ's difference at the decimals of the share and the LQ."""
FORMULAS = {
    GROWTH: "growth rate: (value in {year} / value in {since} − 1) × 100",
    POINTS: "percentage points: share in {year} − share in {since}",
    DIFFERENCE: "difference: LQ in {year} − LQ in {since}",
}
_BASES = {"avg_wage": ("wages", "employment"), "employment_share": ("employment",), "lq": ("employment",)}
"""The sums each indicator is computed from (default: its own), whose completeness decides whether two years compare."""


def has_period_change(indicator: str) -> bool:
    """Whether ``indicator`` has a change between two years (``since``)."""
    return indicator in KINDS


def period_indicator(indicator: str, since: int, year: int) -> Indicator:
    """How a period change is shown: "Persons employed, change 2009–2014", its unit (%, pp, LQ difference) and decimals."""
    base, kind = INDICATORS[indicator], KINDS[indicator]
    return Indicator(
        indicator,
        f"{base.label}, change {since}–{year}",
        UNITS[kind],
        DECIMALS[kind],
        FORMULAS[kind].format(since=since, year=year),
    )


def _rows(index: ClustersIndex, ids: pd.Series, level: int, nace_r2: str, year: int, members: tuple[str, ...] | None) -> pd.DataFrame:
    """The table's rows of ``ids`` (each at its own level, as ``region_values`` reads them), in that order."""
    levels = sorted({len(i) - 2 for i in ids}) or [level]
    return pd.concat([index.slice(lv, nace_r2, year, members) for lv in levels]).set_index("geo").reindex(ids.to_numpy())


def _text(rows: pd.DataFrame, column: str) -> np.ndarray:
    if column not in rows:
        return np.full(len(rows), "", dtype=object)
    return rows[column].fillna("").astype(str).to_numpy(dtype=object)


def _lacking(rows: pd.DataFrame, indicator: str, nace_r2: str, value: np.ndarray) -> np.ndarray:
    """Per region with a value: what its sum lacks ("partial total …", "partial sum …"), or "" when it is whole.

    A region's TOTAL lacks sections where a base sum behind the indicator is incomplete; a group lacks
    the members without a value (``layers.groups.values``). Such a value is a bound, and two bounds are not compared.
    """
    bases = _BASES.get(indicator, (indicator,))
    out = np.full(len(rows), "", dtype=object)
    if nace_r2 == TOTAL:
        incomplete = np.zeros(len(rows), dtype=bool)
        for base in bases:
            if f"{base}_complete" in rows:
                incomplete |= ~rows[f"{base}_complete"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        sections = _text(rows, "region_missing_sections")
        named = np.where(sections != "", "partial total (lacks " + sections + ")", "partial total (some sections have no value)")
        what = named if bases == ("employment",) else np.full(len(rows), "partial total (some sections have no value)", dtype=object)
        out = np.where(incomplete, what, out)
    elif f"{bases[0]}_missing_members" in rows:
        for i, parts in enumerate(zip(*(_text(rows, f"{base}_missing_members") for base in bases))):
            codes = list(dict.fromkeys(code for part in parts for code in part.split(",") if code))
            if codes:
                out[i] = f"partial sum (lacks {','.join(codes)})"
    return np.where(np.isnan(value), "", out)


def _change(kind: str, then: np.ndarray, now: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (now / then - 1.0) * 100.0 if kind == GROWTH else now - then
    change[~np.isfinite(change)] = np.nan
    return change


def _union(a: str, b: str) -> str:
    return "".join(sorted(set(a + b)))


def period_values(
    index: ClustersIndex,
    ids: pd.Series,
    *,
    level: int,
    nace_r2: str,
    indicator: str,
    since: int,
    year: int,
    country: str | None = None,
    members: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The change of ``indicator`` from ``since`` to ``year`` for the regions ``ids``: ``region_values``' columns, on the change.

    ``flag`` is the union of both years' flag letters; ``status`` is ``value``, or ``confidential`` when
    either year's cell is confidential, else ``no data``; ``flag_text`` the flag in words and the note
    that says why there is no change (which year lacks a value, which sum is partial) or that the
    compared values are upper bounds (a share or LQ over a region total that lacks sections);
    ``partial`` is always False (a partial sum is never compared). Ranks are on the change at its decimals.
    """
    if since >= year:
        raise ValueError(f"since ({since}) must be earlier than year ({year})")
    kind = KINDS[indicator]
    years = (since, year)
    frames = [region_values(index, ids, level=level, nace_r2=nace_r2, indicator=indicator, year=y, members=members) for y in years]
    rows = [_rows(index, ids, level, nace_r2, y, members) for y in years]
    values = [f["value"].to_numpy(dtype=float) for f in frames]
    lacking = [_lacking(r, indicator, nace_r2, v) for r, v in zip(rows, values)]
    comparable = (lacking[0] == "") & (lacking[1] == "")
    change = np.where(comparable, _change(kind, values[0], values[1]), np.nan)
    statuses = [f["status"].to_numpy(dtype=object) for f in frames]
    flags = [f["flag"].to_numpy(dtype=object) for f in frames]
    bounds = [_text(r, "region_missing_sections") for r in rows]
    upper = indicator in ("employment_share", "lq") and nace_r2 != TOTAL
    flag, status, words = [], [], []
    for i in range(len(ids)):
        letters = _union(flags[0][i], flags[1][i])
        notes = [flag_words(letters)] if letters else []
        if np.isfinite(change[i]):
            state = STATUS_VALUE
            if upper:
                notes += [f"upper bound in {y}: region total lacks {b[i]}" for y, b in zip(years, bounds) if b[i]]
        else:
            state = STATUS_CONFIDENTIAL if STATUS_CONFIDENTIAL in (statuses[0][i], statuses[1][i]) else STATUS_MISSING
            absent = [f"{y} ({s[i]})" for y, s in zip(years, statuses) if s[i] != STATUS_VALUE]
            partial = [f"{what[i]} in {y}" for y, what in zip(years, lacking) if what[i]]
            if absent:
                notes.append("no value in " + ", ".join(absent))
            elif partial:
                notes.append("not compared: " + "; ".join(partial))
            elif kind == GROWTH and values[0][i] == 0:
                notes.append(f"no growth rate: 0 in {since}")
        flag.append(letters)
        status.append(state)
        words.append("; ".join(notes))
    return pd.DataFrame(
        {
            "nuts_id": ids.to_numpy(),
            "value": change,
            "flag": np.array(flag, dtype=object),
            "status": np.array(status, dtype=object),
            "flag_text": np.array(words, dtype=object),
            "partial": np.zeros(len(ids), dtype=bool),
            **rank_columns(ids, change, DECIMALS[kind], country),
        }
    )
