"""Read-only queries on the aggregate table: one map's worth of values.

The app and notebooks call the same functions; nothing here knows Dash.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from layers.eurostat import flag_words
from layers.groups.members import nace_order
from layers.groups.values import BASES, group_rows, slice_columns
from layers.indicators import INDICATORS, STAR_COLUMNS
from layers.nace import TOTAL
from layers.ranks import rank_columns

STATUS_VALUE = "value"
STATUS_CONFIDENTIAL = "confidential"
STATUS_MISSING = "no data"


CODE_COLUMNS_CACHE_SIZE = 2048
"""Single codes' slices kept as arrays for groups (a few kB each at NUTS 2; about 10 MB at most)."""
GROUP_CACHE_SIZE = 128
"""Group slices a process keeps (level x group x year): about 330 rows each at NUTS 2, some 10 MB at most."""


class ClustersIndex:
    """The aggregate table split by (level, NACE code, year) once, for fast lookups; groups computed on demand."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table
        self._slices = {key: frame for key, frame in table.groupby(["level", "nace_r2", "year"], sort=False)}
        self.years: list[int] = sorted(int(y) for y in table["year"].unique())
        self.levels: list[int] = sorted(int(v) for v in table["level"].unique())
        self.sectors: list[str] = sorted(table["nace_r2"].unique())
        # per process, thread-safe: a group's rows are computed once per level, members and year
        self._group_slice = lru_cache(maxsize=GROUP_CACHE_SIZE)(self._compute_group_slice)
        self.code_columns = lru_cache(maxsize=CODE_COLUMNS_CACHE_SIZE)(self._code_columns)
        """A code's slice as the arrays a group sums (``layers.groups.values.slice_columns``), kept: groups share their members."""

    def slice(self, level: int, nace_r2: str, year: int, members: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Rows of one level, sector and year (empty frame if none); a group's rows are its members' sums (``layers.groups.values``).

        ``members``: a group's codes, resolved by the caller's catalogue (``DashboardData.catalogue``:
        a named group's id means what that data's groups say).
        """
        found = self._slices.get((level, nace_r2, year))
        if found is not None:
            return found
        if members:
            return self._group_slice(level, nace_r2, tuple(members), year)
        return self.table.iloc[0:0]

    def code_slice(self, level: int, nace_r2: str, year: int) -> pd.DataFrame:
        """Rows of one level, single NACE code (or TOTAL) and year, as stored."""
        return self._slices.get((level, nace_r2, year), self.table.iloc[0:0])

    def _code_columns(self, level: int, nace_r2: str, year: int) -> dict[str, np.ndarray]:
        return slice_columns(self.code_slice(level, nace_r2, year))

    def _compute_group_slice(self, level: int, sector: str, members: tuple[str, ...], year: int) -> pd.DataFrame:
        return group_rows(self.code_columns, level=level, members=members, year=year, sector=sector)


def _add_note(words: np.ndarray, note: np.ndarray) -> np.ndarray:
    """Append ``note`` to ``words`` cell by cell, "; "-separated, where it is not empty."""
    return np.where((note != "") & (words != ""), words + "; " + note, np.where(note != "", note, words))


_TOTAL_INPUTS = {"avg_wage": ("wages", "employment")}
"""Which base totals a TOTAL row's indicator is computed from (default: its own base)."""


def _partial_total_note(rows: pd.DataFrame, indicator: str, employment_missing: np.ndarray) -> np.ndarray:
    """ "partial total" where the base sums behind ``indicator`` lack a section.

    The sections are named for employment (the table keeps that list); other
    sums can lack other sections, so they are only said to be partial.
    """
    base = indicator.removesuffix("_change") if indicator.endswith("_change") else indicator
    inputs = _TOTAL_INPUTS.get(base, (base,))
    if not all(f"{name}_complete" in rows for name in inputs):
        return np.full(len(rows), "", dtype=object)
    incomplete = np.zeros(len(rows), dtype=bool)
    for name in inputs:
        incomplete |= ~rows[f"{name}_complete"].fillna(True).astype(bool).to_numpy()
    if inputs == ("employment",):
        return np.where(incomplete, "partial total: lacks " + employment_missing, "")
    return np.where(incomplete, "partial total: some sections have no value", "")


_GROUP_INPUTS = {
    "avg_wage": ("wages", "employment"),
    "employment_share": ("employment",),
    "lq": ("employment",),
    "stars": ("employment", "wages"),
    "star_size": ("employment",),
    "star_specialisation": ("employment",),
    "star_productivity": ("employment", "wages"),
}
"""Which members' sums a group's indicator is computed from (default: its own base)."""


def _missing_members(rows: pd.DataFrame, bases: tuple[str, ...], suffix: str = "") -> np.ndarray:
    """Per row, the members without a value in any of ``bases`` (comma-joined, each once, in the members' order)."""
    columns = [rows[f"{base}{suffix}_missing_members"].fillna("").astype(str).to_numpy() for base in bases]
    if len(columns) == 1:
        return columns[0]
    out = []
    for parts in zip(*columns):
        seen = {code for part in parts for code in part.split(",") if code}
        out.append(",".join(sorted(seen, key=nace_order)))
    return np.array(out, dtype=object)


def _partial_group_note(rows: pd.DataFrame, indicator: str, value: np.ndarray) -> np.ndarray:
    """The note a group's value carries when a member has no value (``layers.groups.values``): never filled in, said.

    A count summed over the known members is a lower bound ("partial sum"); what is
    derived from partial sums is said to be so; a change is not computed across a
    partial sum, and says why.
    """
    if indicator.endswith("_change"):
        base = indicator.removesuffix("_change")
        lacking = _missing_members(rows, (base,), "_change")
        return np.where(np.isnan(value) & (lacking != ""), "not compared: partial sum in one of the two years (lacks " + lacking + ")", "")
    bases = _GROUP_INPUTS.get(indicator, (indicator,))
    lacking = _missing_members(rows, bases)
    text = "partial sum (lower bound): lacks " if indicator in BASES else "from a partial sum: lacks "
    return np.where(~np.isnan(value) & (lacking != ""), text + lacking, "")


STAR_NAMES = {"star_size": "size", "star_specialisation": "specialisation", "star_productivity": "productivity"}
"""The three star dimensions in words (methodology §5), in their order."""


def _earned_stars(rows: pd.DataFrame) -> np.ndarray:
    """Per row, the star dimensions earned, in words: "stars: size, productivity", or "stars: none"."""
    earned = [rows[column].fillna(False).astype(bool).to_numpy() for column in STAR_NAMES]
    texts = []
    for flags in zip(*earned):
        names = [name for name, has in zip(STAR_NAMES.values(), flags) if has]
        texts.append("stars: " + (", ".join(names) if names else "none"))
    return np.array(texts, dtype=object)


def decimals_of(column: str) -> int:
    """The decimals a column is shown (and ranked) at: its indicator's; a star dimension (0 or 1) has none."""
    return INDICATORS[column].decimals if column in INDICATORS else 0


def region_values(
    index: ClustersIndex,
    ids: pd.Series,
    *,
    level: int,
    nace_r2: str,
    indicator: str,
    year: int,
    country: str | None = None,
    members: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Values of one indicator (or one star column, 1 = star) for the regions ``ids`` (in that order).

    ``ids`` may mix levels (the "mixed" map): each is looked up at its own level
    (from the code's length); ``level`` is used only when ``ids`` is empty.

    Returns columns ``nuts_id``, ``value``, ``flag``, ``status`` (value /
    confidential / no data), ``flag_text`` (flag in words, plus a note when the
    region's total lacks sections or a group's sum lacks members), ``partial``
    (a group's value is, or derives from, a sum lacking members), ``rank`` (1 = highest among regions with a
    value, by the rule of ``layers.ranks``), ``ranked`` (how many were ranked),
    and ``country_rank`` / ``country_ranked``: the same within ``country`` (the
    country a map is zoomed to; NaN and 0 when None). ``members``: a sector group's
    codes (``ClustersIndex.slice``).
    """
    levels = sorted({len(i) - 2 for i in ids}) or [level]  # a mixed map holds ids of several levels
    rows = pd.concat([index.slice(lv, nace_r2, year, members) for lv in levels]).set_index("geo")
    rows = rows.reindex(ids.to_numpy())
    value = rows[indicator].astype("Float64").astype("float64").to_numpy()  # star columns are nullable booleans
    flag_column = "stars_flag" if indicator in STAR_COLUMNS else f"{indicator}_flag"
    flag = rows[flag_column].fillna("").astype(str).to_numpy()
    status = np.where(~np.isnan(value), STATUS_VALUE, np.where(np.char.find(flag.astype(str), "c") >= 0, STATUS_CONFIDENTIAL, STATUS_MISSING))
    words = np.array([flag_words(f) for f in flag], dtype=object)
    if indicator == "stars":  # which stars, not only how many: "2 of 3 stars" says nothing of which two
        words = _add_note(words, np.where(~np.isnan(value), _earned_stars(rows), ""))
    missing_sections = rows["region_missing_sections"].fillna("").astype(str).to_numpy()
    if nace_r2 == TOTAL:  # the region's own total: a sum of the sections that are known
        words = _add_note(words, _partial_total_note(rows, indicator, missing_sections))
    elif indicator in ("employment_share", "lq", "stars", "star_specialisation"):
        words = _add_note(words, np.where(missing_sections != "", "upper bound: region total lacks " + missing_sections, ""))
    partial = np.zeros(len(rows), dtype=bool)
    if "employment_missing_members" in rows:  # a group's sums (layers.groups.values)
        group_note = _partial_group_note(rows, indicator, value)
        partial = group_note != ""
        words = _add_note(words, group_note)
    if indicator == "stars":
        known = rows["stars_known"].fillna(0).astype(int).to_numpy()
        words = _add_note(words, np.where((known > 0) & (known < 3), "at least: " + known.astype(str) + " of 3 star dimensions known", ""))
    return pd.DataFrame(
        {
            "nuts_id": ids.to_numpy(),
            "value": value,
            "flag": flag,
            "status": status,
            "flag_text": words,
            "partial": partial,
            **rank_columns(ids, value, decimals_of(indicator), country),
        }
    )
