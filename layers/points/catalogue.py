"""The located organisations a points build wrote, read back for the map, search and portfolios.

``clustermap build --points FILE`` writes ``data/organisations.parquet``: one row per
valid record inside a NUTS 2024 region (or snapped to one), with its codes at levels
0-3 (see ``layers.points.build``). This module reads that file once and answers the
questions the dashboard asks: which organisations are in a sector, in a region, or
match a name. It knows nothing of Dash.

Regions are matched by NUTS code. The statistics are on NUTS 2013 codes and the
organisations on NUTS 2024 ones; a region whose code changed between the versions
lists the organisations of the 2024 region of the same code, if any.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from layers._errors import RecordsError
from layers.nuts_versions import VersionMap, VersionMatch
from layers.points.build import ORGANISATIONS_FILE, SOURCE_KEY
from layers.points.records import NACE_SEPARATOR

__all__ = ["ORGANISATIONS_FILE", "ORGANISATION_COLUMNS", "SOURCE_KEY", "Organisations", "load_organisations"]

log = logging.getLogger(__name__)

ORGANISATION_COLUMNS = ("id", "name", "longitude", "latitude", "nace", "members", "employees", "nuts0", "nuts1", "nuts2", "nuts3", "synthetic")
"""The columns the dashboard reads (the file has a few more: year, website, status)."""
TOTAL = "TOTAL"


@dataclass
class Organisations:
    """Located organisations, with lookups by sector, region and name."""

    frame: pd.DataFrame
    source: str
    region_names: dict[str, str] = field(default_factory=dict)
    """NUTS 2024 code -> readable name, for tooltips."""
    statistics_version: VersionMap | None = None
    """NUTS 2024 -> the statistics' NUTS version by area (``layers.nuts_versions``): a statistics region's organisations."""

    def __post_init__(self) -> None:
        self.frame = self.frame.reset_index(drop=True)
        self._names_lower = self.frame["name"].str.casefold()

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def synthetic(self) -> bool:
        """True when every organisation is a synthetic record (a generated sample, not real data)."""
        return bool(len(self.frame)) and bool(self.frame["synthetic"].all())

    @property
    def kind(self) -> str:
        """ "synthetic organisations" for a generated sample, else "organisations": said wherever they are shown."""
        return "synthetic organisations" if self.synthetic else "organisations"

    @property
    def label(self) -> str:
        """What the records are: how many, synthetic or not, and the source file."""
        return f"{len(self.frame):,} {self.kind} ({self.source})"

    def in_sector(self, nace_r2: str) -> np.ndarray:
        """Row mask: organisations with a NACE code in ``nace_r2`` (a section, division, group or class; TOTAL: all)."""
        if nace_r2 == TOTAL:
            return np.ones(len(self.frame), dtype=bool)
        # codes are ";"-joined and hierarchical by prefix (C, C29, C291, C2910): one vectorised match
        pattern = f"(?:^|{re.escape(NACE_SEPARATOR)}){re.escape(nace_r2)}"
        return self.frame["nace"].fillna("").str.contains(pattern, regex=True).to_numpy(dtype=bool)

    def in_sectors(self, codes: Sequence[str]) -> np.ndarray:
        """Row mask: organisations with a NACE code in any of ``codes`` (a sector group: each organisation once)."""
        mask = np.zeros(len(self.frame), dtype=bool)
        for code in codes:
            mask |= self.in_sector(code)
        return mask

    def group_table(self, codes: Sequence[str], level: int) -> pd.DataFrame:
        """Organisations, members and employees per region of ``level`` for a sector group, each organisation counted once.

        The points aggregate counts an organisation under each of its codes, so summing its
        rows over a group's members would count one listing two members twice; this counts
        the located records themselves. ``members``/``employees``: sums over those that report them, NA when none does.
        """
        selected = self.frame.loc[self.in_sectors(codes)]
        grouped = selected.groupby(f"nuts{level}", sort=False)
        return pd.DataFrame(
            {
                "organisations": grouped.size(),
                "members": grouped["members"].sum(min_count=1),
                "employees": grouped["employees"].sum(min_count=1),
            }
        )

    def in_region(self, geo: str) -> pd.DataFrame:
        """The organisations located in NUTS region ``geo`` (a country or a NUTS 1-3 code), by name.

        ``geo`` is matched as a NUTS 2024 code, and, levels 0-2, as a code of the statistics'
        version: the organisations whose NUTS 2024 region lies mostly in it (:attr:`statistics_version`),
        so the portfolio of NUTS 2013 FR71 lists those located in NUTS 2024 FRK2.
        """
        level = len(geo) - 2
        if level not in (0, 1, 2, 3):
            return self.frame.iloc[0:0]
        codes = self.frame[f"nuts{level}"]
        inside = codes == geo
        if self.statistics_version is not None and level < 3:
            best = {code: m.target for code in codes.dropna().unique() if (m := self.statistics_version.best(code)) is not None}
            inside |= codes.map(best) == geo
        return self.frame.loc[inside].sort_values(["name", "id"], kind="stable")

    def search(self, text: str | None, *, limit: int = 20) -> pd.DataFrame:
        """Organisations whose name contains ``text`` (case-insensitive) or whose id equals it; names starting with it first."""
        needle = (text or "").strip().casefold()
        if not needle:
            return self.frame.iloc[0:0]
        contains = self._names_lower.str.contains(needle, regex=False) | (self.frame["id"].str.casefold() == needle)
        hits = self.frame.loc[contains].assign(_starts=~self._names_lower[contains].str.startswith(needle))
        return hits.sort_values(["_starts", "name", "id"], kind="stable").head(limit).drop(columns="_starts")

    def get(self, organisation_id: str) -> pd.Series | None:
        """One organisation by id, or None."""
        rows = self.frame.loc[self.frame["id"] == organisation_id]
        return rows.iloc[0] if len(rows) else None

    def statistics_region(self, row: pd.Series, regions: frozenset[str] | set[str]) -> VersionMatch | None:
        """The region with statistics (one of ``regions``) covering most of an organisation's finest NUTS 2024 region.

        NUTS 2 first, then 1, then 0; each matched to the statistics' version by area (:attr:`statistics_version`).
        Without that map a code is taken as it is (the same code in both versions).
        """
        for level in (2, 1, 0):
            code = row.get(f"nuts{level}")
            if not isinstance(code, str):
                continue
            if self.statistics_version is None:
                match = VersionMatch(code, code, 1.0, 2024, 2024) if code in regions else None
            else:
                match = self.statistics_version.best(code)
            if match is not None and match.target in regions:
                return match
        return None

    def region_name(self, code: str | None) -> str:
        """A region's name and code, e.g. "Oberbayern (DE21)"; the code alone when the name is unknown."""
        if not code or pd.isna(code):
            return ""
        name = self.region_names.get(code)
        return f"{name} ({code})" if name else str(code)


def load_organisations(path: Path, *, region_names: dict[str, str] | None = None) -> Organisations | None:
    """The organisations file at ``path``, or None when no points build has run.

    A file that lacks a column the map needs raises :class:`RecordsError` saying to rebuild it.
    """
    if not path.exists():
        return None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise RecordsError(f"{path}: cannot read the organisations file ({exc}); rebuild it with `clustermap build --points FILE`") from exc
    missing = [c for c in ORGANISATION_COLUMNS if c not in table.column_names]
    if missing:
        raise RecordsError(f"{path}: columns {', '.join(missing)} are missing; rebuild it with `clustermap build --points FILE`")
    metadata = table.schema.metadata or {}
    source = metadata.get(SOURCE_KEY, path.name.encode()).decode("utf-8", "replace")
    frame = table.to_pandas()
    frame["synthetic"] = frame["synthetic"].fillna(False).astype(bool)
    log.info("%s: %d organisations from %s", path, len(frame), source)
    return Organisations(frame=frame, source=Path(source).name, region_names=region_names or {})
