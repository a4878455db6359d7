"""What the map callback sends for a view: its values payload (every year at once where the browser can change the year), or its whole figure.

``dashboard.callbacks`` wires these to the page; the server-drawn first view
(``dashboard.first_view``), the embed and the exports call them too. One view's numbers
all come from ``DashboardData.values`` (``layers/``): this only chooses and packs them.
``GET /map/values?<view query>`` (:func:`register`) sends the same payload by URL, for a
sector change the browser draws before Dash's callbacks run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal, overload
from urllib.parse import parse_qsl

import pandas as pd
from dash import NoUpdate, no_update
from flask import Flask, Response, request

from dashboard.api.errors import error_response, json_response, view_error
from dashboard.data import DashboardData
from dashboard.figures import choropleth_figure, is_point_view, map_payload, view_attribution
from dashboard.multiples import YEARS, years_figure, years_shapes
from dashboard.network import NETWORK_SHAPES
from dashboard.network_region import region_network_figure
from dashboard.payload import MapPayload, ViewValues, YearsPayload, share_years, year_payload
from dashboard.points_layer import found_payload, points_payload
from dashboard.view import PARAMETER, MapView, read_view, view_options, view_query

WHOLE_FIGURES = ("network", YEARS)
"""Analyses drawn as a whole figure each (the related-sectors network, the years grid): no values payload."""
VALUES_PATH = "/map/values"
"""Where the browser asks for a view's values by URL (:func:`register`; ``drawSector`` in ``assets/map.js``)."""


def payload_for(data: DashboardData, view: MapView, found: str | None = None) -> MapPayload:
    """The values payload of a view, in its shapes' order, with the organisations layer when it is on and the organisation found by name."""
    values = data.values(view, pd.Series(data.shapes(view).ids))
    payload = map_payload(values, view)
    if view.points and data.organisations is not None:
        payload["points"] = points_payload(data.organisations, view, data.bounds.get(view.zoom) if view.zoom else None)
    if found and (star := found_payload(data.organisations, found)) is not None:
        payload["found"] = star
    return payload


def year_in_browser(view: MapView) -> bool:
    """Whether the browser gets every year of the view and changes the year on its own: a values map of the statistics.

    Hot spots (each year's test is its own computation) and the organisation indicators (the
    records of all years: the year changes nothing) send the view's year only; the network is a figure.
    """
    return view.analysis == "values" and not is_point_view(view) and view.since is None  # a period change: each year's is another comparison


def years_payload_for(data: DashboardData, view: MapView, *, drawn: bool = False, found: str | None = None) -> YearsPayload:
    """The values payload of every year of a view (the view's year only, unless :func:`year_in_browser`), what is shared sent once.

    Each year's numbers are ``DashboardData.values`` of the view in that year, as for one year:
    ``classes=all-years`` gives every year the same breaks and legend, which then travel once.
    ``drawn``: the figure sent with it already shows the view's year.
    """
    ids = pd.Series(data.shapes(view).ids)
    years = data.years if year_in_browser(view) else [view.year]
    payloads = {}
    for year in years:
        in_year = replace(view, year=year)
        payloads[year] = map_payload(data.values(in_year, ids), in_year)
    together = share_years(payloads, view.year, drawn=drawn)
    if view.points and data.organisations is not None:  # the records of all years: the same layer in every year
        together["common"]["points"] = points_payload(data.organisations, view, data.bounds.get(view.zoom) if view.zoom else None)
    if found and (star := found_payload(data.organisations, found)) is not None:  # found by name: drawn whatever the sector or year
        together["common"]["found"] = star
    return together


def map_change(data: DashboardData, view: MapView, *, full: bool, found: str | None = None) -> tuple[dict | NoUpdate, YearsPayload | None]:
    """What the app's map callback sends: (the whole figure or nothing, every year's values or None for the network).

    The figure names its shapes by URL; its values are the view year's part of the payload sent with it (``drawn``).
    """
    if view.analysis == "network":
        return region_network_figure(data, view), None
    if view.analysis == YEARS:  # one map per year, one legend: always whole (dashboard.multiples)
        return years_figure(data, view, geometry_url=True), None
    years = years_payload_for(data, view, drawn=full, found=found)
    if not full:
        return no_update, years
    payload = year_payload(years, view.year)
    assert payload is not None  # years_payload_for always holds the view's year
    bounds = data.bounds.get(view.zoom) if view.zoom else None
    attribution = view_attribution(view, data.organisations)
    return choropleth_figure(data.shapes(view), payload, view, geometry_url=True, bounds=bounds, attribution=attribution), years


