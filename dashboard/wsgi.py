"""WSGI entry point for production servers: ``gunicorn dashboard.wsgi:server``.

Building the app here (not in ``dashboard.app``) keeps importing the factory cheap
for tests and the CLI; gunicorn imports this module once per worker.
"""

from __future__ import annotations

from dashboard.app import create_app

app = create_app()
server = app.server
