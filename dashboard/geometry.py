"""Each level's shapes as a cacheable file: sent once, then served from the browser's cache.

The map's trace points at ``/geometry/<level>.geojson?v=<hash>`` instead of
carrying the shapes, so a level change sends values and a URL, and a repeat
visit sends no geometry at all (ETag + a year's ``Cache-Control``; the hash in
the URL changes whenever the shapes do).
"""

from __future__ import annotations

from flask import Flask, Response, abort, request

from dashboard.data import DashboardData

CACHE_CONTROL = "public, max-age=31536000, immutable"


def register(server: Flask, data: DashboardData) -> None:
    """Add ``/geometry/<key>.geojson`` to ``server``: ``<level>`` or ``2024-<level>`` (shapes come from memory, never from a path)."""

    files = {shapes.key or str(shapes.level): shapes for shapes in [*data.geometry.values(), *data.point_geometry.values()]}

    @server.get("/geometry/<key>.geojson")
    def geometry(key: str) -> Response:
        shapes = files.get(key)
        if shapes is None:
            abort(404)
        # served as application/json (GeoJSON is JSON) so that flask-compress compresses it
        response = Response(shapes.geojson_bytes, mimetype="application/json")
        response.set_etag(shapes.etag)
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.make_conditional(request)  # in place: a 304 when the browser's copy is current
        return response
