"""Class breaks for the choropleth (mapclassify) and the class index of every region.

Class 0 is "no data", class 1 "confidential"; value classes start at 2. Giving
both their own class keeps them visible and distinct instead of blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import warnings

import mapclassify
import numpy as np

from layers.query import STATUS_CONFIDENTIAL, STATUS_VALUE

Scheme = Literal["quantiles", "fisher_jenks", "equal_interval"]
SCHEMES: dict[str, type] = {
    "quantiles": mapclassify.Quantiles,
    "fisher_jenks": mapclassify.FisherJenks,
    "equal_interval": mapclassify.EqualInterval,
}
NO_DATA, CONFIDENTIAL, FIRST_VALUE_CLASS = 0, 1, 2


@dataclass(frozen=True)
class Classes:
    """Upper bounds of the value classes and each region's class index."""

    bins: tuple[float, ...]
    lower: float
    class_index: np.ndarray

    @property
    def k(self) -> int:
        return len(self.bins)


def classify(values: np.ndarray, status: np.ndarray, *, scheme: Scheme = "quantiles", k: int = 5) -> Classes:
    """Classes for the finite values; missing and confidential regions get their own."""
    finite = values[np.isfinite(values)]
    index = np.where(status == STATUS_CONFIDENTIAL, CONFIDENTIAL, NO_DATA).astype(int)
    if finite.size == 0:
        return Classes((), float("nan"), index)
    distinct = np.unique(finite)
    k = max(1, min(k, distinct.size))
    if k == 1:
        bins = np.array([distinct.max()])
        yb = np.zeros(finite.size, dtype=int)
    else:
        with warnings.catch_warnings():  # mapclassify warns on tied quantiles; ties are merged below
            warnings.simplefilter("ignore", UserWarning)
            bins = np.unique(np.asarray(SCHEMES[scheme](finite, k=k).bins))
        yb = np.searchsorted(bins, finite, side="left")
    index[np.isfinite(values)] = FIRST_VALUE_CLASS + yb
    index[(status != STATUS_VALUE) & (status != STATUS_CONFIDENTIAL)] = NO_DATA
    return Classes(tuple(float(b) for b in bins), float(finite.min()), index)
