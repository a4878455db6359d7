"""Spatial weights of NUTS regions: queen contiguity, islands joined to their nearest region, row-standardised.

Two regions are neighbours when their shapes share at least one boundary point
(queen contiguity, libpysal, on the simplified shapes the map draws: they are
simplified as one coverage, so shared borders keep identical vertices). A region
with no neighbour among the regions considered (an island such as Malta, an
exclave, or a region whose neighbours have no value) is joined to the region
whose centroid is nearest (libpysal ``KNN`` with k=1 on centroids in EPSG:3035,
metres), and the link is made both ways so that contiguity stays symmetric.

:class:`LevelWeights` holds one level's contiguity and centroids and restricts
them to any subset of its regions (the regions a view draws with a value);
:class:`NutsWeights` builds a level's :class:`LevelWeights` once and keeps it.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
from libpysal import weights as lpw

from layers._errors import UnknownRegionError
from layers.nuts import LEVELS, NutsGeometry, load_nuts

DISTANCE_CRS = "EPSG:3035"
"""ETRS89 / LAEA Europe: equal-area, metres; where centroids and their distances are computed."""
RESTRICTIONS_KEPT = 128
"""Subsets whose weights a :class:`LevelWeights` keeps (one per distinct set of regions with a value)."""


@dataclass(frozen=True)
class RegionWeights:
    """Row-standardised weights of a set of regions, with the island links that were added."""

    ids: tuple[str, ...]
    """The regions, sorted; the order of :attr:`w`."""
    neighbours: dict[str, tuple[str, ...]]
    """Binary, symmetric neighbour lists after joining islands (sorted)."""
    joined: tuple[tuple[str, str], ...]
    """(island, nearest region) links added because the island had no contiguous neighbour here."""
    countries: dict[str, str]
    """Region → its country code (from the geometry)."""

    @property
    def islands(self) -> tuple[str, ...]:
        """Regions that had no contiguous neighbour among :attr:`ids` and were joined to their nearest one."""
        return tuple(island for island, _ in self.joined)

    @cached_property
    def w(self) -> lpw.W:
        """The libpysal weights, row-standardised (each region's neighbours weigh 1 / their number)."""
        w = lpw.W({i: list(self.neighbours[i]) for i in self.ids}, id_order=list(self.ids), silence_warnings=True)
        w.transform = "r"
        return w

    def graph(self) -> nx.Graph:
        """The contiguity graph (island links included), unweighted: for connected clusters."""
        graph = nx.Graph()
        graph.add_nodes_from(self.ids)
        graph.add_edges_from((i, j) for i in self.ids for j in self.neighbours[i] if i < j)
        return graph


class LevelWeights:
    """Queen contiguity and centroids of one level's regions; restrictions to subsets are cached."""

    def __init__(self, regions: gpd.GeoDataFrame, *, name: str = "") -> None:
        """``regions``: one level's shapes (columns ``nuts_id``, ``country``, geometry, any CRS with one set)."""
        if regions.empty:
            raise ValueError("no regions to build spatial weights from")
        if regions["nuts_id"].duplicated().any():
            raise ValueError(f"duplicate region codes: {sorted(set(regions.loc[regions['nuts_id'].duplicated(), 'nuts_id']))}")
        ordered = regions.sort_values("nuts_id").reset_index(drop=True)
        self.name = name
        self.ids: tuple[str, ...] = tuple(ordered["nuts_id"].astype(str))
        self.countries: dict[str, str] = dict(zip(self.ids, ordered["country"].astype(str)))
        with warnings.catch_warnings():  # libpysal warns about islands and disconnected parts: they are handled below
            warnings.simplefilter("ignore", UserWarning)
            queen = lpw.Queen.from_dataframe(ordered, ids="nuts_id", use_index=False, silence_warnings=True)
        self.contiguity: dict[str, frozenset[str]] = {str(i): frozenset(str(j) for j in queen.neighbors[i]) for i in queen.id_order}
        centroids = ordered.geometry.to_crs(DISTANCE_CRS).centroid
        self.centroids = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()])
        self._position = {nuts_id: k for k, nuts_id in enumerate(self.ids)}
        self._restricted: OrderedDict[frozenset[str], RegionWeights] = OrderedDict()
        self._lock = threading.Lock()

    @cached_property
    def full(self) -> RegionWeights:
        """Weights of all the level's regions (islands joined)."""
        return self.restrict(self.ids)

    def restrict(self, ids: Iterable[str]) -> RegionWeights:
        """Weights of the regions ``ids`` only: contiguity among them, then each island joined to its nearest among them.

        Needs at least two regions (one region has no neighbour to join).
        Raises :class:`UnknownRegionError` for a code without a shape here.
        """
        wanted = frozenset(str(i) for i in ids)
        with self._lock:
            kept = self._restricted.get(wanted)
            if kept is not None:
                self._restricted.move_to_end(wanted)
                return kept
        unknown = sorted(wanted.difference(self._position))
        if unknown:
            where = f" of {self.name}" if self.name else ""
            raise UnknownRegionError(
                f"no shape{where} for {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}; spatial weights need regions of the map's level"
            )
        if len(wanted) < 2:
            raise ValueError(f"spatial weights need at least two regions, got {len(wanted)}")
        result = self._restrict(tuple(sorted(wanted)))
        with self._lock:
            self._restricted[wanted] = result
            while len(self._restricted) > RESTRICTIONS_KEPT:
                self._restricted.popitem(last=False)
        return result

    def _restrict(self, ids: tuple[str, ...]) -> RegionWeights:
        members = set(ids)
        neighbours = {i: set(self.contiguity[i] & members) for i in ids}
        islands = [i for i in ids if not neighbours[i]]
        joined: list[tuple[str, str]] = []
        if islands:
            points = self.centroids[[self._position[i] for i in ids]]
            nearest = lpw.KNN(points, k=1, ids=list(ids), silence_warnings=True)  # centroid distance in metres
            for island in islands:
                other = str(nearest.neighbors[island][0])
                neighbours[island].add(other)
                neighbours[other].add(island)
                joined.append((island, other))
        return RegionWeights(
            ids=ids,
            neighbours={i: tuple(sorted(neighbours[i])) for i in ids},
            joined=tuple(joined),
            countries={i: self.countries[i] for i in ids},
        )


class NutsWeights:
    """The :class:`LevelWeights` of each level of one NUTS version, built on first use and kept.

    Hold one per process (the server keeps it beside its data); it is thread-safe.
    """

    def __init__(self, nuts: NutsGeometry) -> None:
        self.nuts = nuts
        self._levels: dict[int, LevelWeights] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_data_dir(cls, data_dir: Path, *, year: int = 2013) -> NutsWeights:
        """The weights of the NUTS version ``year`` in a built data folder (``gisco/`` source, ``nuts/`` cache)."""
        source = Path(data_dir) / "gisco" / f"NUTS_RG_20M_{year}_4326.geojson"
        return cls(load_nuts(source, year=year, cache_dir=Path(data_dir) / "nuts"))

    def level(self, level: int) -> LevelWeights:
        """One level's weights (0-3), built the first time they are asked for."""
        if level not in LEVELS:
            raise ValueError(f"NUTS level must be one of {', '.join(map(str, LEVELS))}, not {level!r}")
        with self._lock:
            if level not in self._levels:
                self._levels[level] = LevelWeights(self.nuts.level(level), name=f"NUTS {self.nuts.year} level {level}")
            return self._levels[level]


__all__ = ["DISTANCE_CRS", "LevelWeights", "NutsWeights", "RegionWeights"]
