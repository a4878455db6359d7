"""Hot spots as a view (``analysis=hotspots``): the API, the CSV, the map payload and the panel, on the real data.

Expected categories come from the test's own local Moran's I (``tests.test_spatial_hotspots``:
numpy, 9,999 conditional permutations, its own random generator) on values read from the
raw Eurostat file (``tests.raw_sbs``) over contiguity from shapely (``tests.test_spatial_weights``),
never from ``layers.spatial``. Permutation noise is handled by the same band rule: categories
are compared for every region whose p-value lies outside 0.05 ± 0.025.
"""

from __future__ import annotations

import csv
import io
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from dashboard.figures import CONFIDENTIAL_COLOUR, NO_DATA_COLOUR, apply_payload, choropleth_figure
from dashboard.view import MapView, view_slug
from tests.raw_sbs import finite
from tests.test_spatial_hotspots import BAND, OWN_PERMUTATIONS, own_components, own_local_moran, raw_lqs
from tests.test_spatial_weights import NUTS_FILE, own_centroids, own_contiguity, own_shapes, own_weights

CASES = [(sector, year) for sector in ("C29", "C10", "J62") for year in (2010, 2014)]
"""Motor vehicles, food products, computer programming; two years."""
CATEGORIES = {"HH", "LL", "HL", "LH", "ns"}
VALUE_COLUMNS = ["nuts_id", "name", "value", "flag", "flag_text", "status", "rank", "country_rank", "country_ranked", "class", "class_label"]
"""The columns of every view before hot spots (written out here, not imported)."""


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


@pytest.fixture(scope="module")
def own_geometry(built):
    shapes = own_shapes(built[0], 2)
    return shapes, own_contiguity(shapes), own_centroids(shapes)


