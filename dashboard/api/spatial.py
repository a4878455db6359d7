"""The API of related sectors and diversification opportunities, and what ``/values`` and the CSV answer for ``analysis=network``.

- ``GET /api/v1/sectors/<code>/related?year=&limit=``: a NACE division's most related divisions
  (``layers.spatial.related``): ``{"related": [{"nace_r2", "name", "strength", "regions"}], …}``.
  Co-location is computed between divisions only: a section, group, class or sector group
  is a 400 that names the divisions to ask for; a code the data does not hold, a 404.
- ``GET /api/v1/regions/<nuts_id>/opportunities?year=&limit=``: a region's diversification
  opportunities (``layers.spatial.opportunities``).
- ``/api/v1/values?…&analysis=network`` answers the network (nodes with European
  employment, degree and layout position; edges with strength and regions in common)
  instead of regions' values: the network view shows no region. ``/export.csv`` of such a
  view lists the edges, one row each (:data:`dashboard.network.EDGE_COLUMNS`).
- ``analysis=network&region=DE11``: the region's view of the network (``dashboard.network_region``):
  ``/values`` adds ``region``, ``network.starred`` and ``opportunities`` (the ten the network marks,
  with ``rank``); the CSV lists those opportunities instead of the links.

``year`` and ``limit`` are read as the portfolio's (``ApiState.portfolio_args``: the same
rule, the same 400s); every error is the API's one shape (``dashboard.api.errors``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, request

from dashboard.api.errors import ApiError, json_response
from dashboard.api.payloads import ATTRIBUTIONS, DEFAULT_LIMIT, LIMIT_RANGE, NUTS_ID_PARAMETER, ApiState, schema_ref, sector_record
from dashboard.data import LEVEL_LABELS
from dashboard.figures import ATTRIBUTION
from dashboard.network import EDGE_COLUMNS, edge_records, highlighted, network_of, node_records
from dashboard.network_region import (
    METHOD as REGION_METHOD,
    OPPORTUNITY_COLUMNS as VIEW_OPPORTUNITY_COLUMNS,
    SHOWN,
    justification_text,
    opportunity_records,
    region_focus,
    view_title,
)
from dashboard.view import MapView, ViewProblem, view_params, view_query
from layers import nace
from layers.spatial.opportunities import opportunities
from layers.spatial.related import MIN_COMMON_REGIONS, divisions_of

RELATED_METHOD = (
    "strength: Pearson correlation of the two divisions' location quotients across the NUTS 2 regions where both are known "
    f"(at least {MIN_COMMON_REGIONS}); regions: how many regions that is. Strongest first, ties by code."
)
OPPORTUNITY_METHOD = (
    "Divisions where the region has no specialisation star (LQ known and below 2), scored by the sum of their positive co-location "
    "strengths with the divisions where it has one (justified_by, strongest first). Highest score first, ties by code."
)
_SECTOR_TEXT = 40
"""A sector code in a path is quoted back cut to this many characters."""


def _listed(codes: tuple[str, ...], shown: int = 12) -> str:
    return ", ".join(codes[:shown]) + (f", … ({len(codes)} divisions)" if len(codes) > shown else "") if codes else "none"


def _sector_error(status: int, message: str, code: str) -> ApiError:
    return ApiError(status, message, parameter="code", given=code[:_SECTOR_TEXT])


def division(state: ApiState, code: str, year: int) -> str:
    """``code`` if it is a division with location quotients in ``year``; else why not (400 for another kind of sector, 404 for none)."""
    divisions = state.data.related.colocation(year).codes
    if code in divisions:
        return code
    sector = state.options.catalogue.sector(code)
    if sector.is_group:
        members = divisions_of(sector.members, divisions)
        raise _sector_error(
            400, f"co-location is computed between NACE divisions, not for a sector group; ask for one of its divisions: {_listed(members)}", code
        )
    if code not in state.options.sectors or not nace.is_known(code):
        raise _sector_error(
            404, f"no NACE code {code[:_SECTOR_TEXT]!r} in the data; see /api/v1/meta for the sectors (divisions: a letter and two digits)", code
        )
    level = nace.level_of(code)
    if level == 2:
        raise _sector_error(404, f"{code} has no location quotients in NUTS 2 regions in {year}", code)
    members = divisions_of((code,), divisions)
    what = {0: "all sectors", 1: f"section {code}"}.get(level, f"{code}, part of division {code[:3]}")
    raise _sector_error(400, f"co-location is computed between NACE divisions (a letter and two digits); {what}: ask for one of {_listed(members)}", code)


def related_payload(state: ApiState, code: str, raw_query: str | bytes) -> dict:
    """``/sectors/<code>/related``: the division's ``limit`` most related divisions in ``year``."""
    year, limit = state.portfolio_args(raw_query)
    code = division(state, code, year)
    rows = state.data.related.related(code, year, limit)
    return {
        "sector": {"nace_r2": code, "name": nace.label(code)},
        "year": year,
        "limit": limit,
        "related": [
            {"nace_r2": str(c), "name": str(n), "strength": float(s), "regions": int(r)}
            for c, n, s, r in zip(rows["nace_r2"], rows["name"], rows["strength"], rows["regions"])
        ],
        "method": RELATED_METHOD,
        "attribution": list(ATTRIBUTIONS),
        "source": ATTRIBUTION,
    }


