"""The API of a region's time series and of the regions most alike in structure.

- ``GET /api/v1/regions/<nuts_id>/series?sector=&indicator=``: the indicator over every year of
  the data for the region, its country and Europe (``layers.series``). ``sector`` and ``indicator``
  are read by the view vocabulary (``dashboard.view.PARAMETERS``: the same values, defaults and
  refusals as a map's); an organisation indicator is refused, since the records have no years.
- ``GET /api/v1/regions/<nuts_id>/similar?year=&limit=``: the ``limit`` regions of the same level
  most alike in economic structure (``layers.similar``): cosine of division location quotients.
  ``year`` by the vocabulary (default: the map's default year, the best-covered), ``limit`` 1-50 (default 10).

A query follows the one rule of ``dashboard.view.read_query`` (empty: not given; repeated or
unknown name: 400); an unknown region is a 404; every error is the one shape of ``dashboard.api.errors``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pandas as pd
from flask import Blueprint, request

from dashboard.api.errors import ApiError, allowed_values, json_response
from dashboard.api.payloads import ATTRIBUTIONS, NUTS_ID_PARAMETER, ApiState, schema_ref, sector_record
from dashboard.data import LEVEL_LABELS
from dashboard.figures import ATTRIBUTION
from dashboard.view import PARAMETER, BadValue, ViewProblem, read_query
from layers._errors import UnknownRegionError, UnknownYearError
from layers.indicators import INDICATORS
from layers.similar import DEFAULT_LIMIT, MIN_SHARED_DIVISIONS, SCORE_DECIMALS

SERIES_PARAMETERS = ("sector", "indicator")
SIMILAR_PARAMETERS = ("year", "limit")
SIMILAR_LIMITS = (1, 50)
_INT_RE = re.compile(r"^[0-9]{1,6}$")
SIMILAR_METHOD = (
    "score: cosine similarity of the two regions' location quotients over the NACE divisions known (a finite LQ) in both, "
    f"in the year; pairs sharing fewer than {MIN_SHARED_DIVISIONS} divisions are not scored, and a region knowing fewer than "
    f"{MIN_SHARED_DIVISIONS} has no list. Regions of the same NUTS level; best first at {SCORE_DECIMALS} decimals, ties by code."
)
SERIES_METHOD = (
    "One row per year of the data: the value at the indicator's decimals as the map shows it, the Eurostat flag letters, and the status "
    "(value / confidential / no data); a year without a value is never interpolated or dropped. country: the NUTS 0 row, as the NUTS 0 map shows it."
)


def _problem(problems: list[ViewProblem], allowed: Callable[[str], Any]) -> ApiError:
    first = problems[0]
    return ApiError(
        400, first.message, parameter=first.parameter, given=first.given, allowed=allowed(first.parameter), problems=[p.as_dict() for p in problems]
    )


def _query(raw_query: str | bytes, names: tuple[str, ...], allowed: Callable[[str], Any]) -> dict[str, str]:
    """The query's texts by the one rule; a repeated or unknown name is a 400 naming it."""
    query, problems = read_query(raw_query)
    problems += [ViewProblem(name, text[:100], f"unknown parameter {name!r}; known: {', '.join(names)}") for name, text in query.items() if name not in names]
    if problems:
        raise _problem(problems, allowed)
    return query


def series_args(state: ApiState, raw_query: str | bytes) -> tuple[str, str]:
    """(sector, indicator) of a series query: the vocabulary's parsing and defaults; 400 naming the parameter."""

    def allowed(name: str) -> Any:
        if name == "indicator":
            return list(INDICATORS)
        return allowed_values(name, state.options) if name in SERIES_PARAMETERS else list(SERIES_PARAMETERS)

    query = _query(raw_query, SERIES_PARAMETERS, allowed)
    found: dict[str, str] = {}
    for name in SERIES_PARAMETERS:
        parameter = PARAMETER[name]
        text = query.get(name, str(parameter.default_value(state.options))).strip()
        try:
            found[name] = parameter.parse(text, state.options)
        except BadValue as e:
            raise ApiError(400, str(e), parameter=name, given=text[:100], allowed=allowed(name)) from e
    if found["indicator"] not in INDICATORS:  # an organisation indicator: records of all years, no series
        raise ApiError(
            400,
            f"indicator {found['indicator']} counts organisation records of all years and has no series; use one of {', '.join(INDICATORS)}",
            parameter="indicator",
            given=found["indicator"],
            allowed=list(INDICATORS),
        )
    return found["sector"], found["indicator"]


