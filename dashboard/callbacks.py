"""Callbacks: wiring only. Each one parses inputs and calls a figure function.

A level change sends the whole figure (new geometry). Any other change sends
only ``map_payload`` into a ``dcc.Store``; ``assets/map.js`` applies it to the
figure already in the browser, so geometry is not sent again.
"""

from __future__ import annotations

import pandas as pd
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, no_update

from dashboard.data import DashboardData
from dashboard.figures import MapView, choropleth_figure, map_payload
from dashboard.layout import INDICATOR_ID, LEVEL_ID, MAP_ID, MAP_VALUES_ID, SECTOR_ID, YEAR_ID
from layers.query import region_values


def payload_for(data: DashboardData, view: MapView) -> dict:
    """The values payload of a view, in the level's geometry order."""
    ids = pd.Series(data.geometry[view.level].ids)
    values = region_values(data.index, ids, level=view.level, nace_r2=view.nace_r2, indicator=view.indicator, year=view.year)
    return map_payload(values, view)


def map_update(data: DashboardData, view: MapView, *, full: bool) -> tuple[dict | object, dict | object]:
    """(figure, payload): the whole figure on a level change, else only the payload."""
    payload = payload_for(data, view)
    if full:
        return choropleth_figure(data.geometry[view.level], payload, view), no_update
    return no_update, payload


def register(app: Dash, data: DashboardData) -> None:
    """Attach the callbacks to ``app``."""

    @app.callback(
        Output(MAP_ID, "figure"),
        Output(MAP_VALUES_ID, "data"),
        Input(LEVEL_ID, "value"),
        Input(SECTOR_ID, "value"),
        Input(INDICATOR_ID, "value"),
        Input(YEAR_ID, "value"),
    )
    def update_map(level: int, sector: str, indicator: str, year: int):
        view = MapView(level=int(level), nace_r2=sector, indicator=indicator, year=int(year))
        return map_update(data, view, full=ctx.triggered_id in (None, LEVEL_ID))

    app.clientside_callback(
        ClientsideFunction(namespace="clustermap", function_name="applyPayload"),
        Output(MAP_ID, "figure", allow_duplicate=True),
        Input(MAP_VALUES_ID, "data"),
        State(MAP_ID, "figure"),
        prevent_initial_call=True,
    )
