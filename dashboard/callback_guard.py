"""Callbacks that never 500: a malformed request is a 400, a malformed value ``no_update`` plus a notice.

Two gates. :func:`register` checks every ``POST /_dash-update-component`` before
Dash reads it (a JSON object no deeper than ``MAX_DEPTH``, an ``output`` some
server callback has, ``inputs``/``state``/``outputs`` shaped as that callback's
declaration) and answers 400 with the API's JSON error shape otherwise: Dash
itself would raise on each of those. Then each server callback, wrapped in
:func:`guarded`, checks its values with the helpers here and the view vocabulary
(``dashboard.view``); :class:`Malformed` makes it answer ``no_update`` for every
output and write the problem into the page's input notice (``set_props``), with
one log line and no traceback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from dash import Dash, callback_context, html, no_update, set_props
from flask import request
from werkzeug.exceptions import BadRequest

from dashboard.api.errors import error_response
from dashboard.layout import INPUT_NOTICE_ID
from dashboard.view import ViewProblem

log = logging.getLogger(__name__)

MAX_DEPTH = 32
"""Nesting a callback request may have: the deepest real one (a map click) is under 10."""
MAX_BODY = 1_000_000
"""Bytes a callback request may have: the server callbacks take controls, clicks and short texts."""
MAX_TEXT = 200
INPUT_NOTICE = "This change could not be used, so the page was left as it was:"
CHANGED_NOTICE = "This change was used with an adjustment:"


class Malformed(ValueError):
    """A callback input no control could have sent, or a view the vocabulary refuses."""

    def __init__(self, problems: Sequence[ViewProblem]) -> None:
        super().__init__("; ".join(f"{p.parameter}: {p.message}" for p in problems))
        self.problems = list(problems)


def malformed(name: str, value: object, message: str) -> Malformed:
    return Malformed([ViewProblem(name, str(value)[:60] if isinstance(value, (str, int, float)) else type(value).__name__, message)])


def text(value: object, name: str, *, max_length: int = MAX_TEXT) -> str | None:
    """A short text (or None) from a control; anything else is :class:`Malformed`."""
    if value is None or (isinstance(value, str) and len(value) <= max_length):
        return value
    raise malformed(name, value, f"{name} must be a text of at most {max_length} characters")


def whole(value: object, name: str) -> int | None:
    """A whole number (or None): a slider's, a radio's or a click count."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**9):
        return value
    raise malformed(name, value, f"{name} must be a whole number")


def whole_list(value: object, name: str) -> list[int | None]:
    """Click counts of pattern-matched buttons (a list of whole numbers or None)."""
    if isinstance(value, list) and len(value) <= 100:
        return [whole(v, name) for v in value]
    raise malformed(name, value, f"{name} must be a list of click counts")


def record(value: object, name: str) -> dict | None:
    """A JSON object (or None), e.g. ``{"search": "?…"}`` or a Plotly click."""
    if value is None or isinstance(value, dict):
        return value
    raise malformed(name, value, f"{name} must be an object")


def _notice(problems: Sequence[ViewProblem]) -> list:
    return [INPUT_NOTICE, html.Ul([html.Li(f"{p.parameter}={p.given}: {p.message}") for p in problems])]


def refuse(problems: Sequence[ViewProblem], callback: str = "") -> Any:
    """``no_update`` for every output of the running callback, the problems in the input notice, one log line."""
    set_props(INPUT_NOTICE_ID, {"children": _notice(problems), "hidden": False})
    log.info("callback %s: input not used: %s", callback, "; ".join(f"{p.parameter}: {p.message}" for p in problems))
    output = (request.get_json(silent=True) or {}).get("output", "")

    def unchanged(entry: object) -> Any:  # a pattern output (ALL) takes one value per matched component
        return [no_update] * len(entry) if isinstance(entry, list) else no_update

    if isinstance(output, str) and output.startswith(".."):
        return tuple(unchanged(entry) for entry in callback_context.outputs_list)
    return unchanged(callback_context.outputs_list)


def clear_notice() -> None:
    """Hide the input notice (a change that could be used)."""
    set_props(INPUT_NOTICE_ID, {"children": [], "hidden": True})


