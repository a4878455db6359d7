"""From one NUTS version to another by area: which NUTS 2013 region(s) cover a NUTS 2024 region.

The organisation records are located on NUTS 2024 regions; the statistics are on NUTS 2013.
A code can change between versions for the same area (Rhône-Alpes: FR71 in 2013, FRK2 in
2024), and a region can be split or merged. So a region of one version is matched to the
regions of the other version of the same level by the share of its area they cover, the areas
measured in an equal-area projection (ETRS89-LAEA, EPSG:3035), never in degrees.

The table (:class:`VersionMap`) is computed once per process from the two versions' shapes
(a few hundred polygons per level: well under a second) and then only read:

==========  =======  ==================================================================
column      dtype    meaning
==========  =======  ==================================================================
source      str      NUTS code in the source version (e.g. 2024), levels 0-2
level       int      its NUTS level
target      str      a NUTS code of the same level in the target version (e.g. 2013)
share       float    the part of the source region's area that lies in ``target``, 0-1
==========  =======  ==================================================================

Pairs covering less than :data:`MIN_SHARE` of the source region's area (slivers where the
generalised borders of the two versions do not coincide) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["EQUAL_AREA_CRS", "MIN_SHARE", "VersionMap", "VersionMatch", "version_map"]

EQUAL_AREA_CRS = "EPSG:3035"
"""ETRS89 / LAEA Europe: areas in square metres, the same everywhere in Europe."""
MIN_SHARE = 0.01
"""A target covering less than this part of the source region's area is not a match (generalisation slivers)."""
LEVELS = (0, 1, 2)
"""The levels the statistics have: a NUTS 2024 region is matched to NUTS 2013 regions of these levels."""


@dataclass(frozen=True)
class VersionMatch:
    """The target region covering most of a source region's area."""

    source: str
    target: str
    share: float
    """The part of the source region's area inside ``target`` (0-1)."""
    source_year: int
    target_year: int

    @property
    def percent(self) -> int:
        """The share in whole percent, as the page says it."""
        return round(self.share * 100)

    def sentence(self) -> str:
        """E.g. "NUTS 2024 FRK2 ≈ NUTS 2013 FR71 (100 % of its area)"."""
        return f"NUTS {self.source_year} {self.source} ≈ NUTS {self.target_year} {self.target} ({self.percent} % of its area)"


@dataclass
class VersionMap:
    """Every (source, target) pair of the same level with the share of the source's area in the target."""

    table: pd.DataFrame
    source_year: int
    target_year: int

    @cached_property
    def _best(self) -> dict[str, tuple[str, float]]:
        ordered = self.table.sort_values(["source", "share", "target"], ascending=[True, False, True], kind="stable")
        first = ordered.drop_duplicates("source")
        return {s: (t, float(v)) for s, t, v in zip(first["source"], first["target"], first["share"])}

    def best(self, source: str) -> VersionMatch | None:
        """The target region covering most of ``source``'s area (ties: the smaller code), or None when none overlaps."""
        found = self._best.get(source)
        if found is None:
            return None
        return VersionMatch(source, found[0], found[1], self.source_year, self.target_year)

    def matches(self, source: str) -> pd.DataFrame:
        """All targets of ``source``, the largest share first."""
        rows = self.table.loc[self.table["source"] == source]
        return rows.sort_values(["share", "target"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _equal_area(regions: gpd.GeoDataFrame, level: int) -> gpd.GeoDataFrame:
    frame = regions.loc[regions["level"] == level, ["nuts_id", "geometry"]].reset_index(drop=True)
    frame = frame.to_crs(EQUAL_AREA_CRS)
    return frame.set_geometry(shapely.make_valid(frame.geometry.to_numpy()), crs=EQUAL_AREA_CRS)


def version_map(source: gpd.GeoDataFrame, target: gpd.GeoDataFrame, *, source_year: int, target_year: int) -> VersionMap:
    """The overlap table of two NUTS versions' regions (``nuts_id, level, geometry``), level by level.

    Candidate pairs come from an STRtree on the target's shapes; each pair's intersection
    area is divided by the source region's area, both in EPSG:3035.
    """
    parts = []
    for level in LEVELS:
        src, tgt = _equal_area(source, level), _equal_area(target, level)
        if src.empty or tgt.empty:
            continue
        tree = shapely.STRtree(tgt.geometry.to_numpy())
        i_src, i_tgt = tree.query(src.geometry.to_numpy(), predicate="intersects")
        a = src.geometry.to_numpy()[i_src]
        b = tgt.geometry.to_numpy()[i_tgt]
        overlap = shapely.area(shapely.intersection(a, b))
        share = overlap / shapely.area(a)
        parts.append(
            pd.DataFrame(
                {
                    "source": src["nuts_id"].to_numpy()[i_src].astype(str),
                    "level": level,
                    "target": tgt["nuts_id"].to_numpy()[i_tgt].astype(str),
                    "share": np.round(share, 6),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["source", "level", "target", "share"])
    table = table.loc[table["share"] >= MIN_SHARE].reset_index(drop=True)
    return VersionMap(table, source_year, target_year)
