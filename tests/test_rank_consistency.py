"""One number, one place: every rank, value and class the page shows equals /export.csv's and /api/v1/values' for the same view.

Issue 11 found the CSV and the API ranking on exact values while the tooltip and the
table ranked on rounded ones (131 of 268 regions differed for lq C 2014 NUTS 2).
Now all of them read ``layers.ranks``/``layers.classes`` through ``DashboardData.values``.

* Without a browser: the map payload (decoded as the page decodes it, drawn by
  ``apply_payload``) and the ranking table's rows against the API and the CSV, for
  every view below at every level; and the API's ranks against ranks computed here
  from the raw Eurostat TSV (read with gzip and csv, not with ``layers.eurostat``).
* In Chromium (marker ``browser``): the same comparison with what the page holds: the
  tooltips' ``customdata``, ``z`` and legend of the Plotly figure on the page (drawn by
  ``assets/map.js`` after a change), and the ranking table's rows.

The expected text of a value is the API's exact value at the indicator's decimals,
``round(value x 10^decimals)`` half to even (``docs/methodology.md`` 9.1), formatted here.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import urllib.request
from urllib.parse import urlencode

import numpy as np
import pytest

from dashboard.callbacks import payload_for
from dashboard.figures import apply_payload, map_title, view_unit
from dashboard.ranking import ranking_rows, table_data
from dashboard.view import parse_view, view_options

COMBOS = (
    {"sector": "C", "indicator": "lq", "year": "2014"},
    {"sector": "C29", "indicator": "employment", "year": "2014"},
    {"sector": "TOTAL", "indicator": "wages", "year": "2010"},
    {"sector": "G47", "indicator": "stars", "year": "2014"},
)
LEVELS = ("0", "1", "2", "mixed")
ZOOMED = (
    {"level": "2", "sector": "C29", "indicator": "employment", "year": "2014", "zoom": "DE"},
    {"level": "2", "sector": "C", "indicator": "lq", "year": "2014", "zoom": "DE"},
    {"level": "mixed", "sector": "TOTAL", "indicator": "wages", "year": "2010", "zoom": "FR"},
)
QUERIES = [{"level": level, **combo} for combo in COMBOS for level in LEVELS] + list(ZOOMED)
IDS = [urlencode(q) for q in QUERIES]
API_FIELDS = ("country_rank", "country_ranked", "class", "class_label")
"""What each region of /api/v1/values (and each CSV row) carries besides value and rank, so the page's classes and
zoomed ranks are checked against it: columns of ``DashboardData.values``."""


# ---- the exports ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def api_regions(get, query: dict) -> tuple[dict, dict[str, dict]]:
    """(/api/v1/values body, its regions by NUTS code); ``get(url) -> (status, text)``."""
    status, text = get("/api/v1/values?" + urlencode(query))
    assert status == 200, text[:300]
    body = json.loads(text)
    return body, {r["nuts_id"]: r for r in body["regions"]}


def csv_regions(get, query: dict) -> dict[str, dict]:
    status, text = get("/export.csv?" + urlencode(query))
    assert status == 200, text[:300]
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    return {r["nuts_id"]: r for r in rows}


def require_fields(api: dict[str, dict], table: dict[str, dict] | None = None) -> None:
    first = next(iter(api.values()))
    missing = [f for f in API_FIELDS if f not in first] + [f"CSV {f}" for f in API_FIELDS if table is not None and f not in next(iter(table.values()))]
    if missing:
        raise AssertionError(f"the exports lack {missing}: dashboard/api must send these columns of DashboardData.values")


def _int_or_none(text: str) -> int | None:
    return None if text in ("", None) else int(float(text))


def shown_text(value: float | None, decimals: int) -> str:
    """The API's exact value as the page must show it: at ``decimals`` (half to even), thousands separated."""
    scale = 10.0**decimals
    return f"{float(np.round(value * scale) / scale + 0.0):,.{decimals}f}"


def expected_rank_text(region: dict, body: dict, zoom: str | None) -> str:
    if region["rank"] is None:
        return ""
    if zoom and region["country_rank"] is not None:
        return f"rank {region['country_rank']} of {region['country_ranked']} in {zoom[:2]}, {region['rank']} of {body['ranked']} in Europe"
    return f"rank {region['rank']} of {body['ranked']}"


def europe_rank_of(text: str) -> str:
    """ "rank 9 of 268" and "rank 3 of 31 in DE, 9 of 268 in Europe" both give "9 of 268"."""
    return text.removeprefix("rank ").split(", ")[-1].removesuffix(" in Europe") if text else ""