def opportunities_payload(state: ApiState, nuts_id: str, raw_query: str | bytes) -> dict:
    """``/regions/<nuts_id>/opportunities``: the region's ``limit`` best opportunities in ``year``, with their justification."""
    nuts_id = state.region(nuts_id)
    year, limit = state.portfolio_args(raw_query)
    found = opportunities(state.data.related, nuts_id, year)
    level = state.level_of[nuts_id]
    return {
        "region": {"nuts_id": nuts_id, "name": state.names[nuts_id], "level": level, "level_label": LEVEL_LABELS[level]},
        "year": year,
        "limit": limit,
        "opportunities_total": len(found),
        "opportunities": opportunity_records(found.head(limit)),
        "method": OPPORTUNITY_METHOD,
        "attribution": list(ATTRIBUTIONS),
        "source": ATTRIBUTION,
    }


def network_values(state: ApiState, view: MapView, notices: list[ViewProblem] | None = None) -> dict:
    """``/values`` of a network view: the network's nodes and edges (no region is shown); with ``region``, its marks and opportunities."""
    network = network_of(state.data, view)
    focus = region_focus(state.data, view)
    answer: dict[str, Any] = {
        "view": {**view_params(view), "query": view_query(view), "title": view_title(state.data, view)},
        "network": {
            "year": network.year,
            "threshold": network.threshold,
            "nodes": node_records(network, () if focus else highlighted(network, view)),
            "edges": edge_records(network),
        },
        "sector": sector_record(view.nace_r2),
        "notices": [{"parameter": n.parameter, "given": n.given, "notice": n.message} for n in notices or ()],
        "attribution": list(ATTRIBUTIONS),
        "source": ATTRIBUTION,
    }
    if focus is not None:
        level = state.level_of[focus.geo]
        answer["region"] = {"nuts_id": focus.geo, "name": state.names[focus.geo], "level": level, "level_label": LEVEL_LABELS[level]}
        answer["network"]["starred"] = list(focus.starred)
        answer["opportunities_total"] = focus.total
        answer["opportunities"] = opportunity_records(focus.top, ranked=True)
        answer["method"] = REGION_METHOD
    return answer


def network_csv(state: ApiState, view: MapView, notices: list[ViewProblem] | None = None) -> str:
    """The CSV of a network view: ``#`` comment lines, then one row per link (:data:`EDGE_COLUMNS`), strongest first.

    With ``region``: one row per marked opportunity instead (``dashboard.network_region.OPPORTUNITY_COLUMNS``), best first.
    """
    network = network_of(state.data, view)
    focus = region_focus(state.data, view)
    buffer = io.StringIO()
    buffer.write(f"# {view_title(state.data, view)}\n# {ATTRIBUTION}\n# View: {view_query(view)}\n")
    if focus is not None:
        buffer.write(
            f"# One row per opportunity marked on the network (top {len(focus.top)} of {focus.total}; all: /api/v1/regions/{focus.geo}/opportunities?year={view.year}). "
            f"{REGION_METHOD} justified_by: those divisions, strongest first (strength). Specialisations (star): {', '.join(focus.starred) or 'none'}.\n"
        )
    else:
        buffer.write(f"# One row per link: {RELATED_METHOD} {len(network.nodes)} divisions, {len(network.edges)} links.\n")
    for n in notices or ():
        buffer.write(f"# Notice: {n.parameter}: {' '.join(n.message.split())}\n")
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    if focus is not None:
        writer.writerow(VIEW_OPPORTUNITY_COLUMNS)
        for record in opportunity_records(focus.top, ranked=True):
            writer.writerow([justification_text(record[c]) if c == "justified_by" else record[c] for c in VIEW_OPPORTUNITY_COLUMNS])
    else:
        writer.writerow(EDGE_COLUMNS)
        for record in edge_records(network):
            writer.writerow([record[c] for c in EDGE_COLUMNS])
    buffer.write(f"# {ATTRIBUTION}\n")
    return buffer.getvalue()


