"""Callbacks never answer 500: a seeded, bounded fuzz of ``/_dash-update-component`` on a live app.

The callbacks come from the app's own ``/_dash-dependencies``; every input and state
of every server callback gets values of the wrong type (and a few right-typed but
meaningless ones), and the request itself is broken in the ways a client can break
it: ``{}``, an unknown output, the wrong number of inputs, deeply nested JSON, a body
that is not JSON. Every answer must be below 500, and the server log must hold no
traceback and no error. Seeded (``SEED``), so a failure repeats; bounded (``ROUNDS``).
"""

from __future__ import annotations

import json
import logging
import random

import pytest
import requests

SEED = 11
ROUNDS = 8
"""Wrong values per input of each callback (each with the other inputs right-typed or wrong too)."""
UPDATE = "/_dash-update-component"


def _wrong_values(rng: random.Random) -> list:
    """Values no control sends: other types, huge, empty, nested, hostile text."""
    deep: object = "x"
    for _ in range(rng.randint(20, 30)):
        deep = [deep]
    return [
        None,
        True,
        False,
        0,
        -1,
        2**63,
        rng.random() * 1e9,
        float(rng.randint(-5, 5)),
        "",
        " ",
        "x" * 5000,
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "2014",
        "mixed",
        "?level=9&level=1",
        "?" + "a=1&" * 200,
        [],
        [1, "a", None],
        [[{"points": []}]],
        {},
        {"points": "nope"},
        {"points": [{"location": 5}]},
        {"points": [{"location": "ZZ99"}]},
        {"points": [None]},
        {"search": 7},
        {"search": "?year=1800&zoom=XX"},
        {"a": {"b": {"c": [1, 2, {"d": None}]}}},
        deep,
    ]


def _id(spec_id: str) -> object:
    """A concrete component id for a declared one (a pattern's ALL becomes one matched component)."""
    if not spec_id.startswith("{"):
        return spec_id
    return {k: ("x" if v == ["ALL"] else v) for k, v in json.loads(spec_id).items()}


def _entry(spec: dict, value: object) -> object:
    entry = {"id": _id(spec["id"]), "property": spec["property"], "value": value}
    return [entry] if spec["id"].startswith("{") and '["ALL"]' in spec["id"] else entry


def _outputs(output: str) -> object:
    keys = output[2:-2].split("...") if output.startswith("..") else [output]
    entries = []
    for key in keys:
        component, prop = key.rsplit(".", 1)
        entry = {"id": _id(component), "property": prop.split("@")[0]}
        entries.append([entry] if component.startswith("{") and '["ALL"]' in component else entry)
    return entries if output.startswith("..") else entries[0]


def _body(callback: dict, values: list) -> dict:
    specs = callback["inputs"] + callback["state"]
    entries = [_entry(spec, value) for spec, value in zip(specs, values)]
    n = len(callback["inputs"])
    first = callback["inputs"][0]
    return {
        "output": callback["output"],
        "outputs": _outputs(callback["output"]),
        "inputs": entries[:n],
        "state": entries[n:],
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }


@pytest.fixture(scope="module")
def server_callbacks(live_app) -> list[dict]:
    deps = requests.get(f"{live_app}/_dash-dependencies", timeout=30).json()
    server = [c for c in deps if not c.get("clientside_function")]
    assert len(server) >= 10, [c["output"] for c in server]
    return server


def _requests(callbacks: list[dict], rng: random.Random) -> list[tuple[str, object]]:
    """(what, body) pairs: wrong values for every input of every callback, then broken requests."""
    out: list[tuple[str, object]] = []
    for callback in callbacks:
        specs = callback["inputs"] + callback["state"]
        for i, spec in enumerate(specs):
            for _ in range(ROUNDS):
                values = [rng.choice(_wrong_values(rng)) if rng.random() < 0.3 else None for _ in specs]
                values[i] = rng.choice(_wrong_values(rng))
                out.append((f"{callback['output']} {spec['id']}.{spec['property']}", _body(callback, values)))
    some = callbacks[0]
    broken: list[object] = [
        {},
        [],
        "text",
        5,
        None,
        {"output": 5},
        {"output": "no-such.children"},
        {"output": "map.figure", "inputs": []},
        {**_body(some, [None] * 30), "inputs": "x"},
        {**_body(some, [None] * 30), "inputs": [1, 2]},
        {**_body(some, [None] * 30), "outputs": None},
        {**_body(some, [None] * 30), "state": {}},
        {**_body(some, [None] * 30), "changedPropIds": [5]},
        {**_body(some, [None] * 30), "inputs": [{"id": 3}] * len(some["inputs"])},
    ]
    out += [(f"broken body {i}", body) for i, body in enumerate(broken)]
    return out


