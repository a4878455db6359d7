"""``GET /export.png?<view query>&width=&height=&scale=``: the map a query string shows, as a PNG download.

The view is parsed as on screen (``dashboard.view``). The work is bounded: image
size and scale are range-checked (400), at most ``MAX_CONCURRENT`` renders run at
once and a request beyond that is answered 429 with ``Retry-After`` straight away
rather than queued, a render over ``RENDER_TIMEOUT`` answers 504 and a missing or
dead browser 503. Every error answers a JSON body made by :func:`error_response`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence

from dashboard.export.errors import ExportError, ExportParameterError
from dashboard.export.png import export_view_png, png_filename
from dashboard.export.renderer import MAX_CONCURRENT
from dashboard.export.size import parse_export_query

_log = logging.getLogger(__name__)

RETRY_AFTER = 2
"""Seconds a client is told to wait when every render slot is taken."""
SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT)
"""Renders the HTTP route lets run at once."""


def error_response(
    status: int,
    parameter: str | None,
    message: str,
    *,
    problems: Sequence[Mapping[str, str]] = (),
    retry_after: int | None = None,
):
    """The JSON answer to a failed export: ``{"error": message, "parameter": ..., "problems": [...]}``.

    ``parameter`` is left out when no one parameter is to blame, ``problems`` unless
    there are several. Not cached; ``Retry-After`` when the client should try again.
    """
    from flask import jsonify

    body: dict[str, object] = {"error": message}
    if parameter:
        body["parameter"] = parameter
    if len(problems) > 1:
        body["problems"] = list(problems)
    response = jsonify(body)
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def register(server, data) -> None:
    """Attach ``GET /export.png`` to the Flask ``server``."""
    from flask import Response, request

    from dashboard.view import view_options, view_slug

    options = view_options(data)

    def export_png():
        try:
            view, size = parse_export_query(request.args, options)
        except ExportParameterError as e:
            return error_response(400, e.parameter, e.message, problems=e.problems)
        if not SLOTS.acquire(blocking=False):
            return error_response(429, None, f"{MAX_CONCURRENT} exports are already rendering; try again shortly", retry_after=RETRY_AFTER)
        try:
            png = export_view_png(data, view, size)
        except ExportError as e:
            retry = RETRY_AFTER if e.status in (503, 504) else None
            _log.warning("PNG export of %s failed: %s", request.query_string.decode("latin-1")[:200], e)
            return error_response(e.status, e.parameter, e.message, retry_after=retry)
        finally:
            SLOTS.release()
        return Response(
            png,
            mimetype="image/png",
            headers={
                "Content-Disposition": f'attachment; filename="{png_filename(view_slug(view))}"',
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
            },
        )

    server.add_url_rule("/export.png", endpoint="export_png", view_func=export_png, methods=["GET"])
