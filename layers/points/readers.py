"""Reading point-records files: CSV or Parquet, whole or in chunks of bounded memory.

The file is opened here and its rows handed to :mod:`layers.points.validation`;
a file that cannot be read at all raises :class:`~layers._errors.RecordsError`
naming the file and what to fix.

Large files
-----------
:func:`iter_records` validates a file in chunks of ``chunk_size`` rows (pandas CSV
chunks, ``pyarrow.parquet.ParquetFile.iter_batches``), so memory is bounded by the
chunk, not the file. It first reads the ``id`` column alone (:func:`scan_ids`) to
find the ids used more than once anywhere in the file; every chunk then rejects all
rows of those ids, with the same lines and reasons as a whole-file read. Line
numbers count from the start of the file, and the chunks' results concatenated
equal :func:`read_records` on the whole file (tested).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from layers._errors import RecordsError
from layers.points.schema import REQUIRED_COLUMNS, RecordsResult, check_header
from layers.points.validation import duplicate_lines, text_values, validate, validate_records

__all__ = ["DEFAULT_CHUNK_ROWS", "IdScan", "iter_records", "read_records", "scan_ids"]

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 500_000
"""Rows per chunk of :func:`iter_records`: a few hundred MB of working memory."""
_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz", ".txt")
_PARQUET_SUFFIXES = (".parquet", ".pq", ".geoparquet")
_FIRST_LINE = {"csv": 2, "parquet": 1}  # the CSV header is line 1; Parquet rows count from 1
_CSV_OPTIONS = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}


@dataclass(frozen=True)
class IdScan:
    """What a pass over the ``id`` column alone found: the rows, and every id used more than once.

    Attributes
    ----------
    source : str
        The file scanned.
    file_format : str
        ``"csv"`` or ``"parquet"``.
    n_rows : int
        Data rows in the file.
    duplicates : dict
        Each id used more than once -> the lines it is on, as text for the rejection reason.
    """

    source: str
    file_format: str
    n_rows: int
    duplicates: dict[str, str]


def read_records(path: str | os.PathLike[str], *, file_format: str | None = None, chunk_size: int | None = None) -> RecordsResult:
    """Read and validate a CSV or Parquet file of point records.

    Parameters
    ----------
    path
        The records file; the format is taken from the suffix unless given.
    file_format
        ``"csv"`` or ``"parquet"`` to override the suffix.
    chunk_size
        Validate in chunks of this many rows (:func:`iter_records`) and concatenate; the
        result is the same as without. None: the whole file at once.

    Raises
    ------
    RecordsError
        The file cannot be parsed or lacks required columns. Row problems do not raise.
    """
    path = Path(path)
    if chunk_size is not None:
        return _concat_results(list(iter_records(path, file_format=file_format, chunk_size=chunk_size)), str(path))
    kind = _file_format(path, file_format)
    if kind == "csv":
        frame, first_line = _read_csv(path), 2
    else:
        frame, first_line = _read_parquet(path), 1
    return validate_records(frame, source=str(path), first_line=first_line)


def scan_ids(path: str | os.PathLike[str], *, file_format: str | None = None, chunk_size: int = DEFAULT_CHUNK_ROWS) -> IdScan:
    """Read only the ``id`` column of a records file, in chunks, and list the ids used more than once.

    The first of the two passes of :func:`iter_records`: a chunk cannot know whether
    its ids come back later in the file, and all rows of a doubled id are rejected.
    Only a 64-bit hash per row is kept (8 bytes, whatever the ids look like); rows
    whose hash repeats are read again and their ids compared as text, so a hash
    collision never rejects a row. The header is checked first, so a file lacking
    required columns fails before any row is read.
    """
    path = Path(path)
    kind = _file_format(path, file_format)
    names = _header(path, kind)
    check_header(names, str(path))
    id_column = next(c for c in names if str(c).strip().lower() == "id")
    hashes, present = [], []
    for ids in _id_chunks(path, kind, chunk_size, id_column):
        hashes.append(pd.util.hash_pandas_object(ids, index=False, categorize=False).to_numpy())
        present.append(ids.notna().to_numpy())
    hashed, given = np.concatenate(hashes), np.concatenate(present)
    del hashes, present
    first_line = _FIRST_LINE[kind]
    candidates = np.flatnonzero(given & np.isin(hashed, _repeated(hashed[given])))
    duplicates: dict[str, str] = {}
    if len(candidates):
        ids = _ids_at(path, kind, chunk_size, id_column, candidates)
        duplicates = duplicate_lines(ids, first_line + candidates)
    logger.debug("%s: %d rows, %d ids used more than once", path, len(hashed), len(duplicates))
    return IdScan(source=str(path), file_format=kind, n_rows=len(hashed), duplicates=duplicates)


def _id_chunks(path: Path, kind: str, chunk_size: int, id_column: str) -> Iterator[pd.Series]:
    """The ``id`` column alone, chunk by chunk, as text (blank: missing)."""
    for chunk in _raw_chunks(path, kind, chunk_size, columns=[id_column]):
        yield text_values(chunk.iloc[:, 0])


def _repeated(values: np.ndarray) -> np.ndarray:
    """The values that occur more than once."""
    ordered = np.sort(values)
    return np.unique(ordered[1:][ordered[1:] == ordered[:-1]])


def _ids_at(path: Path, kind: str, chunk_size: int, id_column: str, rows: np.ndarray) -> pd.Series:
    """The ids of the given rows (sorted positions in the file), read again from the file."""
    found, start = [], 0
    for ids in _id_chunks(path, kind, chunk_size, id_column):
        wanted = rows[(rows >= start) & (rows < start + len(ids))] - start
        found.append(ids.iloc[wanted])
        start += len(ids)
    return pd.concat(found, ignore_index=True)


def iter_records(
    path: str | os.PathLike[str],
    *,
    file_format: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_ROWS,
    scan: IdScan | None = None,
    geometry: bool = True,
) -> Iterator[RecordsResult]:
    """Validate a records file chunk by chunk: one :class:`RecordsResult` per ``chunk_size`` rows.

    Same rules, lines and reasons as :func:`read_records`; ids doubled anywhere in the
    file are found by :func:`scan_ids` first (pass ``scan`` to reuse one).

    Parameters
    ----------
    geometry
        Build the shapely points of each chunk; False returns plain DataFrames (with
        ``longitude``/``latitude``), which is cheaper when the join takes arrays anyway.

    Raises
    ------
    RecordsError
        As :func:`read_records`, or the file changed between the two passes.
    """
    path = Path(path)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    scan = scan or scan_ids(path, file_format=file_format, chunk_size=chunk_size)
    line = _FIRST_LINE[scan.file_format]
    for chunk in _raw_chunks(path, scan.file_format, chunk_size):
        result = validate(chunk, source=str(path), first_line=line, duplicates=scan.duplicates, geometry=geometry)
        line += result.n_rows
        yield result
    read = line - _FIRST_LINE[scan.file_format]
    if read != scan.n_rows:
        raise RecordsError(f"{path}: {scan.n_rows} rows at the first pass, {read} at the second; the file changed while it was read.")


def _concat_results(parts: list[RecordsResult], source: str) -> RecordsResult:
    """One result from the results of consecutive chunks (rows and problems stay in file order)."""
    records = pd.concat([p.records for p in parts], ignore_index=True)
    rejected = pd.concat([p.rejected for p in parts], ignore_index=True)
    return RecordsResult(source=source, records=records, rejected=rejected, n_rows=sum(p.n_rows for p in parts))


def _file_format(path: Path, file_format: str | None) -> str:
    kind = file_format or _guess_format(path)
    if kind not in _FIRST_LINE:
        raise RecordsError(f"{path}: unknown format {kind!r}; use 'csv' or 'parquet'.")
    return kind


def _guess_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    raise RecordsError(f"{path}: cannot tell the format from the file name; use a .csv or .parquet suffix or pass file_format='csv' / 'parquet'.")


@contextlib.contextmanager
def _csv_errors(path: Path) -> Iterator[None]:
    """Turn pandas' parser exceptions into a RecordsError that names the file and what to fix."""
    try:
        yield
    except FileNotFoundError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise RecordsError(f"{path}: the file is empty; it needs a header line with {', '.join(REQUIRED_COLUMNS)}.") from exc
    except UnicodeDecodeError as exc:
        raise RecordsError(f"{path}: not UTF-8 text ({exc}); save the file as UTF-8.") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise RecordsError(f"{path}: not a readable CSV file ({exc}); check quoting and separators.") from exc


