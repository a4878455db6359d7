"""The one JSON error shape of the app's machine-facing routes: API, CSV, PNG export and callback requests.

Every error body is ``{"error": <what is wrong, in words>, "parameter": <the parameter
at fault, or null>}`` plus, where they apply, ``"given"`` (the value, cut to 100
characters), ``"allowed"`` (the allowed values: a list, or ``{minimum, maximum}``) and
``"problems"`` (every problem of a view: ``[{parameter, given, error}]``). The OpenAPI
document describes it as ``#/components/schemas/Error`` (:data:`ERROR_SCHEMA`).

A route raises :class:`ApiError` (or answers :func:`error_response`); a view query's
problems become one with :func:`view_error`, which takes the allowed values from the
view vocabulary (``dashboard.view.PARAMETERS``).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from dashboard.view import PARAMETER, PARAMETER_NAMES, ViewOptions, ViewProblem
from layers._errors import ClusterMapError

log = logging.getLogger(__name__)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "parameter"],
    "properties": {
        "error": {"type": "string", "description": "What is wrong, in words"},
        "parameter": {"type": ["string", "null"], "description": "The parameter at fault (null when none is)"},
        "given": {"type": "string", "description": "The value given (cut to 100 characters)"},
        "allowed": {"description": "The allowed values: a list, or {minimum, maximum}"},
        "problems": {
            "type": "array",
            "items": {"type": "object", "properties": {"parameter": {"type": "string"}, "given": {"type": "string"}, "error": {"type": "string"}}},
        },
    },
}


class ApiError(ClusterMapError):
    """A request answered with an error status and the JSON error body."""

    def __init__(
        self, status: int, message: str, *, parameter: str | None = None, given: str | None = None, allowed: Any = None, problems: list[dict] | None = None
    ) -> None:
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


def plain(value: Any) -> Any:
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
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response; ``allow_nan=False`` so an unconverted NaN fails loudly instead of emitting invalid JSON."""
    text = json.dumps(plain(body), ensure_ascii=False, allow_nan=False)
    response = Response(text, status=status, mimetype="application/json")
    response.headers["X-Content-Type-Options"] = "nosniff"
    if status >= 400:
        response.headers["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(status: int, message: str, *, parameter: str | None = None, headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    """An error answer in the one shape (``extra``: given, allowed, problems)."""
    return json_response(ApiError(status, message, parameter=parameter, **extra).body(), status, headers)


def allowed_values(parameter: str, options: ViewOptions) -> Any:
    """What a 400 lists as allowed for a view parameter (the vocabulary's values), or every parameter name."""
    if parameter not in PARAMETER:
        return list(PARAMETER_NAMES)
    values = PARAMETER[parameter].values(options)
    return list(values) if values is not None else None


def view_error(problems: Sequence[ViewProblem], options: ViewOptions, status: int = 400) -> ApiError:
    """The error for a view query's problems: the first names the parameter, all are listed."""
    first = problems[0]
    return ApiError(
        status,
        first.message,
        parameter=first.parameter,
        given=first.given,
        allowed=allowed_values(first.parameter, options),
        problems=[p.as_dict() for p in problems],
    )


def error_handlers(blueprint: Blueprint) -> None:
    """Answer every error of ``blueprint``'s routes in the one shape; an unexpected one is logged, never sent."""

    @blueprint.errorhandler(ApiError)
    def _api_error(e: ApiError):
        return json_response(e.body(), e.status)

    @blueprint.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        allow = dict(e.get_headers()).get("Allow")
        return error_response(e.code or 500, e.description or e.name, headers={"Allow": allow} if allow else None)

    @blueprint.errorhandler(Exception)
    def _unexpected(e: Exception):  # last resort: logged here, never a traceback to the client
        log.exception("request %s failed", request.path)
        return error_response(500, "internal error: the request could not be answered")
