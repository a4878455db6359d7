"""A region in the URL (``region=``) and the network view of its opportunities (``analysis=network&region=``).

Expected opportunities come from the raw Eurostat TSV (``tests.test_related_views.raw_opportunities``:
LQs recomputed from the raw file, pandas ``corr``), never from ``layers.spatial``.
"""

from __future__ import annotations

import csv
import io
import math

import pytest

from dashboard.view import read_view, view_options, view_query, view_slug
from tests.raw_sbs import finite
from tests.test_related_views import get_json, raw_opportunities
from tests.test_spatial_related import raw_lq_matrix

VIEW = "analysis=network&region=DE11&year=2012"


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def raw_starred(raw, geo: str, year: int) -> set[str]:
    region = raw_lq_matrix(raw, year).loc[geo]
    return {c for c in region.index if finite(region[c]) and region[c] >= 2}


def test_region_is_a_view_parameter_with_statistics_regions_only(dashboard_data):
    options = view_options(dashboard_data)
    request = read_view("region=DE11&year=2012", options)
    assert request.problems == [] and request.view.region == "DE11"
    assert "region=DE11" in view_query(request.view)
    assert "region" not in view_query(read_view("year=2012", options).view), "written only when set"
    for bad in ("DE111", "XX99", "de11"):
        request = read_view(f"region={bad}", options)
        assert request.view.region is None and [p.parameter for p in request.problems] == ["region"], bad
    assert view_slug(read_view(VIEW, options).view) == "related_sectors_network_DE11_opportunities_2012_above_0.5"


def test_csv_and_api_of_the_region_network_list_the_raw_opportunities(raw, client):
    expected = raw_opportunities(raw, "DE11", 2012)[:10]
    assert len(expected) == 10

    body = get_json(client, f"/api/v1/values?{VIEW}")
    assert body["view"]["region"] == "DE11" and "Stuttgart" in body["view"]["title"]
    assert body["region"]["nuts_id"] == "DE11"
    assert set(body["network"]["starred"]) == raw_starred(raw, "DE11", 2012)
    assert "nodes" in body["network"] and "edges" in body["network"]
    got = body["opportunities"]
    assert [o["rank"] for o in got] == list(range(1, 11))
    assert [o["nace_r2"] for o in got] == [code for code, _, _ in expected]
    for o, (code, score, positive) in zip(got, expected, strict=True):
        assert math.isclose(o["score"], score, abs_tol=1e-9), code
        assert {j["nace_r2"]: j["strength"] for j in o["justified_by"]} == pytest.approx(positive, abs=1e-9)
        assert math.isclose(o["lq"], raw_lq_matrix(raw, 2012).at["DE11", code], rel_tol=1e-9)

    r = client.get(f"/export.csv?{VIEW}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "related_sectors_network_DE11_opportunities_2012_above_0.5.csv" in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    assert "Stuttgart" in text.splitlines()[0]
    rows = list(csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    assert list(rows[0]) == ["rank", "nace_r2", "name", "score", "lq", "relations", "justified_by"]
    assert [row["nace_r2"] for row in rows] == [code for code, _, _ in expected]
    for row, (_code, score, positive) in zip(rows, expected, strict=True):
        assert math.isclose(float(row["score"]), score, abs_tol=1e-9)
        assert int(float(row["relations"])) == len(positive)
        strongest = max(positive, key=lambda s: positive[s])
        assert row["justified_by"].startswith(f"{strongest} ({positive[strongest]:.4f})")


def test_the_region_network_figure_marks_stars_and_numbered_opportunities(raw, dashboard_data):
    from dashboard.callbacks import map_update

    view = read_view(VIEW, view_options(dashboard_data)).view
    figure, _ = map_update(dashboard_data, view, full=True)
    traces = {t["name"]: t for t in figure["data"]}
    stars = next(t for name, t in traces.items() if name.startswith("Specialisation star of DE11"))
    opportunities = next(t for name, t in traces.items() if name.startswith("Opportunity of DE11"))
    assert set(stars["customdata"]) == raw_starred(raw, "DE11", 2012)
    expected = [code for code, _, _ in raw_opportunities(raw, "DE11", 2012)[:10]]
    assert opportunities["text"] == [f"{rank} {code}" for rank, code in enumerate(expected, start=1)]
    assert "Stuttgart (DE11)" in figure["layout"]["title"]["text"]
    assert "sum of their positive co-location strengths" in figure["layout"]["annotations"][1]["text"]


def test_openapi_documents_the_region_parameter_and_the_opportunities(client):
    spec = get_json(client, "/api/v1/openapi.json")
    values = spec["paths"]["/api/v1/values"]["get"]
    region = next(p for p in values["parameters"] if p["name"] == "region")
    assert "DE11" in region["schema"]["enum"]
    assert "opportunities" in spec["components"]["schemas"]["NetworkValues"]["properties"]
    assert "justified_by" in spec["paths"]["/export.csv"]["get"]["description"]


def test_embed_and_portfolio_link_of_the_region_network(client, dashboard_data):
    r = client.get(f"/embed?{VIEW}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Diversification opportunities of Stuttgart (DE11)" in page
    from dashboard.portfolio_panel.opportunities import network_href

    assert network_href("DE11", 2012) == "/?year=2012&analysis=network&region=DE11"
    assert "portfolio-opportunities-network" in str(
        dashboard_data and __import__("dashboard.portfolio_panel", fromlist=["x"]).portfolio_children(dashboard_data, "DE11", 2012)
    )
