"""Spatial join of points to NUTS regions of levels 0-3, vectorised and chunked.

Matching rule (deterministic)
-----------------------------
Only the *finest* regions given are matched: the "leaves", i.e. regions whose
``nuts_id`` is not the start of another region's id in the set (in the GISCO 2024
file these are all NUTS 3 regions, plus ``UA`` at level 0 and ``BA01``-``BA03`` at
level 2, which have no finer units). A point is ``inside`` when it *intersects* a leaf
(interior or boundary). A point that intersects several leaves -- exactly on a shared
boundary or vertex -- gets the leaf with the lexicographically smallest ``nuts_id``.
The coarser levels are read from the chosen leaf's id (``AT130`` -> ``AT13``, ``AT1``,
``AT``): NUTS ids start with their parents' ids, so parents are always consistent with
the leaf, and the smallest leaf id also has the smallest parent ids. Levels finer than
the leaf are missing (``UA`` has no ``nuts1``). This assumes the finest regions cover
their parents, which holds for the GISCO files (checked by the tests on the real data).

Points intersecting no leaf are ``outside``. With ``snap_tolerance_m`` they are moved
to the nearest leaf within that distance in metres, measured in a metric CRS
(EPSG:3035 by default, the European equal-area projection; far from Europe, e.g. in
the outermost regions, its distances are only approximate), status ``snapped``, ties
again going to the smallest ``nuts_id``. Non-finite coordinates and empty geometries
are ``outside`` and never snapped.

Speed and memory
----------------
The exact test is ``STRtree.query(points, predicate="intersects")`` reduced with
numpy. For large inputs (from :data:`GRID_MIN_POINTS`) a cell grid
(:mod:`layers.points.grid`; 1/32 degree, built once per index in about 1.3 s) first
settles every point whose cell provably lies inside exactly one leaf
(``contains_properly`` of the slightly enlarged cell, and no other leaf intersects it)
or outside all leaves; only points in cells crossed by a boundary go through the
STRtree. Both paths give identical answers (tested). The region shapes are read and
checked in :mod:`layers.points.regions`.
Points are processed in chunks (default 250 000) in a thread pool (shapely releases
the GIL while building points); only one int32 per point is kept between chunks and
the region columns are categoricals, so 10 million points need well under 8 GiB.
Reuse a :class:`RegionIndex` to build the tree and grid once.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from layers._errors import GeometryError
from layers.points.grid import EXACT, CellGrid
from layers.points.regions import LEVELS, WGS84, checked_regions, read_nuts_regions

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "JOIN_COLUMNS",
    "NUTS_COLUMNS",
    "STATUS_DTYPE",
    "RegionIndex",
    "join_points",
    "join_xy",
    "read_nuts_regions",
]

logger = logging.getLogger(__name__)

NUTS_COLUMNS = tuple(f"nuts{level}" for level in LEVELS)
STATUS_DTYPE = pd.CategoricalDtype(["inside", "snapped", "outside"])
JOIN_COLUMNS = (*NUTS_COLUMNS, "status", "snap_distance_m")
DEFAULT_CHUNK_SIZE = 250_000
GRID_MIN_POINTS = 1_500_000
"""From this many points the grid path is the default (unless the index already has a grid).