@overload
def map_update(data: DashboardData, view: MapView, *, full: Literal[True], geometry_url: bool = False, found: str | None = None) -> tuple[dict, NoUpdate]: ...
@overload
def map_update(
    data: DashboardData, view: MapView, *, full: Literal[False], geometry_url: bool = False, found: str | None = None
) -> tuple[NoUpdate, MapPayload]: ...
@overload
def map_update(
    data: DashboardData, view: MapView, *, full: bool, geometry_url: bool = False, found: str | None = None
) -> tuple[dict | NoUpdate, MapPayload | NoUpdate]: ...
def map_update(
    data: DashboardData, view: MapView, *, full: bool, geometry_url: bool = False, found: str | None = None
) -> tuple[dict | NoUpdate, MapPayload | NoUpdate]:
    """(figure, payload): the whole figure on a level change, else only the payload (``found``: an organisation drawn as a star).

    ``geometry_url``: the figure names its shapes by URL (the app, where the
    browser caches them) instead of carrying them (exports, embeds, tests).
    """
    if view.analysis == "network":  # the related-sectors network replaces the map, always whole (dashboard.network)
        return region_network_figure(data, view), no_update  # with a region: its specialisations and opportunities marked
    if view.analysis == YEARS:  # one map per year, one legend: always whole too (dashboard.multiples)
        return years_figure(data, view, geometry_url=geometry_url), no_update
    payload = payload_for(data, view, found)
    if full:
        bounds = data.bounds.get(view.zoom) if view.zoom else None
        attribution = view_attribution(view, data.organisations)
        return choropleth_figure(data.shapes(view), payload, view, geometry_url=geometry_url, bounds=bounds, attribution=attribution), no_update
    return no_update, payload


def same_but_year(held: str | None, query: str) -> bool:
    """Whether two view queries differ at most in their year: the years the browser holds are then this view's."""

    def but_year(q: str) -> list[tuple[str, str]]:
        return [(k, v) for k, v in parse_qsl(q or "") if k != "year"]

    return held is not None and but_year(held) == but_year(query)


def drawn_shapes(data: DashboardData, view: MapView) -> str:
    """What the map panel draws on: the URL of the view's shapes, ``NETWORK_SHAPES`` for the related-sectors network, or the years' grid's."""
    if view.analysis == YEARS:
        return years_shapes(data, view)
    return NETWORK_SHAPES if view.analysis == "network" else data.shapes(view).url


def view_values(data: DashboardData, view: MapView) -> ViewValues:
    """A view's canonical query, the URL of its shapes and every year's values: what the map callback would send for it, found organisation aside."""
    return {"query": view_query(view), "shapes": drawn_shapes(data, view), "values": years_payload_for(data, view)}


def register(server: Flask, data: DashboardData) -> None:
    """Add ``GET /map/values?<view query>`` to ``server``: :func:`view_values` as JSON, or a 400 naming the parameter.

    Why: a sector change then costs one request and one ``Plotly.update``. Through Dash it
    waits for the callback machinery on the way out, and the panels' callbacks, which Dash
    starts in the same task as the map's answer, delay the map's paint.
    """
    options = view_options(data)

    @server.get(VALUES_PATH)
    def map_values() -> Response:
        asked = read_view(request.query_string, options)
        if asked.problems:
            problem = view_error(asked.problems, options)
            return json_response(problem.body(), problem.status)
        if asked.view.analysis in WHOLE_FIGURES:  # a whole figure each: no values payload (map_change)
            return error_response(
                400,
                f"analysis={asked.view.analysis} is drawn as a whole figure, not from values; ask /api/v1/values for its numbers",
                parameter="analysis",
                given=asked.view.analysis,
                allowed=[a for a in PARAMETER["analysis"].values(options) or () if a not in WHOLE_FIGURES],
            )
        return json_response(view_values(data, asked.view))
