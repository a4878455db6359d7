"""A region's indicator over the years (issue 13, item 2): every year's value, flag and status against the raw file.

Expected numbers come from the raw TSV through the tests' own parser (``tests.raw_sbs``:
``expected_view`` and ``expected_group_view`` recompute each year's value, flag, status and
notes from raw cells by ``docs/methodology.md``); Europe's sums are recomputed here from the
raw NUTS 0 cells. Nothing is taken from ``layers``.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

import pytest

from tests.raw_sbs import TOTAL, Cell, RawGroup, expected_group_view, expected_view, finite, union, words

YEARS = list(range(2008, 2016))
DECIMALS = {"employment": 0, "local_units": 0, "wages": 1, "avg_wage": 0, "employment_share": 2, "lq": 2, "stars": 0, "employment_change": 1, "wages_change": 1}
DIGITAL = ["C26", "J61", "J62", "J63"]


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def get(client, path: str, **query) -> tuple[int, dict]:
    r = client.get(path + ("?" + urlencode(query) if query else ""))
    return r.status_code, r.get_json()


def series(client, geo: str, **query) -> dict:
    status, body = get(client, f"/api/v1/regions/{geo}/series", **query)
    assert status == 200, body
    return body


def shown(value: float, decimals: int) -> float:
    """The value as every view shows it: at the indicator's decimals, half to even (docs/methodology.md, "Ranks")."""
    scale = 10.0**decimals
    return round(value * scale) / scale + 0.0


def assert_value(got: float | None, expected: float, decimals: int, what: str) -> None:
    if not finite(expected):
        assert got is None, what
        return
    assert got is not None, what
    scaled = expected * 10.0**decimals
    at_boundary = abs(abs(scaled - math.floor(scaled)) - 0.5) < 1e-6  # float noise may round either way there
    assert got == shown(expected, decimals) or (at_boundary and abs(got - expected) <= 0.5 * 10.0**-decimals + 1e-9), (what, got, expected)


def raw_change(raw, name: str, code: str, geo: str, year: int) -> tuple[Cell, str]:
    """Change on the previous year from raw cells (methodology 4.2), with its flag and status."""
    now, before = raw.cell(name, code, geo, year), raw.cell(name, code, geo, year - 1)
    ok = finite(now.value) and finite(before.value) and before.value != 0
    cell = Cell((now.value / before.value - 1) * 100 if ok else math.nan, union(now.flag, before.flag))
    return cell, "value" if ok else "confidential" if "c" in cell.flag else "no data"


def expected_line(raw, geo: str, sector: str, indicator: str) -> list[tuple[float, str, str, str]]:
    """(value, flag, status, flag_text) per year of ``geo``'s line, from the raw file."""
    level = len(geo) - 2
    out = []
    for year in YEARS:
        if indicator.endswith("_change"):
            cell, status = raw_change(raw, indicator.removesuffix("_change"), sector, geo, year)
            out.append((cell.value, cell.flag, status, words(cell.flag)))
            continue
        if "," in sector:
            e = expected_group_view(raw, [geo], level=level, members=sector.split(","), indicator=indicator, year=year)[0]
        else:
            e = expected_view(raw, [geo], level=level, sector=sector, indicator=indicator, year=year)[0]
        out.append((e.value, e.flag, e.status, e.flag_text))
    return out


def assert_line(got: list[dict], expected: list[tuple[float, str, str, str]], decimals: int, what: str) -> None:
    assert [r["year"] for r in got] == YEARS, what  # every year, none dropped
    for row, (value, flag, status, text) in zip(got, expected):
        where = f"{what} {row['year']}"
        assert_value(row["value"], value, decimals, where)
        assert (row["flag"], row["status"], row["flag_text"]) == (flag, status, text), (where, row)


CASES = [
    ("DE11", "C29", "employment"),
    ("DE11", "C21", "employment"),  # confidential in 2012, values around it
    ("EL41", "C21", "employment"),  # no data in 2009 and 2012, confidential in 2011
    ("EL42", "C25", "local_units"),  # a gap: no data in 2009 between values
    ("ITC4", "C", "wages"),
    ("DE2", "C20", "avg_wage"),
    ("ITC4", "C10", "employment_share"),
    ("DE11", "C29", "lq"),
    ("FR71", "C29", "lq"),  # no data in 2008, 2009 and 2015
    ("EL41", "C21", "lq"),
    ("DE1", "C28", "lq"),
    ("AT13", "C30", "stars"),  # confidential 2011-2014
    ("DE11", "C29", "employment_change"),
    ("DE11", "J61", "employment_change"),  # confidential 2013 and 2014: no change in 2013-2015
    ("FR71", "C26,J61,J62,J63", "employment"),  # a group: partial sums said
    ("DE11", "C26,J61,J62,J63", "lq"),
]


