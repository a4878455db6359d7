"""``GET /export.png?<view query>&width=&height=&scale=``: the map a query string shows, as a PNG download.

The view is parsed as on screen (``dashboard.view``). The work is bounded: image
size and scale are range-checked (400), at most ``MAX_CONCURRENT`` renders run at
once and a request beyond that is answered 429 with ``Retry-After`` straight away
rather than queued, a render over ``RENDER_TIMEOUT`` answers 504 and a missing or
dead browser 503. Every error answers the API's one JSON error shape (``dashboard.api.errors``).
"""

from __future__ import annotations

import logging
import threading

from dashboard.api.errors import error_response, json_response, view_error
from dashboard.export.errors import ExportError, ExportParameterError
from dashboard.export.png import export_view_png, png_filename
from dashboard.export.renderer import MAX_CONCURRENT
from dashboard.export.size import SIZE_PARAMETERS, parse_size

_log = logging.getLogger(__name__)

RETRY_AFTER = 2
"""Seconds a client is told to wait when every render slot is taken."""
SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT)
"""Renders the HTTP route lets run at once."""


def register(server, data) -> None:
    """Attach ``GET /export.png`` to the Flask ``server``."""
    from flask import Response, request

    from dashboard.view import read_view, view_options, view_slug

    options = view_options(data)

    def export_png():
        asked = read_view(request.query_string, options, extra=SIZE_PARAMETERS)
        if asked.problems:
            e = view_error(asked.problems, options)
            return json_response(e.body(), e.status)
        view = asked.view
        try:
            size = parse_size(asked.extra)
        except ExportParameterError as e:
            return error_response(400, e.message, parameter=e.parameter)
        headers = {"Content-Disposition": f'attachment; filename="{png_filename(view_slug(view))}"', "Cache-Control": "no-cache"}
        if request.method == "HEAD":  # checked like a GET, but nothing is rendered: the length is unknown, so not sent
            head = Response(status=200, mimetype="image/png", headers=headers)
            head.automatically_set_content_length = False
            return head
        if not SLOTS.acquire(blocking=False):
            return error_response(429, f"{MAX_CONCURRENT} exports are already rendering; try again shortly", headers={"Retry-After": str(RETRY_AFTER)})
        try:
            png = export_view_png(data, view, size)
        except ExportError as e:
            retry = RETRY_AFTER if e.status in (503, 504) else None
            _log.warning("PNG export of %s failed: %s", request.query_string.decode("latin-1")[:200], e)
            return error_response(e.status, e.message, parameter=e.parameter, headers={"Retry-After": str(retry)} if retry else None)
        finally:
            SLOTS.release()
        return Response(png, mimetype="image/png", headers=headers)

    server.add_url_rule("/export.png", endpoint="export_png", view_func=export_png, methods=["GET"])
