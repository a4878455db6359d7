"""Point records of cluster organisations, joined to NUTS 2024 regions and aggregated.

``records`` reads and validates CSV/Parquet files (``schema``, ``readers``,
``validation``), ``join`` assigns each point its
NUTS 0-3 regions (fast STRtree path; ``regions`` reads the shapes, ``grid`` is the
shortcut for large inputs), ``aggregate`` sums organisations per region and
NACE code, ``synthetic`` makes clearly-labelled fake records for tests and benchmarks,
and ``distributed`` runs the same join on dask-geopandas (not re-exported: dask is an
optional dependency). The synthetic names are loaded on first use so that
``python -m layers.points.synthetic`` does not import its own module twice.
"""

from typing import Any

from layers._errors import RecordsError
from layers.points.aggregate import aggregate_points, write_points_aggregate
from layers.points.join import (
    NUTS_COLUMNS,
    RegionIndex,
    join_points,
    join_xy,
    read_nuts_regions,
)
from layers.points.records import RecordsResult, read_records, validate_records, write_rejected

__all__ = [
    "NUTS_COLUMNS",
    "RecordsError",
    "RecordsResult",
    "RegionIndex",
    "aggregate_points",
    "generate_synthetic_records",
    "join_points",
    "join_xy",
    "read_nuts_regions",
    "read_records",
    "sample_points",
    "validate_records",
    "write_points_aggregate",
    "write_rejected",
    "write_sample",
]

_SYNTHETIC = {"generate_synthetic_records", "sample_points", "write_sample"}


def __getattr__(name: str) -> Any:
    if name in _SYNTHETIC:
        from layers.points import synthetic

        return getattr(synthetic, name)
    raise AttributeError(f"module 'layers.points' has no attribute {name!r}")
