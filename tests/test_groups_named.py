"""The ten named groups (emerging industries) map, rank, export and embed like any code, each with its members and note.

Every group's values are checked against its members' raw cells (``tests.raw_sbs.RawGroup``);
the titles, notes and the approximation label are checked where a person or a file reads them:
the API, the CSV's comment lines, the ranking, the embed page, the PNG's text chunks, and the
``clustermap export`` file names. An observatory's own catalogue (``--groups FILE``) works the
same way, and a bad one is refused with one line.
"""

from __future__ import annotations

import json
import re
import urllib.parse

import pandas as pd
import pytest

from dashboard.ranking import ranking_rows
from dashboard.view import parse_view, view_options
from tests.raw_sbs import assert_same, expected_group_view
from tests.test_export_png import get, read_png, renders
from tests.test_groups_catalogue import TEN

IDS = TEN
LABEL = "approximation at the data's NACE level"


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


@pytest.fixture(scope="module")
def groups(client) -> dict[str, dict]:
    body = client.get("/api/v1/groups").get_json()
    return {g["id"]: g for g in body["groups"]}


def test_the_groups_endpoint_lists_the_ten_with_members_and_the_approximation_note(groups):
    assert tuple(groups) == IDS
    for group in groups.values():
        assert set(group) >= {"id", "name", "members", "kind", "note"}
        assert group["kind"] == "emerging industry" and group["approximation"] is True
        assert group["note"].startswith(f"Approximation at the data's NACE level: {', '.join(group['members'])}."), group
        assert all(re.fullmatch(r"[B-N](\d{2,3})?", code) for code in group["members"]), group
    assert groups["digital-industries"]["members"] == ["C26", "J61", "J62", "J63"]


@pytest.mark.parametrize("group_id", IDS)
def test_a_named_group_maps_ranks_and_exports_its_members_sums(client, dashboard_data, raw, groups, group_id):
    group = groups[group_id]
    query = {"level": "2", "sector": group_id, "indicator": "employment", "year": "2014"}
    body = client.get("/api/v1/values?" + urllib.parse.urlencode(query)).get_json()
    ids = [r["nuts_id"] for r in body["regions"]]
    assert_same(body["regions"], expected_group_view(raw, ids, level=2, members=group["members"], indicator="employment", year=2014), group_id)
    assert body["view"]["sector"] == group_id
    assert f"{group['name']} ({' + '.join(group['members'])})" in body["view"]["title"]
    assert body["sector"]["approximation"] is True and [m["code"] for m in body["sector"]["members"]] == group["members"]
    assert body["sector"]["note"] == group["note"]
    # the ranking shows the API's ranks
    view, problems = parse_view(query, view_options(dashboard_data))
    assert not problems
    rows = ranking_rows(dashboard_data, view)
    api_ranks = {r["nuts_id"]: r["rank"] for r in body["regions"]}
    assert {code: (None if pd.isna(rank) else int(rank)) for code, rank in zip(rows["nuts_id"], rows["rank"])} == api_ranks
    # the CSV says what it sums and that it is an approximation
    csv_text = client.get("/export.csv?" + urllib.parse.urlencode(query)).get_data(as_text=True)
    sector_line = next(line for line in csv_text.splitlines() if line.startswith("# Sector:"))
    assert sector_line.startswith(f"# Sector: Approximation at the data's NACE level: {', '.join(group['members'])}.")
    # the embed page's map carries the title and the legend note (members, approximation label)
    html = client.get("/embed?" + urllib.parse.urlencode(query)).get_data(as_text=True)
    figure = json.loads(re.search(r'<script id="embed-figure" type="application/json">(.*?)</script>', html, re.S).group(1))
    note = figure["layout"]["annotations"][1]
    assert note["visible"] and note["text"].startswith(f"{group['name']} = {' + '.join(group['members'])}<br>{LABEL}".replace("'", "&#x27;"))
    assert group["name"] in figure["layout"]["title"]["text"]


