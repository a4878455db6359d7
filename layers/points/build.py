"""``clustermap build --points FILE``: a user's organisation records, validated, joined and aggregated.

The steps of the points path in the order a build runs them, writing beside the
statistics cache:

====================================  ==================================================
``data/points.parquet``               organisations, members, employees per NUTS 2024
                                      region x level x NACE code (``layers.points.aggregate``)
``data/organisations.parquet``        one row per valid record inside a region or snapped
                                      to one, with its NUTS 2024 codes (for the map)
``data/reports/points.rejected.csv``  rows that failed validation, with line and reason
``data/reports/points.outside.csv``   valid points that fall in no region (not snapped)
====================================  ==================================================

The file is streamed in chunks of ``chunk_size`` rows (``layers.points.records.iter_records``):
each chunk is validated, joined and added to the running aggregate, and its rows are
appended to the organisations file and the reports, so memory depends on the chunk,
not on the file (10 million records fit in well under 8 GiB; see
``benchmarks/points.md``). Ids are checked across the whole file first. Every output
is written to a temporary file (``layers.files``: locked while written, mode 0644) and
moved into place only when the whole file has gone through, so a failed build leaves
the previous outputs as they were; a report with nothing to list is removed rather
than left stale.

Nothing is dropped silently: the report counts every row read, rejected, inside,
snapped and outside, and those counts add up.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from layers import files, settings
from layers.download import fetch_source
from layers.points.aggregate import AggregateAccumulator, write_points_aggregate
from layers.points.join import GRID_MIN_POINTS, JOIN_COLUMNS, NUTS_COLUMNS, RegionIndex, join_xy, read_nuts_regions
from layers.points.records import DEFAULT_CHUNK_ROWS, REJECTED_COLUMNS, iter_records, scan_ids

log = logging.getLogger(__name__)

POINTS_FILE = "points.parquet"
POINTS_NACE_LEVEL: Final = "all"
"""Each organisation counted under its codes and every broader one, so the map can filter by any NACE code."""
ORGANISATIONS_FILE = "organisations.parquet"
"""Located organisations for the map; read by ``layers.points.catalogue``."""
SOURCE_KEY = b"clustermap:source"
"""Parquet key-value metadata of the organisations file: the name of the records file."""
REJECTED_REPORT = "points.rejected.csv"
OUTSIDE_REPORT = "points.outside.csv"
OUTSIDE_COLUMNS = ("line", "id", "name", "latitude", "longitude")
POINTS_NUTS_YEAR = 2024
"""Point records are located on current regions, whatever version the statistics use."""

ORGANISATION_DTYPES: dict[str, str] = {
    "id": "str",
    "name": "str",
    "longitude": "float64",
    "latitude": "float64",
    "nace": "str",
    "members": "Int64",
    "employees": "Int64",
    "year": "Int64",
    "website": "str",
    **dict.fromkeys(NUTS_COLUMNS, "str"),
    "status": "str",
    "synthetic": "bool",
}
"""Columns of ``organisations.parquet`` and their pandas dtypes as ``pandas.read_parquet`` returns them."""
_TRUE = ("true", "t", "yes", "y", "1")


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
    organisations_path: str
    rejected_report: str | None = None
    outside_report: str | None = None

    def summary(self) -> str:
        """Lines for the terminal."""
        lines = [
            f"{self.source}: {self.rows:,} records read, {self.rejected:,} rejected" + (f" (see {self.rejected_report})" if self.rejected_report else ""),
            f"  NUTS {POINTS_NUTS_YEAR}: {self.inside:,} inside a region, {self.snapped:,} snapped to the nearest, {self.outside:,} outside every region"
            + (f" (see {self.outside_report})" if self.outside_report else ""),
            f"{self.aggregate_path}: {self.aggregate_rows:,} region x sector rows",
            f"{self.organisations_path}: {self.inside + self.snapped:,} located organisations",
        ]
        return "\n".join(lines)


def build_points(
    path: str | Path,
    *,
    data_dir: Path | None = None,
    mirror: Path | None = None,
    snap_tolerance_m: float | None = None,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK_ROWS,
) -> PointsReport:
    """Validate ``path``, join its points to NUTS 2024 levels 0-3, and write the aggregate, organisations and reports.

    ``chunk_size`` rows are in memory at a time; the outputs do not depend on it.
    """
    path = Path(path)
    data_dir = data_dir or settings.data_dir()
    files.remove_interrupted_writes(data_dir)
    reports = data_dir / "reports"
    scan = scan_ids(path, chunk_size=chunk_size)  # an unusable file fails here, before any download
    nuts = fetch_source(f"nuts{POINTS_NUTS_YEAR}", data_dir=data_dir, mirror=mirror, progress=progress)
    index = RegionIndex(read_nuts_regions(nuts))
    if scan.n_rows >= GRID_MIN_POINTS:
        index.grid()  # built once here, so every chunk takes the same fast path
    aggregate = AggregateAccumulator(index.categories, nace_level=POINTS_NACE_LEVEL)
    counts = dict.fromkeys(("rows", "rejected", "inside", "snapped", "outside"), 0)
    with ExitStack() as outputs:
        rejected_csv = outputs.enter_context(_CsvReport(reports / REJECTED_REPORT, REJECTED_COLUMNS))
        outside_csv = outputs.enter_context(_CsvReport(reports / OUTSIDE_REPORT, OUTSIDE_COLUMNS))
        organisations = outputs.enter_context(OrganisationsWriter(data_dir / ORGANISATIONS_FILE, source=path.name))
        for chunk in iter_records(path, chunk_size=chunk_size, scan=scan, geometry=False):
            rejected_csv.write(chunk.rejected)
            joined = _join(chunk.records, index, snap_tolerance_m)
            status = joined["status"].astype("str")
            outside_csv.write(joined.loc[status == "outside"])
            located = joined.loc[status != "outside"]
            organisations.write(located)
            aggregate.add(located)
            counts["rows"] += chunk.n_rows
            counts["rejected"] += chunk.n_rejected
            for name in ("inside", "snapped", "outside"):
                counts[name] += int((status == name).sum())
            log.info("%s: %d of %d rows done", path.name, counts["rows"], scan.n_rows)
        table = aggregate.result()
        target = write_points_aggregate(table, data_dir / POINTS_FILE)
    assert counts["rows"] == counts["rejected"] + counts["inside"] + counts["snapped"] + counts["outside"]
    if counts["rejected"]:
        log.warning("%d rows of %s rejected; see %r", counts["rejected"], path.name, str(rejected_csv.path))
    return PointsReport(
        source=str(path),
        **counts,
        aggregate_path=str(target),
        aggregate_rows=len(table),
        organisations_path=str(organisations.path),
        rejected_report=str(rejected_csv.path) if rejected_csv.rows else None,
        outside_report=str(outside_csv.path) if outside_csv.rows else None,
    )


def organisations_frame(located: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``organisations.parquet`` for joined records that are inside a region or snapped.

    ``synthetic`` is True where the records have a ``synthetic`` column saying so
    (true/t/yes/y/1, any case), else False.
    """
    frame = pd.DataFrame({column: located[column] for column in ORGANISATION_DTYPES if column != "synthetic"})
    for column in (*NUTS_COLUMNS, "status"):
        frame[column] = _text(frame[column])
    if "synthetic" in located.columns:
        frame["synthetic"] = located["synthetic"].astype("str").str.strip().str.lower().isin(_TRUE).to_numpy()
    else:
        frame["synthetic"] = False
    return frame.astype(ORGANISATION_DTYPES).reset_index(drop=True)


