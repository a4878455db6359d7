"""NUTS 2024 → NUTS 2013 by area, and finding an organisation whose region changed code.

Expected shares come from an independent computation here: the mirror's raw GISCO GeoJSON
read with ``json``, shapes built with shapely, projected to EPSG:3035 with pyproj, and
intersected pair by pair, without the simplification the app's shapes have (hence a
tolerance of two percentage points). The organisations are the seeded SYNTHETIC sample
of ``tests/test_points_layer.py``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import shapely
from playwright.sync_api import expect
from pyproj import Transformer
from shapely.geometry import shape

from dashboard.points_layer import found_note, found_organisation, found_region, points_payload
from dashboard.view import MapView
from layers.nuts import load_nuts
from layers.nuts_versions import EQUAL_AREA_CRS, version_map
from tests import test_points_layer
from tests.conftest import save_artifact

# the synthetic sample's fixtures (a points build over the mirror build), shared with the organisations layer's tests
points_data, orgs, points_app, points_page = test_points_layer.points_data, test_points_layer.orgs, test_points_layer.points_app, test_points_layer.points_page

TOLERANCE = 0.02
"""The app's shapes are simplified (about 1 km); the independent overlap uses the raw ones."""
CASES = {"FRK2": "FR71", "FRK": "FR7", "PL91": "PL12", "HU11": "HU10", "LT01": "LT00", "DE40": "DE40", "NO08": "NO03"}
"""NUTS 2024 code → the NUTS 2013 code that covers most of it (renamed, split, merged, unchanged)."""


@cache
def _raw_regions(path: Path, level: int) -> dict[str, shapely.Geometry]:
    """One level of a GISCO file, straight from its JSON, in EPSG:3035."""
    to_laea = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    features = json.loads(path.read_text())["features"]
    out = {}
    for f in features:
        if f["properties"]["LEVL_CODE"] == level:
            geometry = shapely.make_valid(shape(f["geometry"]))
            out[f["properties"]["NUTS_ID"]] = shapely.transform(geometry, lambda xy: np.column_stack(to_laea.transform(xy[:, 0], xy[:, 1])))
    return out


def independent_overlap(mirror: Path, code_2024: str) -> dict[str, float]:
    """Each NUTS 2013 region's share of ``code_2024``'s area (above 0.5 %), from the raw files."""
    level = len(code_2024) - 2
    new = _raw_regions(mirror / "gisco" / "NUTS_RG_20M_2024_4326.geojson", level)[code_2024]
    old = _raw_regions(mirror / "gisco" / "NUTS_RG_20M_2013_4326.geojson", level)
    shares = {code: new.intersection(g).area / new.area for code, g in old.items() if new.intersects(g)}
    return {code: share for code, share in shares.items() if share > 0.005}


@pytest.fixture(scope="module")
def versions(mirror: Path, tmp_path_factory: pytest.TempPathFactory):
    """The map as the app computes it: the two versions' shapes as loaded (``layers.nuts.load_nuts``)."""
    cache_dir = tmp_path_factory.mktemp("nuts")
    new = load_nuts(mirror / "gisco" / "NUTS_RG_20M_2024_4326.geojson", year=2024, cache_dir=cache_dir).regions
    old = load_nuts(mirror / "gisco" / "NUTS_RG_20M_2013_4326.geojson", year=2013, cache_dir=cache_dir).regions
    return version_map(new, old, source_year=2024, target_year=2013)


@pytest.mark.parametrize(("code", "expected"), CASES.items())
def test_best_match_and_share_agree_with_an_independent_overlap(versions, mirror, code, expected):
    raw = independent_overlap(mirror, code)
    assert max(raw, key=raw.__getitem__) == expected  # the raw files say so, whatever the app computes
    match = versions.best(code)
    assert match is not None and match.target == expected
    assert match.share == pytest.approx(raw[expected], abs=TOLERANCE)
    assert match.sentence() == f"NUTS 2024 {code} ≈ NUTS 2013 {expected} ({round(match.share * 100)} % of its area)"
    listed = versions.matches(code)
    assert listed["target"].iloc[0] == expected and (listed["share"].diff().dropna() <= 0).all()
    # every NUTS 2013 region covering a sizeable part is listed, with its share
    for target, share in raw.items():
        if share > 0.05:
            assert target in set(listed["target"]), (code, target, share)
            assert float(listed.set_index("target").loc[target, "share"]) == pytest.approx(share, abs=TOLERANCE)


def test_a_code_of_a_country_that_left_has_no_match(versions):
    assert versions.best("UKI3") is None  # the UK is in NUTS 2013, not in NUTS 2024: nothing to match from
    assert versions.best("NOPE") is None


# --- an organisation whose region changed code --------------------------------------------


