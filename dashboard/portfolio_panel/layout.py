"""The panel's place on the page and the ids its callbacks and builders share.

The panel is an empty ``section`` (hidden by CSS) until a region is in focus
(the focus store, ``dashboard.layout.FOCUS_ID``); its children come from
:mod:`dashboard.portfolio_panel.content`.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard.html_attrs import wildcard_props

PANEL_ID = "portfolio-panel"
YEAR_SHOWN_ID = "portfolio-year"
"""Store: the year, passed on only while a region is in focus (so a year change without one sends nothing)."""
CLOSE_ID = {"role": "portfolio-close", "panel": "portfolio"}
"""Pattern id: the button exists only while a region is in focus, so its callback matches it by pattern."""
MORE_ID = {"role": "portfolio-more", "panel": "portfolio"}
REST_ID = {"role": "portfolio-rest", "panel": "portfolio"}
"""The "all sectors" toggle and its table: filled on demand, so a focus change sends only the top rows."""
CHART_ID = "portfolio-chart"
TREND_KEY_ID = "region-trend-key"
"""Store: ``focus|sector|indicator|year`` of the trend shown; written in the browser only while a region is in focus
(``dashboard.portfolio_panel.extras_callbacks``)."""
GROUP_MAP_ID = {"role": "portfolio-map-group", "panel": "portfolio"}
"""Pattern id of a named group's "Map" button (plus ``"group": <id>``): sets the map's sector to the group."""


def layout(children: list | None = None) -> list:
    """The panel, empty (hidden by CSS) until a region is in focus, and its year store.

    ``children``: the portfolio of the URL's region (``region=``), drawn with the page.
    """
    return [
        html.Section(children or None, id=PANEL_ID, className="portfolio", **wildcard_props({"aria-labelledby": f"{PANEL_ID}-title"})),
        dcc.Store(id=YEAR_SHOWN_ID),
        dcc.Store(id=TREND_KEY_ID),
    ]
