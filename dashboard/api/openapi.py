"""The OpenAPI 3.1 document of the API and the CSV export; its view parameters come from the view vocabulary.

Each row of ``dashboard.view.PARAMETERS`` used by the API becomes a query parameter
with its help, its JSON type, its default for the loaded data and, where it has
them, its allowed values as ``enum`` (the data's sectors, years, regions, and the
organisation indicators when records are loaded).
"""

from __future__ import annotations

from dashboard.api import regions, spatial, years as years_view
from dashboard.api.errors import ERROR_SCHEMA
from dashboard.api.payloads import (
    ATTRIBUTIONS,
    CSV_COLUMNS,
    DEFAULT_LIMIT,
    HOTSPOT_COLUMNS,
    LIMIT_RANGE,
    NUTS_ID_PARAMETER,
    ApiState,
    schema_ref,
)
from dashboard.view import PARAMETER, ViewOptions, parameters_for
from layers.query import STATUS_CONFIDENTIAL, STATUS_MISSING, STATUS_VALUE

API_PREFIX = "/api/v1"
EXPORT_PATH = "/export.csv"
HOTSPOT_PROPERTIES = {
    "hotspot": {
        "type": ["string", "null"],
        "enum": ["HH", "LL", "HL", "LH", "ns", None],
        "description": "With analysis=hotspots only: the local Moran's I category (High-High, Low-Low, High-Low, Low-High, "
        "ns not significant at p <= 0.05); null without a value (docs/methodology.md 13). class and class_label are then the category",
    },
    "p_value": {
        "type": ["number", "null"],
        "description": "With analysis=hotspots only: the pseudo p-value of 999 conditional permutations (folded, 0.001-1); "
        "null without a value, or when the view has too few regions with a value for the statistic",
    },
}
"""The columns a hot-spot view adds to each region (``payloads.HOTSPOT_COLUMNS``)."""
CLUSTER_SCHEMA = {
    "type": "object",
    "description": "A cross-border High-High cluster: significant High-High regions, connected by contiguity, in more than one country",
    "required": ["cluster", "regions", "countries", "employment", "employment_missing"],
    "properties": {
        "cluster": {"type": "integer", "description": "Its number among all the view's High-High clusters, 1 = the largest employment"},
        "regions": {"type": "array", "items": {"type": "object", "properties": {"nuts_id": {"type": "string"}, "name": {"type": "string"}}}},
        "countries": {"type": "array", "items": {"type": "string"}},
        "employment": {
            "type": ["number", "null"],
            "description": "Persons employed in the sector and year, summed over the regions that have it (employees in the records for org_*)",
        },
        "employment_missing": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Regions without employment: the sum is then a lower bound",
        },
    },
}


def view_schema(name: str, options: ViewOptions) -> dict:
    """The JSON schema of one view parameter's value, with the data's allowed values as ``enum``."""
    p = PARAMETER[name]
    schema: dict = {"type": list(p.type) if len(p.type) > 1 else p.type[0]}
    values = p.values(options)
    if values is not None:
        schema["enum"] = list(values)
    if values is not None and p.pattern:  # listed values, or text of a form (a group of codes)
        return {"anyOf": [schema, {"type": "string", "pattern": p.pattern}]}
    return schema


def view_parameter_docs(options: ViewOptions) -> list[dict]:
    """The query parameters of a view, for ``/api/v1/values`` and ``/export.csv``: one per vocabulary row the API uses."""
    docs = []
    for p in parameters_for("api"):
        schema = view_schema(p.name, options)
        default = p.default_value(options)
        if default not in (None, ""):
            schema["default"] = default
        docs.append({"name": p.name, "in": "query", "required": False, "description": p.help, "schema": schema})
    return docs