def test_the_legend_note_counts_the_partial_sums(client, raw):
    query = {"level": "2", "sector": "C26,J61,J62,J63", "indicator": "employment", "year": "2014"}
    html = client.get("/embed?" + urllib.parse.urlencode(query)).get_data(as_text=True)
    figure = json.loads(re.search(r'<script id="embed-figure" type="application/json">(.*?)</script>', html, re.S).group(1))
    body = client.get("/api/v1/values?" + urllib.parse.urlencode(query)).get_json()
    partial = sum("partial sum" in r["flag_text"] for r in body["regions"])
    assert partial > 10
    assert figure["layout"]["annotations"][1]["text"] == f"Sum of C26 + J61 + J62 + J63<br>partial sums (lower bounds) in {partial} regions"


@renders
def test_the_png_of_a_named_group_names_it_and_its_members(live_app, groups):
    for group_id in ("digital-industries", "logistical-services"):
        group = groups[group_id]
        status, _, body = get(f"{live_app}/export.png?level=2&sector={group_id}&indicator=lq&year=2014&width=700&height=500")
        assert status == 200
        text = read_png(body)["text"]
        assert group["name"] in text["Title"]
        assert f"{group['name']} = {' + '.join(group['members'])}" in text["Source"] and LABEL.replace("'", "&#x27;") in text["Source"]


GOOD = """
[[group]]
id = "my-domain"
name = "Smart specialisation: digital health"
kind = "smart specialisation domain"
members = ["C21", "C26", "J62"]
concept = "A region's own domain."
leaves_out = "Everything outside these three divisions."
approximation = false
"""


@renders
def test_cli_export_takes_groups_and_an_observatorys_own_file(built, mirror, tmp_path, monkeypatch, capsys):
    from dashboard import cli

    data_dir, _ = built
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CLUSTERMAP_GROUPS", "")  # the CLI sets it for this process (its workers inherit it): restored after the test
    own = tmp_path / "domains.toml"
    own.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "pngs"
    argv = ["export", "--out", str(out), "--level", "2", "--sector", "digital-industries", "J62,C26", "my-domain", "--width", "500", "--height", "400"]
    assert cli.main([*argv, "--groups", str(own)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "persons_employed_C26_J62_NUTS2_2014.png",
        "persons_employed_digital-industries_NUTS2_2014.png",
        "persons_employed_my-domain_NUTS2_2014.png",
    ]
    title = read_png((out / "persons_employed_my-domain_NUTS2_2014.png").read_bytes())["text"]["Title"]
    assert "Smart specialisation: digital health (C21 + C26 + J62)" in title
    capsys.readouterr()
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace('"J62"]', '"J62", "Z99"]'), encoding="utf-8")
    assert cli.main([*argv, "--groups", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.toml" in err and "line 6" in err and "my-domain" in err and "Z99" in err, err


def test_clustermap_serve_takes_an_observatorys_groups_and_refuses_a_bad_file_in_one_line(built, tmp_path):
    """``clustermap serve --groups FILE`` (gunicorn): the workers serve the file's groups; a bad file stops it before any worker."""
    import os
    import subprocess
    import sys

    from tests.test_server import REPO, clustermap_serve, request

    data_dir, _ = built
    own = tmp_path / "domains.toml"
    own.write_text(GOOD, encoding="utf-8")
    with clustermap_serve(data_dir, tmp_path / "serve.log", "--workers", "1", "--threads", "2", "--groups", str(own)) as (base, _):
        status, _, body = request(base, "/api/v1/groups")
        ids = [g["id"] for g in json.loads(body)["groups"]]
        assert status == 200 and ids == [*IDS, "my-domain"]
        status, _, body = request(base, "/api/v1/values?level=2&sector=my-domain&indicator=employment&year=2014")
        values = json.loads(body)
        assert status == 200 and values["sector"]["approximation"] is False and values["view"]["title"].count("Smart specialisation: digital health") == 1
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace('"J62"]', '"J62", "Z99"]'), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "CLUSTERMAP_DATA_DIR": str(data_dir)}
    env.pop("CLUSTERMAP_GROUPS", None)
    run = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "serve", "--port", "0", "--groups", str(bad)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 2 and len(lines) == 1 and "Traceback" not in run.stderr, run.stderr[-2000:]
    assert "bad.toml" in lines[0] and "line 6" in lines[0] and "my-domain" in lines[0] and "Z99" in lines[0]
    assert "gunicorn" not in run.stdout.lower() + run.stderr.lower()
