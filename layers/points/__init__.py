"""Point records of cluster organisations, joined to NUTS 2024 regions and aggregated.

``records`` reads and validates CSV/Parquet files, ``join`` assigns each point its
NUTS 0-3 regions (fast STRtree path), ``aggregate`` sums organisations per region and
NACE code, ``synthetic`` makes clearly-labelled fake records for tests and benchmarks,
and ``distributed`` runs the same join on dask-geopandas (imported lazily: dask is an
optional dependency, so it is not re-exported here).
"""

from layers.points._errors import RecordsError
from layers.points.aggregate import aggregate_points, write_points_aggregate
from layers.points.join import (
    NUTS_COLUMNS,
    RegionIndex,
    join_points,
    join_xy,
    read_nuts_regions,
)
from layers.points.records import RecordsResult, read_records, validate_records, write_rejected
from layers.points.synthetic import generate_synthetic_records, sample_points, write_sample

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
