"""JSON API (``/api/v1/…``) and CSV download (``/export.csv``) over the loaded data.

Routes (``register`` attaches them to the Flask server):

- ``GET /api/v1/meta``: NUTS year, levels, sectors, indicators, years, attribution.
- ``GET /api/v1/values?<view query>``: one map's values (the view query of
  ``dashboard.view``: level, sector, indicator, year, scheme, k).
- ``GET /api/v1/regions/<nuts_id>/portfolio?year=&limit=``: the region's
  strongest sectors and its comparison with its country and the EU
  (``layers.portfolio``).
- ``GET /api/v1/openapi.json``: an OpenAPI 3.1 description of all of these.
- ``GET /export.csv?<view query>``: the values of a view as CSV, with ``#``
  comment lines (title, source) that ``pandas.read_csv(..., comment="#")`` skips.

Bad input is a 400 (an unknown region a 404) with a JSON body
``{"error": …, "parameter": …, "given": …, "allowed": …}``; an unexpected
failure is a JSON 500 without a traceback. Nothing from a request reaches the
filesystem: every parameter is checked against the loaded data first.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from dashboard.classes import SCHEMES
from dashboard.data import LEVEL_LABELS, DashboardData
from dashboard.figures import ATTRIBUTION, MapView, indicator_of, map_title, view_attribution
from dashboard.figures import PALETTES, STAR_DIMENSIONS
from dashboard.view import K_RANGE, LEVELS, PARAMETERS, POINT_LEVELS, parse_view, view_options, view_params, view_query, view_slug
from layers import nace
from layers.indicators import INDICATORS
from layers.points.measures import POINT_INDICATORS
from layers.portfolio import NUTS_ID_RE, UnknownRegionError, UnknownYearError, region_comparison, region_portfolio
from layers.query import STATUS_CONFIDENTIAL, STATUS_MISSING, STATUS_VALUE
from layers.sources import DEFAULT_STATISTICS

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
EXPORT_PATH = "/export.csv"
ATTRIBUTIONS = ("Source: Eurostat", "© EuroGeographics for the administrative boundaries")
"""The two attribution strings the data's terms ask for (``ATTRIBUTION`` is the one-line form)."""
CSV_COLUMNS = ("nuts_id", "name", "value", "flag", "flag_text", "status", "rank")
PORTFOLIO_PARAMETERS = ("year", "limit")
DEFAULT_LIMIT = 10
EU_NAME = "EU (sum of the NUTS 0 rows of the countries in the data)"
LIMIT_RANGE = (1, 1000)
_INT_RE = re.compile(r"^\d{1,6}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ApiError(Exception):
    """A request the API answers with an error status and a JSON body."""

    def __init__(self, status: int, message: str, *, parameter: str | None = None, given: str | None = None,
                 allowed: Any = None, problems: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.parameter, self.given, self.allowed, self.problems = status, message, parameter, given, allowed, problems

    def body(self) -> dict:
        out: dict[str, Any] = {"error": self.message, "parameter": self.parameter}
        if self.given is not None:
            out["given"] = self.given
        if self.allowed is not None:
            out["allowed"] = self.allowed
        if self.problems:
            out["problems"] = self.problems
        return out


def _plain(value: Any) -> Any:
    """JSON-safe Python value: NaN / NA → None, numpy scalars → int / float / bool."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    columns = list(frame.columns)
    return [{c: _plain(v) for c, v in zip(columns, row)} for row in frame.itertuples(index=False, name=None)]


def _json(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON response; ``allow_nan=False`` so an unconverted NaN fails loudly instead of emitting invalid JSON."""
    text = json.dumps(_plain(body), ensure_ascii=False, allow_nan=False)
    response = Response(text, status=status, mimetype="application/json")
    response.headers["X-Content-Type-Options"] = "nosniff"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _rank(value: float) -> int | None:
    return int(value) if math.isfinite(value) else None


class _Api:
    """The routes' shared state: the data and the lookups derived from it once."""

    def __init__(self, data: DashboardData) -> None:
        self.data = data
        self.options = view_options(data)
        self.default_view = self.options.default()
        self.sectors = sorted(self.options.sectors, key=lambda c: (c != nace.TOTAL, c[0], c[1:]))
        self.names: dict[str, str] = {}
        self.level_of: dict[str, int] = {}
        for level, geometry in data.geometry.items():
            for nuts_id, name in zip(geometry.ids, geometry.names):
                self.names[nuts_id] = name
                self.level_of[nuts_id] = level
        self.regions: frozenset[str] = frozenset(str(g) for g in data.index.table["geo"].unique()) & frozenset(self.names)
        self.allowed: dict[str, Any] = {
            "level": [*(POINT_LEVELS if self.options.point_indicators else LEVELS), "mixed"],
            "sector": self.sectors,
            "indicator": [*INDICATORS, *sorted(self.options.point_indicators)],
            "year": list(self.options.years),
            "scheme": list(SCHEMES),
            "k": list(range(K_RANGE[0], K_RANGE[1] + 1)),
            "limit": {"minimum": LIMIT_RANGE[0], "maximum": LIMIT_RANGE[1]},
        }

    # -- parameters -------------------------------------------------------------------------

    def _check_names(self, args, known: tuple[str, ...]) -> None:
        for name in args:
            if name not in known:
                raise ApiError(400, f"unknown parameter {name!r}; known: {', '.join(known)}", parameter=name,
                               given=str(args.get(name, ""))[:100], allowed=list(known))
            if len(args.getlist(name)) > 1:
                raise ApiError(400, f"parameter {name!r} is given more than once", parameter=name,
                               given=", ".join(v[:20] for v in args.getlist(name)[:5]), allowed=self.allowed.get(name))

    def view(self, args) -> MapView:
        """The view the query names; any problem is a 400 (never a silent fallback)."""
        self._check_names(args, PARAMETERS)
        view, problems = parse_view(args.to_dict(flat=True), self.options)
        if problems:
            first = problems[0]
            raise ApiError(
                400, first.message, parameter=first.parameter, given=first.given,
                allowed=self.allowed.get(first.parameter, list(PARAMETERS)),
                problems=[{"parameter": p.parameter, "given": p.given, "error": p.message} for p in problems],
            )
        return view

    def _integer(self, args, name: str, default: int) -> int:
        if name not in args:
            return default
        raw = str(args[name]).strip()
        if not _INT_RE.match(raw):
            raise ApiError(400, f"{name} must be a whole number", parameter=name, given=raw[:100], allowed=self.allowed[name])
        return int(raw)

    def portfolio_args(self, args) -> tuple[int, int]:
        self._check_names(args, PORTFOLIO_PARAMETERS)
        year = self._integer(args, "year", self.default_view.year)
        if year not in self.options.years:
            raise ApiError(400, f"year must be one of {self.options.years[0]}-{self.options.years[-1]} with data",
                           parameter="year", given=str(args.get("year")), allowed=self.allowed["year"])
        limit = self._integer(args, "limit", DEFAULT_LIMIT)
        if not LIMIT_RANGE[0] <= limit <= LIMIT_RANGE[1]:
            raise ApiError(400, f"limit must be {LIMIT_RANGE[0]}-{LIMIT_RANGE[1]}", parameter="limit",
                           given=str(args.get("limit")), allowed=self.allowed["limit"])
        return year, limit

    def region(self, nuts_id: str) -> str:
        """The region code, checked against the pattern and the regions with statistics (else 404)."""
        if not NUTS_ID_RE.match(nuts_id or ""):
            raise ApiError(404, "not a NUTS code: two capital letters, then up to three capital letters or digits (e.g. DE11)",
                           parameter="nuts_id", given=nuts_id[:20])
        if nuts_id not in self.regions:
            raise ApiError(404, f"no region {nuts_id!r} with statistics; see /api/v1/values for the regions of a level",
                           parameter="nuts_id", given=nuts_id)
        return nuts_id

    # -- payloads ---------------------------------------------------------------------------

    def view_echo(self, view: MapView) -> dict:
        return {
            **view_params(view),
            "query": view_query(view),
            "title": map_title(view),
        }

    def values_frame(self, view: MapView) -> pd.DataFrame:
        """The view's values (statistics or organisation records), in its shapes' order, with names."""
        geometry = self.data.shapes(view)
        values = self.data.values(view, pd.Series(geometry.ids))
        values.insert(1, "name", geometry.names)
        return values

    def meta(self) -> dict:
        return {
            "nuts_year": self.data.nuts_year,
            "statistics": DEFAULT_STATISTICS,
            "levels": [{"level": lv, "label": LEVEL_LABELS[lv], "regions": len(self.data.geometry[lv].ids)} for lv in LEVELS],
            "sectors": [
                {"code": c, "label": nace.label(c), "level": nace.level_of(c), "parent": nace.parent_of(c)} for c in self.sectors
            ],
            "indicators": [
                {"name": i.name, "label": i.label, "unit": i.unit, "decimals": i.decimals, "description": i.description}
                for i in [*INDICATORS.values(), *(POINT_INDICATORS[n] for n in sorted(self.options.point_indicators))]
            ],
            "years": list(self.options.years),
            "statuses": [STATUS_VALUE, STATUS_CONFIDENTIAL, STATUS_MISSING],
            "default_view": self.view_echo(self.default_view),
            "attribution": list(ATTRIBUTIONS),
            "source": ATTRIBUTION,
        }

    def values(self, view: MapView) -> dict:
        frame = self.values_frame(view)
        ind = indicator_of(view.indicator)
        regions = [
            {
                "nuts_id": nuts_id,
                "name": name,
                "value": _plain(value),
                "flag": flag,
                "flag_text": text,
                "status": status,
                "rank": _rank(rank),
            }
            for nuts_id, name, value, flag, text, status, rank in zip(
                frame["nuts_id"], frame["name"], frame["value"], frame["flag"], frame["flag_text"], frame["status"], frame["rank"]
            )
        ]
        return {
            "view": self.view_echo(view),
            "indicator": {"name": ind.name, "label": ind.label, "unit": ind.unit, "decimals": ind.decimals},
            "ranked": int(frame["ranked"].iloc[0]) if len(frame) else 0,
            "regions": regions,
            "attribution": list(ATTRIBUTIONS),
            "source": view_attribution(view, self.data.organisations),
        }

    def portfolio(self, nuts_id: str, year: int, limit: int) -> dict:
        try:
            sectors = region_portfolio(self.data.index, nuts_id, year=year)
            comparison = region_comparison(self.data.index, nuts_id, year=year)
        except UnknownRegionError as e:
            raise ApiError(404, str(e), parameter="nuts_id", given=nuts_id) from e
        except UnknownYearError as e:
            raise ApiError(400, str(e), parameter="year", given=str(year), allowed=self.allowed["year"]) from e
        rows = comparison.rows.copy()
        rows.insert(2, "name", [EU_NAME if s == "eu" else self.names.get(g, g) for s, g in zip(rows["scope"], rows["geo"])])
        rows = rows.rename(columns={"geo": "nuts_id"})
        eu = comparison.eu
        notes = []
        if sectors.empty:
            notes.append(f"{nuts_id} has no sector rows in {year}.")
        if (sectors["stars_known"] < 3).any():
            notes.append("stars counts the stars earned among the stars_known dimensions: a lower bound where fewer than 3 are known.")
        level = self.level_of[nuts_id]
        return {
            "region": {
                "nuts_id": nuts_id,
                "name": self.names[nuts_id],
                "level": level,
                "level_label": LEVEL_LABELS[level],
                "country": {"nuts_id": nuts_id[:2], "name": self.names.get(nuts_id[:2], nuts_id[:2])},
            },
            "year": year,
            "limit": limit,
            "order": "stars (desc, unknown last), then lq (desc, unknown last), then nace_r2",
            "sectors_total": len(sectors),
            "sectors": _records(sectors.head(limit)),
            "comparison": {
                "nace_r2": comparison.nace_r2,
                "rows": _records(rows),
                "eu": {
                    "definition": eu.definition,
                    "countries": list(eu.countries),
                    "wage_countries": list(eu.wage_countries),
                    "missing": dict(eu.missing),
                    "partial": list(eu.partial),
                    "non_eu": list(eu.non_eu),
                    "is_partial": eu.is_partial,
                    "note": eu.note(),
                },
            },
            "notes": notes,
            "attribution": list(ATTRIBUTIONS),
            "source": ATTRIBUTION,
        }

    def csv_text(self, view: MapView) -> str:
        """The view's values as CSV: ``#`` comment lines, a header, one row per region, a final source line."""
        frame = self.values_frame(view)
        buffer = io.StringIO()
        source = view_attribution(view, self.data.organisations)
        buffer.write(f"# {map_title(view)}\n")
        buffer.write(f"# {source}\n")
        buffer.write(f"# View: {view_query(view)}\n")
        writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for nuts_id, name, value, flag, text, status, rank in zip(
            frame["nuts_id"], frame["name"], frame["value"], frame["flag"], frame["flag_text"], frame["status"], frame["rank"]
        ):
            writer.writerow(
                [_text(nuts_id), _text(name), float(value) if math.isfinite(value) else None, _text(flag), _text(text),
                 _text(status), _rank(rank)]
            )
        buffer.write(f"# {source}\n")
        return buffer.getvalue()


def _text(value: Any) -> str:
    """A text cell; a leading = + - @ gets a ' so that spreadsheets do not run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _error_handlers(blueprint: Blueprint) -> None:
    @blueprint.errorhandler(ApiError)
    def _api_error(e: ApiError):
        return _json(e.body(), e.status)

    @blueprint.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        allow = dict(e.get_headers()).get("Allow")
        return _json({"error": e.description or e.name, "parameter": None}, e.code or 500, {"Allow": allow} if allow else None)

    @blueprint.errorhandler(Exception)
    def _unexpected(e: Exception):  # last resort: logged here, never a traceback to the client
        log.exception("API request %s failed", request.path)
        return _json({"error": "internal error: the request could not be answered", "parameter": None}, 500)


def register(server: Flask, data: DashboardData) -> None:
    """Attach ``/api/v1/…`` and ``/export.csv`` to the Flask ``server``."""
    state = _Api(data)
    meta = state.meta()
    spec = openapi_spec(state)
    api = Blueprint("api_v1", __name__, url_prefix=API_PREFIX)
    export = Blueprint("api_export", __name__)
    _error_handlers(api)
    _error_handlers(export)

    @api.get("/meta")
    def get_meta():
        return _json(meta)

    @api.get("/values")
    def get_values():
        return _json(state.values(state.view(request.args)))

    @api.get("/regions/<nuts_id>/portfolio")
    def get_portfolio(nuts_id: str):
        nuts_id = state.region(nuts_id)
        year, limit = state.portfolio_args(request.args)
        return _json(state.portfolio(nuts_id, year, limit))

    @api.get("/openapi.json")
    def get_openapi():
        return _json(spec)

    @api.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @api.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def not_found(rest: str):
        """JSON 404 (or 405 for a known path and another method) instead of the HTML page."""
        adapter = server.url_map.bind_to_environ(request.environ)
        try:
            endpoint, _ = adapter.match(method="GET")
        except HTTPException:
            endpoint = None
        if endpoint not in (None, f"{api.name}.not_found") and request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(valid_methods=["GET", "HEAD"], description=f"{request.path} answers GET only")
        raise NotFound(f"no API endpoint {request.path}; see {API_PREFIX}/openapi.json")

    @export.get(EXPORT_PATH)
    def get_csv():
        view = state.view(request.args)
        return Response(
            state.csv_text(view),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{view_slug(view)}.csv"', "X-Content-Type-Options": "nosniff"},
        )

    server.register_blueprint(api)
    server.register_blueprint(export)


# -- OpenAPI ------------------------------------------------------------------------------------


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_responses(*codes: int) -> dict:
    text = {400: "A parameter is unknown, repeated, malformed or not among the allowed values.",
            404: "Unknown region (not a NUTS code, or no statistics for it).",
            500: "Unexpected failure (no traceback is sent)."}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": _ref("Error")}}} for c in codes}


def openapi_spec(state: _Api) -> dict:
    """OpenAPI 3.1 description of the API and the CSV export, with the data's enums."""
    years = list(state.options.years)
    default = state.default_view
    nullable_number = {"type": ["number", "null"]}
    view_parameters = [
        {"name": "level", "in": "query", "required": False, "description": "NUTS level: " + "; ".join(f"{k} {v}" for k, v in LEVEL_LABELS.items()),
         "schema": {"type": ["integer", "string"], "enum": state.allowed["level"], "default": view_params(default)["level"]}},
        {"name": "sector", "in": "query", "required": False, "description": "NACE Rev. 2 code in Eurostat spelling, or TOTAL (see /api/v1/meta)",
         "schema": {"type": "string", "enum": state.sectors, "default": default.nace_r2}},
        {"name": "indicator", "in": "query", "required": False, "description": "Indicator (see /api/v1/meta for labels and units)",
         "schema": {"type": "string", "enum": state.allowed["indicator"], "default": default.indicator}},
        {"name": "year", "in": "query", "required": False, "description": "Reference year",
         "schema": {"type": "integer", "enum": years, "default": default.year}},
        {"name": "scheme", "in": "query", "required": False, "description": "Classification scheme of the map (accepted for a shared view query; no effect on values)",
         "schema": {"type": "string", "enum": list(SCHEMES), "default": default.scheme}},
        {"name": "k", "in": "query", "required": False, "description": "Number of map classes (accepted for a shared view query; no effect on values)",
         "schema": {"type": "integer", "minimum": K_RANGE[0], "maximum": K_RANGE[1], "default": default.k}},
        {"name": "breaks", "in": "query", "required": False, "description": "With scheme=user: upper class bounds, comma-separated (no effect on values)",
         "schema": {"type": "string"}},
        {"name": "palette", "in": "query", "required": False, "description": "Map palette (no effect on values)",
         "schema": {"type": "string", "enum": list(PALETTES), "default": default.palette}},
        {"name": "star", "in": "query", "required": False, "description": "With indicator=stars: all, or one star dimension (its values are 1 = star, 0 = none)",
         "schema": {"type": "string", "enum": list(STAR_DIMENSIONS), "default": default.star}},
        {"name": "zoom", "in": "query", "required": False, "description": "NUTS code the map is zoomed to (no effect on values)",
         "schema": {"type": "string"}},
        {"name": "points", "in": "query", "required": False, "description": "Whether the map draws the organisations layer (no effect on values)",
         "schema": {"type": "string", "enum": ["on", "off"], "default": "off"}},
    ]
    string_list = {"type": "array", "items": {"type": "string"}}
    schemas = {
        "Error": {
            "type": "object",
            "required": ["error", "parameter"],
            "properties": {
                "error": {"type": "string", "description": "What is wrong, in words"},
                "parameter": {"type": ["string", "null"], "description": "The parameter at fault (null when none is)"},
                "given": {"type": "string", "description": "The value given (cut to 100 characters)"},
                "allowed": {"description": "The allowed values: a list, or {minimum, maximum}"},
                "problems": {"type": "array", "items": {"type": "object", "properties": {
                    "parameter": {"type": "string"}, "given": {"type": "string"}, "error": {"type": "string"}}}},
            },
        },
        "View": {
            "type": "object",
            "required": ["level", "sector", "indicator", "year", "scheme", "k", "query", "title"],
            "properties": {
                "level": {"type": ["integer", "string"], "enum": state.allowed["level"]},
                "sector": {"type": "string"},
                "indicator": {"type": "string", "enum": state.allowed["indicator"]},
                "year": {"type": "integer", "enum": years},
                "scheme": {"type": "string", "enum": list(SCHEMES)},
                "k": {"type": "integer"},
                "query": {"type": "string", "description": "The view's query string (the same in the app, the API and exports)"},
                "title": {"type": "string"},
            },
        },
        "Meta": {
            "type": "object",
            "required": ["nuts_year", "levels", "sectors", "indicators", "years", "attribution"],
            "properties": {
                "nuts_year": {"type": "integer"},
                "statistics": {"type": "string"},
                "levels": {"type": "array", "items": {"type": "object", "properties": {
                    "level": {"type": "integer"}, "label": {"type": "string"}, "regions": {"type": "integer"}}}},
                "sectors": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "string"}, "label": {"type": "string"}, "level": {"type": "integer", "description": "0 total, 1 section, 2 division, 3 group"},
                    "parent": {"type": ["string", "null"]}}}},
                "indicators": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "label": {"type": "string"}, "unit": {"type": "string"},
                    "decimals": {"type": "integer"}, "description": {"type": "string"}}}},
                "years": {"type": "array", "items": {"type": "integer"}},
                "statuses": string_list,
                "default_view": _ref("View"),
                "attribution": string_list,
                "source": {"type": "string"},
            },
        },
        "RegionValue": {
            "type": "object",
            "required": ["nuts_id", "name", "value", "flag", "flag_text", "status", "rank"],
            "properties": {
                "nuts_id": {"type": "string"},
                "name": {"type": "string"},
                "value": {**nullable_number, "description": "null when missing or confidential (see status)"},
                "flag": {"type": "string", "description": "Eurostat flag letters, '' for none"},
                "flag_text": {"type": "string", "description": "The flags in words, plus notes (partial totals, upper bounds, lower bounds)"},
                "status": {"type": "string", "enum": [STATUS_VALUE, STATUS_CONFIDENTIAL, STATUS_MISSING]},
                "rank": {"type": ["integer", "null"], "description": "1 = highest among the regions with a value; ties share the best rank"},
            },
        },
        "Values": {
            "type": "object",
            "required": ["view", "indicator", "ranked", "regions", "attribution"],
            "properties": {
                "view": _ref("View"),
                "indicator": {"type": "object"},
                "ranked": {"type": "integer"},
                "regions": {"type": "array", "items": _ref("RegionValue")},
                "attribution": string_list,
                "source": {"type": "string"},
            },
        },
        "PortfolioSector": {
            "type": "object",
            "properties": {
                "nace_r2": {"type": "string"},
                "label": {"type": "string"},
                "stars": {**nullable_number, "description": "Stars earned among the known dimensions (0-3); null when none is known"},
                "star_size": {"type": ["boolean", "null"]},
                "star_specialisation": {"type": ["boolean", "null"]},
                "star_productivity": {"type": ["boolean", "null"]},
                "lq": nullable_number,
                "employment": nullable_number,
                "employment_flag": {"type": "string"},
                "wages": {**nullable_number, "description": "million EUR"},
                "avg_wage": {**nullable_number, "description": "EUR per person employed"},
                "employment_share": {**nullable_number, "description": "% of the region's total"},
                "stars_known": {"type": "integer"},
            },
        },
        "ComparisonRow": {
            "type": "object",
            "properties": {
                "scope": {"type": "string", "enum": ["region", "country", "eu"]},
                "nuts_id": {"type": "string"},
                "name": {"type": "string"},
                "employment": nullable_number,
                "employment_flag": {"type": "string"},
                "employment_complete": {"type": "boolean"},
                "avg_wage": nullable_number,
                "avg_wage_flag": {"type": "string"},
                "avg_wage_complete": {"type": "boolean"},
                "region_employment_pct": {**nullable_number, "description": "the region's employment as % of this row's"},
                "region_avg_wage_index": {**nullable_number, "description": "the region's average wage, this row's = 100"},
            },
        },
        "Portfolio": {
            "type": "object",
            "required": ["region", "year", "sectors", "comparison", "attribution"],
            "properties": {
                "region": {"type": "object"},
                "year": {"type": "integer"},
                "limit": {"type": "integer"},
                "order": {"type": "string"},
                "sectors_total": {"type": "integer"},
                "sectors": {"type": "array", "items": _ref("PortfolioSector")},
                "comparison": {"type": "object", "properties": {
                    "nace_r2": {"type": "string"},
                    "rows": {"type": "array", "items": _ref("ComparisonRow")},
                    "eu": {"type": "object", "description": "EU = the sum of the NUTS 0 rows of the countries in the data that year; "
                           "missing (confidential / no data) and partial countries are named, non-EU countries (NO) too"},
                }},
                "notes": string_list,
                "attribution": string_list,
                "source": {"type": "string"},
            },
        },
    }

    def ok(schema: str, description: str) -> dict:
        return {"200": {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}}

    paths = {
        f"{API_PREFIX}/meta": {"get": {
            "operationId": "getMeta", "summary": "What the data holds: NUTS year, levels, sectors, indicators, years, attribution",
            "responses": {**ok("Meta", "Metadata"), **_error_responses(500)}}},
        f"{API_PREFIX}/values": {"get": {
            "operationId": "getValues", "summary": "One map's values: every region of a level for a sector, indicator and year",
            "parameters": view_parameters,
            "responses": {**ok("Values", "Values in the level's region order"), **_error_responses(400, 500)}}},
        f"{API_PREFIX}/regions/{{nuts_id}}/portfolio": {"get": {
            "operationId": "getPortfolio", "summary": "A region's strongest sectors (stars, then LQ) and its comparison with its country and the EU",
            "parameters": [
                {"name": "nuts_id", "in": "path", "required": True, "description": "NUTS 2013 code of a region with statistics (levels 0-2)",
                 "schema": {"type": "string", "pattern": NUTS_ID_RE.pattern}, "example": "DE11"},
                {"name": "year", "in": "query", "required": False, "schema": {"type": "integer", "enum": years, "default": default.year}},
                {"name": "limit", "in": "query", "required": False, "description": "How many sectors to list",
                 "schema": {"type": "integer", "minimum": LIMIT_RANGE[0], "maximum": LIMIT_RANGE[1], "default": DEFAULT_LIMIT}},
            ],
            "responses": {**ok("Portfolio", "Portfolio and comparison"), **_error_responses(400, 404, 500)}}},
        f"{API_PREFIX}/openapi.json": {"get": {
            "operationId": "getOpenApi", "summary": "This description",
            "responses": {"200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        EXPORT_PATH: {"get": {
            "operationId": "exportCsv", "summary": "A view's values as CSV (attachment)",
            "description": "Columns " + ", ".join(CSV_COLUMNS) + ". Lines starting with # are comments (title, source, view query; "
                           "the last line repeats the source): read with pandas.read_csv(url, comment='#'). Text cells are quoted.",
            "parameters": view_parameters,
            "responses": {"200": {"description": "CSV, UTF-8", "headers": {"Content-Disposition": {"schema": {"type": "string"},
                                  "description": "attachment; filename=<view slug>.csv"}},
                                  "content": {"text/csv": {"schema": {"type": "string"}}}},
                          **_error_responses(400, 500)}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cluster Observatory Map API",
            "version": "1.0.0",
            "description": "Eurostat regional structural business statistics (sbs_r_nuts06_r2) by NUTS "
                           f"{state.data.nuts_year} region, NACE Rev. 2 sector and year. " + " · ".join(ATTRIBUTIONS) + ".",
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }
