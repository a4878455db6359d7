"""Regions alike in economic structure: cosine similarity of their location quotients over NACE divisions.

For two regions of one NUTS level and a year, the score is the cosine of the angle
between their vectors of location quotients over the NACE divisions (``nace_level``
2: a letter and two digits, B05 … S95) **known in both** (a finite LQ in each):

    score(a, b) = Σ_k LQ_a,k · LQ_b,k / sqrt(Σ_k LQ_a,k² · Σ_k LQ_b,k²),  k ∈ divisions known in a and in b

A pair sharing fewer than :data:`MIN_SHARED_DIVISIONS` divisions is not scored, and a
region that knows fewer than that many divisions itself is disqualified: its list is
empty and says why. LQs are never negative, so scores lie in 0-1 (1: the same
profile up to a factor). The whole level is one matrix product (the zero-filled LQs
and their known-mask), computed once per (level, year) and kept in the process
(:class:`SimilarRegions`). Method and caveats: ``docs/methodology.md`` §16.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers._errors import UnknownYearError
from layers.query import ClustersIndex
from layers.series import region_level

DIVISION_LEVEL = 2
"""``nace_level`` of NACE divisions (letter + two digits)."""
MIN_SHARED_DIVISIONS = 20
"""Divisions with a known LQ in both regions below which a pair is not scored (of the data's 68 divisions: under 30 %
of them would compare a handful of sectors, not a structure). In 2008-2015 regions with any LQ know 28-68 divisions,
except one (3, NUTS 2 in 2010), and pairs of the others share 17-68."""
SCORE_DECIMALS = 4
"""The score as shown and ordered on: ties are regions whose scores agree to these decimals (then by code)."""
DEFAULT_LIMIT = 10
SIMILAR_COLUMNS = ("nuts_id", "score", "shared_divisions")


@dataclass(frozen=True)
class Similarity:
    """All pairs of one level's regions in one year."""

    level: int
    year: int
    ids: tuple[str, ...]
    """The level's regions with at least one known division LQ that year, sorted."""
    divisions: tuple[str, ...]
    score: np.ndarray
    """Region x region cosine over the shared divisions; NaN on the diagonal and below :data:`MIN_SHARED_DIVISIONS` shared."""
    shared: np.ndarray
    """Region x region: how many divisions both know."""
    known: np.ndarray
    """Per region: how many divisions it knows."""


@dataclass(frozen=True)
class SimilarRegions:
    """A region's most alike regions, or why it has none."""

    nuts_id: str
    year: int
    rows: pd.DataFrame
    """:data:`SIMILAR_COLUMNS`, best first: score (full precision) descending at :data:`SCORE_DECIMALS`, ties by code."""
    known_divisions: int
    """How many divisions the region itself knows that year."""
    reason: str = ""
    """Why the list is empty (disqualified, or no region shares enough divisions); "" otherwise."""


def division_lqs(index: ClustersIndex, level: int, year: int) -> pd.DataFrame:
    """Region x division matrix of ``level``'s location quotients in ``year`` (NaN where unknown; extra-regio codes left out)."""
    table = index.table
    rows = table.loc[(table["level"] == level) & (table["nace_level"] == DIVISION_LEVEL) & (table["year"] == year) & ~table["extra_regio"]]
    matrix = rows.pivot(index="geo", columns="nace_r2", values="lq").astype("float64")
    matrix = matrix.loc[matrix.notna().any(axis=1)]
    return matrix.sort_index().reindex(sorted(matrix.columns), axis=1)


