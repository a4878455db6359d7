"""The rank rule of ``layers.ranks`` on hand-made numbers (synthetic), checked against ranks worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.ranks import rank_columns, shown_values


def test_ties_at_the_decimals_shown_share_the_best_rank_and_the_next_skips():
    ids = pd.Series(["DE1", "DE2", "FR1", "FR2", "DE3", "IT1"])
    values = np.array([5.004, 4.996, 5.0, np.nan, 3.0, 7.1])  # shown at 2 decimals: 5.00, 5.00, 5.00, -, 3.00, 7.10
    got = rank_columns(ids, values, 2)
    assert np.array_equal(got["rank"], [2, 2, 2, np.nan, 5, 1], equal_nan=True)
    assert got["ranked"] == 5
    assert np.isnan(got["country_rank"]).all() and got["country_ranked"] == 0  # not zoomed
    exact = rank_columns(ids, values, 3)  # at 3 decimals they differ
    assert np.array_equal(exact["rank"], [2, 4, 3, np.nan, 5, 1], equal_nan=True)


def test_ranks_within_a_country_use_the_same_rule():
    ids = pd.Series(["DE1", "DE2", "FR1", "FR2", "DE3", "DE4"])
    values = np.array([10.0, 30.0, 50.0, 20.0, np.nan, 30.4])
    got = rank_columns(ids, values, 0, country="DE")
    assert np.array_equal(got["country_rank"], [3, 1, np.nan, np.nan, np.nan, 1], equal_nan=True)  # 30 and 30.4 both read 30
    assert got["country_ranked"] == 3
    assert np.array_equal(got["rank"], [5, 2, 1, 4, np.nan, 2], equal_nan=True)


def test_a_tiny_negative_change_reads_zero_not_minus_zero():
    shown = shown_values(np.array([-0.04, 0.04, -0.06, np.nan]), 1)
    assert [f"{v:.1f}" for v in shown[:3]] == ["0.0", "0.0", "-0.1"] and np.isnan(shown[3])
