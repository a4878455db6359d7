"""A view's numbers are computed once per process and kept: the same numbers, never shared mutable state."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from dashboard.view import MapView

VIEW = MapView(level=2, nace_r2="C29", indicator="employment", year=2014)


def test_a_view_is_computed_once_and_each_caller_gets_its_own_copy(dashboard_data):
    ids = pd.Series(dashboard_data.shapes(VIEW).ids)
    before = dashboard_data._values.cache_info()
    first = dashboard_data.values(VIEW, ids)
    first.loc[:, "value"] = -1.0  # a caller that writes into its frame
    again = dashboard_data.values(replace(VIEW, palette="Viridis"), ids)  # drawing only: the same numbers
    after = dashboard_data._values.cache_info()
    assert after.hits >= before.hits + 1
    assert not (again["value"] == -1.0).any()
    de11 = again.set_index("nuts_id").loc["DE11"]
    assert de11["value"] == 158012 and de11["rank"] == 1  # DE11 C29 2014 in the raw file: 158012 persons, the largest


def test_views_that_differ_in_their_numbers_are_kept_apart(dashboard_data):
    ids = pd.Series(dashboard_data.shapes(VIEW).ids)
    employment = dashboard_data.values(VIEW, ids).set_index("nuts_id")
    units = dashboard_data.values(replace(VIEW, indicator="local_units"), ids).set_index("nuts_id")
    zoomed = dashboard_data.values(replace(VIEW, zoom="DE"), ids).set_index("nuts_id")
    assert employment.loc["DE11", "value"] != units.loc["DE11", "value"]
    assert employment["country_ranked"].eq(0).all() and zoomed.loc["DE11", "country_rank"] == 1
