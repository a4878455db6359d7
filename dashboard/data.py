"""What the app holds in memory: the aggregate table and one GeoJSON per NUTS level.

Loaded once at start-up from the caches ``layers`` builds; callbacks only read it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import nace, settings
from layers.build import CLUSTERS_FILE, REPORT_FILE, BuildReport, build, load_report
from layers.classes import centre_of, with_classes
from layers.clusters import read_clusters_table
from layers.groups.catalogue import GroupCatalogueError, SectorGroup, load_catalogue, shipped_groups
from layers.groups.sector import Sectors, add_sectors
from layers.indicators import INDICATORS
from layers.nuts import load_nuts, readable_names
from layers.nuts_versions import version_map
from layers.period_change import has_period_change, period_indicator, period_values
from layers.points.build import POINTS_FILE
from layers.points.catalogue import ORGANISATIONS_FILE, Organisations, load_organisations
from layers.points.measures import POINT_INDICATORS, PointMeasures, load_point_measures
from layers.query import ClustersIndex, decimals_of, region_values
from layers.series import RegionSeries, region_series
from layers.similar import DEFAULT_LIMIT as SIMILAR_LIMIT, SimilarityCache, SimilarRegions
from layers.sources import DEFAULT_STATISTICS, NUTS_YEARS, STATISTICS_NUTS_YEAR
from layers.spatial.categories import with_hotspots
from layers.spatial.related import RelatedSectors
from layers.spatial.weights import LevelWeights

MIXED = -1
"""The "mixed" map level: each country at its finest level with data."""
LEVEL_LABELS = {MIXED: "Mixed: finest level with data", 0: "Countries (NUTS 0)", 1: "NUTS 1 regions", 2: "NUTS 2 regions"}
POINT_MIXED_LEVEL = 3
"""The organisation indicators' "mixed" map: NUTS 3 everywhere (the records locate each one there)."""
MIN_COVERAGE = 0.5
"""A level counts as "with data" for a country when at least this share of its regions has any value."""


@dataclass
class LevelGeometry:
    """Shapes of one level as GeoJSON (feature ``id`` = NUTS code) plus names, in one order."""

    level: int
    geojson: dict
    ids: list[str]
    names: list[str]
    geojson_bytes: bytes = b""
    """The GeoJSON serialised once, served as a cacheable file (``dashboard.geometry``)."""
    etag: str = ""
    """Content hash of ``geojson_bytes``: the file's ETag and its URL's version."""
    key: str = ""
    """The file's name under ``/geometry/``: the level for the statistics' shapes, ``2024-<level>`` for NUTS 2024."""

    @property
    def url(self) -> str:
        """Where the browser fetches (and caches) this level's shapes."""
        return f"/geometry/{self.key or self.level}.geojson?v={self.etag[:16]}"

    @cached_property
    def weights(self) -> LevelWeights:
        """Queen contiguity of exactly these shapes (islands joined per view), for hot spots: built on first use, then kept.

        Any set of non-overlapping shapes works, so the mixed map has its own (its
        countries' borders meet across levels: tested). A region's country is its code's first two letters.
        """
        regions = gpd.GeoDataFrame(
            {"nuts_id": self.ids, "country": [i[:2] for i in self.ids]},
            geometry=[shapely.geometry.shape(f["geometry"]) for f in self.geojson["features"]],
            crs="EPSG:4326",
        )
        return LevelWeights(regions, name=f"the {self.key or self.level} map's shapes")


VALUES_CACHE_SIZE = 256
"""Views whose numbers a process keeps: a view's frame is about 300 rows (some 60 kB), so at most about 15 MB."""
SERIES_CACHE_SIZE = 256
"""Region series a process keeps: three lines of 8 years each, a few kB per series."""


