"""The row checks of point records: every problem of every row is gathered, none raises.

:func:`validate_records` runs each check of the schema (:mod:`layers.points.schema`)
on whole columns at once and records a problem per row and field; a row with any
problem goes to the rejected table, never silently away. NACE codes are checked
against the one table of known codes, ``layers.nace.known_codes``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers import nace
from layers.points.schema import NACE_SEPARATOR, OPTIONAL_COLUMNS, RecordsResult, check_header

__all__ = ["normalise_nace", "validate_records"]

logger = logging.getLogger(__name__)

_Reject = Callable[..., None]
_NACE_HINT = "expected Eurostat style such as C, C10, G451 or G4511, separated by ';'"
_LINES_LISTED = 10  # a duplicate-id reason lists at most this many lines


def validate_records(
    frame: pd.DataFrame,
    *,
    source: str = "<DataFrame>",
    first_line: int = 1,
    duplicates: Mapping[str, str] | None = None,
    geometry: bool = True,
) -> RecordsResult:
    """Validate a frame of records already in memory (same rules as ``read_records``).

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
        text (``IdScan.duplicates``), for a frame that is one chunk of it; None:
        look for duplicates within ``frame``.
    geometry
        Return the valid rows as a GeoDataFrame of points; False: a plain DataFrame.
    """
    result = validate(frame, source=source, first_line=first_line, duplicates=duplicates, geometry=geometry)
    _log_counts(result, frame)
    return result


def validate(frame: pd.DataFrame, *, source: str, first_line: int, duplicates: Mapping[str, str] | None, geometry: bool) -> RecordsResult:
    """Every check on every row; the rows with any problem go to the rejected table (no log line)."""
    frame = _normalise_header(frame, source)
    n = len(frame)
    lines = np.arange(first_line, first_line + n, dtype=np.int64)
    ids = text_values(frame["id"])
    problems: list[pd.DataFrame] = []

    def reject(mask: np.ndarray | pd.Series, field: str, reason: str | Callable[[pd.Series], pd.Series]) -> None:
        """Record a problem for the rows in ``mask``; ``reason`` may be built from those rows only."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            pos = np.flatnonzero(mask)
            text = reason if isinstance(reason, str) else np.asarray(reason(pd.Series(pos, index=pos)), dtype=object)
            problems.append(pd.DataFrame({"pos": pos, "field": field, "reason": text}))

    reject(ids.isna(), "id", "empty id: every record needs an id")
    listed = duplicate_lines(ids, lines) if duplicates is None else duplicates
    if listed:
        dup = (ids.notna() & ids.isin(listed.keys())).to_numpy()
        reject(dup, "id", lambda pos: [f"duplicate id {ids.iat[p]!r} (lines {listed[ids.iat[p]]}): make ids unique" for p in pos])
    names = text_values(frame["name"])
    reject(names.isna(), "name", "empty name")

    latitude = _coordinate(frame["latitude"], "latitude", 90.0, reject)
    longitude = _coordinate(frame["longitude"], "longitude", 180.0, reject)
    codes = _nace_column(frame["nace"], reject)
    columns = {"id": ids, "name": names, "latitude": latitude, "longitude": longitude, "nace": codes}
    for field in ("members", "employees", "year"):
        if field in frame.columns:
            columns[field] = _whole_number(frame[field], field, reject, non_negative=field != "year")
        else:
            columns[field] = pd.Series(pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)), index=frame.index)
    columns["website"] = text_values(frame["website"]) if "website" in frame.columns else pd.Series(np.nan, index=frame.index, dtype="str")
    for column in frame.columns:
        if column not in columns:
            columns[column] = text_values(frame[column])

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


def duplicate_lines(ids: pd.Series, lines: np.ndarray) -> dict[str, str]:
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


@lru_cache(maxsize=1)
def _dotted_to_eurostat() -> dict[str, str]:
    return {dotted: eurostat for eurostat, dotted in nace.known_codes().items()}


def normalise_nace(value: str) -> tuple[str | None, str | None]:
    """Normalise one ``nace`` cell; return ``(codes joined by ';', None)`` or ``(None, reason)``.

    Each code is stripped and upper-cased, then must be in ``layers.nace.known_codes``
    (:func:`layers.nace.is_sector`); the total is not an organisation's sector.
    """
    return _normalise_nace_cached(value)


@lru_cache(maxsize=65536)
def _normalise_nace_cached(value: str) -> tuple[str | None, str | None]:
    dotted = _dotted_to_eurostat()
    parts = [p.strip().upper() for p in value.split(NACE_SEPARATOR)]
    parts = [p for p in parts if p]
    if not parts:
        return None, f"empty nace: give at least one NACE Rev. 2 code ({_NACE_HINT})"
    unknown = [p for p in parts if not nace.is_sector(p)]
    if unknown:
        hints = [f"write {p!r} as {dotted[p]!r}" for p in unknown if p in dotted]
        listed = ", ".join(repr(p) for p in unknown)
        extra = f"; {', '.join(hints)}" if hints else ""
        return None, f"unknown NACE Rev. 2 code(s) {listed} ({_NACE_HINT}){extra}"
    return NACE_SEPARATOR.join(dict.fromkeys(parts)), None


def _normalise_header(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    check_header(list(frame.columns), source)
    out = frame.copy(deep=False)
    out.columns = [str(c).strip().lower() for c in frame.columns]
    return out.reset_index(drop=True)


def text_values(series: pd.Series) -> pd.Series:
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
    text = text_values(series)
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
    text = text_values(series)
    missing = text.isna().to_numpy()
    reject(missing, "nace", f"empty nace: give at least one NACE Rev. 2 code ({_NACE_HINT})")
    normalised, bad = _normalise_nace_column(text)
    reasons = {u: normalise_nace(u)[1] for u in pd.unique(text[bad])}
    reject(bad, "nace", lambda pos: [reasons[text.iat[p]] for p in pos])
    return normalised


@lru_cache(maxsize=1)
def _known_codes() -> pa.Array:
    """``layers.nace.known_codes`` as a sorted pyarrow array, for the column-wise check."""
    return pa.array(sorted(nace.known_codes()), type=pa.large_string())


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
