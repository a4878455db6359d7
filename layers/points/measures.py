"""Organisations, members and employees per region: the point records as map indicators of their own.

They come from ``data/points.parquet`` (``layers.points.aggregate``): per NUTS 2024
region x level x NACE code, each organisation counted once under every code it
lists and every broader code above them, and once in ``TOTAL``. They are located
on NUTS 2024 regions (levels 0-3), have no year, and are not Eurostat figures:
they say what the loaded records hold, nothing more.

Counting rules for the map: a region with no organisation of the sector has 0
organisations, 0 members and 0 employees; a region whose organisations all leave
``members`` (or ``employees``) empty has no value for it, with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from layers._errors import RecordsError
from layers.indicators import Indicator
from layers.points.aggregate import AGGREGATE_COLUMNS
from layers.points.catalogue import Organisations
from layers.query import STATUS_MISSING, STATUS_VALUE
from layers.ranks import rank_columns

__all__ = ["POINT_INDICATORS", "PointMeasures", "load_point_measures"]

POINT_INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator("org_count", "Organisations in the records", "organisations", 0, "records located in the region"),
        Indicator("org_members", "Members of the organisations in the records", "members", 0, "sum over the organisations that report members"),
        Indicator("org_employees", "Employees of the organisations in the records", "employees", 0, "sum over the organisations that report employees"),
    )
}
"""Map indicators from the point records; names distinct from the statistics' ``INDICATORS``."""
_COLUMN = {"org_count": "organisations", "org_members": "members", "org_employees": "employees"}
LEVELS = (0, 1, 2, 3)


@dataclass
class PointMeasures:
    """The points aggregate, indexed for the map's lookups."""

    table: pd.DataFrame
    """``level, geo, nace_r2, organisations, members, employees``, indexed by (geo, nace_r2)."""

    def values(
        self,
        ids: pd.Series,
        *,
        nace_r2: str,
        indicator: str,
        country: str | None = None,
        group: Organisations | None = None,
        members: Sequence[str] = (),
    ) -> pd.DataFrame:
        """One point indicator for regions ``ids`` (NUTS 2024, any level), in the shape of ``layers.query.region_values``.

        Ranked by the same rule (``layers.ranks``), within ``country`` too when given. For a
        sector group, ``group`` (the located records) and its ``members`` count each organisation once.
        """
        column = _COLUMN[indicator]
        if group is not None:  # a sector group: counted from the records, each organisation once (Organisations.group_table)
            levels = {len(i) - 2 for i in ids} or {3}
            rows = pd.concat([group.group_table(members, level) for level in sorted(levels)]).reindex(ids.to_numpy())
        else:
            keys = pd.MultiIndex.from_arrays([ids.to_numpy(), np.full(len(ids), nace_r2)])
            rows = self.table.reindex(keys)
        organisations = rows["organisations"].fillna(0).to_numpy(dtype=float)
        value = rows[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        value = np.where(organisations == 0, 0.0, value)  # no organisation of the sector: a true zero
        missing = np.isnan(value)
        words = np.where(missing, [f"not reported by any of its {int(n):,} organisations" for n in organisations], "")
        return pd.DataFrame(
            {
                "nuts_id": ids.to_numpy(),
                "value": value,
                "flag": "",
                "status": np.where(missing, STATUS_MISSING, STATUS_VALUE),
                "flag_text": words.astype(object),
                **rank_columns(ids, value, POINT_INDICATORS[indicator].decimals, country),
            }
        )


def load_point_measures(path: Path) -> PointMeasures | None:
    """The points aggregate at ``path``, or None when no points build has run."""
    if not path.exists():
        return None
    table = pd.read_parquet(path)
    missing = [c for c in AGGREGATE_COLUMNS if c not in table.columns]
    if missing:
        raise RecordsError(f"{path}: columns {', '.join(missing)} are missing; rebuild it with `clustermap build --points FILE`")
    return PointMeasures(table.set_index(["geo", "nace_r2"]).sort_index())