@pytest.mark.parametrize(("geo", "sector", "indicator"), CASES, ids=[f"{g}-{s}-{i}" for g, s, i in CASES])
def test_every_year_of_the_region_and_its_country_is_the_raw_file(client, raw, geo, sector, indicator):
    body = series(client, geo, sector=sector, indicator=indicator)
    decimals = DECIMALS[indicator]
    assert body["indicator"]["decimals"] == decimals
    assert_line(body["series"], expected_line(raw, geo, sector, indicator), decimals, f"{geo} {sector} {indicator}")
    assert_line(body["country"], expected_line(raw, geo[:2], sector, indicator), decimals, f"{geo[:2]} {sector} {indicator}")
    assert body["region"]["nuts_id"] == geo and body["region"]["country"]["nuts_id"] == geo[:2]
    assert body["sector"]["code"] == sector


def test_the_confidential_year_and_the_gap_are_rows_without_a_value(client):
    stuttgart = {r["year"]: r for r in series(client, "DE11", sector="C21", indicator="employment")["series"]}
    assert stuttgart[2012] == {"year": 2012, "value": None, "flag": "c", "status": "confidential", "flag_text": "confidential"}
    assert stuttgart[2011]["value"] is not None and stuttgart[2013]["value"] is not None
    epirus = {r["year"]: r for r in series(client, "EL42", sector="C25", indicator="local_units")["series"]}
    assert epirus[2009]["value"] is None and epirus[2009]["status"] == "no data"
    assert epirus[2008]["value"] is not None and epirus[2010]["value"] is not None  # not interpolated, not dropped


def countries(raw) -> list[str]:
    """The countries of the data: NUTS 0 codes with a line in the file."""
    return sorted({geo for (_, _, geo, _) in raw.cells if len(geo) == 2})


def europe_sum(raw, name: str, sector: str, year: int) -> tuple[float, str, list[str]]:
    """The sum of the countries' raw cells with a value (TOTAL: their section sums), their flags, and the countries without one."""
    cells = {c: raw.base(name, sector, c, year) for c in countries(raw)}
    known = {c: cell for c, cell in cells.items() if finite(cell.value)}
    return (sum(cell.value for cell in known.values()) if known else math.nan), union(*(c.flag for c in known.values())), sorted(set(cells) - set(known))


@pytest.mark.parametrize(("sector", "indicator"), [("C29", "employment"), ("C10", "local_units"), ("J62", "wages"), ("B", "employment")])
def test_europe_is_the_sum_of_the_countries_raw_cells_and_names_the_ones_it_lacks(client, raw, sector, indicator):
    body = series(client, "ITC4", sector=sector, indicator=indicator)
    assert [r["year"] for r in body["europe"]] == YEARS
    for row in body["europe"]:
        value, flag, lacks = europe_sum(raw, indicator, sector, row["year"])
        assert_value(row["value"], value, DECIMALS[indicator], f"Europe {sector} {indicator} {row['year']}")
        assert (row["flag"], row["lacks"], row["partial"]) == (flag, lacks, bool(lacks)), row
    assert "sum of the NUTS 0 rows" in body["europe_definition"]


def test_europe_shares_wages_changes_and_lq(client, raw):
    every = countries(raw)
    share = series(client, "ITC4", sector="C10", indicator="employment_share")["europe"]
    wage = series(client, "ITC4", sector="C10", indicator="avg_wage")["europe"]
    change = series(client, "ITC4", sector="C10", indicator="employment_change")["europe"]
    for s, w, c in zip(share, wage, change):
        year = s["year"]
        e = {g: raw.cell("employment", "C10", g, year).value for g in every}
        total = {g: raw.total("employment", g, year)[0].value for g in every}
        both = [g for g in every if finite(e[g]) and finite(total[g]) and total[g] > 0]
        assert_value(s["value"], sum(e[g] for g in both) / sum(total[g] for g in both) * 100, 2, f"share {year}")
        wages = {g: raw.cell("wages", "C10", g, year).value for g in every}
        paid = [g for g in every if finite(wages[g]) and finite(e[g]) and e[g] > 0]
        assert_value(w["value"], sum(wages[g] for g in paid) * 1e6 / sum(e[g] for g in paid), 0, f"avg wage {year}")
        before = {g: raw.cell("employment", "C10", g, year - 1).value for g in every}
        matched = [g for g in every if finite(e[g]) and finite(before[g])]  # like with like: countries known in both years
        expected = (sum(e[g] for g in matched) / sum(before[g] for g in matched) - 1) * 100 if matched else math.nan
        assert_value(c["value"], expected, 1, f"change {year}")
        assert c["lacks"] == sorted(set(every) - set(matched))
    assert change[0]["value"] is None and change[0]["status"] == "no data"  # 2008: no previous year in the data
    lq = series(client, "DE11", sector="C29", indicator="lq")
    assert [r["value"] for r in lq["europe"]] == [1.0] * len(YEARS) and "1 by definition" in lq["europe_definition"]
    stars = series(client, "DE11", sector="C29", indicator="stars")
    assert stars["europe"] is None and "Europe as a whole has none" in stars["europe_definition"]


