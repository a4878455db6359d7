"""Count organisations, members and employees per NUTS region x NACE code x level.

Counting rules
--------------
An organisation listing several NACE codes counts once under *each* code, with its
full members and employees (there is no basis for splitting them); the extra
``nace_r2 = "TOTAL"`` row counts each organisation once, so totals are never inflated.
``nace_level="section"`` or ``"division"`` first truncates the codes (``G4511`` ->
``G`` or ``G45``; a code coarser than the target stays as it is), counting an
organisation once per resulting code. ``nace_level="all"`` counts it once under each
of its codes *and* every broader code above them (``G4511`` also under ``G451``,
``G45`` and ``G``): the table a map filtered by any NACE code reads. ``members`` and ``employees`` are sums over the
organisations that report them, missing when none does. Points whose status is
``outside`` have no region and are left out (their number is logged).

:class:`AggregateAccumulator` builds the same table chunk by chunk, with memory fixed
by the number of regions and codes; :func:`aggregate_points` is one chunk of it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers import files
from layers.points.join import LEVELS, NUTS_COLUMNS
from layers.points.records import NACE_SEPARATOR

__all__ = ["AGGREGATE_COLUMNS", "TOTAL", "AggregateAccumulator", "aggregate_points", "write_points_aggregate"]

logger = logging.getLogger(__name__)

AGGREGATE_COLUMNS = ("level", "geo", "nace_r2", "organisations", "members", "employees")
TOTAL = "TOTAL"
_TRUNCATE = {"section": 1, "division": 3}
_PREFIXES = (1, 3, 4, 5)
"""Lengths of a section, division, group and class code (``G``, ``G45``, ``G451``, ``G4511``)."""
_NACE_LEVELS = (*_TRUNCATE, "all")
_STATS = ("organisations", "members", "members reported", "employees", "employees reported")
_DTYPES = {"level": "int64", "geo": "str", "nace_r2": "str", "organisations": "int64", "members": "Int64", "employees": "Int64"}
_EMPTY = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})


def aggregate_points(
    joined: pd.DataFrame,
    *,
    nace_level: Literal["section", "division", "all"] | None = None,
    levels: tuple[int, ...] = LEVELS,
) -> pd.DataFrame:
    """Aggregate joined point records into a tidy table.

    Parameters
    ----------
    joined
        Output of :func:`layers.points.join.join_points` on validated records: needs
        ``nace`` and ``nuts0``-``nuts3``; ``members`` and ``employees`` are optional.
    nace_level
        Truncate codes to NACE sections or divisions first; None keeps them as given;
        "all" counts each code and every broader one.
    levels
        NUTS levels to aggregate.

    Returns
    -------
    pandas.DataFrame
        ``level, geo, nace_r2, organisations, members, employees`` sorted by the first three.
    """
    _check_columns(joined, levels)
    regions = {level: _categories(joined[NUTS_COLUMNS[level]]) for level in levels}
    accumulator = AggregateAccumulator(regions, nace_level=nace_level, levels=levels)
    accumulator.add(joined)
    return accumulator.result()


class AggregateAccumulator:
    """The aggregate of :func:`aggregate_points`, fed chunk by chunk: the same table as all rows at once.

    Keeps, per level, dense int64 counts and sums of shape (regions, NACE codes), so
    its memory depends on the region and code sets, never on the number of rows; the
    sums are integers, hence exact whatever the order of the chunks.

    Parameters
    ----------
    regions
        NUTS codes per level that the chunks may hold, e.g. ``RegionIndex.categories``.
    nace_level, levels
        As for :func:`aggregate_points`.
    """

    def __init__(
        self,
        regions: Mapping[int, Sequence[str]],
        *,
        nace_level: Literal["section", "division", "all"] | None = None,
        levels: tuple[int, ...] = LEVELS,
    ) -> None:
        if nace_level is not None and nace_level not in _NACE_LEVELS:
            raise ValueError(f"nace_level must be 'section', 'division', 'all' or None, got {nace_level!r}")
        self.levels = tuple(levels)
        self.nace_level = nace_level
        self._regions = {level: pd.Index(regions[level], dtype="str") for level in self.levels}
        self._codes = [TOTAL]  # column 0 counts each organisation once
        self._column = {TOTAL: 0}
        self._stats = {level: np.zeros((len(_STATS), len(self._regions[level]), 64), dtype=np.int64) for level in self.levels}
        self.rows = 0
        self.outside = 0

    def add(self, joined: pd.DataFrame) -> None:
        """Count one chunk of joined records (rows without a region at a level are left out there)."""
        _check_columns(joined, self.levels)
        if "status" in joined.columns:
            self.outside += int((joined["status"] == "outside").sum())
        rows, codes = self._pairs(joined["nace"])
        values = [_counts(joined, column) for column in ("members", "employees")]
        width = self._stats[self.levels[0]].shape[2]
        for level in self.levels:
            geo = self._region_codes(joined[NUTS_COLUMNS[level]], level)[rows]
            located = geo >= 0
            cells = geo[located] * width + codes[located]
            stats = self._stats[level].reshape(len(_STATS), -1)
            stats[0] += np.bincount(cells, minlength=stats.shape[1])
            for k, (numbers, reported) in enumerate(values):
                given = reported[rows[located]]
                np.add.at(stats[1 + 2 * k], cells[given], numbers[rows[located][given]])  # integer: exact
                stats[2 + 2 * k] += np.bincount(cells[given], minlength=stats.shape[1])
        self.rows += len(joined)

    def result(self) -> pd.DataFrame:
        """The aggregate so far, sorted by level, geo and code."""
        if self.outside:
            logger.info("aggregate: %d of %d points are outside every region and not counted", self.outside, self.rows)
        codes = np.array(self._codes, dtype=object)
        pieces = [_EMPTY]
        for level in self.levels:
            stats = self._stats[level]
            geo, column = np.nonzero(stats[0])
            cell = stats[:, geo, column]
            pieces.append(
                pd.DataFrame(
                    {
                        "level": level,
                        "geo": self._regions[level].to_numpy()[geo],
                        "nace_r2": codes[column],
                        "organisations": cell[0],
                        "members": pd.arrays.IntegerArray(cell[1], cell[2] == 0),
                        "employees": pd.arrays.IntegerArray(cell[3], cell[4] == 0),
                    }
                )
            )
        table = pd.concat(pieces, ignore_index=True).astype(_DTYPES)
        return table.sort_values(["level", "geo", "nace_r2"], kind="stable").reset_index(drop=True)

    def _pairs(self, nace: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(row, code column) once per distinct code of each row, plus (row, TOTAL) for every row."""
        lists = pc.split_pattern(pa.array(nace, type=pa.large_string(), from_pandas=True), NACE_SEPARATOR)
        rows = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
        codes = pc.list_flatten(lists)
        if self.nace_level == "all":
            rows = np.tile(rows, len(_PREFIXES))
            codes = pa.concat_arrays([pc.utf8_slice_codeunits(codes, 0, n) for n in _PREFIXES])
        elif self.nace_level is not None:
            codes = pc.utf8_slice_codeunits(codes, 0, _TRUNCATE[self.nace_level])
        column = self._columns(codes)
        width = len(self._codes)
        keys = np.sort(rows * width + column)
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]]  # a code given twice, or twice after truncation, counts once
        rows, column = np.divmod(keys, width)
        every = np.arange(len(nace), dtype=np.int64)
        return np.concatenate([rows, every]), np.concatenate([column, np.zeros(len(nace), dtype=np.int64)])

    def _columns(self, codes: pa.Array) -> np.ndarray:
        """Column of each code, adding new codes (and widening the arrays) as they come."""
        new = [c for c in pc.unique(codes).to_pylist() if c not in self._column]
        for code in new:
            self._column[code] = len(self._codes)
            self._codes.append(code)
        width = self._stats[self.levels[0]].shape[2]
        if len(self._codes) > width:
            grow = max(2 * width, len(self._codes)) - width
            self._stats = {level: np.pad(s, ((0, 0), (0, 0), (0, grow))) for level, s in self._stats.items()}
        known = pa.array(self._codes, type=pa.large_string())
        return np.asarray(pc.index_in(codes, value_set=known), dtype=np.int64)

    def _region_codes(self, column: pd.Series, level: int) -> np.ndarray:
        """Position of each row's region in this level's regions, -1 for none; unknown regions raise."""
        regions = self._regions[level]
        if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.equals(regions):
            return column.cat.codes.to_numpy(dtype=np.int64)
        codes = regions.get_indexer(column.astype("str"))
        unknown = (codes < 0) & column.notna().to_numpy()
        if unknown.any():
            raise ValueError(f"{NUTS_COLUMNS[level]} holds regions this aggregate was not set up for: {sorted(set(column[unknown]))[:5]}")
        return codes.astype(np.int64)


