"""Class breaks for the choropleth (mapclassify), the class index of every region and the legend's words.

Class 0 is "no data", class 1 "confidential"; value classes start at 2. Giving
both their own class keeps them visible and distinct instead of blank.

Computed here once per view (:func:`view_classes`, on the values at the decimals
shown, as ``layers.ranks`` ranks them); the map, the legend, the CSV and the API
read the result, the browser only colours what it receives.

A view whose values have a centre (the LQ: 1; a change: 0; :func:`centre_of`) is
classified on each side of it separately, the centre being a break, so no class
straddles it; :attr:`Classes.below_centre` says how many value classes lie below it
(``dashboard.figures`` colours them with one hue, the others with another).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd

from layers.query import STATUS_CONFIDENTIAL, STATUS_VALUE
from layers.ranks import shown_values

Scheme = str
"""A classification scheme's name: one of ``SCHEMES`` (the view vocabulary, ``dashboard.view``, offers exactly these)."""
SCHEMES: dict[str, type] = {
    "quantiles": mapclassify.Quantiles,
    "fisher_jenks": mapclassify.FisherJenks,
    "equal_interval": mapclassify.EqualInterval,
    "user": mapclassify.UserDefined,
}
NO_DATA, CONFIDENTIAL, FIRST_VALUE_CLASS = 0, 1, 2
LQ_CENTRE = 1.0
"""A location quotient of 1: the sector's share is the reference's."""
CHANGE_CENTRE = 0.0
"""No change."""


def centre_of(column: str, *, period_change: bool = False) -> float | None:
    """The value a view's classes split at: 0 for a change (``*_change``, or a period change), 1 for the LQ, else None."""
    if period_change or column.endswith("_change"):
        return CHANGE_CENTRE
    return LQ_CENTRE if column == "lq" else None


@dataclass(frozen=True)
class Classes:
    """Upper bounds of the value classes and each region's class index."""

    bins: tuple[float, ...]
    lower: float
    class_index: np.ndarray
    centre: float | None = None
    """The value the classes split at (a break), or None for a view without a centre."""

    @property
    def k(self) -> int:
        return len(self.bins)

    @property
    def below_centre(self) -> int:
        """How many value classes lie at or below the centre (their upper bound is at most the centre); 0 without one."""
        if self.centre is None:
            return 0
        return sum(1 for b in self.bins if b <= self.centre)


def classify(
    values: np.ndarray,
    status: np.ndarray,
    *,
    scheme: Scheme = "quantiles",
    k: int = 5,
    breaks: tuple[float, ...] = (),
    categories: tuple[float, ...] = (),
    centre: float | None = None,
) -> Classes:
    """Classes for the finite values; missing and confidential regions get their own.

    ``scheme="user"`` takes the upper bounds in ``breaks`` (mapclassify adds the
    maximum as a last class when values lie above them). ``categories`` instead
    gives one class per listed value (star counts), whatever the data holds.
    ``centre``: split there (:func:`centred_bins`): the centre is a break.
    """
    if centre is not None and not categories:
        return _classify_centred(values, status, scheme=scheme, k=k, breaks=breaks, centre=centre)
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


def _side_bins(side: np.ndarray, scheme: Scheme, k: int) -> np.ndarray:
    """Upper bounds of ``k`` classes of one side's values by ``scheme`` (fewer when the side has fewer distinct values)."""
    distinct = np.unique(side)
    k = max(1, min(k, distinct.size))
    if k == 1:
        return np.array([distinct.max()])
    with warnings.catch_warnings():  # mapclassify warns on tied quantiles; ties are merged
        warnings.simplefilter("ignore", UserWarning)
        return np.unique(np.asarray(SCHEMES[scheme](side, k=k).bins, dtype=float))