def show_changes(notices: Sequence[ViewProblem]) -> None:
    """The input notice for a change that was used after an adjustment (a group's code dropped); hidden when there is none."""
    if not notices:
        clear_notice()
        return
    items = html.Ul([html.Li(f"{p.parameter}={p.given}: {p.message}") for p in notices])
    set_props(INPUT_NOTICE_ID, {"children": [CHANGED_NOTICE, items], "hidden": False})


def guarded(func: Callable) -> Callable:
    """A server callback that answers :func:`refuse` when its checks raise :class:`Malformed`."""

    @functools.wraps(func)
    def run(*args: Any) -> Any:
        try:
            return func(*args)
        except Malformed as e:
            return refuse(e.problems, func.__name__)

    return run


# -- the request gate --------------------------------------------------------------------------


class BadCallbackRequest(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter, self.message = parameter, message


def _depth(value: object) -> int:
    """How deeply ``value`` nests lists and objects (iterative: a hostile body cannot exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _is_many(spec_id: str) -> bool:
    """Whether a declared id is a pattern that matches a list of components (ALL, ALLSMALLER)."""
    return spec_id.startswith("{") and ('["ALL"]' in spec_id or '["ALLSMALLER"]' in spec_id)


def _one(item: object, where: str) -> None:
    if not (isinstance(item, dict) and isinstance(item.get("id"), (str, dict)) and isinstance(item.get("property"), str)):
        raise BadCallbackRequest(where, f"each of {where} must be an object with an id and a property")


def _entries(given: object, declared: Sequence[dict], where: str) -> None:
    if not isinstance(given, list) or len(given) != len(declared):
        raise BadCallbackRequest(where, f"{where} must be a list of {len(declared)} entries, as the callback declares")
    for item, spec in zip(given, declared):
        if _is_many(str(spec.get("id", ""))):
            if not isinstance(item, list):
                raise BadCallbackRequest(where, f"{where}: a pattern entry must be a list")
            for one in item:
                _one(one, where)
        else:
            _one(item, where)


def check_callback_body(body: object, callback_map: dict) -> None:
    """Raise :class:`BadCallbackRequest` unless ``body`` is a callback request Dash can run."""
    if not isinstance(body, dict):
        raise BadCallbackRequest("body", "a callback request is a JSON object")
    if _depth(body) > MAX_DEPTH:
        raise BadCallbackRequest("body", f"a callback request nests at most {MAX_DEPTH} levels")
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        raise BadCallbackRequest("output", "no server callback has this output")
    spec = callback_map[output]
    _entries(body.get("inputs"), spec["inputs"], "inputs")
    _entries(body.get("state", []), spec["state"], "state")
    outputs = body.get("outputs")
    if output.startswith(".."):
        declared = output[2:-2].split("...")
        if not isinstance(outputs, list) or len(outputs) != len(declared):
            raise BadCallbackRequest("outputs", f"outputs must be a list of {len(declared)} entries, as the callback declares")
        for item, key in zip(outputs, declared):
            for one in item if _is_many(key.rsplit(".", 1)[0]) and isinstance(item, list) else [item]:
                _one(one, "outputs")
    else:
        for one in outputs if isinstance(outputs, list) and _is_many(output.rsplit(".", 1)[0]) else [outputs]:
            _one(one, "outputs")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise BadCallbackRequest("changedPropIds", "changedPropIds must be a list of texts")


def register(app: Dash) -> None:
    """Check every callback request before Dash reads it: 400 with the API's JSON error shape for a malformed one."""
    path = f"{app.config.routes_pathname_prefix}_dash-update-component"

    @app.server.before_request
    def check_callback_request():
        if request.path != path or request.method != "POST":
            return None
        if (request.content_length or 0) > MAX_BODY:
            return error_response(413, f"a callback request has at most {MAX_BODY} bytes", parameter="body")
        try:
            body = request.get_json(force=True)
            check_callback_body(body, app.callback_map)
        except RecursionError:  # too deep for the JSON parser itself
            return error_response(400, f"a callback request nests at most {MAX_DEPTH} levels", parameter="body")
        except (BadRequest, UnicodeDecodeError):
            return error_response(400, "a callback request is a JSON object", parameter="body")
        except BadCallbackRequest as e:
            return error_response(400, e.message, parameter=e.parameter)
        return None
