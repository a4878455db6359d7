"""The sector ranking (sortable table + bar chart) and the map's table alternative.

Being written; ``layout()`` gives its component tree and ``register(app, data)`` its callbacks.
"""

from __future__ import annotations

from dash import html


def layout() -> html.Section:
    """The panel (empty until its callbacks fill it)."""
    return html.Section(id="ranking")


def register(app, data) -> None:
    """Attach this panel's callbacks to ``app``."""
