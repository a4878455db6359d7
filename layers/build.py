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

from layers import cache, settings
from layers.clusters import read_clusters_table, write_clusters_table
from layers.download import fetch_source
from layers.eurostat import read_eurostat_tsv
from layers.indicators import compute_indicators
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

    def summary(self) -> str:
        """Lines for the terminal."""
        verb = "built" if self.built else "up to date"
        lines = [f"{self.clusters_path}: {verb}, {self.rows:,} rows from {self.statistics}"]
        lines.append(f"  {self.lines_read:,} lines read, {self.rejected_rows:,} rejected" + (f" (see {self.rejected_report})" if self.rejected_report else ""))
        lines.append(
            f"  {len(self.codes_without_shape) + len(self.extra_regio_codes)} codes have no shape and are not drawn: "
            f"{len(self.extra_regio_codes)} extra-regio, {len(self.codes_without_shape)} others ({', '.join(self.codes_without_shape)})"
        )
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
        if cached is not None and report_path.is_file():
            report = BuildReport(**json.loads(report_path.read_text()))
            report.built = False
            return report

    parsed = read_eurostat_tsv(stats_path)
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
    )
    report_path.write_text(json.dumps(asdict(report), indent=1))
    return report