@dataclass
class DashboardData:
    """Everything the callbacks read."""

    index: ClustersIndex
    geometry: dict[int, LevelGeometry]
    report: BuildReport
    nuts_year: int
    bounds: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    """(min lon, min lat, max lon, max lat) of every NUTS code with a shape: where a zoom goes."""
    organisations: Organisations | None = None
    """Located organisation records from ``clustermap build --points``; None when there are none."""
    point_measures: PointMeasures | None = None
    """Organisations, members, employees per NUTS 2024 region x sector (``data/points.parquet``)."""
    point_geometry: dict[int, LevelGeometry] = field(default_factory=dict)
    """NUTS 2024 shapes of levels 0-3, where the organisation indicators are drawn."""
    groups: tuple[SectorGroup, ...] = ()
    """Named sector groups (``layers.groups.catalogue``): the shipped emerging industries, plus an observatory's own file."""
    catalogue: Sectors = field(init=False, repr=False)
    """What a view's ``sector`` may name here (set from :attr:`groups` when made)."""
    data_dir: Path | None = None
    """The data folder the caches were read from (``/readyz`` names its files; the bundle's compressed copies go there)."""

    def shapes(self, view) -> LevelGeometry:
        """The shapes a view is drawn on: NUTS 2024 (to level 3) for an organisation indicator, else the statistics' NUTS version."""
        return self._shapes_of(view.level, view.indicator)

    def _shapes_of(self, level: int, indicator: str) -> LevelGeometry:
        if indicator in POINT_INDICATORS:
            return self.point_geometry[POINT_MIXED_LEVEL if level == MIXED else level]
        return self.geometry[level]

    def __post_init__(self) -> None:
        # per process (each gunicorn worker has its own): lru_cache is thread-safe, so the gthread workers share it
        self._values = lru_cache(maxsize=VALUES_CACHE_SIZE)(self._compute_values)
        self._series = lru_cache(maxsize=SERIES_CACHE_SIZE)(self._compute_series)
        self._pool = lru_cache(maxsize=VALUES_CACHE_SIZE)(self._pooled_values)  # every year's view of classes=all-years shares one pool
        self._frames = lru_cache(maxsize=VALUES_CACHE_SIZE)(self._region_frame)  # one year's values before classes: the pool's and the view's
        self.catalogue = Sectors.of(self.index.sectors, self.groups)
        add_sectors(self.catalogue)  # titles and labels anywhere in this process can name these groups

    def values(self, view, ids: pd.Series) -> pd.DataFrame:
        """Every number a view shows for regions ``ids``, from the point records or the statistics.

        Value, status, notes, rank (within the zoomed country too) and class, all
        computed in ``layers`` (``layers.ranks``, ``layers.classes``): the map, the
        ranking, the CSV and the API read them from this one frame. With
        ``analysis=hotspots`` the classes are the hot-spot categories, with ``hotspot``
        and ``p_value`` columns and the cross-border clusters
        (``layers.spatial.categories``). Computed once per
        view and kept (:data:`VALUES_CACHE_SIZE` views): the data is read-only, so a
        view's numbers never change while the process runs. The caller gets a copy.
        """
        hot = view.analysis == "hotspots"  # categories, whatever the value classes would be
        values_view = (
            view.level,
            view.nace_r2,
            view.indicator,
            view.column,
            view.year,
            "" if hot else view.scheme,
            0 if hot else view.k,
            () if hot else view.breaks,
            view.zoom[:2] if view.zoom else None,
            view.analysis,
            "year" if hot else view.classes,
            view.since if view.since is not None and has_period_change(view.column) else None,
        )  # what the numbers depend on (not palette, layer or zoom region)
        frame = self._values(values_view, tuple(ids))
        return frame.copy()

    def _compute_values(self, values_view: tuple, ids: tuple[str, ...]) -> pd.DataFrame:
        level, nace_r2, indicator, column, year, scheme, k, breaks, country, analysis, classes, since = values_view
        pool, centre = None, centre_of(column, period_change=since is not None)
        regions = pd.Series(ids, dtype=object)
        if indicator in POINT_INDICATORS:
            if self.point_measures is None:  # the view vocabulary offers these indicators only with records loaded
                raise LookupError(f"indicator {indicator} needs organisation records (clustermap build --points); none are loaded")
            sector = self.catalogue.sector(nace_r2)
            organisations = self.organisations if sector.is_group else None
            frame = self.point_measures.values(regions, nace_r2=nace_r2, indicator=indicator, country=country, group=organisations, members=sector.members)
            decimals = POINT_INDICATORS[indicator].decimals
        else:
            sector = self.catalogue.sector(nace_r2)
            members = sector.members if sector.is_group else None
            if since is not None:  # the change from an earlier year (layers.period_change): its own classes, centred on 0
                frame = period_values(
                    self.index, regions, level=level, nace_r2=nace_r2, indicator=column, since=since, year=year, country=country, members=members
                )
                decimals = period_indicator(column, since, year).decimals
            else:
                frame = self._frames(ids, level, nace_r2, column, year, country, members)
                decimals = decimals_of(column)
            if classes == "all-years" and since is None:  # one colour, one value range in every year: breaks from all years' values
                pool = self._pool(ids, level, nace_r2, column, members)
        if analysis == "hotspots":
            return with_hotspots(frame, self._shapes_of(level, indicator).weights, self._employment(regions, level, nace_r2, indicator, year))
        return with_classes(frame, decimals=decimals, column=column, scheme=scheme, k=k, breaks=breaks, pool=pool, centre=centre)

    def _pooled_values(self, ids: tuple[str, ...], level: int, nace_r2: str, column: str, members: tuple[str, ...] | None) -> tuple[np.ndarray, np.ndarray]:
        """(values, status) of regions ``ids`` in every year of the data, one after another: what ``classes=all-years`` classifies."""
        frames = [self._frames(ids, level, nace_r2, column, y, None, members) for y in self.years]
        return np.concatenate([f["value"].to_numpy(dtype=float) for f in frames]), np.concatenate([f["status"].to_numpy() for f in frames])

    def _region_frame(
        self, ids: tuple[str, ...], level: int, nace_r2: str, column: str, year: int, country: str | None, members: tuple[str, ...] | None
    ) -> pd.DataFrame:
        """``layers.query.region_values`` of one year, kept: a view's frame and the all-years pool read the same ones (callers never change it)."""
        return region_values(
            self.index, pd.Series(ids, dtype=object), level=level, nace_r2=nace_r2, indicator=column, year=year, country=country, members=members
        )

    def _employment(self, regions: pd.Series, level: int, nace_r2: str, indicator: str, year: int) -> pd.Series:
        """Persons employed in the view's sector and year by region (employees in the records for an organisation indicator): a cluster's size."""
        sector = self.catalogue.sector(nace_r2)  # a group: its members' sums
        if indicator in POINT_INDICATORS and self.point_measures is not None:
            organisations = self.organisations if sector.is_group else None
            frame = self.point_measures.values(regions, nace_r2=nace_r2, indicator="org_employees", group=organisations, members=sector.members)
        else:
            members = sector.members if sector.is_group else None
            frame = region_values(self.index, regions, level=level, nace_r2=nace_r2, indicator="employment", year=year, members=members)
        return pd.Series(frame["value"].to_numpy(dtype=float), index=frame["nuts_id"].astype(str).to_numpy())

    @property
    def years(self) -> list[int]:
        return self.index.years

    @cached_property
    def related(self) -> RelatedSectors:
        """Co-location of NACE divisions (``layers.spatial.related``): each year's pairs and networks, computed once per process."""
        return RelatedSectors(self.index)

    def series(self, nuts_id: str, sector: str, indicator: str) -> RegionSeries:
        """``indicator`` of ``sector`` (a code, a group of codes or a named group's id) in region ``nuts_id`` over every year,
        with its country's and Europe's lines (``layers.series.region_series``). Kept per process; the caller gets copies.

        ``sector`` is read by this data's catalogue (its canonical text is the result's ``nace_r2``). Raises
        ``layers.UnknownRegionError`` for a region without statistics, ``ValueError`` for an indicator that is not a statistics one.
        """
        found = self._series(nuts_id, self.catalogue.sector(sector).code, indicator)
        europe = found.europe.copy() if found.europe is not None else None
        return replace(found, region=found.region.copy(), country=found.country.copy(), europe=europe)

    def _compute_series(self, nuts_id: str, sector: str, indicator: str) -> RegionSeries:
        resolved = self.catalogue.sector(sector)
        return region_series(self.index, nuts_id, nace_r2=resolved.code, indicator=indicator, members=resolved.members if resolved.is_group else None)

    @cached_property
    def similarity(self) -> SimilarityCache:
        """Cosine similarity of regions' division LQs (``layers.similar``), each (level, year) computed once per process."""
        return SimilarityCache(self.index)

    def similar(self, nuts_id: str, year: int, limit: int = SIMILAR_LIMIT) -> SimilarRegions:
        """The ``limit`` regions of ``nuts_id``'s level most alike in structure in ``year``, with their names.

        ``rows``: ``nuts_id, name, score, shared_divisions``, best first; empty with a ``reason`` when the region
        is disqualified. Raises ``layers.UnknownRegionError`` / ``UnknownYearError``.
        """
        found = self.similarity.similar(nuts_id, year=year, limit=limit)
        rows = found.rows.copy()
        rows.insert(1, "name", [self.region_names.get(g, g) for g in rows["nuts_id"]])
        return replace(found, rows=rows)

    @cached_property
    def region_names(self) -> dict[str, str]:
        """NUTS code → the name the map shows, for levels 0-2 (``LevelGeometry.names``)."""
        return {code: name for level in (0, 1, 2) if level in self.geometry for code, name in zip(self.geometry[level].ids, self.geometry[level].names)}

    @cached_property
    def statistics_regions(self) -> frozenset[str]:
        """NUTS codes of levels 0-2 with statistics and a shape: what a view's ``region`` may name (its portfolio, its opportunities)."""
        shaped = {code for level in (0, 1, 2) if level in self.geometry for code in self.geometry[level].ids}
        return frozenset(str(g) for g in self.index.table["geo"].unique()) & frozenset(shaped)

    @cached_property
    def _region_options(self) -> list[dict[str, str]]:
        return self.region_options()

    def region_options(self) -> list[dict[str, str]]:
        """Search options: every country and NUTS 1/2 region, by name and code."""
        options = []
        for level in (0, 1, 2):
            shapes = self.geometry[level]
            options += [{"label": f"{name} ({code})", "value": code, "search": f"{code} {name}"} for code, name in zip(shapes.ids, shapes.names)]
        return options

    def find_regions(self, text: str | None, *, current: str | None = None, limit: int = 20) -> list[dict[str, str]]:
        """The search options matching ``text`` (code or name, any case): the code itself first, then names that start with it.

        Sent as the user types, so the page does not carry all ~1,900 options (the chosen one is kept).
        """
        needle = (text or "").strip().casefold()
        options = self._region_options  # built once, not on every keystroke
        hits = [o for o in options if needle and needle in o["search"].casefold()]
        hits.sort(key=lambda o: (o["value"].casefold() != needle, not o["label"].casefold().startswith(needle), len(o["value"]), o["label"]))
        hits = hits[:limit]
        if current and all(o["value"] != current for o in hits):
            hits = [o for o in options if o["value"] == current] + hits
        return hits

    def sector_options(self) -> list[dict[str, str]]:
        """The sectors a view may show: all sectors first, then NACE codes in code order, with labels.

        The sector picker (``dashboard.sector_tree``) builds its tree from these codes.
        """
        codes = sorted((c for c in self.index.sectors if c != nace.TOTAL), key=lambda c: (c[0], c[1:]))
        return [{"label": nace.display_name(code), "value": code} for code in [nace.TOTAL, *codes]]


