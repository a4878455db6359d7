"""Point records of cluster organisations: the one place to import reading and validation from.

The work is split by concern: :mod:`layers.points.schema` (the columns and their
rules, the result type, the rejected-rows report), :mod:`layers.points.readers`
(CSV/Parquet, whole or chunked) and :mod:`layers.points.validation` (every row
check, gathering every problem). NACE codes are checked against
``layers.nace.known_codes``, the table the dashboard uses too.
"""

from __future__ import annotations

from layers.nace import known_codes as eurostat_nace_codes
from layers.points.readers import DEFAULT_CHUNK_ROWS, IdScan, iter_records, read_records, scan_ids
from layers.points.schema import (
    NACE_SEPARATOR,
    OPTIONAL_COLUMNS,
    REJECTED_COLUMNS,
    REQUIRED_COLUMNS,
    RecordsResult,
    write_rejected,
)
from layers.points.validation import normalise_nace, validate_records

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "NACE_SEPARATOR",
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
