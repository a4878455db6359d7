"""The frame around the map in the browser: the tabs beside it (Ranking, Region, Compare) and its title and source as text.

The map and the tab panel share the screen (``assets/layout.css``), so choosing a region
or a row never moves the map away: only the panel beside it changes. Every tab panel stays
in the page, hidden when not chosen, so the callbacks and scripts that fill the ranking and
the portfolio find their components whatever tab is showing.

Which tab shows is the ``PANEL_TAB_ID`` store: a tab's click, or a region coming into focus
(map click, region search, a ranking row, the URL's ``region``), which opens the Region tab.
Both callbacks run in the browser (``assets/layout.js``); the arrow keys move between tabs there too.

The map's title and source line follow its figure as page text (``dashboard.layout.map_captions``
and its twin ``mapCaptions``), which wraps where the figure's own would be cut off.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, dcc, html

from dashboard.html_attrs import wildcard_props
from dashboard.layout import FOCUS_ID, MAP_HEADING_ID, MAP_ID, MAP_SOURCE_ID

PANEL_TAB_ID = "panel-tab"
"""Store: the chosen tab's name (one of ``TABS``); another panel may write it to show itself."""
TABS = ("ranking", "region", "compare")
LABELS = {"ranking": "Ranking", "region": "Region", "compare": "Compare"}
COMPARE_PANEL_ID = "compare-panel"
"""The Compare tab's content: a hint until regions are compared there."""
COMPARE_HINT = "Pick regions to compare…"
REGION_HINT = "Choose a region on the map, with “Find a region” or in the ranking to see its portfolio here."


def tab_id(name: str) -> str:
    """The id of a tab's button (``tab-ranking``)."""
    return f"tab-{name}"


def tabpanel_id(name: str) -> str:
    """The id of a tab's panel (``tabpanel-ranking``)."""
    return f"tabpanel-{name}"


def layout(*, ranking: list, region: list, compare: list | None = None, chosen: str = "ranking") -> html.Div:
    """The tab list and its three panels; ``chosen`` shows first (``region`` or ``compare`` when the URL names them).

    ``ranking``: the ranking, hot-spot and related-sector panels; ``region``: the portfolio panel and its store;
    ``compare``: the comparison's section (``dashboard.compare_panel.layout``, which holds ``COMPARE_PANEL_ID``).
    """
    tabs = [
        html.Button(
            LABELS[name],
            id=tab_id(name),
            n_clicks=0,
            type="button",
            role="tab",
            className="panel-tab",
            tabIndex="0" if name == chosen else "-1",
            **wildcard_props({"aria-selected": "true" if name == chosen else "false", "aria-controls": tabpanel_id(name)}),
        )
        for name in TABS
    ]
    contents = {
        "ranking": ranking,
        "region": [*region, html.P(REGION_HINT, className="tab-hint")],
        "compare": compare if compare is not None else [html.Div(html.P(COMPARE_HINT, className="tab-hint"), id=COMPARE_PANEL_ID, className="compare")],
    }
    panels = [
        html.Div(
            contents[name],
            id=tabpanel_id(name),
            role="tabpanel",
            className="tabpanel",
            tabIndex="0",
            hidden=name != chosen,
            **wildcard_props({"aria-labelledby": tab_id(name)}),
        )
        for name in TABS
    ]
    return html.Div(
        [
            html.Div(tabs, role="tablist", className="panel-tablist", **wildcard_props({"aria-label": "Panels beside the map"})),
            *panels,
            dcc.Store(id=PANEL_TAB_ID, data=chosen),
        ],
        className="side-panel",
    )


def register(app: Dash) -> None:
    """Wire the frame in the browser: a click or a region in focus chooses a tab, the store shows it; the map's captions follow its figure."""
    app.clientside_callback(
        ClientsideFunction(namespace="layout", function_name="chooseTab"),
        Output(PANEL_TAB_ID, "data"),
        *[Input(tab_id(name), "n_clicks") for name in TABS],
        Input(FOCUS_ID, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="layout", function_name="showTab"),
        *[Output(tab_id(name), "aria-selected") for name in TABS],
        *[Output(tab_id(name), "tabIndex") for name in TABS],
        *[Output(tabpanel_id(name), "hidden") for name in TABS],
        Input(PANEL_TAB_ID, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="layout", function_name="mapCaptions"),
        Output(MAP_HEADING_ID, "children"),
        Output(MAP_SOURCE_ID, "children"),
        Input(MAP_ID, "figure"),
        prevent_initial_call=True,
    )


__all__ = ["COMPARE_HINT", "COMPARE_PANEL_ID", "PANEL_TAB_ID", "TABS", "layout", "register", "tab_id", "tabpanel_id"]
