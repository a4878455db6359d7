"""Related sectors, their network and opportunities as views: API, CSV, panel, portfolio, embed, against the raw file.

Expected numbers come from the mirror's Eurostat TSV (``tests.raw_sbs``): the LQ of every
division in every NUTS 2 shape recomputed there, correlated with pandas ``corr``
(``tests.test_spatial_related.raw_lq_matrix``), never from ``layers.spatial``.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest

from dashboard.view import read_view, view_options, view_slug
from layers.spatial.related import MIN_COMMON_REGIONS
from tests.raw_sbs import finite
from tests.test_spatial_related import raw_lq_matrix

RELATED = "/api/v1/sectors/{}/related"
OPPORTUNITIES = "/api/v1/regions/{}/opportunities"
CASES = [(sector, year) for sector in ("C29", "C10", "J62") for year in (2010, 2014)]


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def get_json(client, url: str, status: int = 200) -> dict:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "application/json"
    return json.loads(r.get_data(as_text=True))


def raw_corr(raw, year: int):
    return raw_lq_matrix(raw, year).corr(method="pearson", min_periods=MIN_COMMON_REGIONS)


def raw_opportunities(raw, geo: str, year: int) -> list[tuple[str, float, dict[str, float]]]:
    """The region's candidates (raw LQ known, below 2) scored by their positive raw correlations with its starred divisions (LQ >= 2)."""
    lqs = raw_lq_matrix(raw, year)
    region = lqs.loc[geo]
    starred = [c for c in region.index if finite(region[c]) and region[c] >= 2]
    strength = raw_corr(raw, year)
    found = []
    for code in region.index[region.notna() & (region < 2)]:
        positive = {s: float(strength.at[code, s]) for s in starred if finite(strength.at[code, s]) and strength.at[code, s] > 0}
        if positive:
            found.append((code, sum(positive.values()), positive))
    return sorted(found, key=lambda f: (-f[1], f[0]))


@pytest.mark.parametrize(("sector", "year"), CASES)
def test_related_route_agrees_with_pandas_corr_on_raw_lqs(raw, client, sector, year):
    lqs = raw_lq_matrix(raw, year)
    expected = raw_corr(raw, year)[sector].drop(sector).dropna().sort_values(ascending=False).head(10)
    known = lqs.notna()
    body = get_json(client, RELATED.format(sector) + f"?year={year}")
    assert body["sector"]["nace_r2"] == sector and body["year"] == year and body["limit"] == 10
    got = body["related"]
    assert [r["nace_r2"] for r in got] == expected.index.tolist()
    assert np.allclose([r["strength"] for r in got], expected.to_numpy(), rtol=0, atol=1e-9)
    assert [r["regions"] for r in got] == [int((known[sector] & known[c]).sum()) for c in expected.index]
    assert all(set(r) == {"nace_r2", "name", "strength", "regions"} and r["name"] for r in got)
    assert "Eurostat" in body["source"]


def test_related_route_limit_and_errors(client):
    assert len(get_json(client, RELATED.format("C29") + "?year=2014&limit=3")["related"]) == 3
    section = get_json(client, RELATED.format("C"), 400)
    assert section["parameter"] == "code" and "C10" in section["error"] and "divisions" in section["error"]
    group = get_json(client, RELATED.format("G471"), 400)
    assert "G47" in group["error"]
    named = get_json(client, RELATED.format("digital-industries"), 400)
    assert "C26, J61, J62, J63" in named["error"]
    assert get_json(client, RELATED.format("C26,J61"), 400)["parameter"] == "code"
    assert get_json(client, RELATED.format("ZZ99"), 404)["parameter"] == "code"
    assert get_json(client, RELATED.format("C29") + "?year=1999", 400)["parameter"] == "year"
    assert get_json(client, RELATED.format("C29") + "?limit=0", 400)["parameter"] == "limit"
    assert get_json(client, RELATED.format("C29") + "?colour=red", 400)["parameter"] == "colour"
    assert get_json(client, RELATED.format("C29") + "?year=2014&year=2013", 400)["parameter"] == "year"


