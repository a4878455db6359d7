"""Placeholder: being written now; `register(server, data)` attaches its routes."""

from __future__ import annotations


def register(server, data) -> None:
    """Attach this module's routes to the Flask `server`."""
