"""The related-sectors network view (``analysis=network``): the map panel shows how NACE divisions locate together.

Every number comes from ``layers.spatial.related`` (``RelatedSectors.network``: edges above
the view's ``threshold``, European employment, degree, ``networkx`` positions); this module
only turns them into a Plotly figure, the API's nodes and edges and the CSV's edge rows.
The figure is drawn with ``scatter`` traces (SVG; part of ``plotly.js/lib/core``, so of the
app's custom bundle), one for the links, one for the view's sector's links, one for the nodes
and one for the view's sector's nodes, and is always sent whole: it replaces the choropleth,
so no values payload applies to it (``assets/map.js`` leaves a figure without ``locations``
alone).
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from dashboard.data import DashboardData
from dashboard.figures import ATTRIBUTION, note_annotation, source_annotation
from dashboard.view import MapView
from layers.groups.sector import sector_of
from layers.spatial.related import SectorNetwork, divisions_of

NETWORK_SHAPES = "network"
"""What the map's shapes store holds while the network is drawn: any change to or from it sends the whole figure."""
EDGE_COLUMNS = ("nace_r2_a", "nace_r2_b", "strength", "regions")
"""The CSV's columns of a network view: one row per link (``nace_r2_a`` < ``nace_r2_b``)."""
NODE_COLOUR = "#2c7fb8"
"""ColorBrewer YlGnBu's blue, as the ranking's bars."""
HIGHLIGHT_COLOUR = "#d94801"
"""Dark orange (the organisations layer's): stands out from the blue for every common colour-vision deficiency."""
EDGE_COLOUR = "rgba(90,90,90,0.35)"
MIN_SIZE, MAX_SIZE = 7.0, 46.0
"""Marker diameters in px: the marker's area is proportional to European employment."""
FRAME = 1.12
"""Axis range around the layout's [-1, 1] positions, so the largest markers stay inside."""


def network_of(data: DashboardData, view: MapView) -> SectorNetwork:
    """The view's network: its year's divisions, linked above its threshold (kept per year and threshold)."""
    return data.related.network(view.year, view.threshold)


def highlighted(network: SectorNetwork, view: MapView) -> tuple[str, ...]:
    """The divisions of the view's sector (itself, a section's divisions, a group's division; none for all sectors)."""
    codes = tuple(network.nodes["nace_r2"])
    members = sector_of(view.nace_r2).members
    found = divisions_of(members, codes)
    return () if len(found) == len(codes) else found


def marker_sizes(employment: np.ndarray) -> list[float]:
    """Diameters whose areas are proportional to employment; a node without it gets the smallest."""
    employment = np.asarray(employment, dtype=float)
    top = np.nanmax(employment) if np.isfinite(employment).any() else 1.0
    share = np.where(np.isfinite(employment), employment, 0.0) / (top or 1.0)
    return [round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(s), 2) for s in share]


def employment_text(employment: float, missing: tuple[str, ...]) -> str:
    """European employment in words: a number, a lower bound naming the countries without a value, or unknown."""
    if not math.isfinite(employment):
        return "persons employed in Europe: unknown"
    text = f"persons employed in Europe: {employment:,.0f}"
    if missing:
        shown = ", ".join(missing[:8]) + (", …" if len(missing) > 8 else "")
        text += f" (at least: no value for {shown})"
    return text


def network_title(network: SectorNetwork, view: MapView, marked: tuple[str, ...]) -> str:
    """The title: what is linked, threshold, year, how many divisions and links, and the view's sector."""
    what = f" · {html.escape(sector_of(view.nace_r2).code)} highlighted" if marked else ""  # the legend names it in full
    return (
        f"Related sectors: NACE divisions linked where co-location strength &gt; {network.threshold:g}"
        f" · {network.year} · {len(network.nodes)} divisions, {len(network.edges)} links{what}"
    )


def plain_title(view: MapView) -> str:
    """The view's title as plain text (page title, CSV comment, API echo): what is linked, threshold, year, sector."""
    return (
        f"Related sectors: NACE divisions linked where co-location strength > {view.threshold:g} · {view.year} · highlighted: {sector_of(view.nace_r2).title}"
    )


LEGEND_LENGTH = 70


def _short(text: str) -> str:
    return text if len(text) <= LEGEND_LENGTH else text[: LEGEND_LENGTH - 1].rstrip() + "…"


def _edge_lines(edges: pd.DataFrame, position: dict[str, tuple[float, float]]) -> tuple[list, list]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b in zip(edges["source"], edges["target"]):
        xs += [position[a][0], position[b][0], None]
        ys += [position[a][1], position[b][1], None]
    return xs, ys


