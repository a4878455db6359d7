"""Related sectors: which NACE divisions locate together, and their network.

The co-location strength of two divisions in a year is the Pearson correlation,
across the NUTS 2 regions where both location quotients are known, of their
location quotients; with fewer than :data:`MIN_COMMON_REGIONS` regions in common
it has no value (NaN). All pairs of divisions are computed at once (pairwise
complete sums as matrix products) and kept per year by :class:`RelatedSectors`.

The network (:meth:`RelatedSectors.network`) joins the divisions whose strength
is above a threshold; a node's size is its European employment (the sum of the
NUTS 0 rows with a value, the definition of the "EU" row in
``layers.portfolio``), positions come from ``networkx.spring_layout`` with a fixed
seed and are returned as numbers (drawing is the dashboard's job).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from layers import nace
from layers._errors import ClusterMapError, UnknownYearError
from layers.query import ClustersIndex

RELATED_LEVEL = 2
"""NUTS level of the regions the correlation runs across."""
DIVISION_LEVEL = 2
"""``nace_level`` of NACE divisions (letter + two digits, e.g. C29)."""
MIN_COMMON_REGIONS = 30
DEFAULT_LIMIT = 10
LAYOUT_SEED = 7
"""Any fixed number: the network's positions repeat exactly for the same year and threshold."""
RELATED_COLUMNS = ("nace_r2", "name", "strength", "regions")


class UnknownDivisionError(ClusterMapError, LookupError):
    """The code is not a NACE division with location quotients in the table."""


@dataclass(frozen=True)
class CoLocation:
    """All pairs of divisions in one year: strength (Pearson r of LQs, NaN without enough regions) and regions in common."""

    year: int
    codes: tuple[str, ...]
    strength: pd.DataFrame
    """Division x division, NaN on the diagonal and where fewer than MIN_COMMON_REGIONS regions are in common."""
    regions: pd.DataFrame
    """Division x division: how many NUTS 2 regions have both LQs known."""


def location_quotients(index: ClustersIndex, year: int) -> pd.DataFrame:
    """NUTS 2 region x division matrix of location quotients in ``year`` (NaN where unknown)."""
    table = index.table
    rows = table.loc[(table["level"] == RELATED_LEVEL) & (table["nace_level"] == DIVISION_LEVEL) & (table["year"] == year) & ~table["extra_regio"]]
    matrix = rows.pivot(index="geo", columns="nace_r2", values="lq").astype("float64")
    return matrix.sort_index().reindex(sorted(matrix.columns), axis=1)


