"""NUTS region geometries (GISCO): read, validate, repair, simplify, cache as GeoParquet.

Cache file ``data/nuts/nuts_<year>_20m.parquet`` (GeoParquet, EPSG:4326):

==========  =======  ==============================================
column      dtype    meaning
==========  =======  ==============================================
nuts_id     str      NUTS code, e.g. ``AT13``
level       int8     0 (country) to 3
country     str      two-letter country code (``EL`` for Greece)
name_latn   str      name in Latin script
name        str      name in the national language(s)
repaired    bool     the source shape was invalid and repaired (make_valid)
geometry    polygon  simplified with the level's neighbours (shared borders kept)
==========  =======  ==============================================
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import cache
from layers._errors import GeometryError

log = logging.getLogger(__name__)

REQUIRED_PROPERTIES = ("NUTS_ID", "LEVL_CODE", "CNTR_CODE", "NAME_LATN")
EXPECTED_CRS = "EPSG:4326"
SIMPLIFY_TOLERANCE_DEG = 0.01
"""About 1 km: below what a 1:20M map shows, and borders stay shared."""
COORDINATE_DECIMALS = 4
LEVELS = (0, 1, 2, 3)


@dataclass
class NutsGeometry:
    """Regions of one NUTS version plus what loading had to fix."""

    year: int
    regions: gpd.GeoDataFrame

    @property
    def repaired(self) -> list[str]:
        """Ids of the shapes that were invalid in the source and repaired on load."""
        return self.regions.loc[self.regions["repaired"], "nuts_id"].tolist()

    def level(self, level: int) -> gpd.GeoDataFrame:
        """The regions of one level, indexed 0..n-1."""
        return self.regions.loc[self.regions["level"] == level].reset_index(drop=True)


def read_nuts(path: str | Path) -> gpd.GeoDataFrame:
    """Read a GISCO NUTS GeoJSON, check its fields and CRS, and repair invalid shapes.

    Returns the regions (columns as in the module docstring, unsimplified);
    ``repaired`` marks the shapes fixed with ``shapely.make_valid``.
    """
    path = Path(path)
    try:
        raw = gpd.read_file(path)
    except Exception as e:  # pyogrio raises its own DataSourceError and friends
        raise GeometryError(f"{str(path)!r} is not a readable GeoJSON file ({e}). Download it again (clustermap pull).") from e
    missing = [c for c in REQUIRED_PROPERTIES if c not in raw.columns]
    if missing:
        msg = f"{str(path)!r} lacks the properties {missing}; a GISCO NUTS file has {list(REQUIRED_PROPERTIES)}."
        raise GeometryError(msg)
    if raw.crs is None or raw.crs.to_string() != EXPECTED_CRS:
        msg = f"{str(path)!r} is in {raw.crs}, expected {EXPECTED_CRS}. Use the GISCO files named *_4326.geojson."
        raise GeometryError(msg)
    empty = raw.geometry.isna() | raw.geometry.is_empty
    if empty.any():
        msg = f"{str(path)!r}: regions without a shape: {', '.join(raw.loc[empty, 'NUTS_ID'])}."
        raise GeometryError(msg)
    invalid = ~raw.geometry.is_valid
    geoms = raw.geometry.to_numpy()
    geoms[invalid.to_numpy()] = shapely.make_valid(geoms[invalid.to_numpy()], method="structure")
    repaired = raw.loc[invalid, "NUTS_ID"].tolist()
    if repaired:
        log.info("%s: repaired %d invalid shapes with make_valid: %s", path.name, len(repaired), ", ".join(repaired))
    regions = gpd.GeoDataFrame(
        {
            "nuts_id": raw["NUTS_ID"].astype(str),
            "level": raw["LEVL_CODE"].astype("int8"),
            "country": raw["CNTR_CODE"].astype(str),
            "name_latn": raw["NAME_LATN"].astype(str).str.strip(),
            "name": (raw["NUTS_NAME"] if "NUTS_NAME" in raw else raw["NAME_LATN"]).astype(str).str.strip(),
            "repaired": invalid.to_numpy(),
        },
        geometry=gpd.GeoSeries(geoms, crs=EXPECTED_CRS),
    )
    duplicated = regions["nuts_id"].duplicated()
    if duplicated.any():
        raise GeometryError(f"{str(path)!r}: duplicate NUTS_ID values {sorted(set(regions.loc[duplicated, 'nuts_id']))}.")
    return regions


def simplify_levels(regions: gpd.GeoDataFrame, *, tolerance: float = SIMPLIFY_TOLERANCE_DEG) -> gpd.GeoDataFrame:
    """Simplify each level as one coverage, then round coordinates.

    ``coverage_simplify`` moves a shared border once for both neighbours, so no
    gaps or slivers open up (per-polygon ``simplify`` would open them). Rounding
    to a 1e-4° grid keeps shared vertices identical and roughly halves the JSON.
    """
    out = regions.copy()
    geoms = out.geometry.to_numpy().copy()
    for level in LEVELS:
        mask = (out["level"] == level).to_numpy()
        if mask.any():
            geoms[mask] = shapely.coverage_simplify(geoms[mask], tolerance)
    geoms = shapely.set_precision(geoms, 10.0**-COORDINATE_DECIMALS)
    out.geometry = gpd.GeoSeries(geoms, crs=regions.crs, index=out.index)
    return out


def load_nuts(path: str | Path, *, year: int, cache_dir: Path) -> NutsGeometry:
    """Regions of one NUTS version, simplified, from the GeoParquet cache when fresh."""
    path = Path(path)
    target = cache_dir / f"nuts_{year}_20m.parquet"
    key = cache.fingerprint([path], tolerance=SIMPLIFY_TOLERANCE_DEG, decimals=COORDINATE_DECIMALS)
    regions = cache.read_if_fresh(target, gpd.read_parquet, fingerprint_value=key)
    if regions is None:
        regions = simplify_levels(read_nuts(path))
        cache.atomic_write(target, regions.to_parquet, fingerprint_value=key)
    return NutsGeometry(year, regions)


def readable_names(regions: gpd.GeoDataFrame, reference: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Replace all-capitals names (NUTS 2013 levels 0-1 in the mirror) by the reference version's.

    Codes absent from ``reference`` fall back to title case; other names are kept.
    """
    out = regions.copy()
    ref = reference.set_index("nuts_id")
    for column in ("name_latn", "name"):
        shouting = out[column].str.isupper()
        better = out["nuts_id"].map(ref[column])
        out.loc[shouting, column] = better[shouting].fillna(out.loc[shouting, column].str.title())
    return out


def centroids(regions: gpd.GeoDataFrame) -> pd.DataFrame:
    """Representative points (inside each shape) as lon/lat columns, for labels and zoom."""
    points = regions.geometry.representative_point()
    return pd.DataFrame({"nuts_id": regions["nuts_id"], "lon": points.x, "lat": points.y})


def bounds_by_id(regions: gpd.GeoDataFrame) -> dict[str, tuple[float, float, float, float]]:
    """Each region's bounding box (minx, miny, maxx, maxy), for zooming to it."""
    b = regions.geometry.bounds.to_numpy()
    return {nid: tuple(np.round(row, 4)) for nid, row in zip(regions["nuts_id"], b)}