def check_exports_agree(body: dict, api: dict[str, dict], table: dict[str, dict], *, classes: bool) -> None:
    """The CSV says what the API says, region by region: value, status and rank; with ``classes``, class and zoomed rank too."""
    assert set(table) == set(api)
    for code, region in api.items():
        row = table[code]
        assert _int_or_none(row["rank"]) == region["rank"], code
        assert row["status"] == region["status"], code
        if region["value"] is None:
            assert row["value"] == "", code
        else:
            assert float(row["value"]) == pytest.approx(region["value"], rel=1e-12), code
    if not classes:
        return
    require_fields(api, table)
    for code, region in api.items():
        row = table[code]
        assert _int_or_none(row["country_rank"]) == region["country_rank"], code
        assert int(row["class"]) == region["class"] and row["class_label"] == region["class_label"], code


def check_screen(query: dict, body: dict, api: dict[str, dict], trace: dict, rows: list[dict], unit: str, *, classes: bool) -> None:
    """``trace`` (locations, z, customdata, ticktext) and the table ``rows`` (code, rank, value text with ``unit``) against the API.

    Values and Europe-wide ranks; with ``classes`` (the fields the API is to send), classes and ranks within a zoomed country.
    """
    zoom = query.get("zoom")
    decimals = body["indicator"]["decimals"]
    assert trace["locations"] == [r["nuts_id"] for r in body["regions"]], "the map's shapes are the API's regions, in order"
    in_view = [r for r in body["regions"] if not zoom or r["nuts_id"].startswith(zoom[:2])]
    assert sorted(r["code"] for r in rows) == sorted(r["nuts_id"] for r in in_view), "the table lists the view's regions"

    def want_value(region: dict) -> str:
        return region["status"] if region["value"] is None else shown_text(region["value"], decimals)

    differ = []
    for code, (value_text, rank_text, _note) in zip(trace["locations"], trace["customdata"]):
        region = api[code]
        europe = "" if region["rank"] is None else f"{region['rank']} of {body['ranked']}"
        if (value_text, europe_rank_of(rank_text)) != (want_value(region), europe):
            differ.append((code, value_text, rank_text, region))
    assert differ == [], f"{len(differ)} tooltips differ from the API in value or rank, e.g. {differ[:3]}"
    differ = [(row, api[row["code"]]) for row in rows if row["value"].removesuffix(f" {unit}") != want_value(api[row["code"]])]
    assert differ == [], f"{len(differ)} table values differ from the API, e.g. {differ[:3]}"
    if not zoom:
        differ = [(row, api[row["code"]]["rank"]) for row in rows if row["rank"] != str(api[row["code"]]["rank"] or "")]
        assert differ == [], f"{len(differ)} table ranks differ from the API, e.g. {differ[:3]}"
    if not classes:
        return
    require_fields(api)
    differ = []
    for code, z, (_value, rank_text, _note) in zip(trace["locations"], trace["z"], trace["customdata"]):
        region = api[code]
        want = (expected_rank_text(region, body, zoom), region["class"], region["class_label"])
        got = (rank_text, z, trace["ticktext"][z])
        if got != want:
            differ.append((code, got, want))
    assert differ == [], f"{len(differ)} tooltips differ from the API in class or rank within the country, e.g. {differ[:3]}"
    differ = []
    for row in rows:
        region = api[row["code"]]
        rank = region["country_rank"] if zoom else region["rank"]
        if row["rank"] != ("" if rank is None else str(rank)):
            differ.append((row, rank))
    assert differ == [], f"{len(differ)} table ranks differ from the API, e.g. {differ[:3]}"


# ---- without a browser: the page's payloads, decoded as the page decodes them ----------------


def _client_get(client):
    def get(url: str) -> tuple[int, str]:
        response = client.get(url)
        return response.status_code, response.get_data(as_text=True)

    return get


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_payload_and_table_equal_the_api_and_the_csv(client, dashboard_data, query):
    get = _client_get(client)
    body, api = api_regions(get, query)
    table = csv_regions(get, query)
    view, problems = parse_view(query, view_options(dashboard_data))
    assert not problems
    ids = dashboard_data.shapes(view).ids
    payload = json.loads(json.dumps(payload_for(dashboard_data, view)))  # as it travels
    figure = apply_payload({"data": [{"locations": ids, "colorbar": {}}], "layout": {"title": {}}}, payload)
    drawn = figure["data"][0]
    trace = {"locations": ids, "z": drawn["z"], "customdata": drawn["customdata"], "ticktext": drawn["colorbar"]["ticktext"]}
    data = json.loads(json.dumps(table_data(ranking_rows(dashboard_data, view), view)))
    unit = data["unit"]
    rows = [{"code": r[1], "rank": "" if r[0] is None else str(r[0]), "value": r[4] if r[3] is None else f"{r[4]} {unit}"} for r in data["rows"]]
    for classes in (False, True):  # values and ranks first, so they are checked even while the exports lack the classes
        check_exports_agree(body, api, table, classes=classes)
        check_screen(query, body, api, trace, rows, unit, classes=classes)