def register(api: Blueprint, state: ApiState) -> None:
    """Attach the related-sectors and opportunities routes to the API blueprint."""

    @api.get("/sectors/<code>/related")
    def get_related(code: str):
        return json_response(related_payload(state, code, request.query_string))

    @api.get("/regions/<nuts_id>/opportunities")
    def get_opportunities(nuts_id: str):
        return json_response(opportunities_payload(state, nuts_id, request.query_string))


# ---------------------------------------------------------------- OpenAPI


SCHEMAS: dict[str, Any] = {
    "RelatedSector": {
        "type": "object",
        "required": ["nace_r2", "name", "strength", "regions"],
        "properties": {
            "nace_r2": {"type": "string", "description": "A NACE division"},
            "name": {"type": "string"},
            "strength": {"type": "number", "description": "Pearson r of the two divisions' LQs across NUTS 2 regions (-1 to 1)"},
            "regions": {"type": "integer", "description": f"NUTS 2 regions where both LQs are known (at least {MIN_COMMON_REGIONS})"},
        },
    },
    "Related": {
        "type": "object",
        "required": ["sector", "year", "related"],
        "properties": {
            "sector": {"type": "object", "properties": {"nace_r2": {"type": "string"}, "name": {"type": "string"}}},
            "year": {"type": "integer"},
            "limit": {"type": "integer"},
            "related": {"type": "array", "items": schema_ref("RelatedSector")},
            "method": {"type": "string"},
            "attribution": {"type": "array", "items": {"type": "string"}},
            "source": {"type": "string"},
        },
    },
    "Opportunity": {
        "type": "object",
        "required": ["nace_r2", "name", "score", "lq", "relations", "justified_by"],
        "properties": {
            "nace_r2": {"type": "string"},
            "name": {"type": "string"},
            "score": {"type": "number", "description": "Sum of the positive strengths with the region's starred divisions"},
            "lq": {"type": "number", "description": "The region's location quotient in the division (below 2: no specialisation star)"},
            "relations": {"type": "integer", "description": "How many starred divisions it is positively related to"},
            "justified_by": {
                "type": "array",
                "description": "Those starred divisions, strongest first",
                "items": {
                    "type": "object",
                    "properties": {"nace_r2": {"type": "string"}, "name": {"type": "string"}, "strength": {"type": "number"}},
                },
            },
        },
    },
    "Opportunities": {
        "type": "object",
        "required": ["region", "year", "opportunities"],
        "properties": {
            "region": {"type": "object"},
            "year": {"type": "integer"},
            "limit": {"type": "integer"},
            "opportunities_total": {"type": "integer"},
            "opportunities": {"type": "array", "items": schema_ref("Opportunity")},
            "method": {"type": "string"},
            "attribution": {"type": "array", "items": {"type": "string"}},
            "source": {"type": "string"},
        },
    },
    "NetworkValues": {
        "type": "object",
        "description": "What /values answers for analysis=network: the divisions and their links, no region",
        "required": ["view", "network", "attribution"],
        "properties": {
            "view": {"type": "object"},
            "network": {
                "type": "object",
                "properties": {
                    "year": {"type": "integer"},
                    "threshold": {"type": "number"},
                    "starred": {"type": "array", "items": {"type": "string"}, "description": "With region=: its divisions with the specialisation star"},
                    "nodes": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "nace_r2": {"type": "string"},
                                "name": {"type": "string"},
                                "employment": {"type": ["number", "null"], "description": "Persons employed in Europe: the sum of the countries' values"},
                                "employment_missing": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                    "description": "Countries without a value (the sum is then a lower bound)",
                                },
                                "degree": {"type": "integer", "description": "Links above the threshold"},
                                "x": {"type": "number", "description": "networkx spring layout, -1 to 1"},
                                "y": {"type": "number"},
                                "highlighted": {"type": "boolean", "description": "A division of the view's sector"},
                            },
                        },
                    },
                    "edges": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "nace_r2_a": {"type": "string"},
                                "nace_r2_b": {"type": "string"},
                                "strength": {"type": "number"},
                                "regions": {"type": "integer"},
                            },
                        },
                    },
                },
            },
            "sector": schema_ref("Sector"),
            "region": {"type": "object", "description": "With region=: the region in focus (nuts_id, name, level, level_label)"},
            "opportunities_total": {"type": "integer", "description": "With region=: how many opportunities the region has in all"},
            "opportunities": {
                "type": "array",
                "description": f"With region=: its top {SHOWN} opportunities, the ones the network marks, best first "
                "(network.starred: the divisions where it has the specialisation star)",
                "items": {"allOf": [schema_ref("Opportunity"), {"type": "object", "required": ["rank"], "properties": {"rank": {"type": "integer"}}}]},
            },
            "method": {"type": "string"},
            "notices": {"type": "array", "items": schema_ref("Notice")},
            "attribution": {"type": "array", "items": {"type": "string"}},
            "source": {"type": "string"},
        },
    },
}