def finest_levels(regions: gpd.GeoDataFrame, table: pd.DataFrame) -> dict[str, int]:
    """Per country, the finest of NUTS 2, 1, 0 at which most of its regions have employment data."""
    with_data = set(table.loc[table["employment"].notna(), "geo"].unique())
    shaped = regions.loc[regions["level"].isin([0, 1, 2])]
    chosen: dict[str, int] = {}
    for country, group in shaped.groupby("country"):
        for level in (2, 1, 0):
            ids = group.loc[group["level"] == level, "nuts_id"]
            if len(ids) and ids.isin(with_data).mean() >= MIN_COVERAGE:
                chosen[str(country)] = level
                break
        else:
            chosen[str(country)] = 0
    return chosen


def _level_geojson(regions: gpd.GeoDataFrame, level: int, finest: dict[str, int] | None = None, *, key: str = "") -> LevelGeometry:
    if level == MIXED:
        wanted = regions["country"].map(finest or {}).fillna(0).astype(int)
        frame = regions.loc[regions["level"] == wanted].sort_values("nuts_id").reset_index(drop=True)
    else:
        frame = regions.loc[regions["level"] == level].sort_values("nuts_id").reset_index(drop=True)
    features = []
    for nuts_id, geom in zip(frame["nuts_id"], frame.geometry):
        features.append({"type": "Feature", "id": nuts_id, "properties": {}, "geometry": geom.__geo_interface__})
    serialised = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    geojson = json.loads(serialised)
    names = [latn if latn == name else f"{latn} / {name}" for latn, name in zip(frame["name_latn"], frame["name"])]
    raw = serialised.encode()
    return LevelGeometry(level, geojson, frame["nuts_id"].tolist(), names, raw, hashlib.sha256(raw).hexdigest(), key)