def organisations_schema(source: str) -> pa.Schema:
    """Arrow schema of the organisations file, with pandas' dtype metadata and the source file name."""
    empty = pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in ORGANISATION_DTYPES.items()})
    schema = pa.Schema.from_pandas(empty, preserve_index=False)
    fields = [pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f for f in schema]
    return pa.schema(fields, metadata={**schema.metadata, SOURCE_KEY: source.encode()})


class _AtomicFile:
    """A temporary file beside ``path``, moved over it on success and deleted on failure."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self.pending = files.PendingFile(path)  # locked while open, so a clean-up never takes it for a killed write
        self.tmp = self.pending.tmp

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        try:
            self.close()
            if kind is None:
                self.commit()
        finally:
            self.pending.discard()

    def close(self) -> None:
        """Flush and close the temporary file."""

    def commit(self) -> None:
        self.pending.commit()
        log.info("wrote %d rows to %s", self.rows, self.path)


class _CsvReport(_AtomicFile):
    """A CSV report written chunk by chunk; with no row at all it is removed instead."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        super().__init__(path)
        self.columns = list(columns)
        self.handle = open(self.tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115 -- closed by __exit__

    def write(self, rows: pd.DataFrame) -> None:
        """Append rows (only the report's columns), with the header before the first."""
        if len(rows):
            rows.loc[:, self.columns].to_csv(self.handle, index=False, header=not self.rows)
            self.rows += len(rows)

    def close(self) -> None:
        self.handle.close()

    def commit(self) -> None:
        if self.rows:
            super().commit()
        else:
            self.path.unlink(missing_ok=True)  # a report of a previous build no longer applies


class OrganisationsWriter(_AtomicFile):
    """``organisations.parquet`` written one row group per chunk, moved into place when complete."""

    def __init__(self, path: Path, *, source: str) -> None:
        super().__init__(path)
        self.schema = organisations_schema(source)
        try:
            self.writer = pq.ParquetWriter(self.tmp, self.schema)
        except BaseException:
            self.pending.discard()
            raise

    def write(self, located: pd.DataFrame) -> None:
        """Append the located records of one chunk."""
        if len(located):
            frame = organisations_frame(located)
            self.writer.write_table(pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False))
            self.rows += len(frame)

    def close(self) -> None:
        self.writer.close()


def _text(column: pd.Series) -> pd.Series:
    """A categorical column as text (missing stays missing), without a Python object per row."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype("str")
    codes = column.cat.codes.to_numpy()
    categories = pa.array(column.cat.categories.astype("str"), type=pa.large_string())
    text = categories.take(pa.array(codes, mask=codes < 0))
    return text.to_pandas().astype("str").set_axis(column.index)


def _join(records: pd.DataFrame, index: RegionIndex, snap_tolerance_m: float | None) -> pd.DataFrame:
    """Records with their NUTS columns and status (record columns of those names are replaced, as by join_points)."""
    joined = join_xy(records["longitude"].to_numpy(), records["latitude"].to_numpy(), index, snap_tolerance_m=snap_tolerance_m)
    return pd.concat([records.drop(columns=[c for c in JOIN_COLUMNS if c in records.columns]), joined], axis=1)
