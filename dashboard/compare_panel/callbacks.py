"""The comparison's callbacks: adds and removes, its search, its content, and showing it.

Adds come from a Shift/Ctrl/Cmd+click on the map (``assets/compare.js`` notes the modifier as the
map is pressed; the map's own click callback then leaves the focus alone), the portfolio's "Add to
comparison", a similar region's "Compare" (the region in focus with it), and the comparison's own
search. Every change writes the ``compare`` store, a view control: the map callback puts it in the
URL, and back and forward set it again (``dashboard.callbacks.apply_url``).
"""

from __future__ import annotations

import json

from dash import ALL, ClientsideFunction, Input, Output, State, callback_context, html, no_update

from dashboard.callback_guard import guarded, record, text, whole_list
from dashboard.compare_panel.content import compare_children
from dashboard.compare_panel.edit import added, codes_of, removed, store_text
from dashboard.compare_panel.layout import COMPARE_ID, COMPARE_PANEL_ID, MAP_ADD_ID, MAP_MODIFIER_ID, MESSAGE_ID, REMOVE_ID, SEARCH_ID, SECTION_ID, SHOWN_ID
from dashboard.data import DashboardData
from dashboard.layout import FOCUS_ID, MAP_ID, PANELS_QUERY_ID
from dashboard.page_frame import COMPARE_HINT
from dashboard.portfolio_panel.similar import ADD_FOCUS_ID, SIMILAR_COMPARE_ID
from dashboard.view import read_view, view_options

MAX_KEY = 2000


def _clicked_geo(triggered: list[dict]) -> tuple[str, str] | None:
    """(role, geo) of the pattern button that was clicked (a click count above 0), or None (a button that just appeared)."""
    for t in triggered:
        prop = str(t.get("prop_id", ""))
        if not t.get("value") or not prop.startswith("{"):
            continue
        try:
            found = json.loads(prop[: prop.rindex(".")])
        except ValueError:
            continue
        if isinstance(found, dict) and isinstance(found.get("geo"), str) and isinstance(found.get("role"), str):
            return found["role"], found["geo"][:12]
    return None


def register(app, data: DashboardData) -> None:
    """Attach the comparison's callbacks to ``app``."""
    regions = data.statistics_regions
    names = data.region_names
    options = view_options(data)

    @app.callback(
        Output(COMPARE_ID, "data", allow_duplicate=True),
        Output(MESSAGE_ID, "children"),
        Output(SEARCH_ID, "value"),
        Input({**REMOVE_ID, "geo": ALL}, "n_clicks"),
        Input({**ADD_FOCUS_ID, "geo": ALL}, "n_clicks"),
        Input({**SIMILAR_COMPARE_ID, "geo": ALL}, "n_clicks"),
        Input(SEARCH_ID, "value"),
        Input(MAP_ADD_ID, "data"),
        State(COMPARE_ID, "data"),
        State(FOCUS_ID, "data"),
        prevent_initial_call=True,
    )
    @guarded
    def edit(removes: list, adds: list, similar: list, searched: str | None, map_add: dict | None, compare: str | None, focus: str | None):
        """One add or remove: the store's new text and what could not be done (said beside the search)."""
        whole_list(removes or [], "n_clicks"), whole_list(adds or [], "n_clicks"), whole_list(similar or [], "n_clicks")
        searched, focus = text(searched, "compare search", max_length=12), text(focus, "focus", max_length=12)
        current = codes_of(text(compare, "compare", max_length=MAX_KEY))
        trigger = callback_context.triggered_prop_ids
        if f"{SEARCH_ID}.value" in trigger:
            if not searched:
                return no_update, no_update, no_update
            codes, message = added(current, searched, regions, names)
            return (store_text(codes) if codes != current else no_update), message, None
        if f"{MAP_ADD_ID}.data" in trigger:
            geo = text((record(map_add, "map add") or {}).get("geo"), "map add", max_length=12)
            if not geo:
                return no_update, no_update, no_update
            codes, message = added(current, geo, regions, names)
            return (store_text(codes) if codes != current else no_update), message, no_update
        clicked = _clicked_geo(callback_context.triggered)
        if clicked is None:
            return no_update, no_update, no_update
        role, geo = clicked
        if role == REMOVE_ID["role"]:
            return store_text(removed(current, geo)), "", no_update
        if role == SIMILAR_COMPARE_ID["role"]:
            if not focus or focus not in regions:
                return no_update, "No region is in focus to compare with.", no_update
            codes, message = added((focus,), geo, regions, names)
            return store_text(codes), message, no_update
        codes, message = added(current, geo, regions, names)
        return (store_text(codes) if codes != current else no_update), message, no_update

    @app.callback(Output(SEARCH_ID, "options"), Input(SEARCH_ID, "search_value"), prevent_initial_call=True)
    @guarded
    def suggest(typed: str | None):
        """Regions with statistics matching what the user typed (the page does not carry them all)."""
        typed = text(typed, "search_value")
        if not typed:
            return no_update
        return [o for o in data.find_regions(typed, limit=40) if o["value"] in regions][:20]

    # the content follows the regions and the map's sector, indicator and year; the browser sends a key only when those change
    app.clientside_callback(
        ClientsideFunction(namespace="compare", function_name="shownKey"),
        Output(SHOWN_ID, "data"),
        Input(COMPARE_ID, "data"),
        Input(PANELS_QUERY_ID, "data"),
        State(SHOWN_ID, "data"),
        prevent_initial_call=True,
    )

    @app.callback(Output(COMPARE_PANEL_ID, "children"), Input(SHOWN_ID, "data"), prevent_initial_call=True)
    @guarded
    def show(key: str | None):
        key = text(key, "compare key", max_length=MAX_KEY) or ""
        compare, _, query = key.partition("|")
        view = read_view(query, options).view
        return compare_children(data, codes_of(compare), view) or [html.P(COMPARE_HINT, className="tab-hint")]  # none left: what to do

    # a comparison opened or changed: show it (the Compare tab where the page has tabs; else scroll to it)
    app.clientside_callback(
        ClientsideFunction(namespace="compare", function_name="showComparison"),
        Output(SECTION_ID, "className"),  # side effect only: always no_update
        Input(COMPARE_ID, "data"),
    )

    # a modifier-click on the map adds the clicked region (the map's own click callback leaves the focus alone)
    app.clientside_callback(
        ClientsideFunction(namespace="compare", function_name="mapAdd"),
        Output(MAP_ADD_ID, "data"),
        Input(MAP_ID, "clickData"),
        State(MAP_MODIFIER_ID, "data"),
        prevent_initial_call=True,
    )
