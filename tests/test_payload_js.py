"""assets/map.js against payloads Python built, under node (no browser).

Each case is a real view's ``map_payload`` (or every year's, ``years_payload_for``) and a
bare figure with the view's shapes' ids; ``tests/js/apply_payload.js`` loads ``assets/map.js``
with a stub ``window`` and applies the payload. The result must equal what
``dashboard.figures.apply_payload`` (the first view, PNG and embed) draws, and its classes
and rank texts must be those of the layers' frame (``DashboardData.values``): the
JavaScript decodes and draws, it computes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.callbacks import payload_for, years_payload_for
from dashboard.figures import HOVER_TEMPLATE, MapView, apply_payload
from dashboard.payload import (
    MapPayload,
    YearPart,
    YearsPayload,
    decode_classes,
    decode_notes,
    decode_ranks,
    encode_classes,
    encode_notes,
    encode_ranks,
    pack_uints,
    unpack_uints,
    year_payload,
)

REPO = Path(__file__).resolve().parents[1]
HARNESS = REPO / "tests" / "js" / "apply_payload.js"
MAP_JS = REPO / "assets" / "map.js"

VIEWS = [
    MapView(level=2, nace_r2="C", indicator="lq", year=2014),
    MapView(level=-1, nace_r2="C29", indicator="employment", year=2014),
    MapView(level=1, nace_r2="TOTAL", indicator="wages", year=2010),
    MapView(level=2, nace_r2="G47", indicator="stars", year=2014),
    MapView(level=2, nace_r2="C29", indicator="stars", star="size", year=2014),
    MapView(level=0, nace_r2="C29", indicator="employment_change", year=2014),
    MapView(level=2, nace_r2="TOTAL", indicator="employment", year=2014, zoom="DE"),
    MapView(level=1, nace_r2="C10", indicator="avg_wage", year=2012, scheme="user", breaks=(20_000.0, 40_000.0)),
]


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("node is missing; .ci/run installs Debian's nodejs package for the assets/map.js tests")
        pytest.skip("node is missing: apt-get install -y nodejs (CI=true fails here instead)")
    return path


def bare_figure(ids: list[str]) -> dict:
    """A map figure as the browser holds it before a payload: shapes' ids, nothing drawn."""
    return {"data": [{"type": "choropleth", "locations": ids, "colorbar": {"ticktext": []}, "z": [0] * len(ids)}], "layout": {"title": {"text": ""}}}


