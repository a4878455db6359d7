"""Figure builders: plain functions from values to Plotly figures, no Dash.

The map is one ``go.Choropleth`` on a geo subplot (SVG, no tiles). Its z is a
class index (see ``dashboard.classes``) so that "no data" and "confidential"
regions keep a colour of their own. ``map_payload`` is the compact part that
depends on the filters; on a filter change only it travels to the browser,
where ``assets/map.js`` applies it, so the geometry is sent once per level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard.classes import CONFIDENTIAL, FIRST_VALUE_CLASS, NO_DATA, Classes, Scheme, classify
from dashboard.data import LEVEL_LABELS, LevelGeometry
from layers import nace
from layers.indicators import INDICATORS
from layers.query import STATUS_CONFIDENTIAL

ATTRIBUTION = "Source: Eurostat (sbs_r_nuts06_r2) · © EuroGeographics for the administrative boundaries"
NO_DATA_COLOUR = "#f2f2f2"
CONFIDENTIAL_COLOUR = "#9e9e9e"
PALETTE = "YlGnBu"
"""ColorBrewer YlGnBu: sequential and colour-blind safe."""
EUROPE_LON = (-11.0, 34.0)
EUROPE_LAT = (34.5, 71.2)
"""The mainland frame: overseas regions stay off-screen instead of shrinking Europe."""


@dataclass(frozen=True)
class MapView:
    """What one map shows."""

    level: int = 2
    nace_r2: str = "C"
    indicator: str = "employment"
    year: int = 2014
    scheme: Scheme = "quantiles"
    k: int = 5


def format_value(value: float, indicator: str) -> str:
    """A value with its indicator's decimals and thousands separators."""
    if not np.isfinite(value):
        return ""
    return f"{value:,.{INDICATORS[indicator].decimals}f}"


def map_title(view: MapView) -> str:
    """Title line naming indicator, unit, sector, level and year."""
    ind = INDICATORS[view.indicator]
    return f"{ind.label} ({ind.unit}) · {nace.display_name(view.nace_r2)} · {LEVEL_LABELS[view.level]} · {view.year}"


def _colours(k: int) -> list[str]:
    samples = sample_colorscale(PALETTE, [0.12 + 0.88 * i / max(k - 1, 1) for i in range(k)], colortype="tuple") if k else []
    value_colours = ["#%02x%02x%02x" % tuple(round(c * 255) for c in rgb) for rgb in samples]
    return [NO_DATA_COLOUR, CONFIDENTIAL_COLOUR, *value_colours]


def _legend_labels(classes: Classes, indicator: str) -> list[str]:
    labels = ["no data", "confidential"]
    lower = classes.lower
    for i, upper in enumerate(classes.bins):
        lo = format_value(lower, indicator)
        labels.append(f"{lo} – {format_value(upper, indicator)}" if i == 0 else f"> {format_value(lower, indicator)} – {format_value(upper, indicator)}")
        lower = upper
    return labels


def _stepped_colourscale(colours: list[str]) -> list[list]:
    n = len(colours)
    scale = []
    for i, colour in enumerate(colours):
        scale.append([i / n, colour])
        scale.append([(i + 1) / n, colour])
    return scale


def map_payload(values: pd.DataFrame, view: MapView) -> dict:
    """The compact, value-dependent part of a map: what the browser gets on a filter change.

    Values are rounded to the indicator's decimals; notes (flags in words) map
    to the indexes they apply to; classes, ranks and hover texts are derived from them by
    :func:`apply_payload` here and by ``assets/map.js`` in the browser.
    """
    classes = classify(values["value"].to_numpy(), values["status"].to_numpy(), scheme=view.scheme, k=view.k)
    decimals = INDICATORS[view.indicator].decimals
    rounded = values["value"].round(decimals)
    as_json = [None if not np.isfinite(v) else (int(v) if decimals == 0 else float(v)) for v in rounded]
    notes: dict[str, list[int]] = {}
    for i, text in enumerate(values["flag_text"]):
        if text:
            notes.setdefault(text, []).append(i)
    return {
        "level": view.level,
        "values": as_json,
        "confidential": [int(i) for i in np.flatnonzero(values["status"].to_numpy() == STATUS_CONFIDENTIAL)],
        "notes": notes,
        "bins": [float(f"{b:.6g}") for b in classes.bins],
        "legend": _legend_labels(classes, view.indicator),
        "colours": _colours(classes.k),
        "title": map_title(view),
        "unit": INDICATORS[view.indicator].unit,
        "decimals": decimals,
    }


