"""What every response of the app says about itself: security headers, no versions, 404 for what is not a page.

Headers (added by :class:`SecurityHeaders`, a WSGI middleware around the Flask app, so
that pages, assets, the API, PNGs, error pages, 404s and the health answers all get them):

- ``X-Content-Type-Options: nosniff``: a browser takes each file as the type it is sent as.
- ``Referrer-Policy: same-origin``: the page's own requests carry the page URL (Dash's
  layout request needs the query in its ``Referer``: ``dashboard.first_view``); a link to
  another site carries nothing.
- ``Content-Security-Policy``, one header, each source for a reason:

  - ``default-src 'self'``: the page loads nothing from another origin. This also covers
    ``connect-src`` (Dash's ``/_dash-*`` requests, the shapes under ``/geometry/``, Plotly's
    base maps under ``/assets/topojson/``), ``font-src`` and ``worker-src``.
  - ``script-src 'self'`` plus the sha256 of each inline script: Dash's renderer start
    (``new DashRenderer()``) and its clientside callbacks (``app.csp_hashes()``), and the embed
    page's one fixed script (``dashboard.embed.EMBED_SCRIPT``). No ``'unsafe-inline'``, and no
    ``'unsafe-eval'``: neither the plotly.js bundle in ``assets/vendor`` (choropleth,
    scattergeo, bar: no WebGL shader compiler) nor Dash's bundles evaluate strings (the only
    ``new Function`` in them is webpack's fallback for browsers without ``globalThis``).
    ``_dash-config`` and the embed figure are ``application/json`` data, which CSP does not run.
  - ``style-src 'self' 'unsafe-inline'``: plotly.js writes its CSS into a ``<style>`` element
    and styles the SVG through ``style`` attributes (d3 ``.attr("style", …)``); React sets
    components' ``style`` props. None of these can carry a nonce or a hash.
  - ``img-src 'self' data: blob:``: Plotly's "Download plot" turns the SVG into a ``data:``
    image and a canvas; the PNG link points at ``/export.png`` (same origin).
  - ``object-src 'none'``, ``base-uri 'self'``, ``form-action 'self'``: no plugins, no
    ``<base>`` that moves relative URLs elsewhere, no form posting elsewhere.
  - ``frame-ancestors``: ``dashboard.embed`` decides (``/embed``: any origin or
    ``CLUSTERMAP_FRAME_ANCESTORS``; every other page ``'self'``) and writes it first; the
    middleware keeps that directive and adds the rest.

Versions: the page config (``_dash-config``) loses ``python_version``, ``dash_version``,
``plotly_version``, ``ddk_version`` and the URL Dash's dev tools would ask for a newer
version (another origin); gunicorn sends ``Server: gunicorn`` without a version, and the
development server (``--dev``) sends ``Server: clustermap`` (``dashboard.server.run``).

Paths: the app's pages are ``/`` and ``/embed``; Dash answers its index page for any
other path (its catch-all ``/<path:path>`` is for multi-page apps, which this is not), so
that route answers 404 here. ``/favicon.ico`` is Dash's icon (``/_favicon.ico``), which
browsers ask for on pages that name none (the embed page, the API's JSON in a tab). A component-suite path Dash refuses (``../dash.py``, an
unknown package) is a 404, not a 500. ``HEAD /export.png`` is checked like a GET but renders
nothing (``dashboard.export.routes``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, abort, request

WSGIApp = Callable[..., Iterable[bytes]]

REFERRER_POLICY = "same-origin"
DASH_CATCH_ALL = "/<path:path>"
"""Dash's route for the pages of a multi-page app: here every such path is unknown."""
DASH_FAVICON = "/_favicon.ico"
"""Dash's route (and endpoint) for the page's icon."""
VERSION_KEYS = ("python_version", "dash_version", "plotly_version", "ddk_version", "dash_version_url")
"""Keys of Dash's page config that disclose versions (or point at plotly's version server)."""
BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
"""The Content-Security-Policy without the inline scripts' hashes and ``frame-ancestors`` (why each: module docstring)."""


def script_hash(script: str) -> str:
    """The CSP source that allows one inline script (sha256 of its exact text)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def content_security_policy(script_hashes: Iterable[str], frame_ancestors: str = "'self'") -> str:
    """The header's value: ``BASE_POLICY`` with the inline scripts' hashes and the frame policy."""
    policy = dict(BASE_POLICY)
    policy["script-src"] = " ".join([policy["script-src"], *sorted(set(script_hashes))])
    policy["frame-ancestors"] = frame_ancestors
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def _frame_ancestors(csp: str | None) -> str:
    """The ``frame-ancestors`` directive the app wrote (``dashboard.embed``), or ``'self'``."""
    for directive in (csp or "").split(";"):
        name, _, value = directive.strip().partition(" ")
        if name == "frame-ancestors" and value.strip():
            return value.strip()
    return "'self'"


class SecurityHeaders:
    """WSGI middleware: the security headers on every response of ``app`` (see the module docstring)."""

    def __init__(self, app: WSGIApp, script_hashes: Iterable[str] = ()) -> None:
        self.app = app
        self.script_hashes = tuple(script_hashes)
        self._policies: dict[str, str] = {}

    def policy(self, frame_ancestors: str) -> str:
        """The header for one frame policy (a handful of values: the embed allowlist and ``'self'``), built once."""
        if frame_ancestors not in self._policies:
            self._policies[frame_ancestors] = content_security_policy(self.script_hashes, frame_ancestors)
        return self._policies[frame_ancestors]

    def headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """``headers`` with the security headers set (the app's CSP is replaced, its ``frame-ancestors`` kept)."""
        own = {"content-security-policy", "x-content-type-options", "referrer-policy"}
        csp = next((value for name, value in headers if name.lower() == "content-security-policy"), None)
        kept = [(name, value) for name, value in headers if name.lower() not in own]
        return [
            *kept,
            ("Content-Security-Policy", self.policy(_frame_ancestors(csp))),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", REFERRER_POLICY),
        ]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def secured(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            return start_response(status, self.headers(headers), exc_info)

        return self.app(environ, secured)


def _not_found_for_unknown_pages() -> Response | None:
    """Before each request: 404 for Dash's catch-all pages."""
    if request.url_rule is not None and request.url_rule.rule == DASH_CATCH_ALL:
        abort(404)
    return None


def _without_versions(config: Callable[[], dict]) -> Callable[[], dict]:
    def page_config() -> dict:
        values = config()
        for key in VERSION_KEYS:
            values.pop(key, None)
        values["disable_version_check"] = True  # the dev tools would ask plotly's server (another origin)
        return values

    return page_config


def register(app: Dash, inline_scripts: Iterable[str] = ()) -> None:
    """Harden ``app``: call once every callback is registered (the CSP hashes Dash's inline scripts then).

    ``inline_scripts``: the app's own inline scripts besides Dash's (the embed page's).
    """
    server = app.server
    own = [script_hash(script) for script in inline_scripts]
    server.before_request(_not_found_for_unknown_pages)
    server.add_url_rule("/favicon.ico", "favicon", server.view_functions[DASH_FAVICON])
    server.register_error_handler(DependencyException, lambda e: ("Not Found", 404, {"Content-Type": "text/plain; charset=utf-8"}))
    app._config = _without_versions(app._config)  # type: ignore[method-assign]  # Dash's page config, per instance
    server.wsgi_app = SecurityHeaders(server.wsgi_app, [*app.csp_hashes(), *own])
