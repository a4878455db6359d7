"""Hot spots: local Moran's I of a map's values, and the High-High clusters that cross borders.

:func:`hotspots` classes every region of a view: ``HH`` (high value among high
neighbours), ``LL``, ``HL`` (high among low), ``LH`` (low among high), ``ns`` (not
significant at p <= :data:`ALPHA`), or ``no data`` (no value: left out of the
statistic, and out of the weights). The statistic is esda's ``Moran_Local`` on
row-standardised queen weights restricted to the regions with a value
(:mod:`layers.spatial.weights`), with :data:`PERMUTATIONS` conditional permutations
and the fixed seed :data:`SEED`, so a view's categories are the same on every call.

:func:`hh_clusters` groups the significant ``HH`` regions into connected
clusters over the same contiguity graph and says which cross a border.
"""

from __future__ import annotations

import threading

import networkx as nx
import numpy as np
import pandas as pd
from esda.moran import Moran_Local

from layers.spatial.weights import LevelWeights

PERMUTATIONS = 999
SEED = 20080101
"""Any fixed number: the conditional permutations, hence the p-values, repeat exactly."""
ALPHA = 0.05
"""A region is significant when its pseudo p-value is at most this (no correction for multiple tests: see docs/methodology.md 13.4)."""
MIN_REGIONS = 3
"""Fewer regions with a value than this: no statistic, every region with a value is ``ns``."""
HOTSPOT_CATEGORIES = ("HH", "LL", "HL", "LH", "ns", "no data")
NO_DATA = "no data"
NOT_SIGNIFICANT = "ns"
_QUADRANT = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
"""esda's quadrant numbers (``q``) → category: value above/below the mean, neighbours' mean above/below it."""
HOTSPOT_COLUMNS = ("nuts_id", "hotspot", "p_value", "local_i", "quadrant")
CLUSTER_COLUMNS = ("cluster", "regions", "countries", "cross_border", "employment", "employment_missing")

_RANDOM_STATE = threading.Lock()
"""esda seeds NumPy's global random state (np.random.seed): one statistic at a time keeps each run reproducible."""


def hotspots(values: pd.Series, weights: LevelWeights, *, permutations: int = PERMUTATIONS, seed: int = SEED, alpha: float = ALPHA) -> pd.DataFrame:
    """Local Moran's I category of every region in ``values`` (indexed by NUTS code; NaN = no data).

    Returns one row per entry of ``values``, in its order: ``nuts_id``, ``hotspot``
    (:data:`HOTSPOT_CATEGORIES`), ``p_value`` (pseudo p-value, folded: the share
    of permutations at least as extreme, on the side of the observed I), ``local_i``
    and ``quadrant`` (the category the region would have if significant; "" for
    no data). Regions without a value have NaN statistics and ``no data``.
    Raises ``UnknownRegionError`` for a code without a shape in ``weights``.
    """
    if values.index.has_duplicates:
        raise ValueError(f"values has duplicate region codes: {sorted(set(values.index[values.index.duplicated()]))[:5]}")
    numbers = pd.to_numeric(values, errors="raise").astype("float64")
    known = numbers[np.isfinite(numbers.to_numpy())]
    out = pd.DataFrame(
        {
            "nuts_id": values.index.astype(str),
            "hotspot": NO_DATA,
            "p_value": np.nan,
            "local_i": np.nan,
            "quadrant": "",
        }
    )
    if len(known) == 0:
        return out
    region_weights = weights.restrict(known.index) if len(known) >= 2 else None
    position = pd.Series(np.arange(len(out)), index=out["nuts_id"])
    if region_weights is None or len(known) < MIN_REGIONS or float(known.std()) == 0.0:
        out.loc[position[known.index.astype(str)].to_numpy(), "hotspot"] = NOT_SIGNIFICANT
        return out
    y = known.reindex(region_weights.ids).to_numpy()
    with _RANDOM_STATE, np.errstate(divide="ignore", invalid="ignore"):
        moran = Moran_Local(y, region_weights.w, transformation="r", permutations=permutations, seed=seed, keep_simulations=True)
    quadrant = np.array([_QUADRANT[int(q)] for q in moran.q], dtype=object)
    p_value = np.asarray(moran.p_sim, dtype="float64")
    rows = position[list(region_weights.ids)].to_numpy()
    out.loc[rows, "quadrant"] = quadrant
    out.loc[rows, "p_value"] = p_value
    out.loc[rows, "local_i"] = np.asarray(moran.Is, dtype="float64")
    out.loc[rows, "hotspot"] = np.where(p_value <= alpha, quadrant, NOT_SIGNIFICANT)
    return out


def hh_clusters(result: pd.DataFrame, weights: LevelWeights, employment: pd.Series | None = None) -> pd.DataFrame:
    """The connected groups of significant ``HH`` regions of a :func:`hotspots` result, largest employment first.

    Connected over the contiguity graph the statistic used (regions with a value,
    islands joined to their nearest). A cluster is ``cross_border`` when its regions
    lie in more than one country. ``employment`` (persons employed by NUTS code)
    is summed over the regions that have it; those without are named in
    ``employment_missing`` (the sum is then a lower bound), never counted as 0.
    Columns :data:`CLUSTER_COLUMNS`; ``cluster`` numbers from 1.
    """
    hh = result.loc[result["hotspot"] == "HH", "nuts_id"].astype(str).tolist()
    if not hh:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CLUSTER_COLUMNS})
    with_value = result.loc[result["hotspot"] != NO_DATA, "nuts_id"].astype(str)
    region_weights = weights.restrict(with_value)
    graph = region_weights.graph().subgraph(hh)
    known_employment = employment.astype("float64").dropna() if employment is not None else pd.Series(dtype="float64")
    records = []
    for component in nx.connected_components(graph):
        regions = tuple(sorted(component))
        countries = tuple(sorted({region_weights.countries[r] for r in regions}))
        present = [r for r in regions if r in known_employment.index]
        records.append(
            {
                "regions": regions,
                "countries": countries,
                "cross_border": len(countries) > 1,
                "employment": float(known_employment[present].sum()) if present else np.nan,
                "employment_missing": tuple(r for r in regions if r not in known_employment.index),
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame = frame.sort_values(["employment", "regions"], ascending=[False, True], na_position="last", kind="stable").reset_index(drop=True)
    frame.insert(0, "cluster", np.arange(1, len(frame) + 1))
    return frame[list(CLUSTER_COLUMNS)]


def cross_border_clusters(result: pd.DataFrame, weights: LevelWeights, employment: pd.Series | None = None) -> pd.DataFrame:
    """The :func:`hh_clusters` whose regions lie in more than one country (the panel's list)."""
    clusters = hh_clusters(result, weights, employment)
    return clusters.loc[clusters["cross_border"].astype(bool)].reset_index(drop=True)


__all__ = [
    "ALPHA",
    "CLUSTER_COLUMNS",
    "HOTSPOT_CATEGORIES",
    "HOTSPOT_COLUMNS",
    "PERMUTATIONS",
    "SEED",
    "cross_border_clusters",
    "hh_clusters",
    "hotspots",
]
