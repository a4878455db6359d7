"""The one rank rule of every view: the map's tooltips, the ranking table, the CSV and the API read it from here.

Rule (``docs/methodology.md``, "Ranks"): regions are ranked from the highest
value (rank 1) down, on the value **at the decimals shown** (the indicator's
``decimals``, rounded half to even as ``numpy.round`` does); regions whose shown
values are equal share the best rank of the tie ("1, 2, 2, 4"); regions without
a value (confidential, no data) have no rank and are not counted in ``ranked``.
Zoomed to a country, each of its regions also has a rank among the country's
regions with a value (``country_rank`` of ``country_ranked``), by the same rule.

Ranking on the shown value is what a reader can check: two regions that read
"5.0 %" never get different ranks from digits nobody sees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RANK_COLUMNS = ("rank", "ranked", "country_rank", "country_ranked")
"""Columns :func:`rank_columns` adds to a values frame."""


def shown_values(values: np.ndarray, decimals: int) -> np.ndarray:
    """``values`` at ``decimals`` decimals (half to even), NaN kept: the number every view shows.

    ``+ 0.0`` turns a rounded ``-0.0`` into ``0.0``, so a tiny negative change reads "0.0", not "-0.0".
    """
    scale = 10.0**decimals
    return np.round(np.asarray(values, dtype=float) * scale) / scale + 0.0


def descending_ranks(values: np.ndarray, decimals: int, among: np.ndarray | None = None) -> np.ndarray:
    """Rank of each value (1 = highest shown value; ties share the best rank), NaN where it has no value or is not ``among``."""
    shown = shown_values(values, decimals)
    if among is not None:
        shown = np.where(among, shown, np.nan)
    return pd.Series(shown).rank(ascending=False, method="min").to_numpy(dtype=float)


def in_country(ids: pd.Series | np.ndarray, country: str | None) -> np.ndarray:
    """Which region codes belong to ``country`` (a NUTS 0 code such as ``DE``); none when ``country`` is None."""
    codes = pd.Series(np.asarray(ids, dtype=object)).astype(str)
    if not country:
        return np.zeros(len(codes), dtype=bool)
    return codes.str.startswith(country).to_numpy()


def rank_columns(ids: pd.Series | np.ndarray, values: np.ndarray, decimals: int, country: str | None = None) -> dict[str, object]:
    """``rank``, ``ranked``, ``country_rank`` and ``country_ranked`` of ``values`` (one per region ``ids``).

    ``rank`` is across all of ``ids``; ``country_rank`` only for the regions of
    ``country`` (NaN elsewhere, and everywhere when ``country`` is None), with
    ``country_ranked`` the number of them with a value (0 when not zoomed).
    """
    values = np.asarray(values, dtype=float)
    has_value = np.isfinite(values)
    ours = in_country(ids, country)
    return {
        "rank": descending_ranks(values, decimals),
        "ranked": int(has_value.sum()),
        "country_rank": descending_ranks(values, decimals, among=ours),
        "country_ranked": int((has_value & ours).sum()),
    }
