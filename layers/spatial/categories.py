"""A hot-spot view's numbers: a values frame whose classes are the local Moran's I categories.

``analysis=hotspots`` maps categories instead of value classes. This module turns a
values frame (``layers.query.region_values``'s shape, the view's values over the
drawn regions) into the same frame with ``hotspot`` and ``p_value`` columns, the
category as its ``class`` and ``class_label`` (so the map, legend, CSV and API read
them as they read value classes), and the view's cross-border High-High clusters in
its ``attrs``. Computed once per view (``DashboardData.values`` keeps it); the
statistic itself is :func:`layers.spatial.hotspots.hotspots`.

Class indexes: 0 no data and 1 confidential stay as in ``layers.classes`` (neither
has a value, so neither is in the statistic: ``hotspot`` is null for both); then
one class per category of :data:`CATEGORY_ORDER`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.classes import CLASSES_ATTR, CONFIDENTIAL, FIRST_VALUE_CLASS, NO_DATA, STATUS_LABELS, Classes, ViewClasses
from layers.query import STATUS_CONFIDENTIAL
from layers.spatial.hotspots import NO_DATA as NO_DATA_CATEGORY, cross_border_clusters, hotspots
from layers.spatial.weights import LevelWeights

CATEGORY_ORDER = ("HH", "LL", "HL", "LH", "ns")
"""The categories of a region with a value, in legend order (class ``FIRST_VALUE_CLASS`` + position)."""
CATEGORY_LABELS = {
    "HH": "High-High (hot spot)",
    "LL": "Low-Low (cold spot)",
    "HL": "High-Low (high among low)",
    "LH": "Low-High (low among high)",
    "ns": "not significant",
}
"""The legend's and the tooltip's words for each category."""
HOTSPOT_LABELS = (*STATUS_LABELS, *(CATEGORY_LABELS[c] for c in CATEGORY_ORDER))
"""The legend of every hot-spot view, class by class."""
CLUSTERS_ATTR = "hotspot_clusters"
"""Key of a hot-spot frame's ``attrs`` holding its cross-border High-High clusters (:func:`clusters_of`)."""


def with_hotspots(frame: pd.DataFrame, weights: LevelWeights, employment: pd.Series | None = None) -> pd.DataFrame:
    """``frame`` with each region's hot-spot ``hotspot``, ``p_value``, ``class`` and ``class_label``; clusters in ``attrs``.

    The statistic runs on ``frame["value"]`` as stored (not rounded to the decimals
    shown: Moran's I is not a display), over the regions of ``frame`` that have a
    value, with ``weights`` (the drawn level's) restricted to them. ``hotspot`` is
    ``HH``, ``LL``, ``HL``, ``LH`` or ``ns``, and None without a value; ``p_value``
    is the pseudo p-value (NaN without a value, or when there is no statistic).
    ``employment`` (persons employed by NUTS code) is summed per cluster.
    """
    values = pd.Series(frame["value"].to_numpy(dtype=float), index=frame["nuts_id"].astype(str).to_numpy())
    result = hotspots(values, weights)
    category = result["hotspot"].to_numpy(dtype=object)
    has_value = category != NO_DATA_CATEGORY
    confidential = frame["status"].to_numpy() == STATUS_CONFIDENTIAL
    position = {c: FIRST_VALUE_CLASS + i for i, c in enumerate(CATEGORY_ORDER)}
    index = np.where(confidential, CONFIDENTIAL, NO_DATA).astype(int)
    index[has_value] = [position[c] for c in category[has_value]]
    found = ViewClasses(Classes((), float("nan"), index), HOTSPOT_LABELS)
    out = frame.assign(
        hotspot=pd.Series(np.where(has_value, category, None), index=frame.index, dtype=object),  # None, not NaN, without a value
        p_value=result["p_value"].to_numpy(dtype=float),
        **{"class": index, "class_label": found.region_labels()},
    )
    out.attrs[CLASSES_ATTR] = found
    out.attrs[CLUSTERS_ATTR] = cross_border_clusters(result, weights, employment)
    return out


def clusters_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The cross-border High-High clusters :func:`with_hotspots` put on ``frame`` (``layers.spatial.hotspots.CLUSTER_COLUMNS``)."""
    try:
        return frame.attrs[CLUSTERS_ATTR]
    except KeyError:
        raise ValueError("this values frame has no hot spots: make it with DashboardData.values for a view with analysis=hotspots") from None


def is_hotspot_frame(frame: pd.DataFrame) -> bool:
    """Whether a values frame carries hot spots (a view with ``analysis=hotspots``)."""
    return "hotspot" in frame.columns


__all__ = ["CATEGORY_LABELS", "CATEGORY_ORDER", "CLUSTERS_ATTR", "HOTSPOT_LABELS", "clusters_of", "is_hotspot_frame", "with_hotspots"]