def values_of(client, query: str) -> dict:
    response = client.get(f"/api/v1/values?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def compare_categories(got: pd.DataFrame, known: dict[str, float], neighbours: dict[str, set[str]], what: str) -> None:
    """The API's ``hotspot`` and ``p_value`` (``got``, by region) against the test's own local Moran's I of ``known``."""
    expected = own_local_moran(known, neighbours, np.random.default_rng(20260))
    mine = got.loc[expected.index]
    p, q = mine["p_value"].to_numpy(dtype=float), expected["p_value"].to_numpy()
    noise = 4 * np.sqrt(q * (1 - q) / 1000 + q * (1 - q) / (OWN_PERMUTATIONS + 1)) + 0.002
    assert (np.abs(p - q) <= noise).all(), f"{what}: p-values beyond permutation noise: {mine.index[np.abs(p - q) > noise].tolist()}"
    clear = np.abs(p - 0.05) > BAND
    expected_category = np.where(q <= 0.05, expected["quadrant"], "ns")
    differ = mine.index[clear & (mine["hotspot"].to_numpy() != expected_category)]
    assert not len(differ), f"{what}: categories differ for {differ.tolist()}"
    assert clear.mean() > 0.8, f"{what}: the band leaves most regions compared"
    significant = mine["hotspot"] != "ns"  # a significant region's category is its quadrant (quadrants never depend on noise)
    assert (mine.loc[significant, "hotspot"] == expected.loc[significant[significant].index, "quadrant"]).all()


@pytest.mark.parametrize(("sector", "year"), CASES)
def test_api_categories_agree_with_an_own_local_moran(client, raw, own_geometry, sector, year):
    shapes, contiguity, centroids = own_geometry
    answer = values_of(client, f"level=2&sector={sector}&indicator=lq&year={year}&analysis=hotspots")
    got = pd.DataFrame(answer["regions"]).set_index("nuts_id")
    assert list(got.index) == shapes["nuts_id"].tolist(), "every region the NUTS 2 map draws, in its order"
    assert list(got.columns) == [*VALUE_COLUMNS[1:], "hotspot", "p_value"]

    lqs = raw_lqs(raw, sector, year)
    known = {geo: v for geo, v in lqs.items() if finite(v)}
    no_data = [i for i in got.index if i not in known]
    assert got.loc[no_data, "hotspot"].isna().all() and got.loc[no_data, "p_value"].isna().all()
    assert set(got.loc[list(known), "hotspot"]) <= CATEGORIES
    neighbours, _ = own_weights(known, contiguity, centroids)
    compare_categories(got, known, neighbours, f"{sector} {year}")
    assert (got["hotspot"] == "HH").sum() >= 3, "the case has hot spots to compare"

    # the class is the category: one legend entry per category, the same for every region in it
    pairs = got.loc[list(known)].groupby("hotspot")[["class", "class_label"]].nunique()
    assert (pairs == 1).all().all()
    assert got.loc[got["hotspot"] == "HH", "class_label"].str.startswith("High-High").all()
    assert got.loc[got["hotspot"] == "ns", "class_label"].eq("not significant").all()

    # clusters: the connected groups of the answer's High-High regions over the test's own contiguity, in more than one country
    hh = set(got.index[got["hotspot"] == "HH"])
    crossing = [c for c in own_components(hh, neighbours) if len({g[:2] for g in c}) > 1]
    clusters = answer["clusters"]
    assert {frozenset(r["nuts_id"] for r in c["regions"]) for c in clusters} == {frozenset(c) for c in crossing}
    for cluster in clusters:
        codes = [r["nuts_id"] for r in cluster["regions"]]
        assert cluster["countries"] == sorted({g[:2] for g in codes})
        cells = {g: raw.cell("employment", sector, g, year).value for g in codes}
        assert cluster["employment_missing"] == sorted(g for g, v in cells.items() if not finite(v))
        known_employment = [v for v in cells.values() if finite(v)]
        assert math.isclose(cluster["employment"], sum(known_employment)) if known_employment else cluster["employment"] is None
        assert all(r["name"] == got.at[r["nuts_id"], "name"] for r in cluster["regions"])
    employment = [c["employment"] for c in clusters]
    assert employment == sorted(employment, reverse=True), "largest employment first"


def test_mixed_map_categories_agree_with_an_own_local_moran(client, raw, built):
    """The mixed map: each country at its finest level; contiguity across levels from shapely on the same shapes."""
    answer = values_of(client, "level=mixed&sector=C10&indicator=employment&year=2012&analysis=hotspots")
    got = pd.DataFrame(answer["regions"]).set_index("nuts_id")
    assert len({len(g) for g in got.index}) > 1, "the mixed map holds several levels"
    shapes = gpd.read_parquet(built[0] / NUTS_FILE)
    shapes = shapes.loc[shapes["nuts_id"].isin(got.index)].sort_values("nuts_id").reset_index(drop=True)
    assert len(shapes) == len(got), "one built shape per drawn region"
    known = {g: v for g in got.index if finite(v := raw.cell("employment", "C10", g, 2012).value)}
    assert got.loc[[g for g in got.index if g not in known], "hotspot"].isna().all()
    neighbours, _ = own_weights(known, own_contiguity(shapes), own_centroids(shapes))
    compare_categories(got, known, neighbours, "mixed C10 2012")


def test_csv_adds_hotspot_and_p_value_and_other_views_are_unchanged(client):
    query = "level=2&sector=C29&indicator=lq&year=2014"
    hot = values_of(client, f"{query}&analysis=hotspots")
    response = client.get(f"/export.csv?{query}&analysis=hotspots")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="hotspots_location_quotient_employment_C29_NUTS2_2014.csv"'
    rows = list(csv.DictReader(io.StringIO("\n".join(line for line in response.get_data(as_text=True).splitlines() if not line.startswith("#")))))
    assert list(rows[0]) == [*VALUE_COLUMNS, "hotspot", "p_value"]
    assert [r["hotspot"] or None for r in rows] == [r["hotspot"] for r in hot["regions"]]
    assert [float(r["p_value"]) if r["p_value"] else None for r in rows] == [r["p_value"] for r in hot["regions"]]
    assert response.get_data(as_text=True).startswith("# Hot spots of location quotient")

    plain = values_of(client, query)
    assert "clusters" not in plain and all(list(r) == VALUE_COLUMNS for r in plain["regions"])
    assert not plain["view"]["title"].startswith("Hot spots")
    response = client.get(f"/export.csv?{query}")
    header = next(line for line in response.get_data(as_text=True).splitlines() if not line.startswith("#"))
    assert header == ",".join(f'"{c}"' for c in VALUE_COLUMNS)
    # same values and ranks with and without hot spots: only the classes differ
    for a, b in zip(plain["regions"], hot["regions"]):
        assert (a["value"], a["rank"], a["status"]) == (b["value"], b["rank"], b["status"])


def test_openapi_documents_hotspots(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    region = schemas["RegionValue"]["properties"]
    assert set(region["hotspot"]["enum"]) == CATEGORIES | {None} and "p_value" in region
    assert schemas["Values"]["properties"]["clusters"]["items"] == {"$ref": "#/components/schemas/Cluster"}
    assert {"regions", "countries", "employment"} <= set(schemas["Cluster"]["required"])
    analysis = next(p for p in spec["paths"]["/api/v1/values"]["get"]["parameters"] if p["name"] == "analysis")
    assert "hotspots" in analysis["schema"]["enum"]
    assert "hotspot, p_value" in spec["paths"]["/export.csv"]["get"]["description"]


def test_map_payload_draws_categories_with_fixed_colours_and_says_category_and_p(client, dashboard_data):
    from dashboard.callbacks import payload_for

    view = MapView(level=2, nace_r2="C29", indicator="lq", year=2014, analysis="hotspots", palette="Viridis")
    payload = payload_for(dashboard_data, view)
    assert payload["legend"] == [
        "no data",
        "confidential",
        "High-High (hot spot)",
        "Low-Low (cold spot)",
        "High-Low (high among low)",
        "Low-High (low among high)",
        "not significant",
    ]
    colours = dict(zip(payload["legend"], payload["colours"]))
    assert colours["High-High (hot spot)"] == "#b2182b" and colours["Low-Low (cold spot)"] == "#2166ac", "the palette does not apply"
    neutral = colours["not significant"]
    assert neutral not in (NO_DATA_COLOUR, CONFIDENTIAL_COLOUR)
    r, g, b = (int(neutral[i : i + 2], 16) for i in (1, 3, 5))
    assert max(r, g, b) - min(r, g, b) >= 20, "not significant is a warm neutral, not a grey"
    assert payload["title"].startswith("Hot spots of location quotient")

    # the tooltips (Python twin of assets/map.js) say each region's category and p as the API sends them
    figure = apply_payload(choropleth_figure(dashboard_data.shapes(view), payload, view), payload)
    trace = figure["data"][0]
    api = {r["nuts_id"]: r for r in values_of(client, "level=2&sector=C29&indicator=lq&year=2014&analysis=hotspots")["regions"]}
    words = {"HH": "High-High (hot spot)", "LL": "Low-Low (cold spot)", "HL": "High-Low (high among low)", "LH": "Low-High (low among high)"}
    for location, z, (_value, _rank, note) in zip(trace["locations"], trace["z"], trace["customdata"]):
        record = api[location]
        assert payload["legend"][z] == record["class_label"]
        if record["hotspot"] is None:
            assert not note.startswith(("High", "Low", "not significant"))
        else:
            assert note.startswith(f"{words.get(record['hotspot'], 'not significant')}; p = {record['p_value']:.3f}"), (location, note)
    assert trace["colorbar"]["ticktext"] == payload["legend"]


def test_values_cache_keeps_hot_spots_apart_and_shares_them_across_class_settings(dashboard_data):
    ids = pd.Series(dashboard_data.geometry[2].ids)
    plain = dashboard_data.values(MapView(level=2, nace_r2="C10", indicator="lq", year=2012), ids)
    hot = dashboard_data.values(MapView(level=2, nace_r2="C10", indicator="lq", year=2012, analysis="hotspots"), ids)
    assert "hotspot" not in plain and "hotspot" in hot
    again = dashboard_data.values(MapView(level=2, nace_r2="C10", indicator="lq", year=2012, analysis="hotspots", scheme="fisher_jenks", k=7), ids)
    pd.testing.assert_frame_equal(hot, again)


def test_panel_lists_the_motor_vehicle_belt_with_its_countries(dashboard_data):
    from dashboard import hotspots_panel

    view = MapView(level=2, nace_r2="C29", indicator="lq", year=2014, analysis="hotspots")
    section = hotspots_panel.layout(dashboard_data, view)
    assert not section.hidden
    items = [c for c in section.children[-1].children[-1].children]
    first = items[0]
    heading, size, regions = (child.children for child in first.children)
    assert "(DE)" in heading and "(CZ)" in heading
    assert "persons employed" in size and "Stuttgart (DE11)" in regions
    assert hotspots_panel.layout(dashboard_data, MapView(level=2, nace_r2="C29", indicator="lq", year=2014)).hidden


def test_file_names_say_hot_spots():
    assert view_slug(MapView(level=2, nace_r2="C29", indicator="lq", year=2014, analysis="hotspots")).startswith("hotspots_")
    assert not view_slug(MapView(level=2, nace_r2="C29", indicator="lq", year=2014)).startswith("hotspots_")
