"""The aggregate cache ``data/clusters.parquet``: its schema, writer and reader.

One row per region x NACE code x year (the ``TOTAL`` code is the region's sum
over NACE sections). Written with pyarrow, atomically, with an input
fingerprint beside it (``layers.cache``).

=========================  ========  =====================================================
column                     dtype     meaning
=========================  ========  =====================================================
nuts_year                  int16     NUTS version the codes belong to (2013 for SBS)
level                      int8      NUTS level 0-3 (from the code's length)
geo                        str       NUTS code as published by Eurostat
country                    str       first two letters of ``geo``
extra_regio                bool      ``…Z``/``…ZZ`` code: activity with no territory
has_shape                  bool      the code has a shape in that NUTS version's geometry
nace_r2                    str       NACE Rev. 2 code (Eurostat spelling) or ``TOTAL``
nace_level                 int8      0 total, 1 section, 2 division, 3 group
year                       int16     reference year
<indicator>                float64   value; NaN when missing or confidential
<indicator>_flag           str       Eurostat flag letters ("c" confidential), "" for none;
                                     for derived indicators the union of their inputs' flags
                                     (a change: both years'; stars: employment and wages)
employment_complete        bool      (and local_units_, wages_) False on a TOTAL row that
                                     lacks a section
region_total_complete      bool      the region's TOTAL lacks no section (shares and LQ exact)
region_missing_sections    str       comma-joined sections missing from the region's total
star_size                  boolean   top 10% by employment in sector, level, year; NA unknown
star_specialisation        boolean   LQ >= 2; NA unknown
star_productivity          boolean   top 10% by average wage; NA unknown
stars_known                int8      how many of the three star dimensions are known (0-3)
stars                      float64   stars earned among the known dimensions, 0-3; NaN on
                                     TOTAL and extra-regio rows and where none is known
=========================  ========  =====================================================

Indicators: employment, local_units, wages, avg_wage, employment_share, lq,
employment_change, local_units_change, wages_change, stars (see
``layers.indicators.INDICATORS``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from layers._errors import CacheError
from layers.indicators import INDICATORS, STAR_COLUMNS

KEY_COLUMNS = ("nuts_year", "level", "geo", "country", "extra_regio", "has_shape", "nace_r2", "nace_level", "year")
REQUIRED_COLUMNS = (
    *KEY_COLUMNS,
    *INDICATORS,
    *(f"{name}_flag" for name in INDICATORS),
    "region_total_complete",
    "region_missing_sections",
    *STAR_COLUMNS,
    "stars_known",
)


def write_clusters_table(table: pd.DataFrame, path: Path) -> None:
    """Write the aggregate table to ``path`` with pyarrow (callers make it atomic)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"clusters table lacks columns {missing}")
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), path, compression="zstd")


def read_clusters_table(path: Path) -> pd.DataFrame:
    """Read the aggregate cache, checking its columns; raises :class:`CacheError` if damaged."""
    try:
        table = pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as e:
        raise CacheError(f"{str(path)!r} is not a readable Parquet file ({e}). Run `clustermap build --force`.") from e
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise CacheError(f"{str(path)!r} lacks columns {missing}. Run `clustermap build --force`.")
    return table