def run_map_js(node: str, cases: list[dict], tmp_path: Path) -> list[dict | None]:
    source = tmp_path / "cases.json"
    source.write_text(json.dumps(cases))
    done = subprocess.run([node, str(HARNESS), str(MAP_JS), str(source)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_map_js_draws_what_python_draws_and_what_layers_computed(node, dashboard_data, tmp_path):
    cases, expected = [], []
    for view in VIEWS:
        ids = dashboard_data.shapes(view).ids
        payload = payload_for(dashboard_data, view)
        cases.append({"payload": json.loads(json.dumps(payload)), "figure": bare_figure(ids)})
        expected.append((view, ids, payload, apply_payload(bare_figure(ids), json.loads(json.dumps(payload)))))
    drawn = run_map_js(node, cases, tmp_path)
    for got, (view, ids, payload, want) in zip(drawn, expected):
        assert got is not None, view
        trace, want_trace = got["data"][0], want["data"][0]
        assert trace["z"] == want_trace["z"], view
        assert trace["customdata"] == want_trace["customdata"], view
        assert trace["colorbar"]["ticktext"] == want_trace["colorbar"]["ticktext"] == payload["legend"], view
        assert trace["colorbar"]["tickvals"] == want_trace["colorbar"]["tickvals"], view
        assert trace["colorscale"] == want_trace["colorscale"] and trace["zmax"] == want_trace["zmax"], view
        assert trace["hovertemplate"] == HOVER_TEMPLATE.replace("UNIT", payload["unit"]), view
        assert got["layout"]["title"]["text"] == payload["title"], view
        # the numbers are the layers' frame's, drawn as sent
        frame = dashboard_data.values(view, pd.Series(ids))
        assert trace["z"] == frame["class"].tolist(), view
        assert [payload["legend"][z] for z in trace["z"]] == frame["class_label"].tolist(), view
        for (_, rank_text, _), rank, local, status in zip(trace["customdata"], frame["rank"], frame["country_rank"], frame["status"]):
            if np.isnan(rank):
                assert rank_text == "" and status != "value", view
            elif view.zoom and not np.isnan(local):
                assert (
                    rank_text
                    == f"rank {int(local)} of {int(frame['country_ranked'].iloc[0])} in {view.zoom[:2]}, {int(rank)} of {int(frame['ranked'].iloc[0])} in Europe"
                )
            else:
                assert rank_text == f"rank {int(rank)} of {int(frame['ranked'].iloc[0])}", view


def test_map_js_refuses_a_payload_for_other_shapes(node, dashboard_data, tmp_path):
    """A payload of another level (a different number of shapes) is not drawn on the figure there."""
    payload = payload_for(dashboard_data, MapView(level=1, nace_r2="C", indicator="employment", year=2014))
    got = run_map_js(node, [{"payload": payload, "figure": bare_figure(dashboard_data.geometry[2].ids)}], tmp_path)
    assert got == [None]


@pytest.mark.parametrize("numbers", [[0], [5, 0, 3], list(range(314)), [65535, 1, 0], [1] * 9, [0] * 8])
def test_packed_numbers_round_trip(numbers):
    packed = pack_uints(np.array(numbers))
    assert unpack_uints(packed, len(numbers)).tolist() == numbers
    ranks = np.array([np.nan if n == 0 else n for n in numbers], dtype=float)
    assert decode_ranks(encode_ranks(ranks), len(numbers)).tolist() == numbers
    assert decode_classes(encode_classes(np.array(numbers) % 12), len(numbers)).tolist() == [n % 12 for n in numbers]


def test_packed_numbers_in_node_equal_pythons(node, tmp_path):
    """unpackUints (map.js) reads what pack_uints wrote, at every bit width the map uses: as ranks, classes and notes."""
    rng = np.random.default_rng(11)
    series = [rng.integers(1, 2**bits, size=n).tolist() for bits, n in ((1, 7), (3, 314), (9, 314), (11, 1500), (16, 35))]
    cases = []
    for numbers in series:
        n = len(numbers)
        classes = [2 + v % 3 for v in numbers]
        notes = [f"note {v % 5}" if v % 2 else "" for v in numbers]
        payload = {
            "values": [1] * n,
            "decimals": 0,
            "classes": encode_classes(np.array(classes)),
            "ranks": pack_uints(np.array(numbers)),
            "ranked": n,
            "notes": encode_notes(notes),
            "legend": ["no data", "confidential", "a", "b", "c"],
            "colours": ["#000000"] * 5,
            "title": "t",
            "unit": "u",
        }
        cases.append({"payload": payload, "figure": bare_figure([f"R{i}" for i in range(n)])})
    for got, numbers, case in zip(run_map_js(node, cases, tmp_path), series, cases):
        trace = got["data"][0]
        assert [row[1] for row in trace["customdata"]] == [f"rank {v} of {len(numbers)}" for v in numbers]
        assert trace["z"] == [2 + v % 3 for v in numbers]
        assert [row[2] for row in trace["customdata"]] == decode_notes(case["payload"]["notes"], len(numbers))


# ---- every year of a view at once ----------------------------------------------------------


def as_json(value):
    return json.loads(json.dumps(value))


YEAR_VIEWS = [
    MapView(level=2, nace_r2="C", indicator="employment", year=2014, classes="all-years"),
    MapView(level=1, nace_r2="C29", indicator="lq", year=2011),
    MapView(level=2, nace_r2="TOTAL", indicator="employment", year=2013, zoom="DE", classes="all-years"),
]


def test_a_year_part_has_the_fields_of_a_map_payload():
    """The contract: a year's payload is common + its part, field for field a MapPayload."""
    assert YearPart.__annotations__.keys() == MapPayload.__annotations__.keys()
    assert set(YearsPayload.__annotations__) == {"year", "years", "common", "parts", "drawn"}


@pytest.mark.parametrize("view", YEAR_VIEWS, ids=lambda v: f"{v.level}-{v.nace_r2}-{v.indicator}-{v.classes}")
def test_every_year_in_one_payload_is_each_years_own(dashboard_data, view):
    """Year Y's part of the all-years payload is the payload of the view in year Y, for every year of the data; shared fields travel once."""
    years = years_payload_for(dashboard_data, view)
    assert years["years"] == dashboard_data.years and years["year"] == view.year and not years["drawn"]
    for year in dashboard_data.years:
        assert as_json(year_payload(years, year)) == as_json(payload_for(dashboard_data, replace(view, year=year))), year
    assert year_payload(years, 1999) is None
    assert "decimals" in years["common"] and "unit" in years["common"] and "title" not in years["common"]  # the title names the year
    if view.classes == "all-years":  # one set of breaks: one legend, sent once
        assert "legend" in years["common"] and "colours" in years["common"]
        assert all("legend" not in part for part in years["parts"])


def test_views_the_browser_cannot_change_the_year_of_hold_their_year_only(dashboard_data):
    hot = MapView(level=2, nace_r2="C", indicator="employment", year=2012, analysis="hotspots")
    years = years_payload_for(dashboard_data, hot)
    assert years["years"] == [2012] and as_json(year_payload(years, 2012)) == as_json(payload_for(dashboard_data, hot))


def test_map_js_draws_each_year_of_the_years_payload_as_python_and_the_layers(node, dashboard_data, tmp_path):
    """applyPayload (the map-values store's callback) draws the slider's year from every year's payload exactly as Python draws that year's view."""
    view = YEAR_VIEWS[0]
    ids = dashboard_data.shapes(view).ids
    years = as_json(years_payload_for(dashboard_data, view))
    cases = [{"years": years, "year": year, "figure": bare_figure(ids)} for year in dashboard_data.years]
    cases.append({"years": {**years, "drawn": True}, "year": view.year, "figure": bare_figure(ids)})  # the figure already shows it
    cases.append({"years": years, "year": 1999, "figure": bare_figure(ids)})  # not held: the view's year
    drawn = run_map_js(node, cases, tmp_path)
    legends = set()
    for year, got in zip(dashboard_data.years, drawn):
        in_year = replace(view, year=year)
        want = apply_payload(bare_figure(ids), as_json(payload_for(dashboard_data, in_year)))
        assert got["data"][0]["z"] == want["data"][0]["z"], year
        assert got["data"][0]["customdata"] == want["data"][0]["customdata"], year
        assert got["layout"]["title"]["text"] == want["layout"]["title"]["text"] and got["layout"]["title"]["text"].endswith(str(year))
        frame = dashboard_data.values(in_year, pd.Series(ids))
        assert got["data"][0]["z"] == frame["class"].tolist(), year
        legends.add(tuple(got["data"][0]["colorbar"]["ticktext"]))
    assert len(legends) == 1  # classes from all years: the same legend in every year
    assert drawn[-2] is None
    assert drawn[-1]["layout"]["title"]["text"].endswith(str(view.year))