def centred_bins(finite: np.ndarray, *, scheme: Scheme, k: int, breaks: tuple[float, ...], centre: float) -> np.ndarray:
    """Upper bounds with ``centre`` among them: the values at or below it classified apart from those above.

    The ``k`` classes are shared between the sides in proportion to their numbers of values (at least
    one each for a side with values; never more than a side's distinct values), and the scheme runs on
    each side alone; the last class below ends at the centre itself. A value equal to the centre is in
    the class below it (upper bounds are inclusive). ``scheme="user"``: the user's breaks plus the centre.
    """
    if scheme == "user":
        return np.unique(np.asarray(mapclassify.UserDefined(finite, bins=sorted({*breaks, centre})).bins, dtype=float))
    below, above = finite[finite <= centre], finite[finite > centre]
    n_below, n_above = np.unique(below).size, np.unique(above).size
    if n_below and n_above:
        k_below = int(np.clip(round(k * below.size / finite.size), 1, k - 1))
        k_below = min(max(k_below, k - n_above), n_below)  # what one side cannot use goes to the other
        k_above = min(k - k_below, n_above)
    else:
        k_below, k_above = min(k, n_below), min(k, n_above)
    parts = []
    if k_below:
        parts.append(np.append(_side_bins(below, scheme, k_below)[:-1], centre))  # the side's maximum becomes the centre
    if k_above:
        parts.append(_side_bins(above, scheme, k_above))
    return np.unique(np.concatenate(parts))


def _classify_centred(values: np.ndarray, status: np.ndarray, *, scheme: Scheme, k: int, breaks: tuple[float, ...], centre: float) -> Classes:
    finite = values[np.isfinite(values)]
    index = np.where(status == STATUS_CONFIDENTIAL, CONFIDENTIAL, NO_DATA).astype(int)
    if finite.size == 0:
        return Classes((), float("nan"), index, centre)
    bins = centred_bins(finite, scheme=scheme, k=k, breaks=breaks, centre=centre)
    index[np.isfinite(values)] = FIRST_VALUE_CLASS + np.searchsorted(bins, finite, side="left")
    index[(status != STATUS_VALUE) & (status != STATUS_CONFIDENTIAL)] = NO_DATA
    return Classes(tuple(float(b) for b in bins), float(finite.min()), index, centre)


def classes_from_pool(values: np.ndarray, status: np.ndarray, pooled: Classes) -> Classes:
    """This year's regions in the classes found on all years' values (``pooled``): same breaks, same legend.

    Every value of this year is in the pool, so it falls within the pooled breaks.
    """
    index = np.where(status == STATUS_CONFIDENTIAL, CONFIDENTIAL, NO_DATA).astype(int)
    finite = np.isfinite(values)
    if pooled.bins:
        bins = np.asarray(pooled.bins, dtype=float)
        index[finite] = FIRST_VALUE_CLASS + np.minimum(np.searchsorted(bins, values[finite], side="left"), bins.size - 1)
    index[(status != STATUS_VALUE) & (status != STATUS_CONFIDENTIAL)] = NO_DATA
    return Classes(pooled.bins, pooled.lower, index, pooled.centre)


STATUS_LABELS = ("no data", "confidential")
"""The legend's first two entries: classes ``NO_DATA`` and ``CONFIDENTIAL``."""
STAR_CATEGORIES = {"stars": (0.0, 1.0, 2.0, 3.0), **{f"star_{d}": (0.0, 1.0) for d in ("size", "specialisation", "productivity")}}
"""The star views are categorical: one class per star count (or star / no star)."""
STAR_LABELS = {"stars": ("0 stars", "1 star", "2 stars", "3 stars"), **{f"star_{d}": ("no star", "star") for d in ("size", "specialisation", "productivity")}}


def format_number(value: float, decimals: int) -> str:
    """A number with ``decimals`` decimals and thousands separators ("" for no value)."""
    if not np.isfinite(value):
        return ""
    return f"{value:,.{decimals}f}"


