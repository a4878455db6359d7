"""Attribute join of region-coded statistics to the NUTS shapes of their own version."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

log = logging.getLogger(__name__)


def is_extra_regio(geo: pd.Series) -> pd.Series:
    """Extra-regio codes (``FRZ``, ``FRZZ``…) collect activity with no territory."""
    return (geo.str.len() > 2) & geo.str.endswith("Z")


@dataclass
class UnmatchedCodes:
    """Codes in the statistics with no shape in the geometry, by kind; never dropped."""

    extra_regio: list[str]
    other: list[str]

    @property
    def count(self) -> int:
        return len(self.extra_regio) + len(self.other)

    def summary(self) -> str:
        """Human text for the build log and report."""
        return (
            f"{self.count} codes have no shape in the NUTS geometry and are kept but not drawn: "
            f"{len(self.extra_regio)} extra-regio ({', '.join(self.extra_regio)}); "
            f"{len(self.other)} others, mostly codes of older NUTS versions or regions outside the map frame "
            f"({', '.join(self.other)})."
        )


def match_codes(geo: pd.Series, shape_ids: pd.Series) -> tuple[pd.Series, UnmatchedCodes]:
    """Which codes have a shape (by exact NUTS_ID), and the list of those without one."""
    has_shape = geo.isin(set(shape_ids))
    unmatched = pd.Series(sorted(set(geo[~has_shape])), dtype=str)
    extra = is_extra_regio(unmatched)
    report = UnmatchedCodes(extra_regio=unmatched[extra].tolist(), other=unmatched[~extra].tolist())
    if report.count:
        log.info("%s", report.summary())
    return has_shape, report
