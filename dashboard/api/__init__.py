"""JSON API (``/api/v1/…``) and CSV download (``/export.csv``) over the loaded data.

Routes (``register`` attaches them to the Flask server; ``routes``):

- ``GET /api/v1/meta``: NUTS year, levels, sectors, indicators, years, attribution.
- ``GET /api/v1/values?<view query>``: one map's values (the view query of
  ``dashboard.view``, read by its one rule: empty means not given, a repeated or
  unknown name is a 400).
- ``GET /api/v1/regions/<nuts_id>/portfolio?year=&limit=``: the region's
  strongest sectors and its comparison with its country and the EU
  (``layers.portfolio``).
- ``GET /api/v1/regions/<nuts_id>/series?sector=&indicator=`` and
  ``/similar?year=&limit=``: a region's indicator over the years beside its country and
  Europe, and the regions most alike in structure (``regions``).
- ``GET /api/v1/openapi.json``: an OpenAPI 3.1 description of all of these
  (``openapi``; its view parameters come from the view vocabulary).
- ``GET /export.csv?<view query>``: the values of a view as CSV, with ``#``
  comment lines (title, source) that ``pandas.read_csv(..., comment="#")`` skips.

Bad input is a 400 (an unknown region a 404) in the one JSON error shape of
``errors`` (``{"error": …, "parameter": …, "given": …, "allowed": …, "problems": …}``);
an unexpected failure is a JSON 500 without a traceback. Nothing from a request
reaches the filesystem: every parameter is checked against the loaded data first.
The payloads are built in ``payloads``.
"""

from __future__ import annotations

from dashboard.api.errors import (
    ApiError,
    error_handlers,
    error_response,
    json_response,
    view_error,
)
from dashboard.api.openapi import API_PREFIX, EXPORT_PATH, openapi_spec
from dashboard.api.payloads import (
    ATTRIBUTIONS,
    CSV_COLUMNS,
    DEFAULT_LIMIT,
    LIMIT_RANGE,
    ApiState,
)
from dashboard.api.routes import register

_error_handlers = error_handlers  # the name tests and older callers use

__all__ = [
    "API_PREFIX",
    "ATTRIBUTIONS",
    "CSV_COLUMNS",
    "DEFAULT_LIMIT",
    "EXPORT_PATH",
    "LIMIT_RANGE",
    "ApiError",
    "ApiState",
    "error_handlers",
    "error_response",
    "json_response",
    "openapi_spec",
    "register",
    "view_error",
]
