"""Region names with apostrophes and accents read as written: no HTML entity in the ranking, the tooltip or the portfolio.

The expected name is read from the raw GISCO NUTS 2013 file (the statistics' version), not from the app.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

CODE = "ITC2"
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


def raw_name(mirror: Path, code: str) -> str:
    features = json.loads((mirror / "gisco" / "NUTS_RG_20M_2013_4326.geojson").read_text())["features"]
    return next(f["properties"]["NAME_LATN"] for f in features if f["properties"]["NUTS_ID"] == code)


@pytest.mark.browser
def test_valle_d_aosta_reads_correctly_in_ranking_tooltip_and_portfolio(page, live_app, mirror):
    name = raw_name(mirror, CODE)
    assert name == "Valle d'Aosta/Vallée d'Aoste"  # the raw file's spelling: an apostrophe and an accent
    page.goto(f"{live_app}/?level=2&sector=C&indicator=employment&year=2014&region={CODE}")
    row = page.locator(f"#ranking-body tr[data-region='{CODE}']")
    expect(row).to_contain_text(name, timeout=20_000)
    assert not ENTITY.search(row.text_content() or "")
    # the map's tooltip
    index = page.evaluate(f"document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('{CODE}')")
    assert index >= 0
    page.locator("#map .choroplethlayer path").nth(index).hover(force=True)
    hover = page.locator("#map .hoverlayer")
    expect(hover).to_contain_text(name, timeout=5_000)
    assert not ENTITY.search(hover.text_content() or "")
    # the portfolio's heading
    title = page.locator("#portfolio-panel-title")
    expect(title).to_contain_text(name, timeout=15_000)
    assert not ENTITY.search(title.text_content() or "")
