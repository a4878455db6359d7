"""``GET /healthz`` and ``GET /readyz`` for a load balancer or an orchestrator.

``/healthz``: the process answers (200 as long as it runs). ``/readyz``: this process has
its data in memory and can answer the app's requests: 200 with the data files it read
(relative to the data folder) and when each was built; 503 while a worker is still
loading (``dashboard.server.run.LoadingApp``). Both are JSON and never cached.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from werkzeug.wrappers import Response

from dashboard.data import DashboardData, built_files

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers={"Cache-Control": "no-store"})


def alive() -> Response:
    return _json({"status": "alive"})


def loading() -> Response:
    """``/readyz`` before the data is in memory."""
    response = _json({"status": "loading"}, 503)
    response.headers["Retry-After"] = "5"
    return response


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ready_body(data_dir: Path) -> dict:
    """The files the app read from ``data_dir``, relative to it, with their build (modification) time and size."""
    stats = [(path.relative_to(data_dir).as_posix(), path.stat()) for path in built_files(data_dir)]
    files = [{"path": name, "built": _utc(stat.st_mtime), "bytes": stat.st_size} for name, stat in stats]
    return {"status": "ready", "built": _utc(max(stat.st_mtime for _, stat in stats)) if stats else None, "files": files}


def register(server: Flask, data: DashboardData) -> None:
    """Add ``/healthz`` and ``/readyz`` to ``server`` (it is ready once it exists: the data is loaded before)."""
    data_dir = data.data_dir
    body = ready_body(data_dir) if data_dir is not None else {"status": "ready", "built": None, "files": []}
    server.add_url_rule(HEALTH_PATH, "healthz", alive)
    server.add_url_rule(READY_PATH, "readyz", lambda: _json(body))