Measured in CPU time on NUTS 2024 (benchmarks/points.md): the grid costs about 1.3 s to
build and then about 0.4 µs a point against 1.5 µs for the plain STRtree, so it pays
off from about 1.2 M points; at 1 M the STRtree path was faster (1.4-1.5 s against
1.6-1.8 s), at 1.5 M the grid (1.9-2.1 s against 2.3-2.5 s)."""
_INSIDE, _SNAPPED, _OUTSIDE = 0, 1, 2


class RegionIndex:
    """The leaf regions of a NUTS set, an STRtree over them and the id lookup tables.

    Build once and pass to :func:`join_points` / :func:`join_xy` to join many batches.

    Parameters
    ----------
    regions
        Columns ``nuts_id``, ``level`` (0-3, equal to ``len(nuts_id) - 2``) and polygon
        ``geometry``; reprojected to EPSG:4326 if needed.
    metric_crs
        CRS in metres used for snapping distances.
    """

    def __init__(self, regions: gpd.GeoDataFrame, *, metric_crs: str = "EPSG:3035") -> None:
        regions = checked_regions(regions)
        ids = regions["nuts_id"].to_numpy(dtype=object)
        prefixes = {i[:k] for i in ids for k in range(2, len(i))}
        leaf = np.array([i not in prefixes for i in ids], dtype=bool)
        order = np.argsort(ids[leaf], kind="stable")
        self.leaf_ids: np.ndarray = ids[leaf][order]
        self.leaf_levels: np.ndarray = np.array([len(i) - 2 for i in self.leaf_ids], dtype=np.int8)
        self.geometries: np.ndarray = regions.geometry.to_numpy()[leaf][order]
        self.tree = shapely.STRtree(self.geometries)
        self.metric_crs = metric_crs
        self._metric_index: tuple[Transformer, shapely.STRtree] | None = None
        self._grid: CellGrid | None = None
        self._lock = threading.Lock()
        self.categories: dict[int, list[str]] = {}
        self.codes: dict[int, np.ndarray] = {}
        for level in LEVELS:
            given = {i for i in ids if len(i) - 2 == level}
            derived = {i[: 2 + level] for i in self.leaf_ids if len(i) - 2 >= level}
            categories = sorted(given | derived)
            lookup = {c: k for k, c in enumerate(categories)}
            codes = [lookup[i[: 2 + level]] if len(i) - 2 >= level else -1 for i in self.leaf_ids]
            # one extra slot at the end: "no leaf" -> missing
            self.codes[level] = np.array([*codes, -1], dtype=np.int32)
            self.categories[level] = categories
        logger.debug("region index: %d leaves of %d regions", len(self.leaf_ids), len(ids))

    @property
    def none(self) -> int:
        """Leaf number meaning "no region" (one past the last leaf)."""
        return len(self.leaf_ids)

    def locate(self, points: np.ndarray) -> np.ndarray:
        """Leaf number (position in ``leaf_ids``) of each point, or :attr:`none`.

        The tree holds the leaves sorted by ``nuts_id``, so the smallest tree index among
        a point's hits is the smallest id: the boundary rule is one ``np.minimum.at``.
        """
        hits = self.tree.query(points, predicate="intersects")
        best = np.full(len(points), self.none, dtype=np.int32)
        np.minimum.at(best, hits[0], hits[1].astype(np.int32))
        return best

    @property
    def has_grid(self) -> bool:
        """Whether the cell grid has been built already."""
        return self._grid is not None

    def grid(self) -> CellGrid:
        """The cell grid, built on first use (thread-safe)."""
        with self._lock:
            if self._grid is None:
                self._grid = CellGrid.build(self.geometries, self.tree, self.none)
            return self._grid

    def to_metric(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project WGS 84 coordinates to :attr:`metric_crs` (call from one thread at a time)."""
        transformer, _ = self._metric()
        return transformer.transform(lon, lat)

    def snap(self, x: np.ndarray, y: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Nearest leaf within ``tolerance_m`` metres of each projected point, and its distance.

        ``x``, ``y`` come from :meth:`to_metric`. Returns :attr:`none` and NaN for points
        with no leaf that near; equally near leaves go to the smallest ``nuts_id``.
        """
        points = shapely.points(x, y)
        hits, distance = self._metric()[1].query_nearest(points, max_distance=tolerance_m, return_distance=True, all_matches=True)
        best = np.full(len(points), self.none, dtype=np.int32)
        np.minimum.at(best, hits[0], hits[1].astype(np.int32))
        nearest = np.full(len(points), np.nan)
        nearest[hits[0]] = distance
        return best, nearest

    def _metric(self) -> tuple[Transformer, shapely.STRtree]:
        """Transformer to the metric CRS and an STRtree of the leaves in it, built once."""
        with self._lock:
            if self._metric_index is None:
                metric = gpd.GeoSeries(self.geometries, crs=WGS84).to_crs(self.metric_crs)
                to_metric = Transformer.from_crs(WGS84, self.metric_crs, always_xy=True)
                self._metric_index = to_metric, shapely.STRtree(metric.to_numpy())
            return self._metric_index


def join_xy(
    lon: np.ndarray,
    lat: np.ndarray,
    regions: gpd.GeoDataFrame | RegionIndex,
    *,
    snap_tolerance_m: float | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
    grid: bool | None = None,
) -> pd.DataFrame:
    """Join WGS 84 coordinates to NUTS regions without materialising all points at once.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes (EPSG:4326), same length.
    regions
        Regions (see :class:`RegionIndex`) or a prebuilt index.
    snap_tolerance_m
        Snap outside points to the nearest region within this many metres; None: no snapping.
    chunk_size
        Points per chunk; bounds the memory of the shapely objects alive at once.
    workers
        Threads; default: the CPUs this process may use.
    grid
        Use the cell grid shortcut; None: when there are at least
        :data:`GRID_MIN_POINTS` points or the index already has a grid.

    Returns
    -------
    pandas.DataFrame
        ``nuts0``-``nuts3`` (categoricals), ``status`` (inside/snapped/outside) and
        ``snap_distance_m``, one row per point in input order.
    """
    lon = np.ascontiguousarray(lon, dtype=np.float64)
    lat = np.ascontiguousarray(lat, dtype=np.float64)
    if lon.shape != lat.shape or lon.ndim != 1:
        raise ValueError(f"lon and lat must be 1-D arrays of the same length, got {lon.shape} and {lat.shape}")
    index = regions if isinstance(regions, RegionIndex) else RegionIndex(regions)
    finite = np.isfinite(lon) & np.isfinite(lat)

    def points_at(rows: np.ndarray) -> np.ndarray:
        return shapely.points(lon[rows], lat[rows])

    leaf = _locate(index, lon, lat, points_at, grid=grid, chunk_size=chunk_size, workers=workers)
    leaf[~finite] = index.none
    return _result(index, leaf, lon, lat, finite, snap_tolerance_m, chunk_size, workers)


def join_points(
    points: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame | RegionIndex,
    *,
    snap_tolerance_m: float | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
    grid: bool | None = None,
) -> gpd.GeoDataFrame:
    """Return a copy of ``points`` with ``nuts0``-``nuts3``, ``status`` and ``snap_distance_m``.

    Existing columns of those names are replaced.

    Points are reprojected to EPSG:4326 if they are in another CRS; a GeoDataFrame
    without CRS is taken to be EPSG:4326 (logged). See :func:`join_xy` for the options.

    Raises
    ------
    GeometryError
        Some geometries are not points.
    """
    geometries = points.geometry
    if points.crs is None:
        logger.warning("points have no CRS; assuming EPSG:4326 (longitude, latitude)")
    elif points.crs != WGS84:
        geometries = geometries.to_crs(WGS84)
    values = geometries.to_numpy()
    kinds = shapely.get_type_id(values)
    usable = (kinds == shapely.GeometryType.POINT) & ~shapely.is_empty(values)
    not_point = ~usable & (kinds != -1) & (kinds != shapely.GeometryType.POINT)
    if not_point.any():
        first = points.index[np.flatnonzero(not_point)[0]]
        raise GeometryError(
            f"{int(not_point.sum())} geometries are not points (first at index {first!r}); "
            "join polygons with geopandas.sjoin or take their representative_point() first."
        )
    index = regions if isinstance(regions, RegionIndex) else RegionIndex(regions)
    lon, lat = np.full(len(values), np.nan), np.full(len(values), np.nan)
    lon[usable], lat[usable] = shapely.get_x(values[usable]), shapely.get_y(values[usable])
    finite = usable & np.isfinite(lon) & np.isfinite(lat)
    leaf = _locate(index, lon, lat, lambda rows: values[rows], grid=grid, chunk_size=chunk_size, workers=workers)
    leaf[~finite] = index.none
    joined = _result(index, leaf, lon, lat, finite, snap_tolerance_m, chunk_size, workers)
    out = points.copy()
    for column in JOIN_COLUMNS:
        out[column] = pd.Series(joined[column].array, index=out.index)
    return out


def _default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_chunks(n: int, chunk_size: int, workers: int | None, work: Callable[[int, int], None]) -> None:
    """Call ``work(start, stop)`` over ``range(n)`` in chunks, threaded when worthwhile."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    starts = range(0, n, chunk_size)
    workers = workers or _default_workers()
    if workers == 1 or len(starts) <= 1:
        for start in starts:
            work(start, min(start + chunk_size, n))
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="points-join") as pool:
        for future in [pool.submit(work, s, min(s + chunk_size, n)) for s in starts]:
            future.result()