def _moved_organisation(orgs, points_data) -> str:
    """An organisation whose NUTS 2 code is not a statistics region: in FRK2 if the sample has one."""
    frame = orgs.frame
    moved = frame.loc[frame["nuts2"].notna() & ~frame["nuts2"].isin(points_data.statistics_regions)]
    in_frk2 = moved.loc[moved["nuts2"] == "FRK2"]
    assert len(moved), "the sample has no organisation in a renamed region"
    return str((in_frk2 if len(in_frk2) else moved).iloc[0]["id"])


def test_found_organisation_opens_the_statistics_region_covering_it(orgs, points_data, mirror):
    oid = _moved_organisation(orgs, points_data)
    row = orgs.get(oid)
    raw = independent_overlap(mirror, row["nuts2"])
    expected = max(raw, key=raw.__getitem__)
    focus, level, zoom, shown = found_organisation(points_data, oid)
    assert (focus, level, zoom, shown) == (expected, 2, expected, "on")
    assert expected in points_data.statistics_regions
    match = found_region(points_data, oid)
    assert match is not None and abs(match.percent - raw[expected] * 100) <= TOLERANCE * 100
    note = "".join(part if isinstance(part, str) else part.children for part in found_note(points_data, oid))
    assert f"NUTS 2024 {row['nuts2']} ≈ NUTS 2013 {expected} ({match.percent} % of its area)" in note
    # the statistics region's portfolio lists the organisations located in the NUTS 2024 region it covers
    assert oid in set(orgs.in_region(expected)["id"])
    assert oid in set(orgs.in_region(row["nuts2"])["id"])


def _excluding_section(nace_codes: str) -> str:
    """A NACE section none of the organisation's codes is in."""
    held = {code[0] for code in nace_codes.split(";") if code}
    return next(s for s in "CFGHJMNK" if s not in held)


@pytest.mark.browser
def test_finding_an_organisation_opens_the_nuts2013_portfolio_and_highlights_it(points_page, points_app, orgs, points_data, mirror):
    oid = _moved_organisation(orgs, points_data)
    row = orgs.get(oid)
    section = _excluding_section(row["nace"])
    assert not orgs.in_sector(section)[orgs.frame.index[orgs.frame["id"] == oid][0]]  # the sector filter excludes it
    raw = independent_overlap(mirror, row["nuts2"])
    expected = max(raw, key=raw.__getitem__)

    page = points_page
    page.goto(f"{points_app}/?level=2&sector={section}&points=on")
    expect(page.locator("#map .choroplethlocation").first).to_be_visible(timeout=20_000)
    page.click("#organisation-search")
    search = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    search.wait_for(state="visible", timeout=5_000)
    search.fill(row["name"])
    option = page.locator(".dash-dropdown-content .dash-dropdown-option", has_text=row["name"])
    expect(option.first).to_be_visible(timeout=10_000)
    option.first.click()

    # the NUTS 2013 region's portfolio opens, with statistics
    expect(page).to_have_url(re.compile(rf"region={expected}(&|$)"), timeout=15_000)
    expect(page).to_have_url(re.compile(rf"sector={section}(&|$)"))
    panel = page.locator("#portfolio-panel")
    expect(panel.locator("h2")).to_contain_text(f"({expected})", timeout=15_000)
    expect(panel).to_contain_text("Strongest sectors", timeout=15_000)
    expect(panel).not_to_contain_text("No statistics")
    expect(panel.locator(".portfolio-organisations")).to_contain_text(row["name"])
    # the line naming the match, its share from the independent overlap
    note = page.locator("#found-organisation-note .nuts-version-match")
    expect(note).to_contain_text(f"NUTS 2024 {row['nuts2']} ≈ NUTS 2013 {expected} (")
    shown = int(re.search(r"\((\d+) % of its area\)", note.text_content() or "").group(1))
    assert abs(shown - raw[expected] * 100) <= TOLERANCE * 100 + 1

    # drawn and highlighted although the sector filter leaves it out of the layer
    found_trace = """() => { const gd = document.querySelector('#map .js-plotly-plot');
        const t = gd && gd.data.find((d) => (d.name || '').startsWith('Found: '));
        return t ? {ids: t.customdata, lon: t.lon, symbol: t.marker.symbol,
                    layer: (gd.data.find((d) => d.type === 'scattergeo' && !(d.name || '').startsWith('Found: ')) || {}).customdata || []} : null; }"""
    page.wait_for_function(f"({found_trace})() !== null", timeout=15_000)
    drawn = page.evaluate(found_trace)
    assert drawn["ids"] == [oid] and drawn["symbol"] == "star" and oid not in drawn["layer"]
    view = MapView(level=2, nace_r2=section, points=True, zoom=expected)
    assert oid not in points_payload(orgs, view, points_data.bounds.get(expected))["ids"]
    expect(page.locator("#map .legend")).to_contain_text(f"Found: {row['name']}")
    save_artifact(page, "found-organisation-nuts2013")

    # another year (values only, no new figure): still drawn
    page.locator("#year [role=slider]").first.focus()
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"year=2013"), timeout=15_000)
    page.wait_for_function(f"(({found_trace})() || {{ids: []}}).ids[0] === {json.dumps(oid)}", timeout=15_000)