def openapi_paths(prefix: str, years: list[int], default_year: int, errors) -> dict:
    """The two routes' OpenAPI path items (``errors(*codes)``: the document's error responses)."""

    def query(description: str) -> list[dict]:
        return [
            {"name": "year", "in": "query", "required": False, "schema": {"type": "integer", "enum": years, "default": default_year}},
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": description,
                "schema": {"type": "integer", "minimum": LIMIT_RANGE[0], "maximum": LIMIT_RANGE[1], "default": DEFAULT_LIMIT},
            },
        ]

    def ok(schema: str, description: str) -> dict:
        return {"200": {"description": description, "content": {"application/json": {"schema": schema_ref(schema)}}}}

    return {
        f"{prefix}/sectors/{{code}}/related": {
            "get": {
                "operationId": "getRelatedSectors",
                "summary": "A NACE division's most related divisions: co-location strength (correlation of LQs across NUTS 2 regions)",
                "description": "400 for a section, group, class or sector group (co-location is computed between divisions; the error names them); "
                "404 for a code the data does not hold.",
                "parameters": [
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "description": "A NACE division (letter and two digits)",
                        "schema": {"type": "string"},
                        "example": "C29",
                    },
                    *query("How many related divisions to list"),
                ],
                "responses": {
                    **ok("Related", "Related divisions, strongest first"),
                    **errors(400, 500),
                    "404": {**errors(404)["404"], "description": "No such NACE code in the data, or a division without location quotients that year."},
                },
            }
        },
        f"{prefix}/regions/{{nuts_id}}/opportunities": {
            "get": {
                "operationId": "getOpportunities",
                "summary": "A region's diversification opportunities: divisions related to its specialisations",
                "parameters": [
                    NUTS_ID_PARAMETER,
                    *query("How many opportunities to list"),
                ],
                "responses": {**ok("Opportunities", "Opportunities, highest score first"), **errors(400, 404, 500)},
            }
        },
    }


def document_network(paths: dict, values_path: str, export_path: str) -> None:
    """Say in ``/values`` and ``/export.csv`` what a network view answers."""
    values = paths[values_path]["get"]
    schema = values["responses"]["200"]["content"]["application/json"]["schema"]
    values["responses"]["200"]["content"]["application/json"]["schema"] = {"oneOf": [schema, schema_ref("NetworkValues")]}
    values["description"] = "With analysis=network: the network of NACE divisions (NetworkValues: nodes and edges) instead of regions' values."
    export = paths[export_path]["get"]
    export["description"] += (
        " With analysis=network: one row per link between divisions, columns " + ", ".join(EDGE_COLUMNS) + "."
        f" With analysis=network and region: one row per opportunity the network marks (the region's top {SHOWN}), columns "
        + ", ".join(VIEW_OPPORTUNITY_COLUMNS)
        + " (justified_by: the starred divisions it builds on, 'C29 (0.6123); …')."
    )
