"""Serving the dashboard: gunicorn by default (``run``), health endpoints (``health``), security headers and paths (``policy``)."""