@pytest.mark.parametrize(("geo", "year"), [("DE11", 2012), ("ITC4", 2014), ("FR10", 2010)])
def test_opportunities_route_agrees_with_a_recomputation_from_the_raw_file(raw, client, geo, year):
    expected = raw_opportunities(raw, geo, year)
    assert expected, "the region has opportunities"
    body = get_json(client, OPPORTUNITIES.format(geo) + f"?year={year}&limit=1000")
    assert body["region"]["nuts_id"] == geo and body["year"] == year
    assert body["opportunities_total"] == len(expected)
    got = body["opportunities"]
    assert [o["nace_r2"] for o in got] == [c for c, _, _ in expected]
    assert np.allclose([o["score"] for o in got], [s for _, s, _ in expected], atol=1e-9)
    lqs = raw_lq_matrix(raw, year).loc[geo]
    assert np.allclose([o["lq"] for o in got], [lqs[c] for c, _, _ in expected], rtol=1e-9)
    for o, (_, _, positive) in zip(got, expected):
        assert [j["nace_r2"] for j in o["justified_by"]] == sorted(positive, key=lambda s: -positive[s])
        assert np.allclose([j["strength"] for j in o["justified_by"]], sorted(positive.values(), reverse=True), atol=1e-9)
        assert o["relations"] == len(positive)
    top = get_json(client, OPPORTUNITIES.format(geo) + f"?year={year}&limit=3")["opportunities"]
    assert [o["nace_r2"] for o in top] == [c for c, _, _ in expected[:3]]


def test_opportunities_route_errors(client):
    assert get_json(client, OPPORTUNITIES.format("XX99"), 404)["parameter"] == "nuts_id"
    assert get_json(client, OPPORTUNITIES.format("de11"), 404)["parameter"] == "nuts_id"
    assert get_json(client, OPPORTUNITIES.format("DE11") + "?year=2030", 400)["parameter"] == "year"
    assert get_json(client, OPPORTUNITIES.format("DE11") + "?limit=x", 400)["parameter"] == "limit"


