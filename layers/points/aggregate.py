"""Count organisations, members and employees per NUTS region x NACE code x level.

Counting rules
--------------
An organisation listing several NACE codes counts once under *each* code, with its
full members and employees (there is no basis for splitting them); the extra
``nace_r2 = "TOTAL"`` row counts each organisation once, so totals are never inflated.
``nace_level="section"`` or ``"division"`` first truncates the codes (``G4511`` ->
``G`` or ``G45``; a code coarser than the target stays as it is), counting an
organisation once per resulting code. ``members`` and ``employees`` are sums over the
organisations that report them, missing when none does. Points whose status is
``outside`` have no region and are left out (their number is logged).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from layers.points.join import LEVELS, NUTS_COLUMNS
from layers.points.records import NACE_SEPARATOR

__all__ = ["AGGREGATE_COLUMNS", "TOTAL", "aggregate_points", "write_points_aggregate"]

logger = logging.getLogger(__name__)

AGGREGATE_COLUMNS = ("level", "geo", "nace_r2", "organisations", "members", "employees")
TOTAL = "TOTAL"
_TRUNCATE = {"section": 1, "division": 3}


def aggregate_points(
    joined: pd.DataFrame,
    *,
    nace_level: Literal["section", "division"] | None = None,
    levels: tuple[int, ...] = LEVELS,
) -> pd.DataFrame:
    """Aggregate joined point records into a tidy table.

    Parameters
    ----------
    joined
        Output of :func:`layers.points.join.join_points` on validated records: needs
        ``nace`` and ``nuts0``-``nuts3``; ``members`` and ``employees`` are optional.
    nace_level
        Truncate codes to NACE sections or divisions first; None keeps them as given.
    levels
        NUTS levels to aggregate.

    Returns
    -------
    pandas.DataFrame
        ``level, geo, nace_r2, organisations, members, employees`` sorted by the first three.
    """
    needed = ["nace", *(NUTS_COLUMNS[level] for level in levels)]
    missing = [c for c in needed if c not in joined.columns]
    if missing:
        raise KeyError(f"aggregate_points needs columns {missing}; join the records with join_points() first.")
    if nace_level is not None and nace_level not in _TRUNCATE:
        raise ValueError(f"nace_level must be 'section', 'division' or None, got {nace_level!r}")
    if "status" in joined.columns:
        outside = int((joined["status"] == "outside").sum())
        if outside:
            logger.info("aggregate: %d of %d points are outside every region and not counted", outside, len(joined))
    base = pd.DataFrame(
        {
            "row": np.arange(len(joined)),
            "members": _counts(joined, "members"),
            "employees": _counts(joined, "employees"),
        }
    )
    nace = pd.Series(joined["nace"].to_numpy(), index=np.arange(len(joined)), dtype="str")
    codes = nace.str.split(NACE_SEPARATOR).explode().dropna()
    if nace_level is not None:
        codes = codes.str.slice(0, _TRUNCATE[nace_level])
    per_code = pd.DataFrame({"row": codes.index.to_numpy(), "nace_r2": codes.to_numpy()}).drop_duplicates()
    per_code = per_code.merge(base, on="row", how="left")
    totals = base.assign(nace_r2=TOTAL)
    pieces = []
    for level in levels:
        geo = np.asarray(joined[NUTS_COLUMNS[level]].astype("object"))
        for frame in (per_code, totals):
            part = frame.assign(geo=geo[frame["row"].to_numpy()]).dropna(subset=["geo"])
            grouped = part.groupby(["geo", "nace_r2"], sort=False)
            sums = grouped[["members", "employees"]].sum(min_count=1)
            pieces.append(sums.assign(organisations=grouped.size()).reset_index().assign(level=level))
    table = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=AGGREGATE_COLUMNS)
    dtypes = {"level": "int64", "geo": "str", "nace_r2": "str", "organisations": "int64"}
    table = table.loc[:, list(AGGREGATE_COLUMNS)].astype({**dtypes, "members": "Int64", "employees": "Int64"})
    return table.sort_values(["level", "geo", "nace_r2"], kind="stable").reset_index(drop=True)


def write_points_aggregate(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the aggregate as Parquet atomically: a temp file in the same folder, then ``os.replace``.

    Readers (the dashboard) thus never see a half-written file.
    """
    missing = [c for c in AGGREGATE_COLUMNS if c not in df.columns]
    if missing:
        raise KeyError(f"not a points aggregate: missing columns {missing}; build it with aggregate_points().")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    logger.info("wrote %d aggregate rows to %s", len(df), path)
    return path


def _counts(joined: pd.DataFrame, column: str) -> pd.Series:
    if column not in joined.columns:
        return pd.Series(pd.NA, index=range(len(joined)), dtype="Int64")
    return pd.Series(pd.array(joined[column], dtype="Int64"), index=range(len(joined)))
