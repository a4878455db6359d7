"""SYNTHETIC point records for tests, demos and benchmarks -- they are not real organisations.

Every generated record says so three times: the id starts with ``SYN-``, the name is
``"Synthetic cluster 0001"``, and the ``synthetic`` column is True; websites use the
reserved ``.invalid`` domain. Output follows the schema of :mod:`layers.points.records`,
so a sample can be fed to the same reader as real data.

Command line::

    python -m layers.points.synthetic sample.csv --n 1000 --seed 7 \
        --nuts ../shared/data/gisco/NUTS_RG_20M_2024_4326.geojson
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.points.records import eurostat_nace_codes

__all__ = ["DEFAULT_SEED", "EUROPE_BBOX", "generate_synthetic_records", "main", "sample_points", "write_sample"]

logger = logging.getLogger(__name__)

EUROPE_BBOX = (-25.0, 34.0, 45.0, 72.0)  # lon_min, lat_min, lon_max, lat_max
DEFAULT_SEED = 20240101
_MAX_ROUNDS = 10_000


def sample_points(
    n: int, *, seed: int | np.random.Generator, regions: gpd.GeoDataFrame | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sample ``n`` (lon, lat) points in EPSG:4326, reproducibly.

    Without ``regions`` points are uniform in :data:`EUROPE_BBOX` (many fall in the sea,
    which is useful to exercise the "outside" path). With ``regions`` each point first
    picks one of the finest regions uniformly (so small city regions get points too),
    then is drawn in that region's bounding box until it falls strictly inside the
    region -- vectorised rejection sampling, all pending points per round.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if regions is None:
        lon_min, lat_min, lon_max, lat_max = EUROPE_BBOX
        return rng.uniform(lon_min, lon_max, n), rng.uniform(lat_min, lat_max, n)
    geometries = _finest(regions)
    bounds = shapely.bounds(geometries)
    choice = rng.integers(0, len(geometries), n)
    lon, lat = np.empty(n), np.empty(n)
    todo = np.arange(n)
    shapely.prepare(geometries)
    for _ in range(_MAX_ROUNDS):
        if not len(todo):
            break
        box = bounds[choice[todo]]
        x, y = rng.uniform(box[:, 0], box[:, 2]), rng.uniform(box[:, 1], box[:, 3])
        ok = shapely.contains_xy(geometries[choice[todo]], x, y)
        lon[todo[ok]], lat[todo[ok]] = x[ok], y[ok]
        todo = todo[~ok]
    if len(todo):
        raise RuntimeError(f"{len(todo)} points could not be placed in their regions after {_MAX_ROUNDS} rounds")
    return lon, lat


def generate_synthetic_records(
    n: int, *, seed: int, regions: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Make ``n`` SYNTHETIC records following the records schema, reproducibly from ``seed``.

    Parameters
    ----------
    n
        Number of records.
    seed
        Seed of the numpy generator; the same seed gives the same records.
    regions
        NUTS regions (e.g. from :func:`layers.points.join.read_nuts_regions`) to place
        the points in; None: anywhere in a European bounding box.
    """
    rng = np.random.default_rng(seed)
    lon, lat = sample_points(n, seed=rng, regions=regions)
    width = max(4, len(str(n)))
    numbers = [f"{i:0{width}d}" for i in range(1, n + 1)]
    codes = np.array(sorted(eurostat_nace_codes()), dtype=object)
    how_many = rng.integers(1, 4, n)
    picked = rng.choice(codes, size=(n, 3))
    nace = [";".join(row[:k]) for row, k in zip(picked, how_many)]
    members = pd.array(rng.integers(3, 400, n), dtype="Int64")
    employees = pd.array(np.round(rng.lognormal(6.0, 1.5, n)).astype(np.int64), dtype="Int64")
    members[rng.random(n) < 0.1] = pd.NA
    employees[rng.random(n) < 0.1] = pd.NA
    return pd.DataFrame(
        {
            "id": [f"SYN-{k}" for k in numbers],
            "name": [f"Synthetic cluster {k}" for k in numbers],
            "latitude": lat,
            "longitude": lon,
            "nace": nace,
            "members": members,
            "employees": employees,
            "year": pd.array(rng.integers(1990, 2025, n), dtype="Int64"),
            "website": [f"https://cluster-{k}.synthetic.invalid" for k in numbers],
            "synthetic": np.ones(n, dtype=bool),
        }
    )


def write_sample(
    path: str | os.PathLike[str],
    *,
    n: int = 1000,
    seed: int = DEFAULT_SEED,
    regions: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
) -> Path:
    """Write a SYNTHETIC sample as CSV or Parquet (by suffix); ``regions`` may be a NUTS file path."""
    from layers.points.join import read_nuts_regions

    if regions is not None and not isinstance(regions, gpd.GeoDataFrame):
        regions = read_nuts_regions(regions)
    frame = generate_synthetic_records(n, seed=seed, regions=regions)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.lower().endswith((".parquet", ".pq")):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    logger.info("wrote %d SYNTHETIC records (seed %d) to %s", n, seed, path)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: write a synthetic sample file."""
    parser = argparse.ArgumentParser(description="Write SYNTHETIC cluster records (not real organisations).")
    parser.add_argument("path", help="output file, .csv or .parquet")
    parser.add_argument("--n", type=int, default=1000, help="number of records (default 1000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--nuts", help="GISCO NUTS GeoJSON to place points inside regions")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    write_sample(args.path, n=args.n, seed=args.seed, regions=args.nuts)
    return 0


def _finest(regions: gpd.GeoDataFrame) -> np.ndarray:
    """Polygons of the finest regions (ids no other id extends), in EPSG:4326."""
    if regions.crs is not None and regions.crs != "EPSG:4326":
        regions = regions.to_crs("EPSG:4326")
    if "nuts_id" in regions.columns:
        ids = regions["nuts_id"].astype("str").tolist()
        prefixes = {i[:k] for i in ids for k in range(2, len(i))}
        regions = regions[[i not in prefixes for i in ids]]
    geometries = regions.geometry.to_numpy()
    geometries = geometries[~shapely.is_empty(geometries) & (shapely.area(geometries) > 0)]
    if not len(geometries):
        raise ValueError("regions contain no polygon to sample points in")
    return geometries


if __name__ == "__main__":
    raise SystemExit(main())
