"""WSGI entry point for production servers: ``gunicorn dashboard.wsgi:server``.

``clustermap serve`` runs gunicorn itself (``dashboard.server.run``); this module is for
an operator's own gunicorn command line. It never builds: run ``clustermap build`` first
(each worker imports this module, and several workers must not build at once). Missing
caches end the worker with one line and gunicorn's boot-error code, which stops gunicorn.
"""

from __future__ import annotations

import sys

from dashboard.app import create_app
from dashboard.data import load_dashboard_data
from layers._errors import ClusterMapError

try:
    app = create_app(load_dashboard_data(build_missing=False))
except ClusterMapError as e:
    print(f"clustermap: error: {e}", file=sys.stderr, flush=True)
    raise SystemExit(3) from None  # gunicorn's WORKER_BOOT_ERROR: the master stops
server = app.server