def pairwise_pearson(matrix: pd.DataFrame, *, min_common: int = MIN_COMMON_REGIONS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pearson r of every pair of columns over the rows where both are known, and those rows' count.

    Sums over each pair's common rows are products of the zero-filled values
    with the known-mask, so all pairs cost four products. NaN where fewer
    than ``min_common`` rows are shared or a column is constant over them.
    """
    known = matrix.notna().to_numpy(dtype="float64")
    x = np.nan_to_num(matrix.to_numpy(dtype="float64"), nan=0.0)

    def products(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # einsum without BLAS: for a 300 x 70 matrix, OpenBLAS's threads cost more than the sums (16 ms vs 0.3 ms on a busy 2-core machine)
        return np.einsum("ra,rb->ab", a, b, optimize=False)

    n = products(known, known)
    sum_x = products(x, known)  # [a, b]: sum of a's values over the rows where b is known (a's are known there where a is)
    sum_xx = products(x * x, known)
    sum_xy = products(x, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        covariance = n * sum_xy - sum_x * sum_x.T
        variance_a = n * sum_xx - sum_x**2
        variance_b = variance_a.T
        denominator = np.sqrt(np.clip(variance_a, 0.0, None) * np.clip(variance_b, 0.0, None))
        r = np.clip(covariance / denominator, -1.0, 1.0)
    degenerate = (n < min_common) | ~(denominator > 1e-12 * np.maximum(n * n, 1.0))
    r[degenerate] = np.nan
    np.fill_diagonal(r, np.nan)
    columns = matrix.columns
    return pd.DataFrame(r, index=columns, columns=columns), pd.DataFrame(n.astype("int64"), index=columns, columns=columns)


def colocation(index: ClustersIndex, year: int) -> CoLocation:
    """Co-location strength of every pair of divisions in ``year`` (see the module docstring)."""
    if int(year) not in index.years:
        raise UnknownYearError(f"year {year} has no statistics; years in the table: {index.years[0]}-{index.years[-1]}")
    matrix = location_quotients(index, int(year))
    strength, regions = pairwise_pearson(matrix)
    return CoLocation(year=int(year), codes=tuple(matrix.columns), strength=strength, regions=regions)


def european_employment(index: ClustersIndex, year: int) -> pd.DataFrame:
    """Per division: persons employed summed over the NUTS 0 rows with a value, and which countries are out.

    The "EU" row's definition in ``layers.portfolio`` (countries of the table, so
    Norway too; a confidential or missing country is left out, never estimated):
    columns ``nace_r2``, ``employment``, ``countries`` (how many are in the sum),
    ``missing`` (the countries of the table with no value for the division that year).
    """
    table = index.table
    countries = table.loc[table["level"] == 0]
    in_table = sorted(countries["geo"].unique())
    rows = countries.loc[(countries["nace_level"] == DIVISION_LEVEL) & (countries["year"] == int(year))]
    records = []
    for code, group in rows.groupby("nace_r2", sort=True):
        with_value = group.loc[group["employment"].notna()]
        records.append(
            {
                "nace_r2": str(code),
                "employment": float(with_value["employment"].sum()) if len(with_value) else np.nan,
                "countries": len(with_value),
                "missing": tuple(c for c in in_table if c not in set(with_value["geo"])),
            }
        )
    return pd.DataFrame.from_records(records, columns=["nace_r2", "employment", "countries", "missing"])


@dataclass(frozen=True)
class SectorNetwork:
    """Divisions joined where their co-location strength is above ``threshold``; positions as data."""

    year: int
    threshold: float
    graph: nx.Graph
    nodes: pd.DataFrame
    """nace_r2, name, employment (European, see :func:`european_employment`), employment_missing, degree, x, y."""
    edges: pd.DataFrame
    """source, target, strength, regions (source < target)."""


class RelatedSectors:
    """Co-location of divisions on one table, computed once per year and kept (thread-safe)."""

    def __init__(self, index: ClustersIndex) -> None:
        self.index = index
        self._years: dict[int, CoLocation] = {}
        self._networks: dict[tuple[int, float], SectorNetwork] = {}
        self._lock = threading.Lock()

    def colocation(self, year: int) -> CoLocation:
        """All pairs for ``year`` (computed the first time)."""
        with self._lock:
            kept = self._years.get(int(year))
        if kept is None:
            kept = colocation(self.index, year)
            with self._lock:
                self._years[int(year)] = kept
        return kept

    def strengths(self, code: str, year: int) -> pd.Series:
        """``code``'s strength with every other division (NaN where none)."""
        pairs = self.colocation(year)
        if code not in pairs.codes:
            raise UnknownDivisionError(f"{str(code)[:20]!r} is not a NACE division with location quotients (letter + two digits, e.g. C29)")
        return pairs.strength[code].drop(code)

    def related(self, code: str, year: int, limit: int = DEFAULT_LIMIT) -> pd.DataFrame:
        """``code``'s most related divisions, strongest first (ties by code); pairs without a value are left out.

        Columns :data:`RELATED_COLUMNS`: ``strength`` (Pearson r), ``regions`` (NUTS 2 regions in common).
        """
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0:
            raise ValueError(f"limit must be a whole number >= 0, not {limit!r}")
        pairs = self.colocation(year)
        strength = self.strengths(code, year).dropna()
        frame = pd.DataFrame({"nace_r2": strength.index.astype(str), "strength": strength.to_numpy()})
        frame = frame.sort_values(["strength", "nace_r2"], ascending=[False, True], kind="stable").head(int(limit))
        return pd.DataFrame(
            {
                "nace_r2": frame["nace_r2"].to_numpy(),
                "name": [nace.label(c) for c in frame["nace_r2"]],
                "strength": frame["strength"].to_numpy(),
                "regions": pairs.regions.loc[code, frame["nace_r2"]].to_numpy(dtype="int64"),
            }
        )

    def network(self, year: int, threshold: float = 0.5) -> SectorNetwork:
        """Every division as a node; an edge where the strength is above ``threshold`` (0 <= threshold < 1).

        Layout: ``networkx.spring_layout`` weighted by strength, seed :data:`LAYOUT_SEED`,
        positions in [-1, 1]; divisions without an edge are placed too. Kept per year and
        threshold (the layout takes 100-200 ms; the dashboard's slider has 15 thresholds):
        callers must not change the returned frames or graph.
        """
        if not 0.0 <= float(threshold) < 1.0:
            raise ValueError(f"threshold must be at least 0 and below 1, not {threshold!r}")
        key = (int(year), float(threshold))
        with self._lock:
            kept = self._networks.get(key)
        if kept is None:
            kept = self._network(*key)
            with self._lock:
                self._networks[key] = kept
        return kept

    def _network(self, year: int, threshold: float) -> SectorNetwork:
        pairs = self.colocation(year)
        employment = european_employment(self.index, int(year)).set_index("nace_r2").reindex(list(pairs.codes))
        graph = nx.Graph()
        for code in pairs.codes:
            graph.add_node(code, employment=float(employment.at[code, "employment"]))
        upper = np.triu(np.ones(pairs.strength.shape, dtype=bool), k=1)
        values = pairs.strength.to_numpy()
        above = upper & (np.nan_to_num(values, nan=-np.inf) > threshold)
        sources, targets = np.nonzero(above)
        edges = pd.DataFrame(
            {
                "source": [pairs.codes[i] for i in sources],
                "target": [pairs.codes[j] for j in targets],
                "strength": values[sources, targets],
                "regions": pairs.regions.to_numpy()[sources, targets].astype("int64"),
            }
        )
        graph.add_weighted_edges_from(edges[["source", "target", "strength"]].itertuples(index=False), weight="strength")
        positions = nx.spring_layout(graph, weight="strength", seed=LAYOUT_SEED)
        nodes = pd.DataFrame(
            {
                "nace_r2": list(pairs.codes),
                "name": [nace.label(c) for c in pairs.codes],
                "employment": employment["employment"].to_numpy(dtype="float64"),
                "employment_missing": [m if isinstance(m, tuple) else () for m in employment["missing"]],
                "degree": [int(graph.degree[c]) for c in pairs.codes],
                "x": [float(positions[c][0]) for c in pairs.codes],
                "y": [float(positions[c][1]) for c in pairs.codes],
            }
        )
        return SectorNetwork(year=int(year), threshold=float(threshold), graph=graph, nodes=nodes, edges=edges)


def divisions_of(codes: tuple[str, ...] | list[str], divisions: tuple[str, ...]) -> tuple[str, ...]:
    """The divisions (among ``divisions``) that a sector's NACE codes belong to or hold, in ``divisions``' order.

    A division is itself; a section holds its divisions; a group or class (G471) belongs to
    its division (G47); the total holds every division. Co-location is computed between
    divisions only, so this is what a section, a group or a sector group can be shown by.
    """
    wanted: set[str] = set()
    for code in codes:
        level = nace.level_of(code)
        if level == 0:
            wanted.update(divisions)
        elif level == 1:
            wanted.update(d for d in divisions if d.startswith(code))
        else:
            wanted.add(code[:3])
    return tuple(d for d in divisions if d in wanted)


__all__ = [
    "DEFAULT_LIMIT",
    "MIN_COMMON_REGIONS",
    "RELATED_COLUMNS",
    "CoLocation",
    "RelatedSectors",
    "SectorNetwork",
    "UnknownDivisionError",
    "colocation",
    "divisions_of",
    "european_employment",
    "pairwise_pearson",
]