def _locate(
    index: RegionIndex,
    lon: np.ndarray,
    lat: np.ndarray,
    points_at: Callable[[np.ndarray], np.ndarray],
    *,
    grid: bool | None,
    chunk_size: int,
    workers: int | None,
) -> np.ndarray:
    """Leaf number of every point: grid lookup where it settles the answer, STRtree elsewhere."""
    n = len(lon)
    use_grid = grid if grid is not None else (index.has_grid or n >= GRID_MIN_POINTS)
    cells = index.grid() if use_grid and n else None
    leaf = np.empty(n, dtype=np.int32)

    def work(start: int, stop: int) -> None:
        if cells is None:
            leaf[start:stop] = index.locate(points_at(np.arange(start, stop)))
            return
        codes = cells.lookup(lon[start:stop], lat[start:stop], index.none)
        exact = np.flatnonzero(codes == EXACT)
        if len(exact):
            codes[exact] = index.locate(points_at(start + exact))
        leaf[start:stop] = codes

    _run_chunks(n, chunk_size, workers, work)
    return leaf


def _result(
    index: RegionIndex,
    leaf: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    finite: np.ndarray,
    snap_tolerance_m: float | None,
    chunk_size: int,
    workers: int | None,
) -> pd.DataFrame:
    """Snap what is outside (if asked) and turn leaf numbers into the output columns."""
    status = np.where(leaf == index.none, _OUTSIDE, _INSIDE).astype(np.int8)
    distance = np.full(len(leaf), np.nan)
    if snap_tolerance_m is not None and snap_tolerance_m > 0:
        if not np.isfinite(snap_tolerance_m):
            raise ValueError("snap_tolerance_m must be a finite number of metres")
        todo = np.flatnonzero((status == _OUTSIDE) & finite)
        if len(todo):
            x, y = index.to_metric(lon[todo], lat[todo])  # pyproj transformers are not shared across threads

            def work(start: int, stop: int) -> None:
                rows = todo[start:stop]
                found, dist = index.snap(x[start:stop], y[start:stop], snap_tolerance_m)
                hit = found != index.none
                leaf[rows[hit]] = found[hit]
                status[rows[hit]] = _SNAPPED
                distance[rows[hit]] = dist[hit]

            _run_chunks(len(todo), chunk_size, workers, work)
    elif snap_tolerance_m is not None and snap_tolerance_m < 0:
        raise ValueError(f"snap_tolerance_m must be >= 0 metres, got {snap_tolerance_m}")
    columns: dict[str, object] = {f"nuts{level}": pd.Categorical.from_codes(index.codes[level][leaf], categories=index.categories[level]) for level in LEVELS}
    columns["status"] = pd.Categorical.from_codes(status, dtype=STATUS_DTYPE)
    columns["snap_distance_m"] = distance
    counts = np.bincount(status, minlength=3)
    logger.info("joined %d points: %d inside, %d snapped, %d outside", len(leaf), counts[0], counts[1], counts[2])
    return pd.DataFrame(columns)
