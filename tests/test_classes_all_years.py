"""``classes=all-years``: class breaks found on every year's values, so one colour means one value range in every year.

The expected breaks come from the raw file (``tests.raw_sbs``): the cells of every
year pooled and classified by mapclassify here, not by the code under test.
"""

from __future__ import annotations

import json
import math
import urllib.request

import mapclassify
import numpy as np
import pytest

YEARS = range(2008, 2016)


def _regions(live_app: str, query: str) -> tuple[dict, list[dict]]:
    with urllib.request.urlopen(f"{live_app}/api/v1/values?{query}", timeout=60) as response:
        body = json.loads(response.read())
    return body, body["regions"]


def centred_quantile_bins(values: np.ndarray, k: int, centre: float) -> np.ndarray:
    """Quantile breaks split at ``centre`` (docs/methodology.md 9.2): k shared by the sides' numbers of values, the centre a break."""
    below, above = values[values <= centre], values[values > centre]
    k_below = min(max(int(np.clip(round(k * below.size / values.size), 1, k - 1)), k - np.unique(above).size), np.unique(below).size)
    k_above = min(k - k_below, np.unique(above).size)
    low = np.unique(mapclassify.Quantiles(below, k=k_below).bins)[:-1]
    return np.unique(np.concatenate([low, [centre], mapclassify.Quantiles(above, k=k_above).bins]))


@pytest.mark.parametrize("level, sector, indicator, decimals, k", [(2, "C29", "employment", 0, 5), (2, "C", "lq", 2, 6), (0, "J", "wages", 1, 4)])
def test_every_year_shares_the_breaks_found_on_all_years_of_the_raw_file(live_app, raw, level, sector, indicator, decimals, k):
    served = {y: _regions(live_app, f"level={level}&sector={sector}&indicator={indicator}&year={y}&classes=all-years&k={k}")[1] for y in YEARS}
    ids = [r["nuts_id"] for r in served[2014]]
    pooled = []
    for year in YEARS:
        for geo in ids:
            if indicator == "lq":
                cell = raw.lq(level, sector, geo, year, raw.ref_share(level, sector, year))
            else:
                cell = raw.cell(indicator, sector, geo, year)
            if math.isfinite(cell.value):
                pooled.append(round(cell.value, decimals))
    bins = centred_quantile_bins(np.array(pooled), k, 1.0) if indicator == "lq" else np.unique(mapclassify.Quantiles(np.array(pooled), k=k).bins)
    labels = {tuple(r["class_label"] for r in served[y]) for y in YEARS}
    assert len({r["class_label"] for y in YEARS for r in served[y] if r["value"] is not None}) == len(bins), "one legend, every year"
    for year in YEARS:
        for row in served[year]:
            if row["value"] is None:
                assert row["class"] in (0, 1), row
                continue
            expected = 2 + int(np.searchsorted(bins, round(row["value"], decimals), side="left"))
            assert row["class"] == expected, (year, row["nuts_id"], row["value"], row["class"], expected)
    assert labels, "served"


def test_a_value_keeps_its_colour_across_years_only_with_all_years(live_app):
    """The same employment range falls in different classes year by year with per-year breaks, never with all-years breaks."""

    def class_by_value(classes: str) -> dict[float, set[int]]:
        seen: dict[float, set[int]] = {}
        for year in YEARS:
            for row in _regions(live_app, f"level=2&sector=C10&indicator=employment&year={year}&classes={classes}")[1]:
                if row["value"] is not None:
                    seen.setdefault(row["value"], set()).add(row["class"])
        return seen

    assert all(len(c) == 1 for c in class_by_value("all-years").values())
    per_year = class_by_value("year")
    assert any(len(c) > 1 for c in per_year.values()), "per-year quantiles move: the test would not tell the two apart"


def test_the_map_says_its_classes_span_all_years(live_app):
    body, _ = _regions(live_app, "level=2&sector=C29&indicator=employment&year=2014&classes=all-years")
    assert "classes=all-years" in body["view"]["query"], "the view's own link keeps its classes"
    _, per_year = _regions(live_app, "level=2&sector=C29&indicator=employment&year=2014")
    assert "classes=" not in _regions(live_app, "level=2&sector=C29&indicator=employment&year=2014")[0]["view"]["query"], "the default is not written"
    assert per_year
