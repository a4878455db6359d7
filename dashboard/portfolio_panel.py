"""The region portfolio panel: a region's strongest sectors, against its country and the EU.

Being written; ``layout()`` gives its component tree and ``register(app, data)`` its callbacks.
"""

from __future__ import annotations

from dash import html


def layout() -> html.Section:
    """The panel (empty until its callbacks fill it)."""
    return html.Section(id="portfolio-panel")


def register(app, data) -> None:
    """Attach this panel's callbacks to ``app``."""