def legend_labels(classes: Classes, decimals: int) -> list[str]:
    """The legend's entries: the two status classes, then each value class's range.

    A first class that holds a single value (many regions with no organisations: 0) reads
    as that value, not as "0 – 0".
    """
    labels = list(STATUS_LABELS)
    lower = classes.lower
    for i, upper in enumerate(classes.bins):
        lo, hi = format_number(lower, decimals), format_number(upper, decimals)
        if i == 0:
            labels.append(lo if lo == hi else f"{lo} – {hi}")
        else:
            labels.append(f"> {lo} – {hi}")
        lower = upper
    return labels


@dataclass(frozen=True)
class ViewClasses:
    """One view's classes: breaks and per-region index (``classes``) and the legend entry of every class (``labels``)."""

    classes: Classes
    labels: tuple[str, ...]

    @property
    def index(self) -> np.ndarray:
        return self.classes.class_index

    def region_labels(self) -> np.ndarray:
        """The legend entry of each region's class."""
        return np.asarray(self.labels, dtype=object)[self.classes.class_index]


def view_classes(
    values: np.ndarray,
    status: np.ndarray,
    *,
    decimals: int,
    column: str,
    scheme: Scheme = "quantiles",
    k: int = 5,
    breaks: tuple[float, ...] = (),
    pool: tuple[np.ndarray, np.ndarray] | None = None,
    centre: float | None = None,
) -> ViewClasses:
    """The classes a view shows, on its values at ``decimals`` (so a region and its legend entry read alike).

    ``column`` is what the map shows (an indicator, ``stars`` or one ``star_*``
    dimension): the star columns get one class per count whatever ``scheme`` says.
    ``pool``: (values, status) of every year of the view (``classes=all-years``): the
    breaks are found on them, so one colour means one value range in every year.
    ``centre``: the value the classes split at (:func:`centre_of`), None for none.
    """
    categories = STAR_CATEGORIES.get(column, ())
    shown = shown_values(values, decimals)
    if pool is not None and not categories:
        pooled = classify(shown_values(pool[0], decimals), pool[1], scheme=scheme, k=k, breaks=breaks, centre=centre)
        classes = classes_from_pool(shown, status, pooled)
    else:
        classes = classify(shown, status, scheme=scheme, k=k, breaks=breaks, categories=categories, centre=centre)
    labels = (*STATUS_LABELS, *STAR_LABELS[column]) if categories else tuple(legend_labels(classes, decimals))
    return ViewClasses(classes, labels)


CLASSES_ATTR = "classes"
"""Key of a values frame's ``attrs`` that holds its :class:`ViewClasses` (the legend needs the classes without regions too)."""


def with_classes(
    frame: pd.DataFrame,
    *,
    decimals: int,
    column: str,
    scheme: Scheme = "quantiles",
    k: int = 5,
    breaks: tuple[float, ...] = (),
    pool: tuple[np.ndarray, np.ndarray] | None = None,
    centre: float | None = None,
) -> pd.DataFrame:
    """``frame`` (``layers.query.region_values``'s shape) with each region's ``class`` and ``class_label`` (its legend entry).

    The :class:`ViewClasses` go into ``frame.attrs["classes"]`` for the legend; read them with :func:`classes_of`.
    ``pool``: every year's (values, status), for classes over all years (:func:`view_classes`); ``centre``: where classes split.
    """
    values, status = frame["value"].to_numpy(dtype=float), frame["status"].to_numpy()
    found = view_classes(values, status, decimals=decimals, column=column, scheme=scheme, k=k, breaks=breaks, pool=pool, centre=centre)
    out = frame.assign(**{"class": found.index, "class_label": found.region_labels()})
    out.attrs[CLASSES_ATTR] = found
    return out


def classes_of(frame: pd.DataFrame) -> ViewClasses:
    """The classes :func:`with_classes` put on ``frame``."""
    try:
        return frame.attrs[CLASSES_ATTR]
    except KeyError:
        raise ValueError("this values frame has no classes: make it with DashboardData.values (layers.classes.with_classes)") from None