@pytest.mark.parametrize(("year", "threshold"), [(2014, 0.5), (2010, 0.35)])
def test_network_values_and_csv_list_the_raw_links(raw, client, dashboard_data, year, threshold):
    corr = raw_corr(raw, year)
    pairs = {(a, b): corr.at[a, b] for a in corr.index for b in corr.columns if a < b and finite(corr.at[a, b]) and corr.at[a, b] > threshold}
    query = f"level=2&sector=C29&year={year}&analysis=network&threshold={threshold}"
    body = get_json(client, f"/api/v1/values?{query}")
    assert "regions" not in body and body["view"]["analysis"] == "network"
    network = body["network"]
    assert network["year"] == year and network["threshold"] == threshold
    assert sorted(n["nace_r2"] for n in network["nodes"]) == sorted(corr.index), "one node per division with data"
    assert {(e["nace_r2_a"], e["nace_r2_b"]) for e in network["edges"]} == set(pairs)
    for e in network["edges"]:
        assert math.isclose(e["strength"], pairs[(e["nace_r2_a"], e["nace_r2_b"])], abs_tol=1e-9)
    degree = {c: sum(c in p for p in pairs) for c in corr.index}
    assert {n["nace_r2"]: n["degree"] for n in network["nodes"]} == degree
    assert [n["nace_r2"] for n in network["nodes"] if n["highlighted"]] == ["C29"]
    countries = sorted(dashboard_data.index.table.loc[dashboard_data.index.table["level"] == 0, "geo"].unique())
    for node in network["nodes"][:10]:
        known = [v for v in (raw.cell("employment", node["nace_r2"], geo, year).value for geo in countries) if finite(v)]
        assert (node["employment"] is None) if not known else math.isclose(node["employment"], sum(known))

    r = client.get(f"/export.csv?{query}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert f"related_sectors_network_C29_{year}_above_{threshold:g}.csv" in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    assert list(rows[0]) == ["nace_r2_a", "nace_r2_b", "strength", "regions"]
    assert {(row["nace_r2_a"], row["nace_r2_b"]) for row in rows} == set(pairs)
    known = raw_lq_matrix(raw, year).notna()
    for row in rows:
        a, b = row["nace_r2_a"], row["nace_r2_b"]
        assert math.isclose(float(row["strength"]), pairs[(a, b)], abs_tol=1e-9)
        assert int(float(row["regions"])) == int((known[a] & known[b]).sum())
    strengths = [float(row["strength"]) for row in rows]
    assert strengths == sorted(strengths, reverse=True)
    assert "Related sectors" in text.splitlines()[0] and "Eurostat" in text.splitlines()[1]


def test_openapi_documents_the_routes_and_the_network_answer(client):
    spec = get_json(client, "/api/v1/openapi.json")
    related = spec["paths"]["/api/v1/sectors/{code}/related"]["get"]
    assert {"200", "400", "404"} <= set(related["responses"])
    schemas = spec["components"]["schemas"]
    assert set(schemas["RelatedSector"]["required"]) == {"nace_r2", "name", "strength", "regions"}
    assert "justified_by" in schemas["Opportunity"]["properties"]
    values = spec["paths"]["/api/v1/values"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/NetworkValues"} in values["oneOf"]
    assert "nace_r2_a" in spec["paths"]["/export.csv"]["get"]["description"]


def test_related_panel_shows_the_raw_top_ten_and_says_what_a_group_is(raw, dashboard_data):
    from dashboard.related_panel import related_children

    options = view_options(dashboard_data)
    expected = raw_corr(raw, 2014)["C29"].drop("C29").dropna().sort_values(ascending=False).head(10)
    panel = related_children(dashboard_data, read_view("sector=C29&year=2014", options).view)
    text = json.dumps(panel[1].to_plotly_json(), default=lambda c: c.to_plotly_json())
    rows = panel[1].children[0].children[2].children
    assert [row.children[1].children[0].children for row in rows] == expected.index.tolist()
    assert [row.children[2].children for row in rows] == [f"{v:.2f}" for v in expected]
    assert "Sectors that locate with C29" in panel[0].children

    section = related_children(dashboard_data, read_view("sector=C&year=2014", options).view)
    assert "24 divisions" in section[1].children[0].children and "choose one" in section[1].children[0].children
    named = related_children(dashboard_data, read_view("sector=digital-industries&year=2014", options).view)
    tables = named[1].children[1:]
    assert len(tables) == 4 and all(len(t.children[2].children) == 5 for t in tables)
    assert "not for Digital industries" in named[1].children[0].children
    group = related_children(dashboard_data, read_view("sector=G471&year=2014", options).view)
    assert "part of division G47" in group[1].children[0].children
    total = related_children(dashboard_data, read_view("sector=TOTAL&year=2014", options).view)
    assert "choose one" in total[1].children[0].children
    assert "C27" in text


def test_portfolio_lists_the_raw_opportunities(raw, dashboard_data):
    from dashboard.portfolio_panel import portfolio_children

    expected = raw_opportunities(raw, "DE11", 2012)
    children = portfolio_children(dashboard_data, "DE11", 2012)
    titles = [c.children for c in children if getattr(c, "id", None) == "portfolio-opportunities-title"]
    assert titles == ["Opportunities: sectors related to this region's specialisations"]
    at = next(i for i, c in enumerate(children) if getattr(c, "id", None) == "portfolio-opportunities-title")
    rows = children[at + 1].children.children[2].children
    assert [row.children[1].children[0].children for row in rows] == [c for c, _, _ in expected[:10]]
    assert [row.children[2].children for row in rows] == [f"{s:.2f}" for _, s, _ in expected[:10]]
    assert rows[0].children[4].children.startswith("C28 ")


def test_network_view_everywhere_but_the_browser(client, dashboard_data):
    options = view_options(dashboard_data)
    view = read_view("sector=C29&year=2014&analysis=network&threshold=0.6", options).view
    assert view_slug(view) == "related_sectors_network_C29_2014_above_0.6"
    embed = client.get("/embed?sector=C29&year=2014&analysis=network&threshold=0.6").get_data(as_text=True)
    assert "<title>Related sectors: NACE divisions linked where co-location strength &gt; 0.6 · 2014" in embed
    assert '"type":"scatter"' in embed and "choropleth" not in embed
    page = client.get("/?sector=C29&year=2014&analysis=network").get_data(as_text=True)
    assert "topojson" not in page, "the network view preloads no base map"
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/?sector=C29&year=2014&analysis=network"}).get_json()
    text = json.dumps(layout)
    assert "analysis=network&threshold=0.5" in text, "the layout's view query holds the network view"
    assert "Related sectors: NACE divisions linked" in text and '"data": "network"' in text, "the first figure is the network, its shapes store says so"