def similar_args(state: ApiState, raw_query: str | bytes) -> tuple[int, int]:
    """(year, limit) of a similar-regions query: year by the vocabulary (default the map's, the best-covered year), limit 1-50; 400 naming the parameter."""

    def allowed(name: str) -> Any:
        if name == "limit":
            return {"minimum": SIMILAR_LIMITS[0], "maximum": SIMILAR_LIMITS[1]}
        return list(state.options.years) if name == "year" else list(SIMILAR_PARAMETERS)

    query = _query(raw_query, SIMILAR_PARAMETERS, allowed)
    year = PARAMETER["year"].default_value(state.options)  # the map's default year: the latest (2015) lacks most division LQs
    if "year" in query:
        try:
            year = PARAMETER["year"].parse(query["year"].strip(), state.options)
        except BadValue as e:
            raise ApiError(400, str(e), parameter="year", given=query["year"][:100], allowed=allowed("year")) from e
    limit = DEFAULT_LIMIT
    if "limit" in query:
        raw = query["limit"].strip()
        if not _INT_RE.match(raw) or not SIMILAR_LIMITS[0] <= int(raw) <= SIMILAR_LIMITS[1]:
            raise ApiError(
                400, f"limit must be a whole number {SIMILAR_LIMITS[0]}-{SIMILAR_LIMITS[1]}", parameter="limit", given=raw[:100], allowed=allowed("limit")
            )
        limit = int(raw)
    return int(year), limit


def _number(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def _line(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"year": int(y), "value": _number(v), "flag": str(f), "status": str(s), "flag_text": str(t)}
        for y, v, f, s, t in zip(frame["year"], frame["value"], frame["flag"], frame["status"], frame["flag_text"])
    ]


