"""The JSON API and the CSV export, through Flask's test client on the real build."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pandas as pd
import pytest
from flask import Blueprint, Flask

from dashboard import api
from dashboard.figures import ATTRIBUTION, map_title
from dashboard.view import parse_view, view_options, view_params, view_slug
from layers.indicators import INDICATORS
from tests.raw_sbs import assert_same, expected_view, portfolio

VALUES = "/api/v1/values"
PORTFOLIO = "/api/v1/regions/{}/portfolio"
PATHS = {
    "/api/v1/meta",
    VALUES,
    "/api/v1/groups",
    "/api/v1/regions/{nuts_id}/portfolio",
    "/api/v1/sectors/{code}/related",
    "/api/v1/regions/{nuts_id}/opportunities",
    "/api/v1/regions/{nuts_id}/series",
    "/api/v1/regions/{nuts_id}/similar",
    "/api/v1/openapi.json",
    "/export.csv",
}


def _no_nan(token: str):
    raise AssertionError(f"invalid JSON constant {token}")


def get_json(client, url: str, status: int = 200) -> dict:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "application/json"
    return json.loads(r.get_data(as_text=True), parse_constant=_no_nan)


@pytest.fixture(scope="module")
def dashboard_app(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data)


@pytest.fixture(scope="module")
def client(dashboard_app):
    return dashboard_app.server.test_client()


# -- /api/v1/meta ---------------------------------------------------------------------------


def test_meta(client, dashboard_data):
    m = get_json(client, "/api/v1/meta")
    assert m["nuts_year"] == dashboard_data.nuts_year == 2013
    assert [(lv["level"], lv["label"]) for lv in m["levels"]] == [(0, "Countries (NUTS 0)"), (1, "NUTS 1 regions"), (2, "NUTS 2 regions")]
    codes = [s["code"] for s in m["sectors"]]
    assert sorted(codes) == sorted(dashboard_data.index.sectors) and codes[0] == "TOTAL"
    by_code = {s["code"]: s for s in m["sectors"]}
    assert by_code["C29"] == {"code": "C29", "label": "Manufacture of motor vehicles, trailers and semi-trailers", "level": 2, "parent": "C"}
    assert by_code["G471"]["parent"] == "G47" and by_code["G471"]["level"] == 3
    assert by_code["TOTAL"]["parent"] is None and by_code["C"]["parent"] == "TOTAL"
    assert [i["name"] for i in m["indicators"]] == list(INDICATORS)
    for i in m["indicators"]:
        ref = INDICATORS[i["name"]]
        assert (i["label"], i["unit"], i["decimals"], i["description"]) == (ref.label, ref.unit, ref.decimals, ref.description)
    assert m["years"] == dashboard_data.years == list(range(2008, 2016))
    assert "Source: Eurostat" in m["attribution"]
    assert "© EuroGeographics for the administrative boundaries" in m["attribution"]


# -- /api/v1/values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"level": "2", "sector": "C29", "indicator": "employment", "year": "2014"},
        {"level": "0", "sector": "TOTAL", "indicator": "avg_wage", "year": "2011"},
        {"level": "1", "sector": "G47", "indicator": "stars", "year": "2015"},
        {},
    ],
)
def test_values_match_the_raw_file(client, dashboard_data, raw, query):
    """Values, flags, statuses and ranks are the raw file's (``tests.raw_sbs``), not ``region_values``' own."""
    body = get_json(client, VALUES + "?" + "&".join(f"{k}={v}" for k, v in query.items()))
    view, problems = parse_view(query, view_options(dashboard_data))
    assert problems == []
    echo = body["view"]
    assert (echo["level"], echo["sector"], echo["indicator"], echo["year"]) == (view_params(view)["level"], view.nace_r2, view.indicator, view.year)
    assert echo["title"] == map_title(view)
    geometry = dashboard_data.geometry[view.level]
    expected = expected_view(raw, geometry.ids, level=view.level, sector=view.nace_r2, indicator=view.indicator, year=view.year)
    regions = body["regions"]
    assert [r["nuts_id"] for r in regions] == geometry.ids
    assert [r["name"] for r in regions] == geometry.names
    assert set(regions[0]) == {"nuts_id", "name", "value", "flag", "flag_text", "status", "rank", "country_rank", "country_ranked", "class", "class_label"}
    assert_same(regions, expected, str(query))
    assert body["ranked"] == sum(e.rank is not None for e in expected) > 0
    assert "Source: Eurostat" in body["attribution"]


def test_values_known_fact(client):
    body = get_json(client, VALUES + "?level=2&sector=C29&indicator=employment&year=2014")
    de11 = next(r for r in body["regions"] if r["nuts_id"] == "DE11")
    label = de11.pop("class_label")
    # the largest value of the map: the top of 5 classes (0 no data, 1 confidential, 2-6), whose legend entry ends at it
    assert de11 == {
        "nuts_id": "DE11",
        "name": "Stuttgart",
        "value": 158012.0,
        "flag": "",
        "flag_text": "",
        "status": "value",
        "rank": 1,
        "country_rank": None,
        "country_ranked": 0,
        "class": 6,
    }
    assert label.endswith("158,012"), label
    statuses = {r["status"] for r in body["regions"]}
    assert statuses <= {"value", "confidential", "no data"} and "confidential" in statuses


BAD_VIEW_QUERIES = [
    ("colour=red", "colour", None),  # unknown parameter
    ("Level=2", "Level", None),  # parameter names are case-sensitive
    ("level=3", "level", 0),
    ("level=two", "level", 0),  # malformed integer
    ("level=2.0", "level", 0),
    ("sector=C99", "sector", "C29"),
    ("sector=c29", "sector", "C29"),
    ("sector=%3Cscript%3E", "sector", "C29"),
    ("indicator=gdp", "indicator", "employment"),
    ("year=1999", "year", 2014),
    ("year=20x4", "year", 2014),
    ("year=9999999999", "year", 2014),
    ("year=%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%94", "year", 2014),  # fullwidth "２０１４": not the digits a query writes
    ("scheme=natural", "scheme", "quantiles"),
    ("k=12", "k", 5),
    ("k=five", "k", 5),
    ("year=2014&year=2013", "year", 2014),  # repeated
]


@pytest.mark.parametrize("path", [VALUES, "/export.csv"])
@pytest.mark.parametrize("query, parameter, allowed_member", BAD_VIEW_QUERIES)
def test_bad_view_parameters_are_400(client, path, query, parameter, allowed_member):
    body = get_json(client, f"{path}?level=2&{query}" if not query.startswith(("level", "Level")) else f"{path}?{query}", 400)
    assert body["parameter"] == parameter
    assert isinstance(body["error"], str) and body["error"]
    assert "allowed" in body
    if allowed_member is not None:
        assert allowed_member in body["allowed"]
    else:
        assert "level" in body["allowed"] and "indicator" in body["allowed"]


def test_a_number_out_of_range_is_said_to_be_out_of_range(client):
    body = get_json(client, f"{VALUES}?level=2&year=99999999999999999999999999", 400)
    assert body["parameter"] == "year" and "whole number" not in body["error"] and "2008" in body["error"]  # the years the file holds


@pytest.mark.parametrize("path", [VALUES, "/export.csv"])
def test_an_empty_value_is_not_given(client, path):
    """dashboard.view's one rule: ``level=`` is the same as no level (the default view's), not a 400."""
    assert client.get(f"{path}?level=&sector=C29").get_data() == client.get(f"{path}?sector=C29").get_data()


def test_portfolio_empty_year_is_the_default_year(client):
    assert get_json(client, PORTFOLIO.format("DE11") + "?year=")["year"] == get_json(client, PORTFOLIO.format("DE11"))["year"]


def test_several_problems_are_all_listed(client):
    body = get_json(client, VALUES + "?indicator=gdp&year=1800", 400)
    assert {p["parameter"] for p in body["problems"]} == {"indicator", "year"}
    assert body["allowed"] == list(INDICATORS)


# -- /api/v1/regions/<nuts_id>/portfolio ----------------------------------------------------


def test_portfolio_de11(client, dashboard_data, raw):
    body = get_json(client, PORTFOLIO.format("DE11") + "?year=2014&limit=5")
    assert body["region"]["nuts_id"] == "DE11" and body["region"]["name"] == "Stuttgart" and body["region"]["level"] == 2
    assert body["region"]["country"]["nuts_id"] == "DE"
    assert body["year"] == 2014 and body["limit"] == 5 and body["sectors_total"] == 101
    expected = portfolio(raw, "DE11", 2014)  # from the raw file, not region_portfolio
    assert len(expected) == 101
    assert [s["nace_r2"] for s in body["sectors"]] == [e["nace_r2"] for e in expected[:5]]
    every = get_json(client, PORTFOLIO.format("DE11") + "?year=2014&limit=1000")["sectors"]
    assert [s["nace_r2"] for s in every] == [e["nace_r2"] for e in expected]
    for got, want in zip(every, expected):
        for key, value in want.items():
            same = (
                got[key] is None
                if isinstance(value, float) and math.isnan(value)
                else (got[key] == value if isinstance(value, (str, int)) else got[key] is not None and math.isclose(got[key], value, rel_tol=1e-12))
            )
            assert same, ("DE11 2014", want["nace_r2"], key, got[key], value)
    top = body["sectors"][0]
    assert top["nace_r2"] == "C29" and top["stars"] == 3 and top["employment"] == 158012
    assert top["star_size"] is True and top["label"] == "Manufacture of motor vehicles, trailers and semi-trailers"
    rows = {r["scope"]: r for r in body["comparison"]["rows"]}
    assert rows["country"]["nuts_id"] == "DE" and rows["eu"]["nuts_id"] == "EU"
    eu = body["comparison"]["eu"]
    assert "sum of the NUTS 0 rows" in eu["definition"] and eu["non_eu"] == ["NO"] and eu["is_partial"] is True
    assert sorted(eu["partial"]) == ["CY", "IE", "MT"]
    assert "Source: Eurostat" in body["attribution"]


def test_portfolio_defaults_and_other_levels(client):
    body = get_json(client, PORTFOLIO.format("FR"))
    assert body["year"] == 2014 and body["limit"] == api.DEFAULT_LIMIT and len(body["sectors"]) == api.DEFAULT_LIMIT
    body = get_json(client, PORTFOLIO.format("ITC") + "?year=2015&limit=1000")
    assert len(body["sectors"]) == body["sectors_total"]
    missing = body["comparison"]["eu"]["missing"]
    assert missing and all(why in ("confidential", "no data", "no row for this year") for why in missing.values())


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("year=1999", "year"),
        ("year=abc", "year"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("limit=-3", "limit"),
        ("limit=1.5", "limit"),
        ("sector=C", "sector"),
        ("year=2014&year=2015", "year"),
    ],
)
def test_portfolio_bad_parameters_are_400(client, query, parameter):
    body = get_json(client, PORTFOLIO.format("DE11") + "?" + query, 400)
    assert body["parameter"] == parameter and body["error"] and "allowed" in body


@pytest.mark.parametrize("nuts_id", ["XX11", "CH01", "DE1Z9", "de11", "DE11;ls", "%2E%2E", "A" * 300, "DE11%00"])
def test_unknown_region_is_404(client, nuts_id):
    body = get_json(client, PORTFOLIO.format(nuts_id), 404)
    assert body["parameter"] == "nuts_id" and body["error"]


def test_unmatched_api_paths_and_methods_answer_json(client):
    assert get_json(client, "/api/v1/nothing/here", 404)["parameter"] is None
    assert get_json(client, "/api/v1/regions/DE11/portfolio/extra", 404)["error"]
    assert get_json(client, "/api/v1/regions/../../etc/passwd", 404)["error"]
    r = client.post("/api/v1/meta")
    assert r.status_code == 405 and r.mimetype == "application/json" and "GET" in r.headers["Allow"]
    assert client.delete(PORTFOLIO.format("DE11")).status_code == 405


def test_unexpected_errors_become_a_json_500_without_traceback():
    app = Flask("t")
    bp = Blueprint("t", "t")
    api._error_handlers(bp)

    @bp.get("/boom")
    def boom():
        raise RuntimeError("secret detail /etc/x")

    app.register_blueprint(bp)
    r = app.test_client().get("/boom")
    assert r.status_code == 500 and r.mimetype == "application/json"
    text = r.get_data(as_text=True)
    assert "secret" not in text and "Traceback" not in text and json.loads(text)["error"]


# -- /api/v1/openapi.json -------------------------------------------------------------------


def test_openapi_lists_every_path_and_every_path_answers(client, dashboard_data):
    spec = get_json(client, "/api/v1/openapi.json")
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == PATHS
    params = {p["name"]: p for p in spec["paths"][VALUES]["get"]["parameters"]}
    assert params["indicator"]["schema"]["enum"] == list(INDICATORS)
    assert params["level"]["schema"]["enum"] == [0, 1, 2, "mixed"]
    assert params["year"]["schema"]["enum"] == dashboard_data.years
    listed, group_form = params["sector"]["schema"]["anyOf"]  # a listed code or group id, or codes separated by commas
    ids = [g.id for g in dashboard_data.groups]
    assert sorted(listed["enum"]) == sorted([*dashboard_data.index.sectors, *ids]) and len(ids) == 10
    assert re.match(group_form["pattern"], "C26,J61,J62,J63") and not re.match(group_form["pattern"], "C26")
    error = {"$ref": "#/components/schemas/Error"}
    assert spec["paths"][VALUES]["get"]["responses"]["400"]["content"]["application/json"]["schema"] == error
    portfolio = spec["paths"]["/api/v1/regions/{nuts_id}/portfolio"]["get"]
    assert portfolio["responses"]["404"]["content"]["application/json"]["schema"] == error
    assert {"error", "parameter"} <= set(spec["components"]["schemas"]["Error"]["required"])
    for path, item in spec["paths"].items():
        for parameter in item["get"].get("parameters", []):
            assert parameter["in"] in ("query", "path")
        url = path.replace("{nuts_id}", "DE11").replace("{code}", "C29")
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        for name in ("400", "404"):
            if name in item["get"]["responses"]:
                assert item["get"]["responses"][name]["content"]["application/json"]["schema"] == error


def test_openapi_document_validates(client):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(get_json(client, "/api/v1/openapi.json"))


# -- /export.csv ----------------------------------------------------------------------------


def read_export(text: str) -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO(text),
        comment="#",
        keep_default_na=False,
        na_values={"value": [""], "rank": [""]},
        dtype={"nuts_id": str, "name": str, "flag": str, "flag_text": str, "status": str, "rank": "Int64"},
    )


@pytest.mark.parametrize(
    "query",
    [
        "level=2&sector=C29&indicator=employment&year=2014",
        "level=1&sector=TOTAL&indicator=employment&year=2015",  # partial-total notes in flag_text
        "level=2&sector=G47&indicator=lq&year=2012&scheme=fisher_jenks&k=7",
        "level=0&sector=C&indicator=avg_wage&year=2010",
    ],
)
def test_csv_round_trip(client, dashboard_data, raw, query):
    r = client.get("/export.csv?" + query)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    view, problems = parse_view(dict(p.split("=") for p in query.split("&")), view_options(dashboard_data))
    assert problems == []
    assert r.headers["Content-Disposition"] == f'attachment; filename="{view_slug(view)}.csv"'
    text = r.get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0] == f"# {map_title(view)}"
    assert lines[1] == f"# {ATTRIBUTION}" and lines[1].startswith("# Source: Eurostat (sbs_r_nuts06_r2) · © EuroGeographics")
    assert lines[-1] == f"# {ATTRIBUTION}"
    frame = read_export(text)
    assert tuple(frame.columns) == api.CSV_COLUMNS
    geometry = dashboard_data.geometry[view.level]
    expected = expected_view(raw, geometry.ids, level=view.level, sector=view.nace_r2, indicator=view.indicator, year=view.year)
    assert frame["name"].tolist() == geometry.names
    rows = [
        {
            "nuts_id": r.nuts_id,
            "value": None if pd.isna(r.value) else float(r.value),
            "flag": r.flag,
            "flag_text": r.flag_text,
            "status": r.status,
            "rank": None if pd.isna(r.rank) else int(r.rank),
        }
        for r in frame.itertuples(index=False)
    ]
    assert_same(rows, expected, query)


def test_csv_quotes_names_with_commas(client, dashboard_data):
    text = client.get("/export.csv?level=2&sector=C&year=2014").get_data(as_text=True)
    rows = list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))
    assert all(len(row) == len(api.CSV_COLUMNS) for row in rows)
    names = {row[0]: row[1] for row in rows[1:]}
    with_comma = [n for n in dashboard_data.geometry[2].names if "," in n]
    assert with_comma, "the data has names with commas (e.g. Anatoliki Makedonia, Thraki)"
    assert names["EL51"] == "Anatoliki Makedonia, Thraki"
    assert '"Anatoliki Makedonia, Thraki"' in text
    assert text.splitlines()[3].startswith('"nuts_id","name"')