def built_files(data_root: Path) -> list[Path]:
    """The built files the app reads from ``data_root`` that are there: the table, its report, the shapes, the point records."""
    named = [
        data_root / CLUSTERS_FILE,
        data_root / REPORT_FILE,
        *sorted((data_root / "nuts").glob("*.parquet")),
        data_root / POINTS_FILE,
        data_root / ORGANISATIONS_FILE,
    ]
    return [path for path in named if path.is_file()]


def _nuts_source(data_root: Path, year: int) -> Path:
    return data_root / "gisco" / f"NUTS_RG_20M_{year}_4326.geojson"


def sector_groups(codes: Iterable[str], groups_file: Path | None = None) -> tuple[SectorGroup, ...]:
    """The named groups a server shows: the shipped catalogue, then an observatory's own file (checked against the data's codes).

    An id in both is refused (one line naming the file): a link must mean one group.
    """
    known = frozenset(codes)
    groups = list(shipped_groups(known))
    if groups_file is not None:
        own = load_catalogue(Path(groups_file), known=known)
        shipped = {g.id for g in groups}
        clash = [g.id for g in own if g.id in shipped]
        if clash:
            raise GroupCatalogueError(f"{groups_file}: group {clash[0]!r} has the id of a group that ships with the product; choose another id")
        groups += own
    return tuple(groups)


