"""layers.spatial.opportunities on one real region, checked by hand and against the raw file.

Stuttgart (DE11) in 2012: its specialisation stars (LQ >= 2) among NACE divisions,
recomputed from the raw Eurostat TSV, are electrical equipment (C27), machinery
(C28) and motor vehicles (C29). Every other division with a known LQ is a
candidate, scored by the sum of its positive correlations (pandas ``corr`` on the raw
LQs across NUTS 2 regions) with those three.
"""

from __future__ import annotations

import numpy as np
import pytest

from layers._errors import UnknownRegionError, UnknownYearError
from layers.spatial.opportunities import OPPORTUNITY_COLUMNS, opportunities
from layers.spatial.related import MIN_COMMON_REGIONS, RelatedSectors
from tests.raw_sbs import finite
from tests.test_spatial_related import raw_lq_matrix

REGION, YEAR = "DE11", 2012


@pytest.fixture(scope="module")
def related(dashboard_data) -> RelatedSectors:
    return RelatedSectors(dashboard_data.index)


def test_stuttgart_2012_by_hand_and_against_the_raw_file(raw, related):
    lqs = raw_lq_matrix(raw, YEAR)
    region = lqs.loc[REGION]
    starred = sorted(region.index[region >= 2])
    assert starred == ["C27", "C28", "C29"], "by hand: Stuttgart's specialisations are electrical equipment, machinery and cars"
    strength = lqs.corr(min_periods=MIN_COMMON_REGIONS)
    expected = {}
    for code in region.index[region.notna() & (region < 2)]:
        positive = {s: strength.at[code, s] for s in starred if finite(strength.at[code, s]) and strength.at[code, s] > 0}
        if positive:
            expected[code] = (sum(positive.values()), positive)
    ranking = sorted(expected, key=lambda c: (-expected[c][0], c))

    got = opportunities(related, REGION, YEAR)
    assert tuple(got.columns) == OPPORTUNITY_COLUMNS
    assert got["nace_r2"].tolist() == ranking
    assert np.allclose(got["score"], [expected[c][0] for c in ranking], atol=1e-9)
    assert np.allclose(got["lq"], [region[c] for c in ranking], rtol=1e-12)
    for _, row in got.iterrows():
        justification = {j["nace_r2"]: j["strength"] for j in row["justified_by"]}
        assert justification.keys() == expected[row["nace_r2"]][1].keys()
        assert np.allclose([justification[s] for s in justification], [expected[row["nace_r2"]][1][s] for s in justification], atol=1e-9)
        strengths = [j["strength"] for j in row["justified_by"]]
        assert strengths == sorted(strengths, reverse=True) and row["relations"] == len(strengths)
    # by hand: fabricated metal products (C25) tops the list, built on machinery, electrical equipment and cars
    top = got.iloc[0]
    assert top["nace_r2"] == "C25" and [j["nace_r2"] for j in top["justified_by"]] == ["C28", "C27", "C29"]
    assert not set(got["nace_r2"]) & set(starred)


def test_limit_and_bad_input(related):
    assert len(opportunities(related, REGION, YEAR, limit=3)) == 3
    with pytest.raises(UnknownRegionError):
        opportunities(related, "XX99", YEAR)
    with pytest.raises(UnknownYearError):
        opportunities(related, REGION, 1999)
    with pytest.raises(ValueError, match="limit"):
        opportunities(related, REGION, YEAR, limit=-2)
