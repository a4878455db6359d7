"""The few exception classes the data side raises; each message says what to do."""


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