def cosine_over_shared(matrix: pd.DataFrame, *, min_shared: int = MIN_SHARED_DIVISIONS) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of every pair of rows over the columns both know, and that count; NaN below ``min_shared`` and on the diagonal.

    With ``X`` the zero-filled values and ``M`` the known-mask, ``X Xᵀ`` sums the products over
    shared columns only, and ``(X∘X) Mᵀ`` each row's squares over the columns the other knows.
    """
    known = matrix.notna().to_numpy(dtype="float64")
    x = np.nan_to_num(matrix.to_numpy(dtype="float64"), nan=0.0)
    dot = x @ x.T
    squares = (x * x) @ known.T  # [a, b]: a's squares over the divisions b knows (a's are zero where a does not)
    shared = known @ known.T
    with np.errstate(divide="ignore", invalid="ignore"):
        score = dot / np.sqrt(squares * squares.T)
    score[(shared < min_shared) | ~np.isfinite(score)] = np.nan
    np.fill_diagonal(score, np.nan)
    return score, shared.astype("int64")


class SimilarityCache:
    """Each (level, year)'s :class:`Similarity`, computed once per process (thread-safe: gthread workers share it)."""

    def __init__(self, index: ClustersIndex) -> None:
        self.index = index
        self._done: dict[tuple[int, int], Similarity] = {}
        self._lock = threading.Lock()

    def of(self, level: int, year: int) -> Similarity:
        """All pairs of ``level``'s regions in ``year``; :class:`UnknownYearError` for a year without data."""
        if int(year) not in self.index.years:
            raise UnknownYearError(f"year {year} has no statistics; years: {self.index.years[0]}-{self.index.years[-1]}")
        key = (int(level), int(year))
        with self._lock:
            if key not in self._done:
                matrix = division_lqs(self.index, *key)
                score, shared = cosine_over_shared(matrix)
                self._done[key] = Similarity(
                    level=key[0],
                    year=key[1],
                    ids=tuple(str(g) for g in matrix.index),
                    divisions=tuple(str(c) for c in matrix.columns),
                    score=score,
                    shared=shared,
                    known=matrix.notna().sum(axis=1).to_numpy(dtype="int64"),
                )
            return self._done[key]

    def similar(self, geo: str, *, year: int, limit: int = DEFAULT_LIMIT) -> SimilarRegions:
        """``geo``'s ``limit`` most alike regions of its level in ``year`` (:class:`SimilarRegions`).

        Raises :class:`UnknownRegionError` for a code without statistics at levels 0-2 and
        :class:`UnknownYearError` for a year without data. A region known but disqualified
        (too few divisions, in ``year`` or at all) gets an empty list and a ``reason``.
        """
        level = region_level(self.index, geo)
        pairs = self.of(level, year)
        empty = pd.DataFrame({"nuts_id": pd.Series(dtype=object), "score": pd.Series(dtype="float64"), "shared_divisions": pd.Series(dtype="int64")})
        if geo not in pairs.ids:
            return SimilarRegions(geo, int(year), empty, 0, f"{geo} has no location quotient of any NACE division in {year}")
        at = pairs.ids.index(geo)
        known = int(pairs.known[at])
        if known < MIN_SHARED_DIVISIONS:
            reason = (
                f"{geo} has a location quotient for only {known} NACE divisions in {year}; at least {MIN_SHARED_DIVISIONS} are needed to compare structures"
            )
            return SimilarRegions(geo, int(year), empty, known, reason)
        score = pairs.score[at]
        scored = np.flatnonzero(np.isfinite(score))
        if not len(scored):
            reason = f"no region of the level shares at least {MIN_SHARED_DIVISIONS} divisions with a known location quotient with {geo} in {year}"
            return SimilarRegions(geo, int(year), empty, known, reason)
        rows = pd.DataFrame(
            {
                "nuts_id": [pairs.ids[i] for i in scored],
                "score": score[scored],
                "shared_divisions": pairs.shared[at, scored],
                "_shown": np.round(score[scored], SCORE_DECIMALS),
            }
        )
        rows = rows.sort_values(["_shown", "nuts_id"], ascending=[False, True], kind="stable").head(max(0, int(limit)))
        return SimilarRegions(geo, int(year), rows.loc[:, list(SIMILAR_COLUMNS)].reset_index(drop=True), known)


__all__ = [
    "DEFAULT_LIMIT",
    "MIN_SHARED_DIVISIONS",
    "SCORE_DECIMALS",
    "SIMILAR_COLUMNS",
    "SimilarRegions",
    "Similarity",
    "SimilarityCache",
    "cosine_over_shared",
    "division_lqs",
]
