"""Reader for Eurostat's TSV format (bulk download and dissemination API).

The first column holds comma-joined dimension codes and its header ends in
``geo\\time`` (bulk) or ``geo\\TIME_PERIOD`` (API, with a leading ``freq``).
Then one column per year. A cell is a number or ``:``, optionally followed by
a space and flag letters (``: c`` is confidential). Output is a long table:

==========  ========  ==============================================
column      dtype     meaning
==========  ========  ==============================================
geo         str       NUTS code as written in the file
nace_r2     str       NACE Rev. 2 code (Eurostat style: C, C10, G451)
indicator   str       e.g. V16110; other dimensions joined by ``,``
year        int16     reference year
value       float64   NaN where the cell is ``:`` (missing)
flag        str       flag letters, sorted; "" for none
==========  ========  ==============================================
"""

from __future__ import annotations

import gzip
import logging
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from layers._errors import EurostatFormatError

log = logging.getLogger(__name__)

TIME_SUFFIXES = ("\\time", "\\TIME_PERIOD")
REQUIRED_DIMENSIONS = ("nace_r2", "geo")
IGNORED_DIMENSIONS = ("freq",)
FLAG_WORDS: dict[str, str] = {
    "b": "break in time series",
    "c": "confidential",
    "d": "definition differs",
    "e": "estimated",
    "i": "see metadata",
    "n": "not significant",
    "p": "provisional",
    "r": "revised",
    "s": "Eurostat estimate",
    "u": "low reliability",
    "z": "not applicable",
}
_FLAG_RE = re.compile(r"^[a-z]*$")
_YEAR_RE = re.compile(r"^\d{4}$")
REJECTED_COLUMNS = ["file", "line", "field", "reason", "raw"]


@dataclass
class EurostatTable:
    """A parsed file: the long table plus every row that was rejected, with why."""

    path: Path
    table: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECTED_COLUMNS))
    lines_read: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        return (
            f"{self.path.name}: {self.lines_read:,} lines, {len(self.table):,} cells kept, "
            f"{int(self.table['value'].notna().sum()):,} with a value, {len(self.rejected):,} rejected"
        )


def flag_words(flag: str) -> str:
    """Eurostat flag letters in words, e.g. ``"cd"`` → ``"confidential, definition differs"``."""
    return ", ".join(FLAG_WORDS.get(letter, f"flag {letter!r}") for letter in flag)


