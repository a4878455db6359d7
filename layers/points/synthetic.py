"""SYNTHETIC point records for tests, demos and benchmarks -- they are not real organisations.

Every generated record says so three times: the id starts with ``SYN-``, the name is
``"Synthetic cluster 0001"``, and the ``synthetic`` column is True; websites use the
reserved ``.invalid`` domain. Output follows the schema of :mod:`layers.points.records`,
so a sample can be fed to the same reader as real data.

Large samples are made and written in chunks (:func:`iter_synthetic_records`), so
ten million records need no more memory than one chunk. :func:`inject_bad_rows`
breaks a few rows on purpose, for tests and benchmarks of the rejection path.

Command line::

    python -m layers.points.synthetic sample.csv --n 1000 --seed 7 \
        --nuts ../shared/data/gisco/NUTS_RG_20M_2024_4326.geojson
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from layers.points.records import eurostat_nace_codes

__all__ = [
    "BAD_ROW_KINDS",
    "DEFAULT_SEED",
    "EUROPE_BBOX",
    "generate_synthetic_records",
    "inject_bad_rows",
    "iter_synthetic_records",
    "main",
    "sample_points",
    "write_sample",
]

logger = logging.getLogger(__name__)

EUROPE_BBOX = (-25.0, 34.0, 45.0, 72.0)  # lon_min, lat_min, lon_max, lat_max
DEFAULT_SEED = 20240101
DEFAULT_CHUNK_SIZE = 1_000_000
_MAX_ROUNDS = 10_000
BAD_ROW_KINDS = ("latitude", "longitude", "nace", "name", "employees", "id")
"""What :func:`inject_bad_rows` breaks, in turn: the field that will be rejected."""


def sample_points(n: int, *, seed: int | np.random.Generator, regions: gpd.GeoDataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
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
    n: int,
    *,
    seed: int | list[int],
    regions: gpd.GeoDataFrame | None = None,
    outside_share: float = 0.0,
    first: int = 1,
    width: int | None = None,
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
    outside_share
        With ``regions``: this share of the points is drawn anywhere in the box instead
        (sea, borders, outside every region), mixed in at random rows.
    first, width
        Number of the first record and digits of the numbers in ids and names (default:
        enough for ``first + n - 1``, at least 4), so chunks of one sample have unique ids.
    """
    rng = np.random.default_rng(seed)
    lon, lat = _coordinates(n, rng, regions, outside_share)
    width = width or max(4, len(str(first + n - 1)))
    numbers = [f"{i:0{width}d}" for i in range(first, first + n)]
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


def iter_synthetic_records(
    n: int,
    *,
    seed: int,
    regions: gpd.GeoDataFrame | None = None,
    outside_share: float = 0.0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[pd.DataFrame]:
    """``n`` SYNTHETIC records in frames of at most ``chunk_size`` rows, with ids unique across them.

    Up to ``chunk_size`` records this is one frame equal to :func:`generate_synthetic_records`;
    beyond, chunk ``k`` is seeded with ``[seed, k]``, so the sample is still reproducible.
    """
    if n <= chunk_size:
        yield generate_synthetic_records(n, seed=seed, regions=regions, outside_share=outside_share)
        return
    width = max(4, len(str(n)))
    for k, start in enumerate(range(0, n, chunk_size)):
        size = min(chunk_size, n - start)
        yield generate_synthetic_records(size, seed=[seed, k], regions=regions, outside_share=outside_share, first=start + 1, width=width)


def inject_bad_rows(records: pd.DataFrame, n: int, *, seed: int) -> pd.DataFrame:
    """A text copy of ``records`` with ``n`` rows broken on purpose, for tests and benchmarks.

    The rows are picked at random (seeded); each breaks one field, taking the kinds of
    :data:`BAD_ROW_KINDS` in turn: a latitude that is no number, a longitude out of
    range, an unknown NACE code, an empty name, negative employees, or the id of
    another row (so both rows are rejected). All columns come back as text, as read
    from a CSV file, with missing values empty.
    """
    rng = np.random.default_rng(seed)
    out = records.astype("str").copy()
    for column in records.columns:
        out[column] = out[column].mask(records[column].isna(), "")
    rows = rng.choice(len(out), size=min(n, len(out)), replace=False)
    for k, row in enumerate(rows):
        kind = BAD_ROW_KINDS[k % len(BAD_ROW_KINDS)]
        column = out.columns.get_loc(kind)
        out.iat[row, column] = {
            "latitude": "4o.5",
            "longitude": "181.5",
            "nace": "Z99",
            "name": "",
            "employees": "-3",
            "id": out.iat[int((row + 1) % len(out)), column],
        }[kind]
    return out


def write_sample(
    path: str | os.PathLike[str],
    *,
    n: int = 1000,
    seed: int = DEFAULT_SEED,
    regions: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    outside_share: float = 0.0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Path:
    """Write a SYNTHETIC sample as CSV or Parquet (by suffix), chunk by chunk; ``regions`` may be a NUTS file path."""
    from layers.points.join import read_nuts_regions

    if regions is not None and not isinstance(regions, gpd.GeoDataFrame):
        regions = read_nuts_regions(regions)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks = iter_synthetic_records(n, seed=seed, regions=regions, outside_share=outside_share, chunk_size=chunk_size)
    if path.name.lower().endswith((".parquet", ".pq")):
        _write_parquet(chunks, path)
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            for k, frame in enumerate(chunks):
                frame.to_csv(handle, index=False, header=k == 0)
    logger.info("wrote %d SYNTHETIC records (seed %d) to %s", n, seed, path)
    return path


def _write_parquet(chunks: Iterator[pd.DataFrame], path: Path) -> None:
    writer: pq.ParquetWriter | None = None
    try:
        for frame in chunks:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _coordinates(n: int, rng: np.random.Generator, regions: gpd.GeoDataFrame | None, outside_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Points in the regions (or the box), with ``outside_share`` of them anywhere in the box."""
    if not 0.0 <= outside_share <= 1.0:
        raise ValueError(f"outside_share must be between 0 and 1, got {outside_share}")
    if regions is None or outside_share == 0.0:
        return sample_points(n, seed=rng, regions=regions)
    anywhere = round(n * outside_share)
    lon_a, lat_a = sample_points(n - anywhere, seed=rng, regions=regions)
    lon_b, lat_b = sample_points(anywhere, seed=rng)
    order = rng.permutation(n)
    return np.r_[lon_a, lon_b][order], np.r_[lat_a, lat_b][order]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: write a synthetic sample file."""
    parser = argparse.ArgumentParser(description="Write SYNTHETIC cluster records (not real organisations).")
    parser.add_argument("path", help="output file, .csv or .parquet")
    parser.add_argument("--n", type=int, default=1000, help="number of records (default 1000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--nuts", help="GISCO NUTS GeoJSON to place points inside regions")
    parser.add_argument("--outside-share", type=float, default=0.0, help="with --nuts: share of points anywhere in the box")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    write_sample(args.path, n=args.n, seed=args.seed, regions=args.nuts, outside_share=args.outside_share)
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
