"""Figure functions and the map update, without a browser."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest
from dash import no_update

from dashboard.callbacks import map_update
from dashboard.figures import ATTRIBUTION, MapView, apply_payload, decode_notes, decode_values, encode_notes, encode_values, legend_labels
from layers.classes import CONFIDENTIAL, FIRST_VALUE_CLASS, NO_DATA, classify
from layers.indicators import INDICATORS
from layers.query import region_values


def test_classify_gives_missing_and_confidential_their_own_classes():
    values = np.array([1.0, 2.0, 3.0, 4.0, np.nan, np.nan])
    status = np.array(["value"] * 4 + ["confidential", "no data"])
    classes = classify(values, status, scheme="equal_interval", k=3)
    assert classes.bins == (2.0, 3.0, 4.0)
    assert classes.class_index.tolist() == [FIRST_VALUE_CLASS, FIRST_VALUE_CLASS, FIRST_VALUE_CLASS + 1, FIRST_VALUE_CLASS + 2, CONFIDENTIAL, NO_DATA]


def test_classify_merges_tied_quantiles():
    values = np.array([5.0, 5.0, 5.0, 5.0, 9.0])
    classes = classify(values, np.array(["value"] * 5), scheme="quantiles", k=5)
    assert classes.bins == (5.0, 9.0)
    assert classes.class_index.tolist() == [2, 2, 2, 2, 3]


def test_a_class_of_one_value_reads_as_that_value():
    """Counts with many zeros (regions without organisations): the first quantile class is 0 alone, shown as "0"."""
    values = np.array([0, 0, 0, 0, 0, 0, 0, 1, 2, 5, 9, 20], dtype=float)
    classes = classify(values, np.array(["value"] * values.size), scheme="quantiles", k=5)
    labels = legend_labels(classes, "org_count")
    assert labels[:3] == ["no data", "confidential", "0"]
    assert all(" – " in label and label.startswith("> ") for label in labels[3:]) and len(labels) == 2 + classes.k
    ranged = legend_labels(classify(np.array([3.0, 8, 13, 40]), np.array(["value"] * 4), k=2), "employment")
    assert ranged[2].startswith("3 – ") and ranged[3].startswith("> ")  # a class of several values keeps its range


def test_region_values_marks_confidential_and_ranks(dashboard_data):
    ids = pd.Series(dashboard_data.geometry[2].ids)
    values = region_values(dashboard_data.index, ids, level=2, nace_r2="C29", indicator="employment", year=2014).set_index("nuts_id")
    assert values.loc["DE11", "value"] == 158012
    assert values.loc["DE11", "rank"] == 1  # Stuttgart leads motor vehicles
    assert (values.status == "confidential").sum() > 0
    assert values.loc[values.status == "confidential", "flag_text"].str.contains("confidential").all()
    assert values.loc["DE11", "flag_text"] == ""
    lq = region_values(dashboard_data.index, ids, level=2, nace_r2="C29", indicator="lq", year=2014).set_index("nuts_id")
    assert lq.loc["DE11", "flag_text"] == "upper bound: region total lacks D,E"


def test_full_figure_has_geometry_title_and_attribution(dashboard_data):
    view = MapView(level=2, nace_r2="C29", indicator="employment", year=2014)
    figure, payload = map_update(dashboard_data, view, full=True)
    assert payload is no_update
    trace = figure["data"][0]
    assert trace["type"] == "choropleth"
    assert len(trace["geojson"]["features"]) == len(dashboard_data.geometry[2].ids) == 314
    assert (
        figure["layout"]["title"]["text"]
        == "Persons employed (persons) · C29 Manufacture of motor vehicles, trailers and semi-trailers · NUTS 2 regions · 2014"
    )
    assert figure["layout"]["annotations"][0]["text"] == ATTRIBUTION
    labels = trace["colorbar"]["ticktext"]
    assert labels[:2] == ["no data", "confidential"] and len(labels) == 7
    stuttgart = dashboard_data.geometry[2].ids.index("DE11")
    _, payload_now = map_update(dashboard_data, view, full=False)
    ranked = int(np.isfinite(decode_values(payload_now["values"], payload_now["decimals"])).sum())
    assert ranked > 200
    assert trace["customdata"][stuttgart] == ["158,012", f"rank 1 of {ranked}", ""]
    assert trace["z"][stuttgart] == 2 + 4  # top quantile class


@pytest.mark.parametrize("sector", ["TOTAL", "C29"])
@pytest.mark.parametrize("indicator", sorted(INDICATORS))
def test_sector_change_sends_values_not_geometry(dashboard_data, sector, indicator):
    """At NUTS 2 a change sends under 10 KB and at least 90x less than the whole figure.

    It was 100x before the payload carried each region's rank and class (computed once on
    the server, ``layers.ranks`` / ``layers.classes``): about 600 bytes more at NUTS 2.
    """
    view = MapView(level=2, nace_r2=sector, indicator=indicator, year=2014)
    figure, payload = map_update(dashboard_data, view, full=False)
    assert figure is no_update
    sent = json.dumps(payload, separators=(",", ":"))
    full = pio.to_json(map_update(dashboard_data, view, full=True)[0])
    assert "coordinates" not in sent
    assert INDICATORS[indicator].label in sent
    assert len(sent) < 10_000
    assert len(sent) * 90 <= len(full), (len(sent), len(full), len(full) / len(sent))


def test_values_survive_their_encoding(dashboard_data):
    ids = pd.Series(dashboard_data.geometry[2].ids)
    for indicator, sector in (("employment", "TOTAL"), ("lq", "C29"), ("stars", "C"), ("wages", "C10")):
        values = region_values(dashboard_data.index, ids, level=2, nace_r2=sector, indicator=indicator, year=2014)
        decimals = INDICATORS[indicator].decimals
        raw = values["value"].to_numpy(dtype=float)
        back = decode_values(encode_values(raw, decimals), decimals)
        np.testing.assert_array_equal(np.isnan(back), np.isnan(raw))
        np.testing.assert_allclose(back[~np.isnan(raw)], np.round(raw[~np.isnan(raw)], decimals))
        assert decode_notes(encode_notes(values["flag_text"].tolist()), len(values)) == values["flag_text"].tolist()
    assert isinstance(encode_values(np.array([1.0, 2.0, np.nan]), 0), list)  # short values stay a list
    assert isinstance(encode_values(np.arange(100.0) * 1e6, 0), str)  # long counts are packed


def test_many_distinct_notes_survive_their_encoding():
    texts = [f"note {i}" for i in range(100)] + ["", "note 5; extra"]
    encoded = encode_notes(texts)
    assert encoded["codes"][0] == "7"  # 102 distinct notes: 7 bits per region
    assert decode_notes(encoded, len(texts)) == texts


def test_star_count_reads_of_3_stars_never_1_stars(dashboard_data):
    from dashboard.callbacks import payload_for
    from dashboard.figures import view_unit

    view = MapView(level=2, nace_r2="C29", indicator="stars", year=2014)
    payload = payload_for(dashboard_data, view)
    assert view_unit(view) == payload["unit"] == "of 3 stars"
    figure = apply_payload({"data": [{"colorbar": {}}], "layout": {"title": {}}}, payload)
    hover = figure["data"][0]["hovertemplate"]
    assert "%{customdata[0]} of 3 stars" in hover and "stars UNIT" not in hover
    assert view_unit(MapView(indicator="stars", star="size")) == "(1 = star)"
    assert view_unit(MapView(indicator="employment")) == "persons"