def _read_text(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8")
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        msg = f"{str(path)!r}: the gzip stream is truncated or damaged ({e}). Download the file again: delete it and run `clustermap pull`."
        raise EurostatFormatError(msg) from e
    except UnicodeDecodeError as e:
        msg = f"{str(path)!r}: not UTF-8 text at byte {e.start}. Is this a Eurostat TSV file?"
        raise EurostatFormatError(msg) from e


def _parse_header(path: Path, header: str) -> tuple[list[str], list[int]]:
    fields = header.rstrip("\r\n").split("\t")
    first = fields[0].strip()
    suffix = next((s for s in TIME_SUFFIXES if first.endswith(s)), None)
    if suffix is None:
        msg = (
            f"{str(path)!r} line 1, field 1: unknown header {first!r}. A Eurostat TSV header ends in "
            f"'geo\\time' (bulk download) or 'geo\\TIME_PERIOD' (dissemination API)."
        )
        raise EurostatFormatError(msg)
    dims = first[: -len(suffix)].split(",")
    missing = [d for d in REQUIRED_DIMENSIONS if d not in dims]
    if missing or dims[-1] != "geo":
        msg = f"{str(path)!r} line 1, field 1: dimensions {dims} lack {missing or ['geo last']}; this reader needs {list(REQUIRED_DIMENSIONS)} with 'geo' last."
        raise EurostatFormatError(msg)
    years = []
    for i, name in enumerate(fields[1:], start=2):
        name = name.strip()
        if not _YEAR_RE.match(name):
            msg = f"{str(path)!r} line 1, field {i}: expected a year column like '2014', found {name!r}."
            raise EurostatFormatError(msg)
        if int(name) in years:
            msg = f"{str(path)!r} line 1, field {i}: year {name} appears twice in the header; each year needs one column."
            raise EurostatFormatError(msg)
        years.append(int(name))
    if not years:
        raise EurostatFormatError(f"{str(path)!r} line 1: no year columns after {first!r}.")
    return dims, years


def read_eurostat_tsv(path: str | Path, *, strict: bool = False) -> EurostatTable:
    """Parse a Eurostat TSV (optionally gzipped) into a long table.

    Malformed lines and cells are rejected and listed in ``.rejected`` with file,
    line, field and reason; with ``strict=True`` any rejection raises instead.
    Structural problems (damaged gzip, unknown header) always raise
    :class:`EurostatFormatError`.
    """
    path = Path(path)
    text = _read_text(path)
    lines = text.splitlines()
    if not lines:
        raise EurostatFormatError(f"{str(path)!r} is empty; expected a Eurostat TSV header on line 1.")
    dims, years = _parse_header(path, lines[0])
    n_fields = 1 + len(years)
    rejected: list[tuple[str, int, str, str, str]] = []

    keys: list[str] = []
    cells: list[list[str]] = []
    line_numbers: list[int] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != n_fields:
            rejected.append((path.name, number, "", f"expected {n_fields} tab-separated fields, found {len(parts)}", line[:200]))
            continue
        keys.append(parts[0].strip())
        cells.append(parts[1:])
        line_numbers.append(number)

    frame = pd.DataFrame({"key": keys, "line": line_numbers})
    codes = frame["key"].str.split(",", expand=True) if keys else pd.DataFrame(columns=range(len(dims)))
    bad_arity = codes.isna().any(axis=1).to_numpy() if codes.shape[1] == len(dims) else np.ones(len(frame), bool)
    if codes.shape[1] != len(dims):
        bad_arity = frame["key"].str.count(",").to_numpy() != len(dims) - 1
    for i in np.flatnonzero(bad_arity):
        rejected.append((path.name, int(frame["line"].iat[i]), "1", f"expected {len(dims)} dimension codes ({','.join(dims)})", frame["key"].iat[i]))
    codes = codes.reindex(columns=range(len(dims)))  # lines with too few codes were rejected above
    codes.columns = dims
    empty = ~bad_arity & (codes.fillna("").apply(lambda c: c.str.strip()) == "").any(axis=1).to_numpy()
    for i in np.flatnonzero(empty):
        blank = [d for d in dims if not str(codes[d].iat[i] or "").strip()]
        rejected.append((path.name, int(frame["line"].iat[i]), "1", f"empty code for {', '.join(blank)}", frame["key"].iat[i]))
    # Identity ignores dimensions the table drops (freq), so two lines that would
    # become the same geo x NACE x indicator x year are caught here, not at a pivot.
    kept = codes[[d for d in dims if d not in IGNORED_DIMENSIONS]].fillna("")
    identity = kept.iloc[:, 0].str.cat(kept.iloc[:, 1:], sep=",") if len(codes) and kept.shape[1] > 1 else kept.iloc[:, 0] if len(codes) else frame["key"]
    valid = ~(bad_arity | empty)
    duplicated = valid & identity.where(valid).duplicated(keep="first").to_numpy()
    if duplicated.any():
        first = valid & ~duplicated
        first_line = dict(zip(identity[first], frame["line"][first]))
        for i in np.flatnonzero(duplicated):
            key = frame["key"].iat[i]
            rejected.append((path.name, int(frame["line"].iat[i]), "1", f"duplicate key {key!r}, first seen on line {first_line[identity.iat[i]]}", key))
    keep = valid & ~duplicated
    frame = frame.loc[keep].reset_index(drop=True)
    codes = codes.loc[keep].reset_index(drop=True)
    matrix = np.asarray(cells, dtype=object)[keep] if cells else np.empty((0, len(years)), dtype=object)

    long = _cells_to_long(path, frame, codes, dims, years, matrix, rejected)
    rejected_frame = pd.DataFrame(rejected, columns=REJECTED_COLUMNS).sort_values(["line", "field"], kind="stable")
    result = EurostatTable(path=path, table=long, rejected=rejected_frame.reset_index(drop=True), lines_read=len(lines))
    if strict and len(result.rejected):
        first = result.rejected.head(10).apply(lambda r: f"  line {r.line}, field {r.field}: {r.reason}", axis=1)
        msg = f"{str(path)!r}: {len(result.rejected)} rejected rows:\n" + "\n".join(first)
        raise EurostatFormatError(msg)
    log.info("%s", result.summary())
    return result


def _cells_to_long(
    path: Path,
    frame: pd.DataFrame,
    codes: pd.DataFrame,
    dims: list[str],
    years: list[int],
    matrix: np.ndarray,
    rejected: list[tuple[str, int, str, str, str]],
) -> pd.DataFrame:
    """Flatten the year matrix into one row per cell, splitting number and flag."""
    n_rows, n_years = len(frame), len(years)
    if n_rows == 0:  # every line rejected (or none): an empty table, the rejections say why
        columns = {"geo": str, "nace_r2": str, "indicator": str, "year": "int16", "value": float, "flag": str}
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    raw = pd.Series(matrix.reshape(-1), dtype=str).str.strip()
    parts = raw.str.partition(" ")
    number, flag = parts[0], parts[2].str.replace(" ", "", regex=False)
    is_missing = number.eq(":")
    value = pd.to_numeric(number.where(~is_missing), errors="coerce")
    bad_number = ~is_missing & ~np.isfinite(value)  # "inf" and "nan" are not Eurostat numbers
    bad_flag = ~flag.str.match(_FLAG_RE)
    bad = (bad_number | bad_flag).to_numpy()
    line_of_cell = np.repeat(frame["line"].to_numpy(), n_years)
    field_of_cell = np.tile(np.arange(2, 2 + n_years), n_rows)
    for i in np.flatnonzero(bad):
        what = "not a number" if bad_number.iat[i] else "unknown flag characters"
        rejected.append((path.name, int(line_of_cell[i]), str(field_of_cell[i]), f"{what} in year {years[field_of_cell[i] - 2]}: {raw.iat[i]!r}", raw.iat[i]))

    indicator_dims = [d for d in dims if d not in ("geo", "nace_r2", *IGNORED_DIMENSIONS)]
    if not indicator_dims:
        indicator = pd.Series([""] * n_rows)
    else:
        indicator = codes[indicator_dims[0]].str.cat(codes[indicator_dims[1:]], sep=",") if len(indicator_dims) > 1 else codes[indicator_dims[0]]
    long = pd.DataFrame(
        {
            "geo": np.repeat(codes["geo"].to_numpy(dtype=object), n_years),
            "nace_r2": np.repeat(codes["nace_r2"].to_numpy(dtype=object), n_years),
            "indicator": np.repeat(indicator.to_numpy(dtype=object), n_years),
            "year": np.tile(np.asarray(years, dtype=np.int16), n_rows),
            "value": value.to_numpy(dtype=float),
            "flag": flag.map({f: "".join(sorted(f)) for f in flag.unique()}).to_numpy(dtype=object),
        }
    )
    long = long.loc[~bad].reset_index(drop=True)
    for col in ("geo", "nace_r2", "indicator", "flag"):
        long[col] = long[col].astype(str)
    return long
