"""NUTS region shapes for the point join: a GISCO GeoJSON read and checked into leaf-ready polygons.

:func:`read_nuts_regions` reads a GISCO file; :func:`checked_regions` checks any regions
frame a :class:`~layers.points.join.RegionIndex` is given (columns, ids coherent with
levels, polygons) and brings it to EPSG:4326. Both repair invalid shapes, since a
point-in-polygon test on a self-intersecting ring can give wrong answers.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from layers._errors import GeometryError

__all__ = ["LEVELS", "WGS84", "checked_regions", "read_nuts_regions"]

logger = logging.getLogger(__name__)

LEVELS = (0, 1, 2, 3)
WGS84 = "EPSG:4326"
_GISCO_FIELDS = {"NUTS_ID": "nuts_id", "LEVL_CODE": "level", "CNTR_CODE": "country", "NAME_LATN": "name_latn"}


def read_nuts_regions(path: str | os.PathLike[str], *, levels: tuple[int, ...] = LEVELS) -> gpd.GeoDataFrame:
    """Read a GISCO NUTS GeoJSON into ``nuts_id, level, country, name_latn, geometry``.

    Invalid shapes are repaired with ``shapely.make_valid`` (a point-in-polygon test on
    a self-intersecting ring can give wrong answers), and the result is in EPSG:4326.

    Raises
    ------
    GeometryError
        The file lacks the GISCO properties or has no CRS.
    """
    path = Path(path)
    frame = gpd.read_file(path)
    missing = [name for name in _GISCO_FIELDS if name not in frame.columns]
    if missing:
        raise GeometryError(f"{path}: missing GISCO properties {', '.join(missing)}; expected a NUTS_RG_*.geojson file from GISCO.")
    if frame.crs is None:
        raise GeometryError(f"{path}: no CRS; GISCO GeoJSON files are EPSG:4326, re-download the file.")
    frame = frame.rename(columns=_GISCO_FIELDS)[[*_GISCO_FIELDS.values(), "geometry"]]
    frame["nuts_id"] = frame["nuts_id"].astype("str")
    frame["level"] = frame["level"].astype("int64")
    frame = frame[frame["level"].isin(levels)]
    if frame.crs != WGS84:
        frame = frame.to_crs(WGS84)
    frame = frame.set_geometry(_repair(frame.geometry.to_numpy(), label=str(path)), crs=frame.crs)
    return frame.sort_values(["level", "nuts_id"], kind="stable").reset_index(drop=True)


def checked_regions(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Regions in EPSG:4326 with valid polygons and coherent ids, or GeometryError."""
    missing = [c for c in ("nuts_id", "level") if c not in regions.columns]
    if missing or not isinstance(regions, gpd.GeoDataFrame):
        raise GeometryError(
            f"regions need columns nuts_id, level and geometry (missing: {', '.join(missing) or 'geometry'}); read GISCO files with read_nuts_regions()."
        )
    if len(regions) == 0:
        raise GeometryError("no regions given; check the level filter.")
    if regions.crs is None:
        logger.warning("regions have no CRS; assuming EPSG:4326")
    elif regions.crs != WGS84:
        regions = regions.to_crs(WGS84)
    ids = regions["nuts_id"].astype("str")
    doubled = ids[ids.duplicated()].unique().tolist()
    if doubled:
        raise GeometryError(f"nuts_id values appear more than once: {doubled[:5]}; dissolve them first.")
    wrong = ids[ids.str.len() - 2 != regions["level"].astype("int64")].tolist()
    if wrong or not set(regions["level"]).issubset(LEVELS):
        raise GeometryError(f"level must be 0-3 and equal len(nuts_id) - 2 (country code plus one character per level); inconsistent ids: {wrong[:5]}")
    geometries = regions.geometry.to_numpy()
    kinds = set(shapely.get_type_id(geometries).tolist())
    if not kinds <= {shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON}:
        raise GeometryError("region geometries must be polygons or multipolygons.")
    out = gpd.GeoDataFrame({"nuts_id": ids.to_numpy()}, geometry=_repair(geometries, label="regions"), crs=WGS84)
    return out


def _repair(geometries: np.ndarray, *, label: str) -> np.ndarray:
    """Make invalid polygons valid, keeping only their polygonal parts."""
    invalid = ~shapely.is_valid(geometries)
    if not invalid.any():
        return geometries
    repaired = geometries.copy()
    repaired[invalid] = shapely.make_valid(geometries[invalid], method="structure", keep_collapsed=False)
    logger.info("%s: repaired %d invalid shapes with make_valid", label, int(invalid.sum()))
    return repaired