def test_a_groups_europe_sums_the_countries_member_sums(client, raw):
    body = series(client, "DE11", sector="digital-industries", indicator="employment")
    assert [m["code"] for m in body["sector"]["members"]] == DIGITAL
    group = RawGroup(raw, DIGITAL)
    for row in body["europe"]:
        cells = {c: group.cell("employment", c, row["year"]) for c in countries(raw)}
        known = {c: cell for c, (cell, _) in cells.items() if finite(cell.value)}
        assert_value(row["value"], sum(c.value for c in known.values()) if known else math.nan, 0, f"Europe digital {row['year']}")
        partial_sums = any(lacking for c, (cell, lacking) in cells.items() if c in known)
        assert row["partial"] == bool(set(cells) - set(known) or partial_sums), row


def test_europe_employment_is_the_portfolios_eu_row(client):
    """One number, one place: the series' Europe is the portfolio's EU sum for the same year."""
    europe = {r["year"]: r for r in series(client, "DE11", sector=TOTAL, indicator="employment")["europe"]}
    status, portfolio = get(client, "/api/v1/regions/DE11/portfolio", year="2012")
    assert status == 200
    eu = next(r for r in portfolio["comparison"]["rows"] if r["scope"] == "eu")
    assert europe[2012]["value"] == eu["employment"]


def test_the_data_function_the_page_calls(dashboard_data, raw):
    found = dashboard_data.series("DE11", "C26,J62,J61,J63", "employment")  # any spelling: the catalogue's canonical one
    assert found.nace_r2 == "C26,J61,J62,J63"
    assert list(found.region.columns) == ["year", "value", "flag", "status", "flag_text"]
    assert list(found.europe.columns) == ["year", "value", "flag", "status", "partial", "lacks"]
    assert_line(
        [dict(zip(found.region.columns, (None if isinstance(v, float) and math.isnan(v) else v for v in row))) for row in found.region.itertuples(index=False)],
        expected_line(raw, "DE11", "C26,J61,J62,J63", "employment"),
        0,
        "DashboardData.series",
    )
    found.region.loc[0, "value"] = -1.0  # a copy: the kept series is not changed
    assert dashboard_data.series("DE11", "C26,J61,J62,J63", "employment").region.loc[0, "value"] != -1.0


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"sector": "C99"}, "sector"),
        ({"sector": "C29", "indicator": "lq2"}, "indicator"),
        ({"year": "2012"}, "year"),
        ("sector=C29&sector=C28", "sector"),
    ],
)
def test_bad_parameters_are_400s_naming_them(client, query, parameter):
    path = "/api/v1/regions/DE11/series?" + (query if isinstance(query, str) else urlencode(query))
    r = client.get(path)
    assert r.status_code == 400, r.get_data(as_text=True)
    body = r.get_json()
    assert body["parameter"] == parameter and body["error"]


@pytest.mark.parametrize("geo", ["XX99", "de11", "DE11Z9", "UKZZ"])
def test_unknown_regions_are_404s(client, geo):
    status, body = get(client, f"/api/v1/regions/{geo}/series", sector="C29")
    assert status == 404 and body["parameter"] == "nuts_id"


def test_defaults_come_from_the_view_vocabulary(client):
    body = series(client, "DE11")
    assert body["sector"]["code"] == "C" and body["indicator"]["name"] == "employment"


def test_openapi_lists_the_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operation in (("series", "getRegionSeries"), ("similar", "getSimilarRegions")):
        item = spec["paths"][f"/api/v1/regions/{{nuts_id}}/{path}"]["get"]
        assert item["operationId"] == operation
        assert {"200", "400", "404"} <= set(item["responses"])
    names = [p["name"] for p in spec["paths"]["/api/v1/regions/{nuts_id}/series"]["get"]["parameters"]]
    assert names == ["nuts_id", "sector", "indicator"]
    from openapi_spec_validator import validate

    validate(spec)
