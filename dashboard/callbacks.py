"""Callbacks: wiring only. Each one parses inputs and calls a figure function."""

from __future__ import annotations

from dash import Dash, Input, Output, Patch, ctx

from dashboard.data import DashboardData
from dashboard.figures import MapView, choropleth_figure, value_update
from dashboard.layout import INDICATOR_ID, LEVEL_ID, MAP_ID, SECTOR_ID, YEAR_ID
from layers.query import region_values


def map_update(data: DashboardData, view: MapView, *, full: bool) -> dict | Patch:
    """The whole figure when the level (and so the geometry) changes, else a values-only Patch."""
    geometry = data.geometry[view.level]
    ids = geometry.ids
    import pandas as pd

    values = region_values(data.index, pd.Series(ids), level=view.level, nace_r2=view.nace_r2, indicator=view.indicator, year=view.year)
    if full:
        return choropleth_figure(geometry, values, view)
    patch = Patch()
    for path, value in value_update(values, view).items():
        node = patch
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part) if part.isdigit() else part]
        node[parts[-1]] = value
    return patch


def register(app: Dash, data: DashboardData) -> None:
    """Attach the callbacks to ``app``."""

    @app.callback(
        Output(MAP_ID, "figure"),
        Input(LEVEL_ID, "value"),
        Input(SECTOR_ID, "value"),
        Input(INDICATOR_ID, "value"),
        Input(YEAR_ID, "value"),
    )
    def update_map(level: int, sector: str, indicator: str, year: int):
        view = MapView(level=int(level), nace_r2=sector, indicator=indicator, year=int(year))
        full = ctx.triggered_id in (None, LEVEL_ID)
        return map_update(data, view, full=full)