def test_lq_c_2014_nuts2_ranks_on_the_values_shown(client):
    """The issue's case: ranks follow the values at 2 decimals, so equal shown values share a rank in every output."""
    _, api = api_regions(_client_get(client), {"level": "2", "sector": "C", "indicator": "lq", "year": "2014"})
    ranked = [r for r in api.values() if r["rank"] is not None]
    assert len(ranked) == 268
    for region in ranked:
        shown = round(region["value"], 2)
        assert region["rank"] == 1 + sum(1 for other in ranked if round(other["value"], 2) > shown + 1e-9), region["nuts_id"]
    assert any(sum(1 for o in ranked if o["rank"] == r["rank"]) > 1 for r in ranked), "some regions share a rank at 2 decimals"


# ---- the API's ranks against the raw Eurostat file -------------------------------------------


def raw_employment(sbs_path, nace_r2: str, year: int) -> dict[str, tuple[float | None, str]]:
    """geo -> (persons employed or None, flag letters) from the raw TSV, for one NACE code and year."""
    out = {}
    with gzip.open(sbs_path, "rt", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader)
        column = [h.strip() for h in header].index(str(year))
        for row in reader:
            nace, indicator, geo = row[0].split(",")
            if nace != nace_r2 or indicator != "V16110":
                continue
            number, _, flag = row[column].strip().partition(" ")
            out[geo] = (None if number == ":" else float(number), flag.strip())
    return out


@pytest.mark.parametrize("nace_r2", ["C29", "C", "G47"])
def test_api_ranks_employment_as_the_raw_file_does(client, sbs_path, nace_r2):
    """Employment at NUTS 2 in 2014: the API's value and rank of every region from the raw cells, ranked here."""
    body, api = api_regions(_client_get(client), {"level": "2", "sector": nace_r2, "indicator": "employment", "year": "2014"})
    raw = raw_employment(sbs_path, nace_r2, 2014)
    values = {code: raw.get(code, (None, ""))[0] for code in api}
    assert sum(v is not None for v in values.values()) == body["ranked"]
    for code, region in api.items():
        value = values[code]
        assert region["value"] == value, code
        expected = None if value is None else 1 + sum(1 for other in values.values() if other is not None and other > value)
        assert region["rank"] == expected, code
        if value is None:
            assert region["status"] == ("confidential" if "c" in raw.get(code, (None, ""))[1] else "no data"), code


# ---- in the browser ----------------------------------------------------------------------------


def _previous_year(query: dict) -> dict:
    return {**query, "year": str(int(query["year"]) - 1)}


SCREEN = """() => {
  const plot = document.querySelector('#map .js-plotly-plot');
  const trace = plot.data[0];
  const rows = [...document.querySelectorAll('#ranking-body tr[data-region]')].map(tr => ({
    code: tr.getAttribute('data-region'),
    rank: tr.querySelector('.ranking-col-rank').textContent,
    value: tr.querySelector('.ranking-col-value').textContent,
  }));
  return {locations: Array.from(trace.locations), z: Array.from(trace.z), customdata: trace.customdata,
          ticktext: trace.colorbar.ticktext, title: plot.layout.title.text, rows: rows};
}"""

READY = """([title, rows]) => {
  const plot = document.querySelector('#map .js-plotly-plot');
  const caption = document.getElementById('ranking-caption');
  return plot && plot.data && plot.layout.title.text === title && caption && caption.textContent.startsWith(title)
    && document.querySelectorAll('#ranking-body tr[data-region]').length === rows;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_screen_equals_the_api_and_the_csv(page, live_app, dashboard_data, query):
    """The page opens on the year before and steps to the view's year: the map is then drawn by assets/map.js."""

    def get(url: str) -> tuple[int, str]:
        with urllib.request.urlopen(live_app + url) as response:
            return response.status, response.read().decode()

    body, api = api_regions(get, query)
    table = csv_regions(get, query)
    view, _ = parse_view(query, view_options(dashboard_data))
    zoom = query.get("zoom")
    rows = sum(1 for r in body["regions"] if not zoom or r["nuts_id"].startswith(zoom[:2]))
    page.goto(f"{live_app}/?{urlencode(_previous_year(query))}")
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)
    page.locator("#year [role=slider]").first.focus()
    page.keyboard.press("ArrowRight")  # a values payload, applied by assets/map.js
    page.wait_for_function(READY, arg=[map_title(view), rows], timeout=20_000)
    screen = page.evaluate(SCREEN)
    for classes in (False, True):  # values and ranks first, so they are checked even while the exports lack the classes
        check_exports_agree(body, api, table, classes=classes)
        check_screen(query, body, api, screen, screen["rows"], view_unit(view), classes=classes)