def _error_responses(*codes: int) -> dict:
    text = {
        400: "A parameter is unknown, repeated, malformed or not among the allowed values.",
        404: "Unknown region (not a NUTS code, or no statistics for it).",
        500: "Unexpected failure (no traceback is sent).",
    }
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": schema_ref("Error")}}} for c in codes}


def openapi_spec(state: ApiState) -> dict:
    """OpenAPI 3.1 description of the API and the CSV export, with the data's enums."""
    years = list(state.options.years)
    default = state.default_view
    nullable_number = {"type": ["number", "null"]}
    view_parameters = view_parameter_docs(state.options)
    string_list = {"type": "array", "items": {"type": "string"}}
    schemas = {
        "Error": ERROR_SCHEMA,
        "View": {
            "type": "object",
            "required": ["level", "sector", "indicator", "year", "scheme", "k", "query", "title"],
            "properties": {
                "level": view_schema("level", state.options),
                "sector": {"type": "string", "description": "canonical: a code, codes joined by commas (a group), or a group id"},
                "indicator": view_schema("indicator", state.options),
                "year": view_schema("year", state.options),
                "scheme": view_schema("scheme", state.options),
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
                "levels": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"level": {"type": "integer"}, "label": {"type": "string"}, "regions": {"type": "integer"}}},
                },
                "sectors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "label": {"type": "string"},
                            "level": {"type": "integer", "description": "0 total, 1 section, 2 division, 3 group"},
                            "parent": {"type": ["string", "null"]},
                        },
                    },
                },
                "indicators": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "label": {"type": "string"},
                            "unit": {"type": "string"},
                            "decimals": {"type": "integer"},
                            "description": {"type": "string"},
                        },
                    },
                },
                "years": {"type": "array", "items": {"type": "integer"}},
                "statuses": string_list,
                "default_view": schema_ref("View"),
                "attribution": string_list,
                "source": {"type": "string"},
            },
        },
        "RegionValue": {
            "type": "object",
            "required": ["nuts_id", "name", "value", "flag", "flag_text", "status", "rank", "country_rank", "country_ranked", "class", "class_label"],
            "properties": {
                "nuts_id": {"type": "string"},
                "name": {"type": "string"},
                "value": {**nullable_number, "description": "null when missing or confidential (see status)"},
                "flag": {"type": "string", "description": "Eurostat flag letters, '' for none"},
                "flag_text": {"type": "string", "description": "The flags in words, plus notes (partial totals, upper bounds, lower bounds)"},
                "status": {"type": "string", "enum": [STATUS_VALUE, STATUS_CONFIDENTIAL, STATUS_MISSING]},
                "rank": {
                    "type": ["integer", "null"],
                    "description": "1 = highest among the regions with a value, on the value at the indicator's decimals; ties share the best rank (docs/methodology.md 9.1)",
                },
                "country_rank": {
                    "type": ["integer", "null"],
                    "description": "With zoom: the same rank among the zoomed country's regions; null outside it or without zoom",
                },
                "country_ranked": {"type": "integer", "description": "With zoom: how many of the country's regions have a value; 0 without zoom"},
                "class": {"type": "integer", "description": "The map's colour class: 0 no data, 1 confidential, 2... value classes of scheme and k"},
                "class_label": {"type": "string", "description": "The legend entry of that class"},
                **HOTSPOT_PROPERTIES,
            },
        },
        "Values": {
            "type": "object",
            "required": ["view", "indicator", "ranked", "regions", "attribution"],
            "properties": {
                "view": schema_ref("View"),
                "indicator": {"type": "object"},
                "ranked": {"type": "integer"},
                "regions": {"type": "array", "items": schema_ref("RegionValue")},
                "sector": schema_ref("Sector"),
                "notices": {"type": "array", "items": schema_ref("Notice")},
                "attribution": string_list,
                "source": {"type": "string"},
                "clusters": {
                    "type": "array",
                    "items": schema_ref("Cluster"),
                    "description": "With analysis=hotspots only: the cross-border High-High clusters, largest employment first",
                },
            },
        },
        "Cluster": CLUSTER_SCHEMA,
        "Sector": {
            "type": "object",
            "description": "What the view's sector is: one NACE code, a group of codes (their sums), or a named group",
            "required": ["code", "name", "kind", "members", "note"],
            "properties": {
                "code": {"type": "string", "description": "The canonical spelling (a code, codes joined by commas, or a group id)"},
                "name": {"type": "string"},
                "kind": {"type": "string", "description": "code, group (one's own), or a named group's kind (emerging industry)"},
                "members": {"type": "array", "items": {"type": "object", "properties": {"code": {"type": "string"}, "label": {"type": "string"}}}},
                "note": {"type": "string", "description": "What a group is: its members, and for a named group the approximation label"},
                "approximation": {"type": "boolean", "description": "A named group approximating an official definition at the data's NACE level"},
            },
        },
        "Group": {
            "type": "object",
            "required": ["id", "name", "members", "kind", "note"],
            "properties": {
                "id": {"type": "string", "description": "Usable as sector=<id> in every view"},
                "name": {"type": "string"},
                "members": string_list,
                "kind": {"type": "string"},
                "note": {"type": "string"},
                "approximation": {"type": "boolean"},
                "concept": {"type": "string"},
                "leaves_out": {"type": "string"},
            },
        },
        "Groups": {"type": "object", "required": ["groups"], "properties": {"groups": {"type": "array", "items": schema_ref("Group")}}},
        "Notice": {
            "type": "object",
            "description": "What reading the query changed in a value it used (e.g. a group's code dropped because its ancestor is listed)",
            "properties": {"parameter": {"type": "string"}, "given": {"type": "string"}, "notice": {"type": "string"}},
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
        "PortfolioGroup": {
            "type": "object",
            "description": "A named group in the region: sums over its members, LQ and stars by the rules of a single code",
            "properties": {
                "id": {"type": "string", "description": "Usable as sector=<id> in every view"},
                "name": {"type": "string"},
                "kind": {"type": "string"},
                "members": string_list,
                "approximation": {"type": "boolean", "description": "An approximation at the data's NACE level of an official definition"},
                "note": {"type": "string"},
                "stars": {**nullable_number, "description": "Stars earned among the known dimensions (0-3); null when none is known"},
                "star_size": {"type": ["boolean", "null"]},
                "star_specialisation": {"type": ["boolean", "null"]},
                "star_productivity": {"type": ["boolean", "null"]},
                "stars_known": {"type": "integer"},
                "lq": nullable_number,
                "employment": {**nullable_number, "description": "Sum over the members with a value; a lower bound when partial"},
                "employment_flag": {"type": "string", "description": "Union of the members' flags"},
                "wages": {**nullable_number, "description": "million EUR"},
                "avg_wage": {**nullable_number, "description": "EUR per person employed"},
                "avg_wage_flag": {"type": "string"},
                "employment_share": {**nullable_number, "description": "% of the region's total"},
                "partial": {"type": "boolean", "description": "A member lacks a value (confidential or no data): the sums are lower bounds"},
                "lacks": {**string_list, "description": "Members without an employment value (employment, share, LQ, size and specialisation stars)"},
                "wages_lacks": {**string_list, "description": "Members without a wage value (average wage, productivity star)"},
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
            "required": ["region", "year", "sectors", "groups", "comparison", "attribution"],
            "properties": {
                "region": {"type": "object"},
                "year": {"type": "integer"},
                "limit": {"type": "integer"},
                "order": {"type": "string"},
                "sectors_total": {"type": "integer"},
                "sectors": {"type": "array", "items": schema_ref("PortfolioSector")},
                "groups_order": {"type": "string"},
                "groups": {"type": "array", "items": schema_ref("PortfolioGroup"), "description": "The named groups (emerging industries) in the region"},
                "comparison": {
                    "type": "object",
                    "properties": {
                        "nace_r2": {"type": "string"},
                        "rows": {"type": "array", "items": schema_ref("ComparisonRow")},
                        "eu": {
                            "type": "object",
                            "description": "EU = the sum of the NUTS 0 rows of the countries in the data that year; "
                            "missing (confidential / no data) and partial countries are named, non-EU countries (NO) too",
                        },
                    },
                },
                "notes": string_list,
                "attribution": string_list,
                "source": {"type": "string"},
            },
        },
    }

    def ok(schema: str, description: str) -> dict:
        return {"200": {"description": description, "content": {"application/json": {"schema": schema_ref(schema)}}}}

    paths = {
        f"{API_PREFIX}/meta": {
            "get": {
                "operationId": "getMeta",
                "summary": "What the data holds: NUTS year, levels, sectors, indicators, years, attribution",
                "responses": {**ok("Meta", "Metadata"), **_error_responses(500)},
            }
        },
        f"{API_PREFIX}/values": {
            "get": {
                "operationId": "getValues",
                "summary": "One map's values: every region of a level for a sector, indicator and year",
                "parameters": view_parameters,
                "responses": {**ok("Values", "Values in the level's region order"), **_error_responses(400, 500)},
            }
        },
        f"{API_PREFIX}/groups": {
            "get": {
                "operationId": "getGroups",
                "summary": "The named sector groups (the emerging industries, and an observatory's own): usable as sector=<id>",
                "responses": {**ok("Groups", "Named groups"), **_error_responses(500)},
            }
        },
        f"{API_PREFIX}/regions/{{nuts_id}}/portfolio": {
            "get": {
                "operationId": "getPortfolio",
                "summary": "A region's strongest sectors (stars, then LQ) and its comparison with its country and the EU",
                "parameters": [
                    NUTS_ID_PARAMETER,
                    {"name": "year", "in": "query", "required": False, "schema": {"type": "integer", "enum": years, "default": default.year}},
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "description": "How many sectors to list",
                        "schema": {"type": "integer", "minimum": LIMIT_RANGE[0], "maximum": LIMIT_RANGE[1], "default": DEFAULT_LIMIT},
                    },
                ],
                "responses": {**ok("Portfolio", "Portfolio and comparison"), **_error_responses(400, 404, 500)},
            }
        },
        f"{API_PREFIX}/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This description",
                "responses": {"200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
        },
        EXPORT_PATH: {
            "get": {
                "operationId": "exportCsv",
                "summary": "A view's values as CSV (attachment)",
                "description": f"Columns {', '.join(CSV_COLUMNS)}; with analysis=hotspots also {', '.join(HOTSPOT_COLUMNS)}. "
                "Lines starting with # are comments (title, source, view query; "
                "the last line repeats the source): read with pandas.read_csv(url, comment='#'). Text cells are quoted.",
                "parameters": view_parameters,
                "responses": {
                    "200": {
                        "description": "CSV, UTF-8",
                        "headers": {"Content-Disposition": {"schema": {"type": "string"}, "description": "attachment; filename=<view slug>.csv"}},
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **_error_responses(400, 500),
                },
            }
        },
    }
    schemas |= spatial.SCHEMAS  # related sectors, opportunities, the network view (dashboard.api.spatial)
    paths |= spatial.openapi_paths(API_PREFIX, years, default.year, _error_responses)
    spatial.document_network(paths, f"{API_PREFIX}/values", EXPORT_PATH)
    schemas |= years_view.YEARS_SCHEMA  # analysis=years: every year's regions (dashboard.api.years)
    years_view.document_years(paths, f"{API_PREFIX}/values", EXPORT_PATH)
    schemas |= regions.SCHEMAS  # a region's series and similar regions (dashboard.api.regions)
    paths |= regions.openapi_paths(API_PREFIX, state, view_schema("sector", state.options), _error_responses)
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