def _europe(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    if frame is None:
        return None
    return [
        {"year": int(y), "value": _number(v), "flag": str(f), "status": str(s), "partial": bool(p), "lacks": list(lacks)}
        for y, v, f, s, p, lacks in zip(frame["year"], frame["value"], frame["flag"], frame["status"], frame["partial"], frame["lacks"])
    ]


def region_record(state: ApiState, nuts_id: str) -> dict[str, Any]:
    level = state.level_of[nuts_id]
    country = nuts_id[:2]
    return {
        "nuts_id": nuts_id,
        "name": state.names[nuts_id],
        "level": level,
        "level_label": LEVEL_LABELS[level],
        "country": {"nuts_id": country, "name": state.names.get(country, country)},
    }


def series_payload(state: ApiState, nuts_id: str, raw_query: str | bytes) -> dict:
    """``/regions/<nuts_id>/series``: the region's, its country's and Europe's lines of one indicator and sector."""
    nuts_id = state.region(nuts_id)
    sector, indicator = series_args(state, raw_query)
    try:
        found = state.data.series(nuts_id, sector, indicator)
    except UnknownRegionError as e:  # checked above; kept so that a layers refusal is never a 500
        raise ApiError(404, str(e), parameter="nuts_id", given=nuts_id) from e
    ind = INDICATORS[indicator]
    return {
        "region": region_record(state, nuts_id),
        "name": state.names[nuts_id],
        "sector": sector_record(found.nace_r2),
        "indicator": {"name": ind.name, "label": ind.label, "unit": ind.unit, "decimals": ind.decimals},
        "unit": ind.unit,
        "years": [int(y) for y in found.region["year"]],
        "series": _line(found.region),
        "country": _line(found.country),
        "europe": _europe(found.europe),
        "europe_definition": found.europe_definition,
        "method": SERIES_METHOD,
        "attribution": list(ATTRIBUTIONS),
        "source": ATTRIBUTION,
    }


def similar_payload(state: ApiState, nuts_id: str, raw_query: str | bytes) -> dict:
    """``/regions/<nuts_id>/similar``: the ``limit`` regions of its level most alike in structure in ``year``."""
    nuts_id = state.region(nuts_id)
    year, limit = similar_args(state, raw_query)
    try:
        found = state.data.similar(nuts_id, year, limit)
    except UnknownRegionError as e:  # checked above; kept so that a layers refusal is never a 500
        raise ApiError(404, str(e), parameter="nuts_id", given=nuts_id) from e
    except UnknownYearError as e:
        raise ApiError(400, str(e), parameter="year", given=str(year), allowed=list(state.options.years)) from e
    return {
        "region": region_record(state, nuts_id),
        "year": year,
        "limit": limit,
        "known_divisions": found.known_divisions,
        "min_shared_divisions": MIN_SHARED_DIVISIONS,
        "similar": [
            {"nuts_id": str(g), "name": str(n), "score": round(float(s), SCORE_DECIMALS), "shared_divisions": int(k)}
            for g, n, s, k in zip(found.rows["nuts_id"], found.rows["name"], found.rows["score"], found.rows["shared_divisions"])
        ],
        "note": found.reason,
        "method": SIMILAR_METHOD,
        "attribution": list(ATTRIBUTIONS),
        "source": ATTRIBUTION,
    }


def register(api: Blueprint, state: ApiState) -> None:
    """Attach the series and similar-regions routes to the API blueprint."""

    @api.get("/regions/<nuts_id>/series")
    def get_series(nuts_id: str):
        return json_response(series_payload(state, nuts_id, request.query_string))

    @api.get("/regions/<nuts_id>/similar")
    def get_similar(nuts_id: str):
        return json_response(similar_payload(state, nuts_id, request.query_string))


# ---------------------------------------------------------------- OpenAPI


_STATUS = {"type": "string", "enum": ["value", "confidential", "no data"]}
SCHEMAS: dict[str, Any] = {
    "SeriesYear": {
        "type": "object",
        "required": ["year", "value", "flag", "status"],
        "properties": {
            "year": {"type": "integer"},
            "value": {"type": ["number", "null"], "description": "At the indicator's decimals; null when confidential or missing (never interpolated)"},
            "flag": {"type": "string", "description": "Eurostat flag letters (c confidential, e estimated, …)"},
            "status": _STATUS,
            "flag_text": {"type": "string", "description": "The flag in words and the map's notes (partial total, upper bound …)"},
        },
    },
    "EuropeYear": {
        "type": "object",
        "required": ["year", "value", "flag", "status", "partial", "lacks"],
        "properties": {
            "year": {"type": "integer"},
            "value": {"type": ["number", "null"]},
            "flag": {"type": "string", "description": "Union of the flags of the countries in the value"},
            "status": _STATUS,
            "partial": {"type": "boolean", "description": "A country is lacking, or adds a value that lacks sections or members: a lower bound for sums"},
            "lacks": {"type": "array", "items": {"type": "string"}, "description": "Countries not in that year's value"},
        },
    },
    "Series": {
        "type": "object",
        "required": ["region", "sector", "indicator", "series", "country", "europe"],
        "properties": {
            "region": {"type": "object", "description": "nuts_id, name, level, level_label, country {nuts_id, name}"},
            "name": {"type": "string"},
            "sector": schema_ref("Sector"),
            "indicator": {"type": "object", "properties": {k: {"type": "string"} for k in ("name", "label", "unit")} | {"decimals": {"type": "integer"}}},
            "unit": {"type": "string"},
            "years": {"type": "array", "items": {"type": "integer"}},
            "series": {"type": "array", "items": schema_ref("SeriesYear"), "description": "The region, one row per year of the data"},
            "country": {"type": "array", "items": schema_ref("SeriesYear"), "description": "The region's country (NUTS 0 row), one row per year"},
            "europe": {
                "type": ["array", "null"],
                "items": schema_ref("EuropeYear"),
                "description": "Europe, one row per year (computed from the countries: the file has no EU aggregate); null for stars",
            },
            "europe_definition": {"type": "string"},
            "method": {"type": "string"},
            "attribution": {"type": "array", "items": {"type": "string"}},
            "source": {"type": "string"},
        },
    },
    "SimilarRegion": {
        "type": "object",
        "required": ["nuts_id", "name", "score"],
        "properties": {
            "nuts_id": {"type": "string"},
            "name": {"type": "string"},
            "score": {"type": "number", "description": f"Cosine similarity of division LQs (0-1), {SCORE_DECIMALS} decimals"},
            "shared_divisions": {"type": "integer", "description": f"Divisions with a known LQ in both regions (at least {MIN_SHARED_DIVISIONS})"},
        },
    },
    "Similar": {
        "type": "object",
        "required": ["region", "year", "similar"],
        "properties": {
            "region": {"type": "object"},
            "year": {"type": "integer"},
            "limit": {"type": "integer"},
            "known_divisions": {"type": "integer", "description": "Divisions with a known LQ in the region that year"},
            "min_shared_divisions": {"type": "integer"},
            "similar": {"type": "array", "items": schema_ref("SimilarRegion")},
            "note": {"type": "string", "description": "Why the list is empty (too few divisions known); empty otherwise"},
            "method": {"type": "string"},
            "attribution": {"type": "array", "items": {"type": "string"}},
            "source": {"type": "string"},
        },
    },
}


def openapi_paths(prefix: str, state: ApiState, sector_schema: dict, errors: Callable[..., dict]) -> dict:
    """The two routes' OpenAPI path items (``sector_schema``: the vocabulary's; ``errors(*codes)``: the document's error responses)."""

    def ok(schema: str, description: str) -> dict:
        return {"200": {"description": description, "content": {"application/json": {"schema": schema_ref(schema)}}}}

    options = state.options
    years = list(options.years)
    return {
        f"{prefix}/regions/{{nuts_id}}/series": {
            "get": {
                "operationId": "getRegionSeries",
                "summary": "A region's indicator over every year, beside its country's and Europe's",
                "parameters": [
                    NUTS_ID_PARAMETER,
                    {
                        "name": "sector",
                        "in": "query",
                        "required": False,
                        "description": PARAMETER["sector"].help,
                        "schema": {**sector_schema, "default": PARAMETER["sector"].default_value(options)},
                    },
                    {
                        "name": "indicator",
                        "in": "query",
                        "required": False,
                        "description": "one of the statistics' indicators (see /api/v1/meta)",
                        "schema": {"type": "string", "enum": list(INDICATORS), "default": PARAMETER["indicator"].default_value(options)},
                    },
                ],
                "responses": {**ok("Series", "One row per year for the region, its country and Europe"), **errors(400, 404, 500)},
            }
        },
        f"{prefix}/regions/{{nuts_id}}/similar": {
            "get": {
                "operationId": "getSimilarRegions",
                "summary": "The regions of the same level most alike in economic structure (cosine of division location quotients)",
                "parameters": [
                    NUTS_ID_PARAMETER,
                    {"name": "year", "in": "query", "required": False, "schema": {"type": "integer", "enum": years, "default": years[-1]}},
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "description": "How many regions to list",
                        "schema": {"type": "integer", "minimum": SIMILAR_LIMITS[0], "maximum": SIMILAR_LIMITS[1], "default": DEFAULT_LIMIT},
                    },
                ],
                "responses": {
                    **ok("Similar", "The most alike regions, best first (empty with a note when the region is disqualified)"),
                    **errors(400, 404, 500),
                },
            }
        },
    }