def write_points_aggregate(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the aggregate as Parquet atomically (``layers.files``: a temp file in the same folder, then a rename; mode 0644).

    Readers (the dashboard) thus never see a half-written file.
    """
    missing = [c for c in AGGREGATE_COLUMNS if c not in df.columns]
    if missing:
        raise KeyError(f"not a points aggregate: missing columns {missing}; build it with aggregate_points().")
    path = files.atomic_write(Path(path), lambda tmp: df.to_parquet(tmp, index=False))
    logger.info("wrote %d aggregate rows to %s", len(df), path)
    return path


def _check_columns(joined: pd.DataFrame, levels: tuple[int, ...]) -> None:
    needed = ["nace", *(NUTS_COLUMNS[level] for level in levels)]
    missing = [c for c in needed if c not in joined.columns]
    if missing:
        raise KeyError(f"aggregate_points needs columns {missing}; join the records with join_points() first.")


def _categories(column: pd.Series) -> list[str]:
    """The regions a column may hold: its categories, or its distinct values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories]
    return sorted(str(v) for v in pd.unique(column.dropna()))


def _counts(joined: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A count column as int64 values (0 where missing) and a mask of the rows that report it."""
    if column not in joined.columns:
        return np.zeros(len(joined), dtype=np.int64), np.zeros(len(joined), dtype=bool)
    values = pd.array(joined[column], dtype="Int64")
    return values.to_numpy(dtype=np.int64, na_value=0), ~values.isna()
