"""The organisations layer: catalogue lookups, clustered and individual points, search, portfolio, and the layer in Chromium.

The records are a seeded SYNTHETIC sample (``layers.points.synthetic``) placed in real
NUTS 2024 regions of the mirror; they go through ``build_points`` as a user's file would.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
from dash import html
from playwright.sync_api import expect

from dashboard import portfolio_panel
from dashboard.figures import MapView, apply_payload, points_trace, zoom_frame
from dashboard.points_layer import INDIVIDUAL_LIMIT, MAX_CLUSTER_PX, MIN_CLUSTER_PX, found_organisation, points_payload, search_options
from dashboard.view import parse_view, view_options, view_query
from layers.points.catalogue import ORGANISATIONS_FILE, Organisations
from tests.conftest import save_artifact, serving

SAMPLE_SIZE = 1500
SEED = 11


@pytest.fixture(scope="module")
def points_data(built, mirror: Path, tmp_path_factory: pytest.TempPathFactory):
    """The mirror build plus a points build of a synthetic sample, loaded as ``clustermap serve`` would."""
    from dashboard.data import load_dashboard_data
    from layers.points.build import build_points
    from layers.points.synthetic import write_sample

    built_dir, _ = built
    data_dir = tmp_path_factory.mktemp("points-data")
    shutil.copytree(built_dir, data_dir, dirs_exist_ok=True)
    sample = write_sample(data_dir / "sample.csv", n=SAMPLE_SIZE, seed=SEED, regions=mirror / "gisco" / "NUTS_RG_20M_2024_4326.geojson")
    report = build_points(sample, data_dir=data_dir, mirror=mirror)
    assert (data_dir / ORGANISATIONS_FILE).is_file()
    data = load_dashboard_data(data_dir=data_dir, mirror=mirror)
    assert data.organisations is not None and len(data.organisations) == report.inside + report.snapped
    return data


@pytest.fixture(scope="module")
def orgs(points_data) -> Organisations:
    return points_data.organisations


def test_catalogue_says_synthetic_and_counts_every_located_record(orgs, points_data):
    assert orgs.synthetic and orgs.kind == "synthetic organisations"
    assert orgs.label.startswith(f"{len(orgs):,} synthetic organisations (sample.csv)")
    assert orgs.frame["id"].is_unique
    assert orgs.frame["nuts0"].notna().all()  # every located point is in a country
    # a finer code is missing only where the country has no regions at that level (e.g. UA in NUTS 2024)
    for level in (1, 2, 3):
        with_level = {code[:2] for code in points_data.point_geometry[level].ids}
        assert not set(orgs.frame.loc[orgs.frame[f"nuts{level}"].isna(), "nuts0"]) & with_level


def test_sector_filter_matches_codes_by_prefix(orgs):
    codes = orgs.frame["nace"].str.split(";")
    expected = np.array([any(c.startswith("C") for c in cs) for cs in codes])
    assert (orgs.in_sector("C") == expected).all() and 0 < expected.sum() < len(orgs)
    c29 = orgs.in_sector("C29")
    assert (c29 <= orgs.in_sector("C")).all()
    assert orgs.in_sector("TOTAL").all()


def test_region_lookup_and_search(orgs):
    country = orgs.frame["nuts0"].value_counts().index[0]
    inside = orgs.in_region(country)
    assert len(inside) == (orgs.frame["nuts0"] == country).sum() and inside["name"].is_monotonic_increasing
    assert orgs.in_region("XX123456").empty
    hits = orgs.search("cluster 0042")
    assert hits["name"].tolist() == ["Synthetic cluster 0042"]
    assert orgs.search("syn-0042")["id"].tolist() == ["SYN-0042"]  # an exact id, any case
    assert len(orgs.search("synthetic", limit=7)) == 7
    assert orgs.search("").empty and orgs.search("no such organisation").empty


def test_europe_is_clustered_and_every_organisation_counted(orgs):
    payload = points_payload(orgs, MapView(nace_r2="TOTAL"), None)
    assert payload["kind"] == "clusters" and len(orgs) > INDIVIDUAL_LIMIT
    assert payload["count"] == len(orgs)
    circles = len(payload["lon"])
    assert 1 < circles < len(orgs) and len(payload["lat"]) == len(payload["text"]) == len(payload["size"]) == len(payload["ids"]) == circles
    counted = 0
    for text, oid in zip(payload["text"], payload["ids"]):
        match = re.match(r"<b>([\d,]+) synthetic organisations</b>", text)
        counted += int(match.group(1).replace(",", "")) if match else 1
        assert bool(oid) == (match is None)  # a lone organisation keeps its own tooltip and id
    assert counted == len(orgs)
    assert max(payload["size"]) <= MAX_CLUSTER_PX and min(payload["size"]) >= MIN_CLUSTER_PX
    assert "clustered" in payload["name"] and payload["name"].startswith("Synthetic organisations")


def test_zoomed_region_shows_each_organisation_with_name_sectors_region(orgs, points_data):
    region = orgs.frame["nuts2"].value_counts().index[-1]
    bounds = points_data.bounds.get(region) or tuple(
        orgs.frame.loc[orgs.frame["nuts2"] == region, ["longitude", "latitude"]].agg(["min", "max"]).T.to_numpy().T.ravel()[[0, 2, 1, 3]]
    )
    payload = points_payload(orgs, MapView(nace_r2="TOTAL", zoom=region), bounds)
    assert payload["kind"] == "organisations"
    lon_range, lat_range = zoom_frame(bounds)
    f = orgs.frame
    in_frame = f.loc[f["longitude"].between(*lon_range) & f["latitude"].between(*lat_range)]
    assert sorted(payload["ids"]) == sorted(in_frame["id"])
    first = in_frame.set_index("id").loc[payload["ids"][0]]
    text = payload["text"][0]
    assert f"<b>{first['name']}</b>" in text and "Sectors: " in text and first["nuts3"] in text and "synthetic record" in text


def test_tooltip_escapes_names(orgs):
    frame = orgs.frame.copy()
    frame.loc[0, "name"] = '<img src=x onerror="alert(1)">'
    hostile = Organisations(frame=frame, source="hostile.csv", region_names=orgs.region_names)
    row = frame.iloc[0]
    bounds = (row["longitude"] - 0.01, row["latitude"] - 0.01, row["longitude"] + 0.01, row["latitude"] + 0.01)
    payload = points_payload(hostile, MapView(nace_r2="TOTAL"), bounds)
    text = payload["text"][payload["ids"].index(row["id"])]
    assert "<img" not in text and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text


def test_points_in_the_url(points_data):
    options = view_options(points_data)
    view, problems = parse_view({"points": "on"}, options)
    assert view.points and not problems and "points=on" in view_query(view)
    view, problems = parse_view({"points": "off"}, options)
    assert not view.points and not problems and "points" not in view_query(view)
    view, problems = parse_view({"points": "maybe"}, options)
    assert not view.points and [p.parameter for p in problems] == ["points"]


def test_the_ranking_of_a_nuts3_organisation_view(points_data):
    from dashboard import ranking

    view = MapView(level=3, nace_r2="C", indicator="org_count", year=2014)
    rows = ranking.ranking_rows(points_data, view)
    figure = ranking.ranking_figure(rows, view)
    assert "NUTS 3 regions" in figure["layout"]["title"]["text"]
    assert len(rows) == len(points_data.point_geometry[3].ids) and rows["nuts_id"].str.len().eq(5).all()


def test_payload_adds_the_layer_to_the_figure_and_removes_it(orgs, points_data):
    from dashboard.callbacks import map_update

    view = MapView(level=2, nace_r2="C", points=True)
    figure, _ = map_update(points_data, view, full=True)
    assert [t["type"] for t in figure["data"]] == ["choropleth", "scattergeo"]
    layer = figure["data"][1]
    assert layer == points_trace(points_payload(orgs, view, None))
    figure, _ = map_update(points_data, dataclasses.replace(view, points=False), full=True)
    assert [t["type"] for t in figure["data"]] == ["choropleth"]
    _, payload = map_update(points_data, view, full=False)
    assert payload["points"]["count"] == int(orgs.in_sector("C").sum())
    assert [t["type"] for t in apply_payload(figure, payload)["data"]] == ["choropleth", "scattergeo"]


def test_search_options_and_jump(orgs, points_data):
    options = search_options(orgs, "cluster 0042")
    assert [o["value"] for o in options] == ["SYN-0042"] and options[0]["label"].startswith("Synthetic cluster 0042 · ")
    row = orgs.get("SYN-0042")
    focus, level, zoom, shown = found_organisation(points_data, "SYN-0042")
    assert focus == zoom and shown == "on" and focus in points_data.bounds
    assert focus == row[f"nuts{level}"]
    assert search_options(orgs, "cluster 0043", current="SYN-0042")[0]["value"] == "SYN-0042"  # the chosen one stays listed


def test_portfolio_lists_the_organisations_of_the_region(orgs, points_data):
    from tests.test_portfolio_panel import find, text

    region = next(code for code in orgs.frame["nuts2"].value_counts().index if code in points_data.bounds)
    children = portfolio_panel.portfolio_children(points_data, region, 2014)
    inside = orgs.in_region(region)
    titles = [text(h) for h in find(children, html.H3)]
    assert f"Organisations in this region ({len(inside):,})" in titles
    table = find(children, html.Table, "portfolio-organisations")[0]
    names = [text(r.children[0]) for r in find(find(table, html.Tbody)[0], html.Tr)]
    assert names == inside["name"].head(portfolio_panel.ORGANISATIONS_SHOWN).tolist()
    assert "Synthetic sample records, not real organisations" in text(children)


def test_no_records_no_section(dashboard_data):
    assert dashboard_data.organisations is None
    assert portfolio_panel.organisations_section(dashboard_data, "DE11") == []


# --- in the browser -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def points_app(points_data):
    with serving(points_data) as url:
        yield url


@pytest.fixture
def points_page(browser, points_app):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)  # wait_for_function evaluates strings: conftest.page
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()


@pytest.mark.browser
def test_layer_toggle_tooltip_and_search_in_the_browser(points_page, points_app, orgs, points_data):
    page = points_page
    page.goto(f"{points_app}/?level=2&sector=TOTAL")
    expect(page.locator("#map .choroplethlocation").first).to_be_visible(timeout=20_000)
    assert page.locator("#map .scattergeo .point").count() == 0

    page.get_by_label("Show on the map").check()
    points = page.locator("#map .scattergeo .point")
    expect(points.first).to_be_visible(timeout=10_000)
    expect(page).to_have_url(re.compile(r"points=on"))
    expected = points_payload(orgs, MapView(nace_r2="TOTAL"), None)
    assert points.count() == len(expected["lon"])
    expect(page.locator("#map .legend")).to_contain_text("Synthetic organisations")

    # the tooltip of a lone organisation on mainland Europe: its name, sectors and region
    mainland = [i for i, (oid, lon, lat) in enumerate(zip(expected["ids"], expected["lon"], expected["lat"])) if oid and 0 < lon < 25 and 44 < lat < 56]
    lone = mainland[0]
    points.nth(lone).hover(force=True)
    row = orgs.get(expected["ids"][lone])
    hover = page.locator("#map .hoverlayer")
    expect(hover).to_contain_text(row["name"], timeout=5_000)
    expect(hover).to_contain_text("Sectors:")
    expect(hover).to_contain_text(row["nuts3"])

    # a sector change keeps the layer and filters it
    page.goto(f"{points_app}/?level=2&sector=C&points=on")
    expect(page.locator("#map .legend")).to_contain_text(f"{int(orgs.in_sector('C').sum()):,} in C Manufacturing", timeout=20_000)

    page.get_by_label("Hide").check()
    expect(page.locator("#map .scattergeo .point")).to_have_count(0, timeout=10_000)
    expect(page).not_to_have_url(re.compile(r"points=on"))

    # find an organisation by name: the map zooms to its region, the layer shows, the portfolio lists it
    page.click("#organisation-search")
    search = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    search.wait_for(state="visible", timeout=5_000)
    search.fill("cluster 0042")
    option = page.locator(".dash-dropdown-content .dash-dropdown-option", has_text="Synthetic cluster 0042")
    expect(option).to_have_count(1, timeout=10_000)  # suggested by the server as the name is typed
    option.click()
    target = found_organisation(points_data, "SYN-0042")[0]
    expect(page).to_have_url(re.compile(r"points=on"), timeout=10_000)
    expect(page).to_have_url(re.compile(rf"zoom={target}"), timeout=10_000)
    panel = page.locator("#portfolio-panel")
    expect(panel).to_contain_text("Organisations in this region", timeout=15_000)
    expect(panel.locator(".portfolio-organisations")).to_contain_text("Synthetic cluster 0042")
    expect(page.locator("#map .scattergeo .point").first).to_be_visible(timeout=10_000)
    save_artifact(page, "points-layer-search")

    origin = urlparse(points_app).netloc
    outside = [u for u in page.requests if urlparse(u).netloc not in (origin, "")]
    assert outside == []


# --- organisation indicators on NUTS 2024 -------------------------------------------------


def _independent_counts(orgs: Organisations, level: int, sector: str) -> dict[str, int]:
    codes = orgs.frame["nace"].str.split(";")
    inside = codes.map(lambda cs: sector == "TOTAL" or any(c.startswith(sector) for c in cs))
    return orgs.frame.loc[inside, f"nuts{level}"].value_counts().to_dict()


@pytest.mark.parametrize(("level", "sector"), [(0, "TOTAL"), (2, "C"), (3, "C"), (2, "C29"), (1, "G")])
def test_organisation_counts_match_the_records(points_data, orgs, level, sector):
    shapes = points_data.shapes(MapView(level=level, nace_r2=sector, indicator="org_count"))
    assert shapes.key == f"2024-{level}" and len(shapes.ids) > 0
    values = points_data.values(MapView(level=level, nace_r2=sector, indicator="org_count"), pd.Series(shapes.ids))
    expected = _independent_counts(orgs, level, sector)
    got = dict(zip(values["nuts_id"], values["value"]))
    assert {k: int(v) for k, v in got.items() if v > 0} == {k: v for k, v in expected.items() if k in got}
    assert sum(expected.values()) == sum(v for k, v in expected.items() if k in got)  # every located organisation has a shape
    assert (values["status"] == "value").all()  # a region without organisations counts 0, never "no data"


def test_members_sum_what_the_records_report(points_data, orgs):
    view = MapView(level=2, nace_r2="TOTAL", indicator="org_members")
    shapes = points_data.shapes(view)
    values = points_data.values(view, pd.Series(shapes.ids)).set_index("nuts_id")
    frame = orgs.frame
    for region, group in list(frame.groupby("nuts2"))[:25]:
        reported = group["members"].dropna()
        if len(reported):
            assert values.loc[region, "value"] == int(reported.sum())
        else:
            assert np.isnan(values.loc[region, "value"]) and "not reported" in values.loc[region, "flag_text"]


def test_organisation_indicators_in_the_url_and_their_levels(points_data):
    options = view_options(points_data)
    view, problems = parse_view({"indicator": "org_count", "level": "3"}, options)
    assert (view.indicator, view.level, problems) == ("org_count", 3, [])
    view, problems = parse_view({"indicator": "employment", "level": "3"}, options)
    assert view.level != 3 and [p.parameter for p in problems] == ["level"] and "organisation indicators only" in problems[0].message


def test_without_records_no_organisation_indicators(dashboard_data):
    view, problems = parse_view({"indicator": "org_count"}, view_options(dashboard_data))
    assert view.indicator == "employment" and [p.parameter for p in problems] == ["indicator"]


def test_organisation_map_uses_nuts_2024_shapes_by_url(points_data, orgs):
    from dashboard.callbacks import map_update

    view = MapView(level=3, nace_r2="C", indicator="org_count")
    figure, _ = map_update(points_data, view, full=True, geometry_url=True)
    trace = figure["data"][0]
    assert trace["geojson"].startswith("/geometry/2024-3.geojson?v=")
    assert len(trace["locations"]) == len(points_data.point_geometry[3].ids)
    assert "Organisations in the records" in figure["layout"]["title"]["text"] and "NUTS 2024" in figure["layout"]["title"]["text"]


@pytest.mark.browser
def test_organisation_indicator_map_in_the_browser(points_page, points_app, points_data, orgs):
    from tests.test_browser import choose_option

    page = points_page
    page.goto(f"{points_app}/?level=2&sector=C")
    paths = "document.querySelectorAll('#map .choroplethlayer path').length"
    page.wait_for_function(f"{paths} === {len(points_data.geometry[2].ids)}", timeout=20_000)
    choose_option(page, "indicator", "Organisations in the records")
    # the same level on NUTS 2024 shapes: the whole figure is sent with the new shapes' URL
    page.wait_for_function(f"{paths} === {len(points_data.point_geometry[2].ids)}", timeout=20_000)
    expect(page).to_have_url(re.compile(r"indicator=org_count"))
    expect(page.locator("#map .gtitle")).to_contain_text("Organisations in the records")
    # the records are counted over all years: the year slider is off
    expect(page.locator("#year .dash-slider-root")).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#year input[type=number]")).to_be_disabled()
    page.get_by_label("NUTS 3 regions (organisation indicators)").check()
    page.wait_for_function(f"{paths} === {len(points_data.point_geometry[3].ids)}", timeout=30_000)
    expect(page).to_have_url(re.compile(r"level=3"))
    # a region's tooltip gives its count of organisations of the sector
    region = orgs.frame.loc[orgs.in_sector("C"), "nuts3"].value_counts().index[0]
    expected = int(points_data.values(MapView(level=3, nace_r2="C", indicator="org_count"), pd.Series([region]))["value"].iloc[0])
    index = page.evaluate(f"document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('{region}')")
    page.locator("#map .choroplethlayer path").nth(index).hover(force=True)
    expect(page.locator("#map .hoverlayer")).to_contain_text(f"{expected:,} organisations", timeout=5_000)
    assert any("/geometry/2024-3.geojson" in u for u in page.requests)
    save_artifact(page, "organisations_nuts3_C")
    origin = urlparse(points_app).netloc
    assert [u for u in page.requests if urlparse(u).netloc not in (origin, "")] == []


def test_organisation_views_name_their_source_not_eurostat(points_data):
    from dashboard.callbacks import map_update

    view = MapView(level=2, nace_r2="C", indicator="org_count")
    figure, _ = map_update(points_data, view, full=True)
    source = figure["layout"]["annotations"][0]["text"]
    assert source.startswith("Organisations: sample.csv (synthetic records, not real organisations)") and "Eurostat" not in source
    assert "EuroGeographics" in source
    figure, _ = map_update(points_data, MapView(level=2, nace_r2="C"), full=True)
    assert figure["layout"]["annotations"][0]["text"].startswith("Source: Eurostat")


@pytest.mark.browser
def test_organisations_page_has_no_serious_wcag21_violations(points_page, points_app, orgs):
    from axe_playwright_python.sync_playwright import Axe

    from tests.test_accessibility import BLOCKING, run_axe, summary

    page = points_page
    page.goto(f"{points_app}/?level=2&sector=C&points=on")
    expect(page.locator("#map .scattergeo .point").first).to_be_visible(timeout=20_000)
    page.locator("#organisation-search").click()
    page.locator(".dash-dropdown-content input.dash-dropdown-search").fill("cluster 00")
    expect(page.locator(".dash-dropdown-content .dash-dropdown-option").first).to_be_visible(timeout=10_000)
    violations = run_axe(page, Axe(), points_app)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core WCAG 2.1 AA with the organisations layer: {len(blocking)} serious/critical rules\n{summary(blocking)}"


def test_a_damaged_or_old_organisations_file_names_itself_and_the_fix(tmp_path, orgs):
    from layers._errors import RecordsError
    from layers.points.catalogue import load_organisations
    from layers.points.measures import load_point_measures

    assert load_organisations(tmp_path / ORGANISATIONS_FILE) is None  # no points build: no layer, no error
    damaged = tmp_path / ORGANISATIONS_FILE
    damaged.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(RecordsError, match=r"organisations\.parquet.*cannot read.*clustermap build --points"):
        load_organisations(damaged)
    old = tmp_path / "old.parquet"
    orgs.frame.drop(columns=["nuts3", "synthetic"]).to_parquet(old)
    with pytest.raises(RecordsError, match=r"old\.parquet: columns nuts3, synthetic are missing; rebuild"):
        load_organisations(old)
    with pytest.raises(RecordsError, match=r"old\.parquet: columns .*organisations.* are missing"):
        load_point_measures(old)


def test_a_nuts3_region_of_the_organisations_map_opens_with_its_name_and_organisations(points_data, orgs):
    from tests.test_portfolio_panel import find, text

    region = orgs.frame["nuts3"].value_counts().index[0]
    children = portfolio_panel.portfolio_children(points_data, region, 2014)
    heading = text(find(children, html.H2)[0])
    name = points_data.point_geometry[3].names[points_data.point_geometry[3].ids.index(region)]
    assert name in heading and f"({region})" in heading
    assert "NUTS 3 region" in text(find(children, html.P, "portfolio-meta")[0])
    assert "No statistics for" in text(children)  # the statistics stop at NUTS 2
    assert f"Organisations in this region ({len(orgs.in_region(region)):,})" in [text(h) for h in find(children, html.H3)]


def test_a_sector_group_counts_each_organisation_once(points_data, orgs):
    """A group (C,J62): an organisation listing codes in both members is one organisation, counted from the records."""
    frame = orgs.frame
    lists = frame["nace"].str.split(";")
    in_group = lists.map(lambda cs: any(c.startswith("C") or c.startswith("J62") for c in cs))
    both = lists.map(lambda cs: any(c.startswith("C") for c in cs) and any(c.startswith("J62") for c in cs))
    expected = frame.loc[in_group, "nuts2"].value_counts().to_dict()
    view = MapView(level=2, nace_r2="C,J62", indicator="org_count")
    values = points_data.values(view, pd.Series(points_data.shapes(view).ids))
    got = {k: int(v) for k, v in zip(values["nuts_id"], values["value"]) if v > 0}
    assert got == expected and both.any()  # the sample has organisations in both members: summing the members would count them twice
    employees = points_data.values(MapView(level=2, nace_r2="C,J62", indicator="org_employees"), pd.Series(points_data.shapes(view).ids)).set_index("nuts_id")
    for region, group in list(frame.loc[in_group].groupby("nuts2"))[:20]:
        reported = group["employees"].dropna()
        assert (employees.loc[region, "value"] == int(reported.sum())) if len(reported) else np.isnan(employees.loc[region, "value"])
    payload = points_payload(orgs, MapView(level=2, nace_r2="C,J62", indicator="employment", points=True), None)
    assert payload["count"] == int(in_group.sum()) and "Group of 2: C, J62" in payload["name"]
