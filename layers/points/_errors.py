"""Exception raised by the point-records reader (kept here so layers/_errors.py stays untouched)."""

from __future__ import annotations

from layers._errors import ClusterMapError

__all__ = ["RecordsError"]


class RecordsError(ClusterMapError, ValueError):
    """A point-records file cannot be read at all (wrong format, missing required columns).

    Row-level problems never raise: they are returned as rejected rows so one bad line
    does not block a whole file.
    """
