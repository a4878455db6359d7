"""A region in the network view (``analysis=network&region=DE11``): the view form of its diversification opportunities.

The divisions where the region has the specialisation star in the view's year are ringed in
black; its top :data:`SHOWN` opportunities are orange and numbered by rank; the network's links
between them (above the view's threshold) are drawn in orange. Stars, opportunities and scores
are ``layers.spatial.opportunities``' (a candidate without the star, scored by the sum of its
positive co-location strengths with the starred divisions); this module only marks them on
``dashboard.network``'s figure and lists them for the API and the CSV: the same ten everywhere.
The view's sector is not highlighted here: the region's marks take its place.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from dashboard.data import DashboardData
from dashboard.network import EDGE_COLOUR, HIGHLIGHT_COLOUR, network_figure, network_of, plain_title
from dashboard.view import MapView
from layers.portfolio import UnknownRegionError, UnknownYearError
from layers.spatial.opportunities import OPPORTUNITY_COLUMNS as OPPORTUNITIES_COLUMNS, opportunities, starred_divisions

SHOWN = 10
"""Opportunities marked on the network, listed by ``/values`` and the CSV (all of them: ``/api/v1/regions/<id>/opportunities``)."""
STAR_RING = "#111111"
"""The ring of a starred division: dark on every fill, for every colour-vision deficiency."""
OPPORTUNITY_COLUMNS = ("rank", "nace_r2", "name", "score", "lq", "relations", "justified_by")
"""The CSV's columns of a region's network view: one row per marked opportunity, best first."""
METHOD = (
    "Opportunities: divisions where the region has no specialisation star (LQ known and below 2), ranked by the sum of their "
    "positive co-location strengths with the divisions where it has one (all of them, not only the links drawn)."
)


@dataclass(frozen=True)
class RegionFocus:
    """What the network marks for a region in a year: its starred divisions and its best opportunities."""

    geo: str
    name: str
    year: int
    starred: tuple[str, ...]
    top: pd.DataFrame
    """The top :data:`SHOWN` rows of ``layers.spatial.opportunities.opportunities``, best first."""
    total: int
    """How many opportunities the region has in all."""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.geo})" if self.name != self.geo else self.geo


def region_name(data: DashboardData, geo: str) -> str:
    """The region's name from the statistics' shapes (the region is one of them: the vocabulary's ``region``), else its code."""
    geometry = data.geometry.get(len(geo) - 2)
    return geometry.names[geometry.ids.index(geo)] if geometry is not None and geo in geometry.ids else geo


def region_focus(data: DashboardData, view: MapView) -> RegionFocus | None:
    """The view's region's marks; None without a region."""
    if not view.region:
        return None
    geo = view.region
    try:
        starred = starred_divisions(data.related, geo, view.year)
        found = opportunities(data.related, geo, view.year)
    except (UnknownRegionError, UnknownYearError):  # the vocabulary admits regions with statistics only; a year without rows: no marks
        starred, found = (), pd.DataFrame(columns=list(OPPORTUNITIES_COLUMNS))
    return RegionFocus(geo, region_name(data, geo), view.year, starred, found.head(SHOWN), len(found))


def opportunity_records(found: pd.DataFrame, *, ranked: bool = False) -> list[dict]:
    """One ``{nace_r2, name, score, lq, relations, justified_by}`` per row of ``layers.spatial.opportunities``, best first
    (with ``rank`` first when ``ranked``): the API's list, for the region's opportunities and for the region-focused network."""
    records = []
    columns = ("nace_r2", "name", "score", "lq", "relations", "justified_by")
    for rank, (code, name, score, lq, relations, justified) in enumerate(zip(*(found[c] for c in columns), strict=True), start=1):
        record = {
            "nace_r2": str(code),
            "name": str(name),
            "score": float(score),
            "lq": float(lq),
            "relations": int(relations),
            "justified_by": [{"nace_r2": j["nace_r2"], "name": j["name"], "strength": float(j["strength"])} for j in justified],
        }
        records.append({"rank": rank, **record} if ranked else record)
    return records


def justification_text(justified: list[dict]) -> str:
    """The starred divisions an opportunity builds on, strongest first, e.g. ``C29 (0.6123); C28 (0.5501)`` (the CSV's cell)."""
    return "; ".join(f"{j['nace_r2']} ({j['strength']:.4f})" for j in justified)


def region_title(focus: RegionFocus, view: MapView, *, escape: bool) -> str:
    """The title of a region's network view, as HTML (figure) or plain text (page, CSV, API, embed)."""
    gt = "&gt;" if escape else ">"
    label = html.escape(focus.label) if escape else focus.label
    return (
        f"Diversification opportunities of {label} · {view.year} · {len(focus.starred)} specialisations (star), "
        f"top {len(focus.top)} of {focus.total} opportunities · links: co-location strength {gt} {view.threshold:g}"
    )


def view_title(data: DashboardData, view: MapView) -> str:
    """The plain title of a network view: the region's when it has one."""
    focus = region_focus(data, view)
    return region_title(focus, view, escape=False) if focus else plain_title(view)


def _lines(pairs: list[tuple[str, str]], position: dict[str, tuple[float, float]]) -> tuple[list, list]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b in pairs:
        xs += [position[a][0], position[b][0], None]
        ys += [position[a][1], position[b][1], None]
    return xs, ys


def _marks(nodes: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    return nodes.set_index("nace_r2").reindex([c for c in codes if c in set(nodes["nace_r2"])])


def region_network_figure(data: DashboardData, view: MapView) -> dict:
    """The network figure with the region's specialisations ringed, its opportunities numbered and the links between them drawn."""
    focus = region_focus(data, view)
    if focus is None:
        return network_figure(data, view)
    figure = network_figure(data, view, marked=())
    traces = figure["data"]
    sizes = dict(zip(traces[2]["customdata"], traces[2]["marker"]["size"]))  # the divisions' trace: sizes by European employment
    network = network_of(data, view)
    nodes = network.nodes
    position = {code: (float(x), float(y)) for code, x, y in zip(nodes["nace_r2"], nodes["x"], nodes["y"])}
    top = list(focus.top["nace_r2"])
    starred, chosen = set(focus.starred), set(top)
    links = [
        (a, b)
        for a, b in zip(network.edges["source"], network.edges["target"])
        if (a in chosen and b in starred) or (b in chosen and a in starred) or (a in starred and b in starred)
    ]
    xs, ys = _lines(links, position)
    star_nodes = _marks(nodes, list(focus.starred))
    opp_nodes = _marks(nodes, top)
    traces[1] = {**traces[1], "x": xs, "y": ys, "name": "links between the region's specialisations and opportunities"}
    traces[0] = {**traces[0], "line": {"color": EDGE_COLOUR, "width": 0.8}}
    traces[3] = {**traces[3], "showlegend": False}  # the view's sector: not highlighted here
    star_hover = [
        f"<b>{code}</b> {html.escape(name)}<br>specialisation star of {html.escape(focus.label)} in {focus.year}"
        for code, name in zip(star_nodes.index, star_nodes["name"])
    ]
    rows = focus.top.set_index("nace_r2")
    rank = {code: i for i, code in enumerate(focus.top["nace_r2"], start=1)}
    opp_hover = [
        f"<b>#{rank[code]} {code}</b> {html.escape(str(row['name']))}<br>score {row['score']:.2f} (sum of positive strengths with the region's specialisations)"
        f"<br>LQ {row['lq']:.2f}<br>builds on: {html.escape(justification_text(list(row['justified_by'])[:5]))}{' …' if len(row['justified_by']) > 5 else ''}"
        for code, row in rows.loc[list(opp_nodes.index)].iterrows()
    ]
    traces.append(
        {
            "type": "scatter",
            "name": f"Specialisation star of {html.escape(focus.geo)} (ring)",
            "mode": "markers+text",
            "x": [float(x) for x in star_nodes["x"]],
            "y": [float(y) for y in star_nodes["y"]],
            "text": list(star_nodes.index),
            "textposition": "bottom center",
            "textfont": {"size": 11, "color": STAR_RING},
            "customdata": list(star_nodes.index),
            "hovertext": star_hover,
            "hoverinfo": "text",
            "marker": {"size": [sizes.get(c, 10) + 4 for c in star_nodes.index], "color": "rgba(0,0,0,0)", "line": {"color": STAR_RING, "width": 3}},
            "showlegend": True,
        }
    )
    traces.append(
        {
            "type": "scatter",
            "name": f"Opportunity of {html.escape(focus.geo)} (number: rank)",
            "mode": "markers+text",
            "x": [float(x) for x in opp_nodes["x"]],
            "y": [float(y) for y in opp_nodes["y"]],
            "text": [f"{rank[code]} {code}" for code in opp_nodes.index],
            "textposition": "top center",
            "textfont": {"size": 12, "color": HIGHLIGHT_COLOUR},
            "customdata": list(opp_nodes.index),
            "hovertext": opp_hover,
            "hoverinfo": "text",
            "marker": {"size": [max(sizes.get(c, 10), 12) for c in opp_nodes.index], "color": HIGHLIGHT_COLOUR, "line": {"color": "#ffffff", "width": 1}},
            "showlegend": True,
        }
    )
    layout = figure["layout"]
    layout["title"] = {**layout["title"], "text": region_title(focus, view, escape=True)}
    layout["uirevision"] = f"network-{view.year}"
    note = layout["annotations"][1]
    note["text"] = html.escape(METHOD).replace("(all of", "<br>(all of") + "<br>" + note["text"]
    return figure


__all__ = [
    "OPPORTUNITY_COLUMNS",
    "SHOWN",
    "RegionFocus",
    "justification_text",
    "opportunity_records",
    "region_focus",
    "region_network_figure",
    "region_title",
    "view_title",
]
