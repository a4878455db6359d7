"""``clustermap build --points FILE``: a user's organisation records, validated, joined and aggregated.

The steps of the points path in the order a build runs them, writing beside the
statistics cache:

=================================  ==================================================
``data/points.parquet``            organisations, members, employees per NUTS 2024
                                   region x level x NACE code (``layers.points.aggregate``)
``data/reports/points.rejected.csv``  rows that failed validation, with line and reason
``data/reports/points.outside.csv``   valid points that fall in no region (not snapped)
=================================  ==================================================

Nothing is dropped silently: the report counts every row read, rejected, inside,
snapped and outside, and those counts add up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from layers import settings
from layers.download import fetch_source
from layers.points.aggregate import aggregate_points, write_points_aggregate
from layers.points.join import join_points, read_nuts_regions
from layers.points.records import read_records, write_rejected

log = logging.getLogger(__name__)

POINTS_FILE = "points.parquet"
POINTS_NUTS_YEAR = 2024
"""Point records are located on current regions, whatever version the statistics use."""


@dataclass
class PointsReport:
    """What a points build read, rejected, located and wrote."""

    source: str
    rows: int
    rejected: int
    inside: int
    snapped: int
    outside: int
    aggregate_path: str
    aggregate_rows: int
    rejected_report: str | None = None
    outside_report: str | None = None

    def summary(self) -> str:
        """Lines for the terminal."""
        lines = [
            f"{self.source}: {self.rows:,} records read, {self.rejected:,} rejected" + (f" (see {self.rejected_report})" if self.rejected_report else ""),
            f"  NUTS {POINTS_NUTS_YEAR}: {self.inside:,} inside a region, {self.snapped:,} snapped to the nearest, {self.outside:,} outside every region"
            + (f" (see {self.outside_report})" if self.outside_report else ""),
            f"{self.aggregate_path}: {self.aggregate_rows:,} region x sector rows",
        ]
        return "\n".join(lines)


def build_points(
    path: str | Path, *, data_dir: Path | None = None, mirror: Path | None = None, snap_tolerance_m: float | None = None, progress: bool = False
) -> PointsReport:
    """Validate ``path``, join its points to NUTS 2024 levels 0-3, and write the aggregate and reports."""
    data_dir = data_dir or settings.data_dir()
    reports = data_dir / "reports"
    result = read_records(path)
    rejected_report = None
    if len(result.rejected):
        rejected_report = str(write_rejected(result, reports / "points.rejected.csv"))
        log.warning("%d rows of %s rejected; see %r", len(result.rejected), Path(path).name, rejected_report)
    nuts = fetch_source(f"nuts{POINTS_NUTS_YEAR}", data_dir=data_dir, mirror=mirror, progress=progress)
    joined = join_points(result.records, read_nuts_regions(nuts), snap_tolerance_m=snap_tolerance_m)
    status = joined["status"].astype(str)
    outside_report = None
    if (status == "outside").any():
        reports.mkdir(parents=True, exist_ok=True)
        outside = joined.loc[status == "outside"]
        columns = [c for c in ("line", "id", "name", "latitude", "longitude") if c in outside.columns]
        outside_report = str(reports / "points.outside.csv")
        outside[columns].to_csv(outside_report, index=False)
    aggregate = aggregate_points(joined.loc[status != "outside"])
    target = write_points_aggregate(aggregate, data_dir / POINTS_FILE)
    rejected_rows = int(result.rejected["line"].nunique()) if len(result.rejected) else 0
    return PointsReport(
        source=str(path),
        rows=int(result.n_rows),
        rejected=rejected_rows,
        inside=int((status == "inside").sum()),
        snapped=int((status == "snapped").sum()),
        outside=int((status == "outside").sum()),
        aggregate_path=str(target),
        aggregate_rows=len(aggregate),
        rejected_report=rejected_report,
        outside_report=outside_report,
    )
