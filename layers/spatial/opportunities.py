"""Diversification opportunities: divisions a region does not specialise in, related to those it does.

For a region and a year, the candidates are its NACE divisions with a known
specialisation star that it has not earned (``star_specialisation`` False: LQ
known and below 2). Each is scored by the sum of its co-location strengths
(:mod:`layers.spatial.related`) with the divisions where the region has the star,
counting **positive strengths only**: a negative correlation says two divisions
avoid each other, which is no reason to build one on the other, and letting it
subtract would punish a candidate for being unrelated to one star while related
to another. Candidates with no positive relation are left out. Divisions whose
star is unknown (LQ unknown) are neither candidates nor foundations.

This is the "related variety" question of smart-specialisation strategies; the
stars and LQs are the region's own level's (``layers.indicators``), the
strengths are always across NUTS 2 regions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers import nace
from layers.portfolio import region_portfolio
from layers.spatial.related import DIVISION_LEVEL, RelatedSectors

OPPORTUNITY_COLUMNS = ("nace_r2", "name", "score", "lq", "relations", "justified_by")
"""``score``: sum of positive strengths with the starred divisions; ``relations``: how many;
``justified_by``: those starred divisions, strongest first, each ``{"nace_r2", "name", "strength"}``."""


def _divisions(related: RelatedSectors, geo: str, year: int) -> pd.DataFrame:
    portfolio = region_portfolio(related.index, geo, year=year)
    return portfolio.loc[[nace.level_of(c) == DIVISION_LEVEL for c in portfolio["nace_r2"]]]


def starred_divisions(related: RelatedSectors, geo: str, year: int) -> tuple[str, ...]:
    """The divisions where the region has the specialisation star in ``year`` and that have co-location strengths: the foundations.

    In the portfolio's order (stars, then LQ). Raises as :func:`opportunities`.
    """
    divisions = _divisions(related, geo, year)
    codes = related.colocation(year).codes
    starred = divisions.loc[divisions["star_specialisation"].fillna(False).astype(bool), "nace_r2"]
    return tuple(str(c) for c in starred if c in codes)


def opportunities(related: RelatedSectors, geo: str, year: int, limit: int | None = None) -> pd.DataFrame:
    """The region's opportunities in ``year``, highest score first (ties by code).

    Raises ``UnknownRegionError`` / ``UnknownYearError`` (from ``layers.portfolio``)
    for a region or year without statistics. A region with no specialisation star
    among its divisions has no opportunities (an empty frame).
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0):
        raise ValueError(f"limit must be a whole number >= 0 or None, not {limit!r}")
    divisions = _divisions(related, geo, year)
    star = divisions["star_specialisation"]
    candidates = divisions.loc[star.notna() & ~star.fillna(True).astype(bool)]
    pairs = related.colocation(year)
    starred = list(starred_divisions(related, geo, year))
    records = []
    for code, lq in zip(candidates["nace_r2"], candidates["lq"]):
        if code not in pairs.codes or not starred:
            continue
        strengths = pairs.strength.loc[code, starred]
        positive = strengths[strengths > 0].sort_values(ascending=False, kind="stable")
        if positive.empty:
            continue
        records.append(
            {
                "nace_r2": code,
                "name": nace.label(code),
                "score": float(positive.sum()),
                "lq": float(lq),
                "relations": len(positive),
                "justified_by": tuple({"nace_r2": s, "name": nace.label(s), "strength": float(v)} for s, v in positive.items()),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(OPPORTUNITY_COLUMNS))
    frame = frame.sort_values(["score", "nace_r2"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return frame if limit is None else frame.head(int(limit))


__all__ = ["OPPORTUNITY_COLUMNS", "opportunities", "starred_divisions"]
