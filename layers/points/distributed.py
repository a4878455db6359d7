"""The NUTS join of :mod:`layers.points.join` on dask-geopandas over dask.distributed.

Each partition of a partitioned GeoParquet dataset of points is joined by the very
same :func:`~layers.points.join.join_points` code, so results are identical to the
single-machine path (the tests check it); dask only spreads partitions over workers.
Every worker process builds the region index (STRtree and cell grid) once and reuses
it for all its partitions.

Running on a real cluster
-------------------------
Start a scheduler and workers (``dask scheduler`` on one host, ``dask worker
tcp://host:8786`` on the others; every worker needs this package and the same library
versions), then connect before calling::

    from dask.distributed import Client
    from layers.points.distributed import join_points_distributed
    from layers.points.join import read_nuts_regions

    client = Client("tcp://host:8786")
    regions = read_nuts_regions("NUTS_RG_20M_2024_4326.geojson")
    joined = join_points_distributed("s3://bucket/points/", regions, client=client)

The points path must be readable from the workers (shared file system or an object
store URL such as ``s3://``, which needs the matching fsspec package). Without
``client`` the current default client is used if there is one, else dask's local
threaded scheduler. dask is optional: this module is the only one importing it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from layers.points.join import RegionIndex, join_points

if TYPE_CHECKING:
    import dask_geopandas
    from dask.distributed import Client

__all__ = ["join_points_distributed", "read_points_parquet", "write_points_parquet"]

logger = logging.getLogger(__name__)

_INDEX_CACHE: dict[str, RegionIndex] = {}
_INDEX_LOCK = threading.Lock()
_INDEX_CACHE_SIZE = 2


def write_points_parquet(points: gpd.GeoDataFrame, folder: str | os.PathLike[str], *, rows_per_file: int = 1_000_000) -> list[Path]:
    """Write points as a partitioned GeoParquet dataset: one ``part-NNNNN.parquet`` per partition.

    Written with geopandas rather than dask's writer, which trips pandas 3 deprecations.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, start in enumerate(range(0, max(len(points), 1), rows_per_file)):
        path = folder / f"part-{number:05d}.parquet"
        points.iloc[start : start + rows_per_file].to_parquet(path, index=False)
        paths.append(path)
    logger.info("wrote %d points in %d GeoParquet files to %s", len(points), len(paths), folder)
    return paths


def read_points_parquet(path: str | os.PathLike[str]) -> dask_geopandas.GeoDataFrame:
    """Open a GeoParquet dataset of points lazily: one partition per ``*.parquet`` file.

    ``path`` is a folder, a single file or a glob, local or an fsspec URL (``s3://...``).
    The schema comes from ``dask_geopandas.read_parquet`` (metadata only); partitions are
    read with ``geopandas.read_parquet``, because dask's own partition reader still
    uses ``inplace=`` calls that pandas 3.1 deprecates.
    """
    import dask
    import dask.dataframe as dd
    import dask_geopandas
    import fsspec

    path = str(path)
    fs, _, found = fsspec.core.get_fs_token_paths(path)
    files: list[str] = []
    for item in found:
        files.extend(sorted(fs.glob(item.rstrip("/") + "/*.parquet")) if fs.isdir(item) else [item])
    if not files:
        raise FileNotFoundError(f"no .parquet files at {path}")
    urls = files if _is_local(fs) else [fs.unstrip_protocol(f) for f in files]
    with dask.config.set({"dataframe.convert-string": False}):  # keep geopandas' dtypes
        meta = dask_geopandas.read_parquet(urls[0])._meta.copy()
        meta.attrs = {}  # drop dask-geopandas' spatial_partitions, which pandas cannot compare
        return dd.from_map(gpd.read_parquet, urls, meta=meta, label="read-points", enforce_metadata=False)


def join_points_distributed(
    points: str | os.PathLike[str] | dask_geopandas.GeoDataFrame,
    regions: gpd.GeoDataFrame,
    *,
    snap_tolerance_m: float | None = None,
    grid: bool | None = None,
    client: Client | None = None,
    compute: bool = True,
) -> gpd.GeoDataFrame | dask_geopandas.GeoDataFrame:
    """Join points to NUTS regions partition by partition on a dask cluster.

    Parameters
    ----------
    points
        GeoParquet dataset path, or a dask-geopandas GeoDataFrame of points.
    regions
        Regions as for :func:`layers.points.join.join_points` (small: sent to each worker).
    snap_tolerance_m, grid
        As for :func:`layers.points.join.join_points`.
    client
        dask.distributed client to compute on; None: the default client or scheduler.
    compute
        False returns the lazy dask GeoDataFrame.

    Returns
    -------
    geopandas.GeoDataFrame or dask_geopandas.GeoDataFrame
        The points with ``nuts0``-``nuts3``, ``status`` and ``snap_distance_m``; the row
        order is the partition order, the index the one stored in each file.
    """
    import dask

    # dask would turn text and categorical columns into pyarrow strings; keep the dtypes
    # of the single-machine path so both give identical frames
    with dask.config.set({"dataframe.convert-string": False}):
        frame = read_points_parquet(points) if isinstance(points, str | os.PathLike) else points
        token = regions_token(regions)
        meta = _join_partition(frame._meta, regions, regions_key=token, snap_tolerance_m=snap_tolerance_m, grid=grid)
        joined = frame.map_partitions(_join_partition, regions, regions_key=token, snap_tolerance_m=snap_tolerance_m, grid=grid, meta=meta)
        if not compute:
            return joined
        logger.info("joining %d partitions on %s", frame.npartitions, client or "the default scheduler")
        return client.compute(joined).result() if client is not None else joined.compute()


def _is_local(fs: object) -> bool:
    protocol = getattr(fs, "protocol", "file")
    return "file" in (protocol if isinstance(protocol, tuple) else (protocol,))


def regions_token(regions: gpd.GeoDataFrame) -> str:
    """Content hash of the regions, so workers can tell whether a cached index still fits."""
    digest = hashlib.sha1()
    digest.update("\n".join(regions["nuts_id"].astype("str")).encode())
    digest.update(np.asarray(regions["level"], dtype=np.int64).tobytes())
    for wkb in shapely.to_wkb(regions.geometry.to_numpy()):
        digest.update(wkb)
    digest.update(str(regions.crs).encode())
    return digest.hexdigest()


def _region_index(regions: gpd.GeoDataFrame, token: str) -> RegionIndex:
    """The region index for ``token``, built once per worker process."""
    with _INDEX_LOCK:
        index = _INDEX_CACHE.get(token)
        if index is None:
            if len(_INDEX_CACHE) >= _INDEX_CACHE_SIZE:
                _INDEX_CACHE.pop(next(iter(_INDEX_CACHE)))
            index = _INDEX_CACHE[token] = RegionIndex(regions)
        return index


def _join_partition(
    part: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame,
    *,
    regions_key: str,
    snap_tolerance_m: float | None,
    grid: bool | None,
) -> gpd.GeoDataFrame:
    """Join one partition, single-threaded (dask already runs partitions in parallel).

    (``regions_key``, not ``token``: ``map_partitions`` keeps ``token=`` for itself.)
    """
    index = _region_index(regions, regions_key)
    return join_points(part, index, snap_tolerance_m=snap_tolerance_m, grid=grid, workers=1)