def load_dashboard_data(
    *, data_dir: Path | None = None, mirror: Path | None = None, build_missing: bool = True, groups_file: Path | None = None
) -> DashboardData:
    """Build the caches if needed, then read them into memory.

    ``build_missing=False`` never builds or downloads (a server worker: the caches were built
    before it started); a folder that is not a current build raises one :class:`ClusterMapError` line.
    ``groups_file``: an observatory's own named groups (default ``CLUSTERMAP_GROUPS``), beside the shipped ones.
    """
    data_root = Path(data_dir) if data_dir else settings.data_dir()
    report = build(data_dir=data_root, mirror=mirror) if build_missing else load_report(data_root)
    table = read_clusters_table(report.clusters_file)  # the report's paths are relative to its own folder
    nuts_year = STATISTICS_NUTS_YEAR[DEFAULT_STATISTICS]
    geometries = {year: load_nuts(_nuts_source(data_root, year), year=year, cache_dir=data_root / "nuts").regions for year in NUTS_YEARS}
    regions = readable_names(geometries[nuts_year], geometries[max(NUTS_YEARS)])
    shaped = table.loc[table["has_shape"]].reset_index(drop=True)
    groups = sector_groups(shaped["nace_r2"].unique(), groups_file if groups_file is not None else settings.groups_file())
    index = ClustersIndex(shaped)
    finest = finest_levels(regions, index.table)
    geometry = {level: _level_geojson(regions, level, finest) for level in LEVEL_LABELS}
    bounds = _bounds(regions)
    current = geometries[max(NUTS_YEARS)]
    organisations = load_organisations(data_root / ORGANISATIONS_FILE, region_names=dict(zip(current["nuts_id"], current["name_latn"])))
    if organisations is not None:  # the records' NUTS 2024 regions in the statistics' NUTS version, by area (under a second)
        organisations.statistics_version = version_map(current, geometries[nuts_year], source_year=max(NUTS_YEARS), target_year=nuts_year)
    point_measures = load_point_measures(data_root / POINTS_FILE)
    point_geometry: dict[int, LevelGeometry] = {}
    if point_measures is not None:
        point_geometry = {level: _level_geojson(current, level, key=f"{max(NUTS_YEARS)}-{level}") for level in (0, 1, 2, 3)}
        # zooms to a NUTS 2024 region (a point view's click or search) need its bounds too; the statistics' version wins a shared code
        bounds = {**_bounds(current), **bounds}
    return DashboardData(
        index=index,
        geometry=geometry,
        report=report,
        nuts_year=nuts_year,
        bounds=bounds,
        organisations=organisations,
        point_measures=point_measures,
        point_geometry=point_geometry,
        groups=groups,
        data_dir=data_root,
    )


def _bounds(regions: gpd.GeoDataFrame) -> dict[str, tuple[float, float, float, float]]:
    boxes = {}
    for nuts_id, (x0, y0, x1, y1) in zip(regions["nuts_id"], regions.geometry.bounds.to_numpy()):
        boxes[str(nuts_id)] = (round(float(x0), 3), round(float(y0), 3), round(float(x1), 3), round(float(y1), 3))
    return boxes


__all__ = ["INDICATORS", "LEVEL_LABELS", "MIXED", "DashboardData", "LevelGeometry", "load_dashboard_data"]
