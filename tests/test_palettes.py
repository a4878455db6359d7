"""Palettes: no class colour near the greys of "no data" and "confidential"; diverging palettes split at the centre.

Colour distance is CIEDE2000 (Sharma, Wu and Dalal 2005), written here from the formula and
checked on pairs of their published test data, on CIELAB from sRGB (D65). The LQ view's
classes are checked against location quotients recomputed from the raw file (``tests.raw_sbs``).
"""

from __future__ import annotations

import json
import math
import re
import urllib.request

import numpy as np
import pandas as pd
import pytest

from dashboard.figures import CONFIDENTIAL_COLOUR, NO_DATA_COLOUR, class_colours, map_payload
from dashboard.view import AUTO_PALETTE, DIVERGING_PALETTES, PALETTE_LABELS, SEQUENTIAL_PALETTES, MapView
from layers.classes import Classes

MIN_DELTA_E = 15.0
"""The least CIEDE2000 distance of a class colour from either grey: clearly another colour (2-3 is "just noticeable")."""
KS = range(3, 10)


def lab(hex_colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour such as ``#9e9e9e``."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(one: tuple[float, float, float], two: tuple[float, float, float]) -> float:
    """ΔE00 between two CIELAB colours (kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = one, two
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0 if c1p * c2p == 0 else (h2p - h1p + 180) % 360 - 180
    dH = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dH / s_h) ** 2 + r_t * (dc / s_c) * (dH / s_h))


@pytest.mark.parametrize(
    "one, two, expected",
    [  # Sharma, Wu and Dalal (2005), table 1: pairs 1, 7, 17 and 25
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_the_tests_ciede2000_reproduces_the_published_pairs(one, two, expected):
    assert ciede2000(one, two) == pytest.approx(expected, abs=1e-4)


def _classes(below: int, above: int, centre: float | None) -> Classes:
    """Classes with ``below`` upper bounds at or under ``centre`` (the last one at it) and ``above`` over it (no centre: ``below + above`` classes)."""
    bins = tuple(centre + b for b in range(-below + 1, above + 1)) if centre is not None else tuple(float(b) for b in range(below + above))
    return Classes(bins, -float(below), np.zeros(0, dtype=int), centre)


def _value_colours(classes: Classes, palette: str) -> list[str]:
    colours = class_colours(classes, palette)
    assert colours[:2] == [NO_DATA_COLOUR, CONFIDENTIAL_COLOUR]
    return colours[2:]


def every_class_colour() -> list[tuple[str, int, int, str]]:
    """(palette, classes below the centre, above it, colour) for every palette, k 3-9, every split of a centred view, and no centre."""
    out = []
    for palette in PALETTE_LABELS:
        for k in KS:
            out += [(palette, -1, k, c) for c in _value_colours(_classes(0, k, None), palette)]
            for below in range(k + 1):
                out += [(palette, below, k - below, c) for c in _value_colours(_classes(below, k - below, 0.0), palette)]
    return out


def test_no_palette_comes_near_the_greys_of_no_data_and_confidential():
    greys = {name: lab(colour) for name, colour in (("no data", NO_DATA_COLOUR), ("confidential", CONFIDENTIAL_COLOUR))}
    close = []
    for palette, below, above, colour in every_class_colour():
        for name, grey in greys.items():
            distance = ciede2000(lab(colour), grey)
            if distance < MIN_DELTA_E:
                close.append((palette, below, above, colour, name, round(distance, 1)))
    assert not close, f"class colours within ΔE00 {MIN_DELTA_E} of a status grey: {close[:5]}"
    assert "Cividis" not in PALETTE_LABELS and "Purples" not in PALETTE_LABELS  # greyish middle, greyish light end: replaced


def _warm(colour: str) -> bool:
    """Orange/brown/red side (red above blue) rather than purple/blue-green (blue above red)."""
    r, _, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return r > b


@pytest.mark.parametrize("palette", [AUTO_PALETTE, *DIVERGING_PALETTES])
def test_a_diverging_palette_has_one_hue_each_side_lightest_at_the_centre(palette):
    for k in KS:
        for below in range(k + 1):
            colours = _value_colours(_classes(below, k - below, 1.0), palette)
            assert len(colours) == k
            low, high = colours[:below], colours[below:]
            assert all(_warm(c) for c in low) and not any(_warm(c) for c in high), (palette, below, colours)
            lightness = [lab(c)[0] for c in colours]
            assert lightness[:below] == sorted(lightness[:below]), "below: darkest farthest from the centre"
            assert lightness[below:] == sorted(lightness[below:], reverse=True), "above: lightest next to the centre"
            if 0 < below < k:  # the two classes at the centre are equally far from it: equally light
                assert abs(lightness[below - 1] - lightness[below]) < 8


def test_auto_is_sequential_without_a_centre_and_a_chosen_sequential_palette_stays_sequential():
    plain = _value_colours(_classes(0, 5, None), AUTO_PALETTE)
    assert plain == _value_colours(_classes(0, 5, None), "YlGnBu")
    for palette in SEQUENTIAL_PALETTES:
        centred = _value_colours(_classes(2, 3, 1.0), palette)
        assert centred == _value_colours(_classes(0, 5, None), palette), "in order, one ramp"
    upper = _value_colours(_classes(0, 4, None), "RdBu")  # a diverging palette without a centre: its upper half, light to dark
    assert not any(_warm(c) for c in upper) and [lab(c)[0] for c in upper] == sorted((lab(c)[0] for c in upper), reverse=True)


# -- classes split at the centre, on the real build --------------------------------------------------


def _get(live_app: str, query: str) -> dict:
    with urllib.request.urlopen(f"{live_app}/api/v1/values?{query}", timeout=60) as response:
        return json.loads(response.read())


def _upper(label: str) -> float:
    return float(re.split(r" – ", label)[-1].replace(",", ""))


def _assert_split(regions: list[dict], expected: dict[str, float], centre: float, decimals: int) -> None:
    """Every region at or below the centre (at the decimals shown) is in a class ending at or below it; above, above it."""
    below, above = set(), set()
    for row in regions:
        value = expected.get(row["nuts_id"], math.nan)
        if not math.isfinite(value):
            assert row["class"] in (0, 1), row
            continue
        shown = round(value, decimals)
        (below if shown <= centre else above).add(row["class"])
        upper = _upper(row["class_label"])
        if shown <= centre:  # a value at the centre is in the class that ends there (upper bounds are inclusive)
            assert upper <= centre, (row, shown)
        else:
            lower = float(row["class_label"].removeprefix("> ").split(" – ")[0].replace(",", ""))
            assert upper > centre and lower >= centre, (row, shown)  # the class starts at the centre or above: none straddles it
    assert below and above and max(below) < min(above), (below, above)
    labels = {row["class_label"] for row in regions if row["class"] >= 2}
    assert any(abs(_upper(label) - centre) < 1e-9 for label in labels), "the centre is a break"


def test_lq_classes_split_at_exactly_one_against_the_raw_file(live_app, raw):
    body = _get(live_app, "level=2&sector=C&indicator=lq&year=2014&k=6")
    ref = raw.ref_share(2, "C", 2014)
    expected = {row["nuts_id"]: raw.lq(2, "C", row["nuts_id"], 2014, ref).value for row in body["regions"]}
    for row in body["regions"]:  # the served LQ is the raw file's
        if row["value"] is not None:
            assert row["value"] == pytest.approx(expected[row["nuts_id"]], rel=1e-9)
    _assert_split(body["regions"], expected, 1.0, 2)


def test_lq_classes_split_at_one_with_every_scheme(live_app):
    for scheme in ("quantiles", "fisher_jenks", "equal_interval"):
        for k in (3, 5, 9):
            regions = _get(live_app, f"level=1&sector=C29&indicator=lq&year=2012&scheme={scheme}&k={k}")["regions"]
            _assert_split(regions, {r["nuts_id"]: r["value"] if r["value"] is not None else math.nan for r in regions}, 1.0, 2)
    regions = _get(live_app, "level=2&sector=C29&indicator=lq&year=2012&scheme=user&breaks=0.5,2")["regions"]
    assert {_upper(r["class_label"]) for r in regions if r["class"] >= 2} >= {0.5, 1.0, 2.0}


def test_change_classes_split_at_zero_against_the_raw_file(live_app, raw):
    body = _get(live_app, "level=2&sector=C10&indicator=employment_change&year=2013")
    expected = {}
    for row in body["regions"]:
        now, before = raw.cell("employment", "C10", row["nuts_id"], 2013).value, raw.cell("employment", "C10", row["nuts_id"], 2012).value
        expected[row["nuts_id"]] = (now / before - 1) * 100 if math.isfinite(now) and math.isfinite(before) and before != 0 else math.nan
    _assert_split(body["regions"], expected, 0.0, 1)


def test_the_lq_maps_colours_are_diverging_by_default(dashboard_data):
    view = MapView(level=2, nace_r2="C", indicator="lq", year=2014)
    ids = pd.Series(dashboard_data.geometry[2].ids)
    values = dashboard_data.values(view, ids)
    payload = map_payload(values, view)
    below = sum(1 for label in payload["legend"][2:] if _upper(label) <= 1.0)
    value_colours = payload["colours"][2:]
    assert 0 < below < len(value_colours)
    assert all(_warm(c) for c in value_colours[:below]) and not any(_warm(c) for c in value_colours[below:])
    sequential = map_payload(values, MapView(level=2, nace_r2="C", indicator="lq", year=2014, palette="Viridis"))
    assert sequential["legend"] == payload["legend"] and sequential["colours"][2:] != value_colours
    employment = map_payload(dashboard_data.values(MapView(level=2), ids), MapView(level=2))
    assert employment["colours"][2:] == class_colours(Classes(tuple(range(len(employment["legend"]) - 2)), 0.0, np.zeros(0, dtype=int)), "YlGnBu")[2:]
