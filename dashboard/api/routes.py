"""The routes of the JSON API (``/api/v1/…``) and the CSV download (``/export.csv``)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from dashboard.api import regions, spatial, years
from dashboard.api.errors import error_handlers, json_response
from dashboard.api.openapi import API_PREFIX, EXPORT_PATH, openapi_spec
from dashboard.api.payloads import ApiState
from dashboard.data import DashboardData
from dashboard.view import view_slug


def register(server: Flask, data: DashboardData) -> None:
    """Attach ``/api/v1/…`` and ``/export.csv`` to the Flask ``server``."""
    state = ApiState(data)
    meta = state.meta()
    spec = openapi_spec(state)
    api = Blueprint("api_v1", __name__, url_prefix=API_PREFIX)
    export = Blueprint("api_export", __name__)
    error_handlers(api)
    error_handlers(export)

    @api.get("/meta")
    def get_meta():
        return json_response(meta)

    @api.get("/values")
    def get_values():
        asked = state.request(request.query_string)
        if asked.view.analysis == "network":  # the network of divisions: nodes and edges, no region (dashboard.api.spatial)
            return json_response(spatial.network_values(state, asked.view, asked.notices))
        if asked.view.analysis == "years":  # one map per year: every year's regions, one block each (dashboard.api.years)
            return json_response(years.years_values(state, asked.view, asked.notices))
        return json_response(state.values(asked.view, asked.notices))

    @api.get("/groups")
    def get_groups():
        return json_response(state.groups())

    @api.get("/regions/<nuts_id>/portfolio")
    def get_portfolio(nuts_id: str):
        nuts_id = state.region(nuts_id)
        year, limit = state.portfolio_args(request.query_string)
        return json_response(state.portfolio(nuts_id, year, limit))

    spatial.register(api, state)  # /sectors/<code>/related, /regions/<nuts_id>/opportunities
    regions.register(api, state)  # /regions/<nuts_id>/series, /regions/<nuts_id>/similar

    @api.get("/openapi.json")
    def get_openapi():
        return json_response(spec)

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
        asked = state.request(request.query_string)
        view = asked.view
        if view.analysis == "network":
            text = spatial.network_csv(state, view, asked.notices)
        elif view.analysis == "years":
            text = years.years_csv(state, view, asked.notices)
        else:
            text = state.csv_text(view, asked.notices)
        return Response(
            text,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{view_slug(view)}.csv"', "X-Content-Type-Options": "nosniff"},
        )

    server.register_blueprint(api)
    server.register_blueprint(export)
