"""One map per year (``analysis=years``): the vocabulary, the figure, the API and the CSV, against the raw file.

Expected values come from the mirror's Eurostat TSV (``tests.raw_sbs``), the class breaks from
``numpy.quantile`` over the raw cells of every year, never from ``layers``.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import math

import numpy as np
import pytest
from dash import NoUpdate

from dashboard.view import ViewOptions, parse_view, read_view, view_options, view_slug
from layers.points.measures import POINT_INDICATORS
from tests.raw_sbs import finite

QUERY = "level=2&sector=C29&indicator=employment&analysis=years"
REGIONS = ("DE11", "FR10", "ITC4", "ES51", "CZ02")
YEARS = tuple(range(2008, 2016))


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def get_json(client, url: str, status: int = 200) -> dict:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    return json.loads(r.get_data(as_text=True))


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#"))), quoting=csv.QUOTE_NONNUMERIC))


# ---------------------------------------------------------------- the vocabulary


def test_years_is_an_analysis_and_refused_with_an_organisation_indicator(dashboard_data):
    options = view_options(dashboard_data)
    view = read_view(QUERY, options).view
    assert view.analysis == "years" and view_slug(view) == "persons_employed_C29_NUTS2_all_years"
    with_points = ViewOptions(sectors=options.sectors, years=options.years, regions=options.regions, point_indicators=frozenset(POINT_INDICATORS))
    org = next(iter(POINT_INDICATORS))
    refused, problems = parse_view({"level": "2", "indicator": org, "analysis": "years"}, with_points)
    assert refused.analysis == "values"
    assert [p.parameter for p in problems] == ["analysis"] and "statistics indicator" in problems[0].message


def test_cli_offers_years_from_the_vocabulary():
    from dashboard.cli import parser

    args = parser().parse_args(["export", "--out", "x", "--analysis", "years"])
    assert args.analysis == "years"


# ---------------------------------------------------------------- the figure


def test_figure_has_a_map_per_year_one_legend_and_the_raw_values(dashboard_data, raw):
    from dashboard.callbacks import drawn_shapes, map_update
    from dashboard.figures import ATTRIBUTION

    view = read_view(QUERY, view_options(dashboard_data)).view
    figure, payload = map_update(dashboard_data, view, full=False, geometry_url=True)  # always whole, whatever was asked
    assert isinstance(payload, NoUpdate)
    traces, layout = figure["data"], figure["layout"]
    assert [t["geo"] for t in traces] == ["geo", *(f"geo{i}" for i in range(2, 9))]
    assert all(t["geojson"] == dashboard_data.shapes(view).url for t in traces)  # the page names the shapes once, by URL
    assert [t["showscale"] for t in traces] == [True] + [False] * 7
    years = [a["text"] for a in layout["annotations"][2:]]
    assert years == [f"<b>{y}</b>" for y in YEARS]
    assert layout["annotations"][0]["text"] == html.escape(ATTRIBUTION)  # the source line, first as on every map
    assert "one colour, one range in every map" in layout["annotations"][1]["text"]
    assert "2008–2015, one map per year" in layout["title"]["text"]
    assert len({json.dumps(t["colorscale"]) for t in traces}) == 1 and len({t["zmax"] for t in traces}) == 1
    assert traces[0]["colorbar"]["ticktext"][:2] == ["no data", "confidential"]
    assert drawn_shapes(dashboard_data, view).startswith("years:")
    for trace, year in zip(traces, YEARS, strict=True):
        assert f"· {year}" in trace["hovertemplate"]
        for geo in REGIONS:
            cell = raw.cell("employment", "C29", geo, year)
            shown = trace["customdata"][trace["locations"].index(geo)][0]
            if finite(cell.value):
                assert shown == f"{cell.value:,.0f}", (geo, year)
            else:
                assert shown in ("no data", "confidential"), (geo, year, shown)
    # exports carry the shapes; the wide and the tall grids are both in the figure for the page to pick
    inline, _ = map_update(dashboard_data, view, full=True)
    assert all(isinstance(t["geojson"], dict) for t in inline["data"])
    assert set(layout["meta"]["grids"]) == {"wide", "tall"} and layout["meta"]["grid"] == "wide"


def test_star_views_keep_their_categories(dashboard_data):
    from dashboard.multiples import years_figure

    view = read_view("level=2&sector=C29&indicator=stars&analysis=years", view_options(dashboard_data)).view
    figure = years_figure(dashboard_data, view, geometry_url=True)
    assert figure["data"][0]["colorbar"]["ticktext"] == ["no data", "confidential", "0 stars", "1 star", "2 stars", "3 stars"]
    assert "one range" not in figure["layout"]["annotations"][1]["text"]  # categories: no breaks to span


# ---------------------------------------------------------------- API and CSV against the raw file


def test_api_and_csv_give_every_years_raw_values(client, raw):
    body = get_json(client, f"/api/v1/values?{QUERY}")
    assert [block["year"] for block in body["years"]] == list(YEARS)
    assert body["view"]["analysis"] == "years" and body["view"]["years"] == list(YEARS)
    assert body["attribution"] == ["Source: Eurostat", "© EuroGeographics for the administrative boundaries"]
    response = client.get(f"/export.csv?{QUERY}")
    assert response.status_code == 200 and "all_years" in response.headers["Content-Disposition"]
    rows = csv_rows(response.get_data(as_text=True))
    assert next(iter(rows[0])) == "year"
    by_key = {(int(r["year"]), r["nuts_id"]): r for r in rows}
    assert len(rows) == len(by_key) == len(YEARS) * len(body["years"][0]["regions"])
    for block in body["years"]:
        year = block["year"]
        regions = {r["nuts_id"]: r for r in block["regions"]}
        for geo in REGIONS:
            cell = raw.cell("employment", "C29", geo, year)
            got, row = regions[geo], by_key[year, geo]
            if finite(cell.value):
                assert got["value"] == cell.value and row["value"] == cell.value, (geo, year)
            else:
                assert got["value"] is None and row["value"] == "", (geo, year)
            assert got["flag"] == cell.flag
            assert row["class"] == got["class"] and row["rank"] == (got["rank"] if got["rank"] is not None else "")
        # the year's own single-year view agrees (rank within that year)
        single = get_json(client, f"/api/v1/values?level=2&sector=C29&indicator=employment&year={year}")
        ranks = {r["nuts_id"]: r["rank"] for r in single["regions"]}
        assert all(ranks[g] == regions[g]["rank"] for g in REGIONS)


def test_classes_are_one_range_in_every_year(client, raw, dashboard_data):
    """The legend's upper bounds are the quintiles of every year's raw values together; a class is one range in all years."""
    body = get_json(client, f"/api/v1/values?{QUERY}")
    ids = dashboard_data.geometry[2].ids
    pooled = [raw.cell("employment", "C29", geo, year).value for year in YEARS for geo in ids]
    values = np.array([v for v in pooled if finite(v)])
    expected = np.quantile(values, [0.2, 0.4, 0.6, 0.8, 1.0])
    uppers = [float(label.rsplit("– ", 1)[1].replace(",", "")) for label in body["legend"][2:]]
    assert np.allclose(uppers, np.round(expected), atol=0.5), (uppers, expected)
    seen: dict[int, list[float]] = {}
    for block in body["years"]:
        for r in block["regions"]:
            if r["value"] is not None:
                seen.setdefault(r["class"], []).append(r["value"])
                assert body["legend"][r["class"]] == r["class_label"]
    ranges = [(min(seen[c]), max(seen[c])) for c in sorted(seen)]
    assert all(hi < lo_next for (_, hi), (lo_next, _) in itertools.pairwise(ranges)), ranges  # classes never overlap, whatever the year
    assert sum(math.isfinite(v) for v in values) > 1000


def test_openapi_documents_the_years_shape(client):
    spec = get_json(client, "/api/v1/openapi.json")
    values = spec["paths"]["/api/v1/values"]["get"]
    refs = [s.get("$ref") for s in values["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]]
    assert "#/components/schemas/YearsValues" in refs and "YearsValues" in spec["components"]["schemas"]
    assert "analysis=years" in values["description"] and "year, nuts_id" in spec["paths"]["/export.csv"]["get"]["description"]
    analysis = next(p for p in values["parameters"] if p["name"] == "analysis")
    assert "years" in analysis["schema"]["enum"]