@contextlib.contextmanager
def _parquet_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise RecordsError(f"{path}: not a readable Parquet file ({exc}).") from exc


def _read_csv(path: Path) -> pd.DataFrame:
    with _csv_errors(path):
        return pd.read_csv(path, **_CSV_OPTIONS)


def _read_parquet(path: Path) -> pd.DataFrame:
    with _parquet_errors(path):
        return pd.read_parquet(path)


def _header(path: Path, kind: str) -> list[str]:
    """Column names of the file (for Parquet without the pandas index columns)."""
    if kind == "csv":
        with _csv_errors(path):
            return list(pd.read_csv(path, nrows=0, **_CSV_OPTIONS).columns)
    with _parquet_errors(path):
        return _parquet_columns(pq.ParquetFile(path).schema_arrow)


def _parquet_columns(schema: pa.Schema) -> list[str]:
    index = {c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)}
    return [name for name in schema.names if name not in index]


def _raw_chunks(path: Path, kind: str, chunk_size: int, *, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The file's rows as raw frames of at most ``chunk_size`` rows; at least one, maybe empty, frame."""
    yield from (_csv_chunks if kind == "csv" else _parquet_chunks)(path, chunk_size, columns)


def _csv_chunks(path: Path, chunk_size: int, columns: list[str] | None) -> Iterator[pd.DataFrame]:
    usecols = None if columns is None else (lambda name: name in columns)
    with _csv_errors(path):
        reader = pd.read_csv(path, chunksize=chunk_size, usecols=usecols, **_CSV_OPTIONS)
    with reader:
        while True:
            with _csv_errors(path):
                chunk = next(reader, None)
            if chunk is None:
                return
            yield chunk


def _parquet_chunks(path: Path, chunk_size: int, columns: list[str] | None) -> Iterator[pd.DataFrame]:
    with _parquet_errors(path):
        file = pq.ParquetFile(path, pre_buffer=False)  # a pre-buffer cache would keep every row group read so far
        columns = columns or _parquet_columns(file.schema_arrow)
        batches = file.iter_batches(batch_size=chunk_size, columns=columns)
    empty = True
    while True:
        with _parquet_errors(path):
            batch = next(batches, None)
        if batch is None:
            break
        empty = False
        yield batch.to_pandas()
    if empty:
        yield file.schema_arrow.empty_table().select(columns).to_pandas()
