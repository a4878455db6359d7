"""Figure builders: plain functions from values to Plotly figures, no Dash.

The map is one ``go.Choropleth`` on a geo subplot (SVG, no tiles). Its z is a
class index (see ``dashboard.classes``) so that "no data" and "confidential"
regions keep a colour of their own. ``value_update`` returns only the parts
that depend on the values; the app sends those as a ``dash.Patch`` so the
geometry travels once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard.classes import CONFIDENTIAL, NO_DATA, Classes, Scheme, classify
from dashboard.data import LEVEL_LABELS, LevelGeometry
from layers import nace
from layers.indicators import INDICATORS
from layers.query import STATUS_VALUE

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
    value_colours = sample_colorscale(PALETTE, [0.12 + 0.88 * i / max(k - 1, 1) for i in range(k)]) if k else []
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


def value_update(values: pd.DataFrame, view: MapView) -> dict:
    """The value-dependent properties of the map: trace 0 and the title.

    Keys are dotted property paths (``data.0.z``), so the same dict fills a
    full figure or a ``dash.Patch``.
    """
    classes = classify(values["value"].to_numpy(), values["status"].to_numpy(), scheme=view.scheme, k=view.k)
    colours = _colours(classes.k)
    unit = INDICATORS[view.indicator].unit
    shown = np.where(values["status"] == STATUS_VALUE, [format_value(v, view.indicator) for v in values["value"]], values["status"])
    rank = np.where(values["status"] == STATUS_VALUE, "rank " + values["rank"].fillna(0).astype(int).astype(str) + f" of {int(values['ranked'].iat[0]) if len(values) else 0}", "")
    customdata = np.column_stack([shown, rank, values["flag_text"].to_numpy()]).tolist()
    n = len(colours)
    return {
        "data.0.z": classes.class_index.tolist(),
        "data.0.customdata": customdata,
        "data.0.colorscale": _stepped_colourscale(colours),
        "data.0.zmax": n - 0.5,
        "data.0.colorbar.tickvals": list(range(n)),
        "data.0.colorbar.ticktext": _legend_labels(classes, view.indicator),
        "data.0.hovertemplate": "<b>%{text}</b> (%{location})<br>%{customdata[0]} " + unit + "<br>%{customdata[1]}<br><i>%{customdata[2]}</i><extra></extra>",
        "layout.title.text": map_title(view),
    }


def _set_path(figure: dict, path: str, value: object) -> None:
    node = figure
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node[parts[-1]] = value


def choropleth_figure(geometry: LevelGeometry, values: pd.DataFrame, view: MapView) -> dict:
    """The whole map as a figure dict: shapes, names, frame and the first values."""
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
    for path, value in value_update(values, view).items():
        _set_path(fig, path, value)
    return fig