def test_no_callback_request_gets_a_500_or_a_traceback(live_app, server_callbacks, caplog):
    rng = random.Random(SEED)
    plan = _requests(server_callbacks, rng)
    raw = [
        ("deeply nested", '{"output": "map.figure", "inputs": ' + "[" * 50_000 + "]" * 50_000 + "}"),
        ("deep value", json.dumps({**_body(server_callbacks[0], [None] * 30)})[:-1] + ', "x": ' + "[" * 3000 + "]" * 3000 + "}"),
        ("not JSON", "level=2&sector=C"),
        ("truncated JSON", '{"output": "map.fig'),
        ("binary", b"\xff\xfe\x00garbage"),
        ("empty", ""),
    ]
    answers: dict[int, int] = {}
    failures = []
    with caplog.at_level(logging.INFO), requests.Session() as session:
        for what, body in plan:
            r = session.post(f"{live_app}{UPDATE}", json=body, timeout=60)
            answers[r.status_code] = answers.get(r.status_code, 0) + 1
            if r.status_code >= 500:
                failures.append((what, r.status_code, r.text[:200]))
        for what, data in raw:
            r = session.post(f"{live_app}{UPDATE}", data=data, headers={"Content-Type": "application/json"}, timeout=60)
            answers[r.status_code] = answers.get(r.status_code, 0) + 1
            if r.status_code >= 500:
                failures.append((what, r.status_code, r.text[:200]))
            elif r.status_code == 400:
                assert r.json()["error"], what
    assert len(plan) >= 300, len(plan)
    assert not failures, f"{len(failures)} of {len(plan) + len(raw)} answered 5xx, e.g. {failures[:5]}"
    assert set(answers) <= {200, 204, 400, 413}, answers
    assert answers.get(400, 0) >= 10 and answers.get(200, 0) >= 50, answers  # both gates are exercised
    bad = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage() or r.levelno >= logging.ERROR]
    assert not bad, [f"{r.name}: {r.getMessage()[:200]}" for r in bad[:5]]


def test_a_malformed_value_is_no_update_plus_a_notice(live_app, server_callbacks):
    found = next(c for c in server_callbacks if c["inputs"][0]["id"] == "region-search" and c["inputs"][0]["property"] == "value")
    r = requests.post(f"{live_app}{UPDATE}", json=_body(found, [{"not": "a code"}]), timeout=30)
    assert r.status_code == 200
    answer = r.json()
    assert answer.get("response", {}) == {}  # every output left as it was
    notice = answer["sideUpdate"]["input-notice"]
    assert notice["hidden"] is False and "region" in json.dumps(notice["children"])


def test_real_callbacks_still_answer(live_app, server_callbacks):
    """The gate lets a real request through: the map callback for a valid view, the region search for a real code."""
    update_map = next(c for c in server_callbacks if c["output"].startswith("..map.figure."))
    from dashboard.callbacks import control_values
    from dashboard.view import CONTROL_PARAMETERS, MapView

    values = [*control_values(MapView(level=1, nace_r2="C29", year=2012)), None, "/geometry/1.geojson", None]  # no organisation found, no view held
    assert len(values) == len(CONTROL_PARAMETERS) + 3 == len(update_map["inputs"]) + len(update_map["state"])
    r = requests.post(f"{live_app}{UPDATE}", json=_body(update_map, values), timeout=60)
    assert r.status_code == 200, r.text[:300]
    response = r.json()["response"]
    assert response["view-query"]["data"] == "level=1&sector=C29&indicator=employment&year=2012&scheme=quantiles&k=5"
    assert r.json()["sideUpdate"]["input-notice"]["hidden"] is True

    found = next(c for c in server_callbacks if c["inputs"][0]["id"] == "region-search" and c["inputs"][0]["property"] == "value")
    r = requests.post(f"{live_app}{UPDATE}", json=_body(found, ["DE11"]), timeout=30)
    assert r.status_code == 200 and r.json()["response"]["zoom"]["data"] == "DE11"
