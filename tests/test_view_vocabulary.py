"""The view vocabulary (``dashboard.view.PARAMETERS``) drives everything that reads or writes a view.

Parser, writer, the page's controls, the API's 400s, the OpenAPI enums and the CLI's
choices are checked against the table's rows, and the one query rule (empty: not
given; repeated: a problem) against the page, the embed, the API, the CSV and the PNG route.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields

import pytest
from plotly.colors import sample_colorscale

from dashboard import cli
from dashboard.callbacks import (
    CONTROLS,
    control_values,
    view_from_controls_values,
    view_from_search,
)
from dashboard.data import MIXED
from dashboard.view import (
    CONTROL_PARAMETERS,
    PARAMETER,
    PARAMETERS,
    MapView,
    parameters_for,
    parse_view,
    read_query,
    read_view,
    view_options,
    view_params,
    view_query,
)
from layers.classes import SCHEMES
from layers.indicators import INDICATORS


@pytest.fixture(scope="module")
def options(dashboard_data):
    return view_options(dashboard_data)


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def _context(name: str) -> dict[str, str]:
    """Other parameters that make ``name`` matter (a star dimension needs the stars indicator, breaks the user scheme)."""
    return {
        "star": {"indicator": "stars"},
        "breaks": {"scheme": "user"},
        "scheme": {"breaks": "10,100"},
        "threshold": {"analysis": "network"},
        "since": {"year": "2015"},  # an earlier year than the view's
    }.get(name, {})


def test_every_view_field_has_exactly_one_row():
    assert sorted(p.field for p in PARAMETERS) == sorted(f.name for f in fields(MapView))
    assert len({p.name for p in PARAMETERS}) == len(PARAMETERS)
    assert all(p.help and p.uses for p in PARAMETERS)


def test_every_allowed_value_parses_and_is_written_back(options):
    for p in PARAMETERS:
        for value in p.values(options) or ():
            if p.name == "level" and value == 3:
                continue  # NUTS 3 only with organisation records, which this build has none of
            query = {**_context(p.name), p.name: str(value)}
            view, problems = parse_view(query, options)
            assert problems == [], (p.name, value, problems)
            assert getattr(view, p.field) == p.to_field(value)
            assert view_params(view).get(p.name, p.default_value(options)) == value  # written as the table spells it (or moot: the default)
            assert view_query(read_view(view_query(view), options).view) == view_query(view)


def test_a_value_outside_the_table_is_a_problem_with_the_tables_message(options):
    for p in PARAMETERS:
        view, problems = parse_view({p.name: "zz-not-a-value"}, options)
        assert [q.parameter for q in problems] == [p.name], (p.name, problems)
        assert getattr(view, p.field) == getattr(options.default(), p.field)
        if p.resolve is not None:  # a sector: the message names the code that is not in the data
            assert "zz-not-a-value is not a NACE Rev. 2 code in the data" in problems[0].message
        elif p.read is None and p.type != ("integer",):
            assert problems[0].message == p.refusal(p.values(options))


def test_defaults_come_from_the_table(options):
    default = options.default()
    for p in PARAMETERS:
        assert getattr(default, p.field) == p.to_field(p.default_value(options))
    assert default.level == MIXED and default.year == 2014 and default.nace_r2 == "C"


def test_api_400s_name_the_parameter_and_list_the_tables_values(client, options):
    for p in parameters_for("api"):
        for path in ("/api/v1/values", "/export.csv"):
            r = client.get(f"{path}?{p.name}=zz-not-a-value")
            assert r.status_code == 400, (path, p.name)
            body = r.get_json()
            assert body["parameter"] == p.name
            values = p.values(options)
            assert body.get("allowed") == (list(values) if values is not None else None)
            assert body["problems"] == [{"parameter": p.name, "given": "zz-not-a-value", "error": body["error"]}]


def test_openapi_enums_are_the_tables_values(client, options):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/values", "/export.csv"):
        documented = {d["name"]: d for d in spec["paths"][path]["get"]["parameters"]}
        assert list(documented) == [p.name for p in parameters_for("api")]
        for p in parameters_for("api"):
            schema = whole = documented[p.name]["schema"]
            values = p.values(options)
            if values is None:
                assert "enum" not in schema
                continue
            if p.pattern:  # listed values, or text of a form (a sector: codes separated by commas)
                listed, form = schema["anyOf"]
                assert form == {"type": "string", "pattern": p.pattern}
                schema = listed
            assert schema["enum"] == list(values)
            for value in p.allowed:  # the fixed vocabulary, as far as the data allows it
                if p.find is None or value in p.find(options):
                    assert value in schema["enum"]
            assert documented[p.name]["description"] == p.help
            default = p.default_value(options)
            if default not in (None, ""):
                assert whole["default"] == default


def _export_parser() -> argparse.ArgumentParser:
    sub = next(a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["export"]


def test_cli_choices_are_the_tables_fixed_vocabulary():
    actions = {a.dest: a for a in _export_parser()._actions}
    for p in parameters_for("cli"):
        action = actions[p.name]
        if p.allowed:
            assert list(action.choices) == [v if p.type == ("integer",) else str(v) for v in p.allowed], p.name
        else:
            assert action.choices is None
    assert "user" in actions["scheme"].choices and "breaks" in actions  # the CLI can draw your own classes now
    args = _export_parser().parse_args(["--out", "x", "--scheme", "user", "--breaks", "10,100", "--level", "mixed", "1", "--k", "7"])
    assert (args.scheme, args.breaks, args.level, args.k) == ("user", "10,100", ["mixed", "1"], 7)
    with pytest.raises(SystemExit):
        _export_parser().parse_args(["--out", "x", "--palette", "Jet"])


def test_controls_are_wired_from_the_table(options):
    assert tuple((p.name, p.control.id, p.control.prop) for p in CONTROL_PARAMETERS) == CONTROLS
    views = [
        options.default(),
        MapView(level=1, nace_r2="C29", indicator="stars", year=2011, star="size", palette="Viridis"),
        MapView(level=MIXED, nace_r2="G471", indicator="lq", year=2009, scheme="user", breaks=(0.5, 1.0, 2.0), k=7, zoom="DE"),
        MapView(level=0, nace_r2="TOTAL", points=True),
    ]
    for view in views:
        values = control_values(view)
        assert len(values) == len(CONTROL_PARAMETERS)
        assert view_from_controls_values(values, options) == (view, [])


def test_page_controls_offer_the_tables_values(client):
    layout = json.dumps(client.get("/_dash-layout").get_json())
    for name in ("scheme", "palette", "star"):
        for value, label in PARAMETER[name].labels.items():
            assert json.dumps({"label": label, "value": value}) in layout, (name, value)
    assert list(SCHEMES) == list(PARAMETER["scheme"].allowed)
    for palette in PARAMETER["palette"].allowed:
        assert palette == "auto" or sample_colorscale(palette, [0.5])  # a colour scale plotly knows by that name (auto: one of them per view)
    assert set(PARAMETER["indicator"].find(view_options_without_points())) == set(INDICATORS)


def view_options_without_points():
    from dashboard.view import ViewOptions

    return ViewOptions(sectors=frozenset({"C"}), years=(2014,))


# -- the one query rule --------------------------------------------------------------------


def test_read_query_rule():
    assert read_query("?level=2&zoom=&sector=C") == ({"level": "2", "sector": "C"}, [])
    assert read_query(b"level=&level=1") == ({"level": "1"}, [])  # empties go first
    query, problems = read_query("year=2014&year=2013&sector=C")
    assert query == {"sector": "C"} and [p.parameter for p in problems] == ["year"]
    assert "2 times" in problems[0].message and problems[0].given == "2014, 2013"
    assert read_query("&".join(["a=1"] * 500))[1][0].parameter == "query"


@pytest.mark.parametrize("query, parameter", [("level=1&year=2014&year=2013", "year"), ("level=1&sector=C&sector=C", "sector")])
def test_a_repeated_key_is_a_problem_on_every_route(client, dashboard_data, options, query, parameter):
    view, notice = view_from_search(dashboard_data, "?" + query)  # the page (URL, first view)
    assert getattr(view, PARAMETER[parameter].field) == getattr(options.default(), PARAMETER[parameter].field) and view.level == 1
    assert f"{parameter}=" in repr(notice) and "give it once" in repr(notice)
    for path in ("/api/v1/values", "/export.csv"):  # the machines: a 400 naming it
        body = client.get(f"{path}?{query}").get_json()
        assert body["parameter"] == parameter and "give it once" in body["error"]
    embed = client.get(f"/embed?{query}").get_data(as_text=True)
    assert "give it once" in embed
    png = client.get(f"/export.png?{query}")
    assert png.status_code == 400 and png.get_json()["parameter"] == parameter


def test_an_empty_value_is_not_given_on_every_route(client, dashboard_data):
    assert view_from_search(dashboard_data, "?level=1&zoom=&year=")[1] == []
    assert view_from_search(dashboard_data, "?level=1&zoom=&year=")[0] == view_from_search(dashboard_data, "?level=1")[0]
    for path in ("/api/v1/values", "/export.csv", "/embed"):
        assert client.get(f"{path}?level=1&zoom=&year=").get_data() == client.get(f"{path}?level=1").get_data()
