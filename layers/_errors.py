"""Every exception the project raises on purpose: one base class, each message says what to do.

``clustermap`` reports a :class:`ClusterMapError` as one line without a
traceback. Each class also derives from the nearest built-in exception, so code
that catches ``ValueError`` or ``OSError`` keeps working. The dashboard's PNG
export errors (``dashboard.export.errors``) derive from the same base class.
"""


class ClusterMapError(Exception):
    """Base class: a user-facing problem, reported without a traceback."""


class DownloadError(ClusterMapError, OSError):
    """An upstream file could be neither downloaded nor found in the mirror."""


class EurostatFormatError(ClusterMapError, ValueError):
    """A Eurostat TSV file is not in the expected format."""


class GeometryError(ClusterMapError, ValueError):
    """A NUTS geometry file is not usable (wrong CRS, missing fields, bad shapes)."""


class CacheError(ClusterMapError, OSError):
    """A cache file is missing or corrupt and could not be rebuilt."""


class RecordsError(ClusterMapError, ValueError):
    """A point-records file cannot be read at all (row problems are rejected rows, never raised)."""


class UnknownRegionError(ClusterMapError, LookupError):
    """The region code has no rows in the table (not a NUTS 2013 code with statistics)."""


class UnknownYearError(ClusterMapError, ValueError):
    """The year has no rows in the table."""
