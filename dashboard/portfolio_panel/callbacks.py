"""The panel's callbacks: what the focus store, the year, Close, "all sectors" and a group's "Map" do to it.

Only wiring: the components come from :mod:`dashboard.portfolio_panel.content`.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, no_update

from dashboard.callback_guard import guarded, text, whole, whole_list
from dashboard.data import DashboardData
from dashboard.layout import FOCUS_ID, PANELS_QUERY_ID, SECTOR_ID, YEAR_ID
from dashboard.portfolio_panel import extras_callbacks
from dashboard.portfolio_panel.content import portfolio_children, rest_children
from dashboard.portfolio_panel.extras_callbacks import trend_subject
from dashboard.portfolio_panel.layout import CLOSE_ID, GROUP_MAP_ID, MORE_ID, PANEL_ID, REST_ID, YEAR_SHOWN_ID
from dashboard.view import view_options

SCROLL_JS = """
function (children, focus) {
    // A newly opened region: if the panel starts in the lower part of the window (under the map),
    // scroll so that its heading shows. Side effect only; a year change keeps the region and does not scroll.
    const state = (window.clustermapPortfolio = window.clustermapPortfolio || {shown: null});
    if (!children || !children.length) { state.shown = null; return window.dash_clientside.no_update; }
    if (focus && focus !== state.shown) {
        state.shown = focus;
        setTimeout(function () {
            const panel = document.getElementById("portfolio-panel");
            if (!panel) return;
            const top = panel.getBoundingClientRect().top;
            if (top > window.innerHeight * 0.6) {
                const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
                window.scrollBy({top: top - window.innerHeight * 0.3, behavior: reduce ? "auto" : "smooth"});
            }
        }, 60);
    }
    return window.dash_clientside.no_update;
}
"""

MAP_GROUP_JS = """
function (clicks) {
    // a named group's "Map" button: its id names the group, which becomes the map's sector (the sector
    // store, as a click in the sector tree would set it); a button that appears with the panel (0 clicks) does nothing
    const ctx = window.dash_clientside.callback_context;
    const hit = (ctx.triggered || []).find(function (t) { return t.value; });
    if (!hit) return window.dash_clientside.no_update;
    let id = null;
    try { id = JSON.parse(hit.prop_id.slice(0, hit.prop_id.lastIndexOf("."))); } catch (e) { return window.dash_clientside.no_update; }
    return id && typeof id.group === "string" ? id.group : window.dash_clientside.no_update;
}
"""


def close_focus(clicks: list | None):
    """The Close button's effect on the focus store: cleared after a click, untouched otherwise."""
    return None if any(clicks or []) else no_update


def register(app, data: DashboardData) -> None:
    """Attach this panel's callbacks to ``app``."""
    options = view_options(data)  # once: the panels' query is read by it on every portfolio change

    # the year reaches the panel only while a region is in focus: without one, a year change
    # costs no round trip (and no panel re-render competing with the map's)
    app.clientside_callback(
        "(year, geo) => geo ? year : window.dash_clientside.no_update",
        Output(YEAR_SHOWN_ID, "data"),
        Input(YEAR_ID, "value"),
        State(FOCUS_ID, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(PANEL_ID, "children"),
        Input(FOCUS_ID, "data"),
        Input(YEAR_SHOWN_ID, "data"),
        State(YEAR_ID, "value"),
        State(PANELS_QUERY_ID, "data"),
        prevent_initial_call=True,
    )
    @guarded
    def show_portfolio(geo: str | None, _shown: int | None, year: int | None, query: str | None = None):
        sector, indicator = trend_subject(options, text(query, "panels query", max_length=2000))
        return portfolio_children(data, text(geo, "focus", max_length=12), whole(year, "year"), sector=sector, indicator=indicator)

    app.clientside_callback(SCROLL_JS, Output(PANEL_ID, "className"), Input(PANEL_ID, "children"), State(FOCUS_ID, "data"), prevent_initial_call=True)

    app.clientside_callback(
        MAP_GROUP_JS,
        Output(SECTOR_ID, "data", allow_duplicate=True),
        Input({**GROUP_MAP_ID, "group": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(Output(FOCUS_ID, "data", allow_duplicate=True), Input({**CLOSE_ID, "panel": ALL}, "n_clicks"), prevent_initial_call=True)
    @guarded
    def close_portfolio(clicks: list | None):
        return close_focus(whole_list(clicks or [], "n_clicks"))

    @app.callback(
        Output({**REST_ID, "panel": ALL}, "children"),
        Output({**MORE_ID, "panel": ALL}, "children"),
        Output({**MORE_ID, "panel": ALL}, "aria-expanded"),
        Input({**MORE_ID, "panel": ALL}, "n_clicks"),
        State(FOCUS_ID, "data"),
        State(YEAR_ID, "value"),
        prevent_initial_call=True,
    )
    @guarded
    def toggle_rest(clicks: list, geo: str | None, year: int | None):
        clicks, geo, year = whole_list(clicks or [], "n_clicks"), text(geo, "focus", max_length=12), whole(year, "year")
        if not clicks:
            return [], [], []
        rest, label, expanded = rest_children(data, geo, year, clicks[0])
        return [rest] * len(clicks), [label] * len(clicks), [expanded] * len(clicks)

    extras_callbacks.register(app, data)  # the trend and the similar regions