def apply_payload(figure: dict, payload: dict) -> dict:
    """Fill a map figure with a payload's values: the Python twin of ``applyPayload`` in ``assets/map.js``."""
    values = np.array([np.nan if v is None else v for v in payload["values"]], dtype=float)
    bins = np.asarray(payload["bins"], dtype=float)
    finite = np.isfinite(values)
    z = np.full(values.size, NO_DATA)
    z[payload["confidential"]] = CONFIDENTIAL
    z[finite] = FIRST_VALUE_CLASS + np.searchsorted(bins, values[finite], side="left")
    ranked = int(finite.sum())
    rank = 1 + (values[None, finite] > values[:, None]).sum(axis=1)
    decimals = payload["decimals"]
    shown = [f"{v:,.{decimals}f}" if np.isfinite(v) else ("confidential" if z[i] == CONFIDENTIAL else "no data") for i, v in enumerate(values)]
    note_of = {i: text for text, indexes in payload["notes"].items() for i in indexes}
    customdata = [[shown[i], f"rank {rank[i]} of {ranked}" if finite[i] else "", note_of.get(i, "")] for i in range(values.size)]
    trace = figure["data"][0]
    trace["z"] = z.tolist()
    trace["customdata"] = customdata
    trace["colorscale"] = _stepped_colourscale(payload["colours"])
    trace["zmax"] = len(payload["colours"]) - 0.5
    trace["colorbar"]["tickvals"] = list(range(len(payload["colours"])))
    trace["colorbar"]["ticktext"] = payload["legend"]
    trace["hovertemplate"] = HOVER_TEMPLATE.replace("UNIT", payload["unit"])
    figure["layout"]["title"]["text"] = payload["title"]
    return figure


HOVER_TEMPLATE = "<b>%{text}</b> (%{location})<br>%{customdata[0]} UNIT<br>%{customdata[1]}<br><i>%{customdata[2]}</i><extra></extra>"


def choropleth_figure(geometry: LevelGeometry, payload: dict, view: MapView) -> dict:
    """The whole map as a figure dict: shapes, names, frame, filled with ``payload``."""
    trace = go.Choropleth(
        geojson=geometry.geojson,
        locations=geometry.ids,
        text=geometry.names,
        z=[NO_DATA] * len(geometry.ids),
        zmin=-0.5,
        marker={"line": {"color": "#ffffff", "width": 0.4}},
        colorbar={"title": {"text": ""}, "thickness": 14, "len": 0.8, "outlinewidth": 0, "tickfont": {"size": 11}},
        showscale=True,
    )
    figure = go.Figure(trace)
    figure.update_geos(
        showframe=False,
        showcoastlines=False,
        showcountries=False,
        showlakes=False,
        showland=False,
        showocean=False,
        lonaxis_range=list(EUROPE_LON),
        lataxis_range=list(EUROPE_LAT),
        projection={"type": "conic equal area", "parallels": [43, 62], "rotation": {"lon": 10}},
        resolution=50,
        scope="europe",
        bgcolor="rgba(0,0,0,0)",
    )
    figure.update_layout(
        margin={"l": 0, "r": 0, "t": 40, "b": 28},
        title={"x": 0.01, "y": 0.98, "font": {"size": 15}},
        paper_bgcolor="#ffffff",
        dragmode="pan",
        annotations=[
            {
                "text": ATTRIBUTION,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 10, "color": "#444"},
            }
        ],
        uirevision=f"level-{view.level}",
    )
    fig = figure.to_dict()
    fig["layout"].pop("template", None)  # the default template adds ~10 KB we restyle anyway
    return apply_payload(fig, payload)
