"""Class breaks for the choropleth (mapclassify) and the class index of every region.

Class 0 is "no data", class 1 "confidential"; value classes start at 2. Giving
both their own class keeps them visible and distinct instead of blank.
"""

from __future__ import annotations

from dataclasses import dataclass
import warnings

import mapclassify
import numpy as np

from layers.query import STATUS_CONFIDENTIAL, STATUS_VALUE

Scheme = str
"""A classification scheme's name: the allowed ones are ``dashboard.view.SCHEME_LABELS`` (the view vocabulary)."""
SCHEMES: dict[str, type] = {
    "quantiles": mapclassify.Quantiles,
    "fisher_jenks": mapclassify.FisherJenks,
    "equal_interval": mapclassify.EqualInterval,
    "user": mapclassify.UserDefined,
}
"""How each scheme classifies (a test checks these are exactly the vocabulary's schemes)."""
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


def classify(
    values: np.ndarray,
    status: np.ndarray,
    *,
    scheme: Scheme = "quantiles",
    k: int = 5,
    breaks: tuple[float, ...] = (),
    categories: tuple[float, ...] = (),
) -> Classes:
    """Classes for the finite values; missing and confidential regions get their own.

    ``scheme="user"`` takes the upper bounds in ``breaks`` (mapclassify adds the
    maximum as a last class when values lie above them). ``categories`` instead
    gives one class per listed value (star counts), whatever the data holds.
    """
    finite = values[np.isfinite(values)]
    index = np.where(status == STATUS_CONFIDENTIAL, CONFIDENTIAL, NO_DATA).astype(int)
    if categories:
        bins = np.asarray(categories, dtype=float)
        index[np.isfinite(values)] = FIRST_VALUE_CLASS + np.searchsorted(bins, finite, side="left")
        lower = float(bins[0]) if finite.size == 0 else float(min(finite.min(), bins[0]))
        return Classes(tuple(float(b) for b in bins), lower, index)
    if finite.size == 0:
        return Classes((), float("nan"), index)
    if scheme == "user":
        bins = np.unique(np.asarray(mapclassify.UserDefined(finite, bins=sorted(breaks)).bins, dtype=float))
        index[np.isfinite(values)] = FIRST_VALUE_CLASS + np.searchsorted(bins, finite, side="left")
        return Classes(tuple(float(b) for b in bins), float(finite.min()), index)
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
