"""The numbers ``/api/v1/values`` and ``/export.csv`` serve, against facts read from the raw file.

The expectations come from :mod:`tests.raw_sbs`, which reads the mirror's
``sbs_r_nuts06_r2.tsv.gz`` with its own parser and recomputes the derived indicators
from ``docs/methodology.md``; nothing here calls the code that made the numbers.
Multiplying every value by 1.01 in ``layers/query.py`` fails these tests.
"""

from __future__ import annotations

import csv
import io
import json
import math
import urllib.request
from collections.abc import Iterator

import pytest

from tests.raw_sbs import (
    Cell,
    RawSbs,
    assert_same,
    expected_view,
    finite,
    parse_cell,
    words,
)


def test_cell_parser():
    assert parse_cell("708 ") == Cell(708.0, "")
    assert parse_cell("12.5 pe") == Cell(12.5, "ep")
    assert parse_cell("-3.1 b ") == Cell(-3.1, "b")
    got = parse_cell(": c")
    assert math.isnan(got.value) and got.flag == "c"
    got = parse_cell(": ")
    assert math.isnan(got.value) and got.flag == ""


# ---------------------------------------------------------------- fixtures and helpers


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200, url
        return response.read().decode("utf-8")


def api_rows(live_app: str, query: str) -> tuple[dict, list[dict]]:
    body = json.loads(fetch(f"{live_app}/api/v1/values?{query}"), parse_constant=lambda t: pytest.fail(f"JSON constant {t}"))
    return body, body["regions"]


def csv_rows(live_app: str, query: str) -> list[dict]:
    """The CSV's rows, read with csv (QUOTE_NONNUMERIC: unquoted cells are numbers, empty ones missing)."""
    lines = [line for line in fetch(f"{live_app}/export.csv?{query}").splitlines() if not line.startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(lines[1:])), quoting=csv.QUOTE_NONNUMERIC)
    header = next(csv.reader([lines[0]]))
    out = []
    for cells in reader:
        row = dict(zip(header, cells, strict=True))
        row["value"] = None if row["value"] == "" else row["value"]
        row["rank"] = None if row["rank"] == "" else int(row["rank"])
        out.append(row)
    return out


# ---------------------------------------------------------------- the views

VIEWS = [
    # level, sector, indicator, year
    (2, "C29", "employment", 2014),
    (2, "B", "employment", 2008),
    (1, "TOTAL", "employment", 2015),  # partial totals
    (1, "G47", "local_units", 2012),
    (0, "S95", "local_units", 2014),
    (2, "TOTAL", "local_units", 2014),
    (0, "C", "wages", 2010),
    (2, "N", "wages", 2015),  # 2015 is about half filled
    (2, "C", "lq", 2014),  # the rank-drift view of issue 11
    (1, "F", "lq", 2009),
    (0, "M", "lq", 2013),
    (0, "J", "employment_share", 2011),
    (2, "G471", "employment_share", 2014),
    (2, "G471", "avg_wage", 2013),
    (0, "TOTAL", "avg_wage", 2011),
    (1, "G47", "stars", 2015),
    (2, "C29", "stars", 2014),
]


def view_query(level: int, sector: str, indicator: str, year: int) -> str:
    return f"level={level}&sector={sector}&indicator={indicator}&year={year}"


@pytest.mark.parametrize("level, sector, indicator, year", VIEWS)
def test_api_and_csv_values_are_the_raw_files(live_app, raw, level, sector, indicator, year):
    query = view_query(level, sector, indicator, year)
    body, regions = api_rows(live_app, query)
    ids = [r["nuts_id"] for r in regions]
    assert set(ids) <= raw.shapes[level], "every region served has a NUTS 2013 shape at that level"
    expected = expected_view(raw, ids, level=level, sector=sector, indicator=indicator, year=year)
    assert_same(regions, expected, f"/api/v1/values?{query}")
    assert body["ranked"] == sum(e.rank is not None for e in expected)
    assert_same(csv_rows(live_app, query), expected, f"/export.csv?{query}")


def test_the_views_cover_every_status_and_flags_beyond_c(live_app, raw):
    """The views above meet confidential, missing and flagged cells, so their checks mean something."""
    statuses, flags = set(), set()
    for level, sector, indicator, year in VIEWS:
        regions = api_rows(live_app, view_query(level, sector, indicator, year))[1]
        statuses |= {r["status"] for r in regions}
        flags |= set("".join(r["flag"] for r in regions))
    assert statuses == {"value", "confidential", "no data"}
    assert {"c"} < flags, flags


def flagged_cells(raw: RawSbs) -> Iterator[tuple[int, str, str, int, str, Cell]]:
    """Raw cells with a flag other than ``c``, at regions the map draws (first per flag letter and indicator)."""
    seen = set()
    for (name, nace, geo, year), cell in sorted(raw.cells.items()):
        level = len(geo) - 2
        for letter in cell.flag.replace("c", ""):
            if level in raw.shapes and geo in raw.shapes[level] and (letter, name) not in seen:
                seen.add((letter, name))
                yield level, nace, name, year, geo, cell


def test_flagged_raw_cells_keep_their_value_and_flags(live_app, raw):
    cells = list(flagged_cells(raw))
    assert len(cells) >= 3, cells  # the file has estimated, provisional, ... cells
    for level, nace, name, year, geo, cell in cells:
        query = view_query(level, nace, name, year)
        for what, rows in (("api", api_rows(live_app, query)[1]), ("csv", csv_rows(live_app, query))):
            row = next(r for r in rows if r["nuts_id"] == geo)
            assert row["flag"] == cell.flag and row["flag_text"].startswith(words(cell.flag)), (what, query, geo, row, cell)
            if finite(cell.value):
                assert row["value"] == cell.value and row["status"] == "value", (what, query, geo, row, cell)
            else:
                assert row["value"] is None and row["status"] != "value", (what, query, geo, row, cell)


def test_worked_facts_from_the_raw_file(live_app, raw):
    """A few numbers spelled out, as a person would check them by hand against the file."""
    de11 = next(r for r in api_rows(live_app, view_query(2, "C29", "employment", 2014))[1] if r["nuts_id"] == "DE11")
    assert raw.cell("employment", "C29", "DE11", 2014) == Cell(158012.0, "")
    assert de11["value"] == 158012.0 and de11["rank"] == 1
    confidential = [
        (geo, c)
        for (name, nace, geo, year), c in raw.cells.items()
        if (name, nace, year) == ("employment", "C29", 2014) and c.flag == "c" and geo in raw.shapes[2]
    ]
    assert confidential, "C29 employment 2014 has confidential NUTS 2 cells in the file"
    regions = {r["nuts_id"]: r for r in api_rows(live_app, view_query(2, "C29", "employment", 2014))[1]}
    for geo, _ in confidential:
        assert regions[geo]["value"] is None and regions[geo]["status"] == "confidential" and regions[geo]["rank"] is None
