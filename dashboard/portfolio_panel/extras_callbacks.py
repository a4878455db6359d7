"""The Region tab's trend and similar regions: the trend follows the map's sector and indicator; "Open" focuses a similar region.

The trend is drawn with the portfolio (``content.portfolio_children``); when only the map's
sector, indicator or year changes, the browser asks for the trend alone (a key it sends only
while a region is in focus). A similar region's "Compare" is the comparison's (``dashboard.compare_panel.callbacks``).
"""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State, callback_context, no_update

from dashboard.callback_guard import guarded, text
from dashboard.data import DashboardData
from dashboard.layout import FOCUS_ID, PANELS_QUERY_ID
from dashboard.portfolio_panel.layout import TREND_KEY_ID
from dashboard.portfolio_panel.similar import SIMILAR_OPEN_ID
from dashboard.portfolio_panel.tables import region_name
from dashboard.portfolio_panel.trend_section import TREND_ID, trend_children
from dashboard.view import ViewOptions, read_view, view_options

TREND_KEY_JS = """
function (query, focus, shown) {
    const dc = window.dash_clientside;
    if (!focus) return dc.no_update;
    const q = new URLSearchParams(query || "");
    const key = [focus, q.get("sector") || "", q.get("indicator") || "", q.get("year") || ""].join("|");
    return key === shown ? dc.no_update : key;
}
"""


def trend_subject(options: ViewOptions, query: str | None) -> tuple[str, str]:
    """(sector, indicator) of the panels' query (the map's view, by the one parser; ``options``: the data's, made once)."""
    view = read_view(query or "", options).view
    return view.nace_r2, view.indicator


def register(app, data: DashboardData) -> None:
    """Attach the trend's and the similar list's callbacks to ``app``."""
    options = view_options(data)

    app.clientside_callback(
        TREND_KEY_JS,
        Output(TREND_KEY_ID, "data"),
        Input(PANELS_QUERY_ID, "data"),
        State(FOCUS_ID, "data"),
        State(TREND_KEY_ID, "data"),
        prevent_initial_call=True,
    )

    @app.callback(Output({**TREND_ID, "slot": ALL}, "children"), Input(TREND_KEY_ID, "data"), State(FOCUS_ID, "data"), prevent_initial_call=True)
    @guarded
    def show_trend(key: str | None, focus: str | None):
        key, focus = text(key, "trend key", max_length=300), text(focus, "focus", max_length=12)
        _, _, query = (key or "").partition("|")
        sector, indicator, year = ([*query.split("|"), "", "", ""])[:3]
        slots = len(callback_context.outputs_list)
        if not focus or focus not in data.statistics_regions or not slots:
            return [no_update] * slots
        view = read_view({"sector": sector, "indicator": indicator, "year": year}, options).view
        return [trend_children(data, focus, sector=view.nace_r2, indicator=view.indicator, year=view.year, name=region_name(data, focus))] * slots

    app.clientside_callback(
        ClientsideFunction(namespace="compare", function_name="pickedGeo"),
        Output(FOCUS_ID, "data", allow_duplicate=True),
        Input({**SIMILAR_OPEN_ID, "geo": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )


__all__ = ["TREND_KEY_ID", "register", "trend_subject"]