def _node_trace(nodes: pd.DataFrame, threshold: float, *, name: str, colour: str, labels: bool) -> dict:
    hover = [
        f"<b>{code}</b> {html.escape(label)}<br>{employment_text(employment, missing)}<br>linked to {degree} division{'s' if degree != 1 else ''} (strength &gt; {threshold:g})"
        for code, label, employment, missing, degree in zip(nodes["nace_r2"], nodes["name"], nodes["employment"], nodes["employment_missing"], nodes["degree"])
    ]
    known = np.isfinite(nodes["employment"].to_numpy(dtype=float))
    return {
        "type": "scatter",
        "name": name,
        "mode": "markers+text" if labels else "markers",
        "x": [float(x) for x in nodes["x"]],
        "y": [float(y) for y in nodes["y"]],
        "text": list(nodes["nace_r2"]) if labels else None,
        "textposition": "top center",
        "textfont": {"size": 12, "color": colour},
        "customdata": list(nodes["nace_r2"]),
        "hovertext": hover,
        "hoverinfo": "text",
        "marker": {
            "size": list(nodes["size"]),
            "color": colour,
            "opacity": 0.9,
            "symbol": ["circle" if k else "circle-open" for k in known],
            "line": {"color": "#ffffff", "width": 1},
        },
        "showlegend": True,
    }


def network_figure(data: DashboardData, view: MapView, *, marked: tuple[str, ...] | None = None) -> dict:
    """The whole network figure of a view: links, nodes sized by European employment, the view's sector in orange.

    ``marked``: the divisions drawn in orange instead of the view's sector's (``dashboard.network_region`` passes none).
    """
    network = network_of(data, view)
    marked = highlighted(network, view) if marked is None else marked
    nodes = network.nodes.assign(size=marker_sizes(network.nodes["employment"].to_numpy(dtype=float)))
    position = {code: (float(x), float(y)) for code, x, y in zip(nodes["nace_r2"], nodes["x"], nodes["y"])}
    edges = network.edges
    touching = edges["source"].isin(marked) | edges["target"].isin(marked)
    xs, ys = _edge_lines(edges.loc[~touching], position)
    mark_xs, mark_ys = _edge_lines(edges.loc[touching], position)
    is_marked = nodes["nace_r2"].isin(marked)
    threshold = network.threshold
    traces = [
        {
            "type": "scatter",
            "name": "links",
            "mode": "lines",
            "x": xs,
            "y": ys,
            "line": {"color": EDGE_COLOUR, "width": 1},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "name": "links of the view's sector",
            "mode": "lines",
            "x": mark_xs,
            "y": mark_ys,
            "line": {"color": HIGHLIGHT_COLOUR, "width": 1.6},
            "opacity": 0.7,
            "hoverinfo": "skip",
            "showlegend": False,
        },
        _node_trace(nodes.loc[~is_marked], threshold, name="NACE divisions (area: persons employed in Europe)", colour=NODE_COLOUR, labels=False),
        _node_trace(nodes.loc[is_marked], threshold, name=html.escape(_short(sector_of(view.nace_r2).title)), colour=HIGHLIGHT_COLOUR, labels=True),
    ]
    note = (
        f"Link: correlation of location quotients across NUTS 2 regions above {threshold:g} (at least 30 regions in common).<br>"
        "Marker area: persons employed in Europe (sum of the countries' values; open: unknown). Layout: networkx spring layout."
    )
    axis = {"visible": False, "range": [-FRAME, FRAME], "fixedrange": False}
    return {
        "data": traces,
        "layout": {
            "title": {"text": network_title(network, view, marked), "x": 0.01, "y": 0.98, "font": {"size": 15}},
            "margin": {"l": 0, "r": 0, "t": 40, "b": 28},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "xaxis": axis,
            "yaxis": {**axis, "scaleanchor": "x", "scaleratio": 1},
            "hovermode": "closest",
            "dragmode": "pan",
            "uirevision": f"network-{view.year}",
            "legend": {"x": 0.01, "y": 0.02, "xanchor": "left", "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 11}},
            "annotations": [source_annotation(ATTRIBUTION), note_annotation(note)],
        },
    }


def edge_records(network: SectorNetwork) -> list[dict]:
    """One ``{nace_r2_a, nace_r2_b, strength, regions}`` per link, strongest first (ties by codes): the CSV's rows and the API's edges."""
    edges = network.edges.sort_values(["strength", "source", "target"], ascending=[False, True, True], kind="stable")
    return [
        {"nace_r2_a": str(a), "nace_r2_b": str(b), "strength": float(s), "regions": int(n)}
        for a, b, s, n in zip(edges["source"], edges["target"], edges["strength"], edges["regions"])
    ]


def node_records(network: SectorNetwork, marked: tuple[str, ...]) -> list[dict]:
    """One node per division: code, name, European employment (None if unknown) and the countries without a value, degree, position, highlight."""
    return [
        {
            "nace_r2": str(code),
            "name": str(name),
            "employment": float(employment) if math.isfinite(employment) else None,
            "employment_missing": list(missing),
            "degree": int(degree),
            "x": float(x),
            "y": float(y),
            "highlighted": code in marked,
        }
        for code, name, employment, missing, degree, x, y in zip(
            network.nodes["nace_r2"],
            network.nodes["name"],
            network.nodes["employment"],
            network.nodes["employment_missing"],
            network.nodes["degree"],
            network.nodes["x"],
            network.nodes["y"],
        )
    ]


__all__ = [
    "EDGE_COLUMNS",
    "NETWORK_SHAPES",
    "edge_records",
    "employment_text",
    "highlighted",
    "marker_sizes",
    "network_figure",
    "network_of",
    "network_title",
    "node_records",
    "plain_title",
]
