"""Figure builders: plain functions from values to Plotly figures, no Dash.

The map is one ``go.Choropleth`` on a geo subplot (SVG, no tiles). Its z is a
class index (see ``dashboard.classes``) so that "no data" and "confidential"
regions keep a colour of their own. ``map_payload`` is the compact part that
depends on the filters; on a filter change only it travels to the browser,
where ``assets/map.js`` applies it, so the geometry is sent once per level.
"""

from __future__ import annotations

import base64
import math
import html
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard.classes import CONFIDENTIAL, FIRST_VALUE_CLASS, NO_DATA, Classes, classify
from dashboard.data import LEVEL_LABELS, LevelGeometry
from dashboard.view import PALETTES, STAR_DIMENSIONS, MapView  # noqa: F401  (MapView re-exported: it lives in dashboard.view)
from layers import nace
from layers.indicators import INDICATORS, Indicator
from layers.points.measures import POINT_INDICATORS
from layers.query import STATUS_CONFIDENTIAL

ATTRIBUTION = "Source: Eurostat (sbs_r_nuts06_r2) · © EuroGeographics for the administrative boundaries"
NO_DATA_COLOUR = "#f2f2f2"
CONFIDENTIAL_COLOUR = "#9e9e9e"
PALETTE = "YlGnBu"
"""ColorBrewer YlGnBu: sequential and colour-blind safe (the default)."""
EUROPE_LON = (-11.0, 34.0)
EUROPE_LAT = (34.5, 71.2)
"""The mainland frame: overseas regions stay off-screen instead of shrinking Europe."""


STAR_COUNT_UNIT = "of 3 stars"
"""Reads "2 of 3 stars" (never "1 stars")."""


def indicator_of(name: str) -> Indicator:
    """A statistics indicator or an organisation indicator (``layers.points.measures``), by name."""
    return INDICATORS[name] if name in INDICATORS else POINT_INDICATORS[name]


def is_point_view(view: MapView) -> bool:
    """Whether the map shows an organisation indicator: NUTS 2024 shapes, no year."""
    return view.indicator in POINT_INDICATORS


def level_label(level: int) -> str:
    """The map level in words (NUTS 3 exists for the organisation indicators only)."""
    return LEVEL_LABELS.get(level, f"NUTS {level} regions")


def view_unit(view: MapView) -> str:
    """The unit of what the map shows: the indicator's, "of 3 stars" for the star count, or "(1 = star)" for one dimension."""
    if view.column == "stars":
        return STAR_COUNT_UNIT
    return indicator_of(view.indicator).unit if view.column == view.indicator else "(1 = star)"


def format_value(value: float, indicator: str) -> str:
    """A value with its indicator's decimals and thousands separators."""
    if not np.isfinite(value):
        return ""
    return f"{value:,.{indicator_of(indicator).decimals}f}"


def map_title(view: MapView) -> str:
    """Title line naming indicator, unit, sector, level and year."""
    ind = indicator_of(view.indicator)
    what = f"{ind.label} ({ind.unit})" if view.column == view.indicator else f"{STAR_DIMENSIONS[view.star]} star"
    return f"{what} · {nace.display_name(view.nace_r2)} · {level_label(view.level)} · {view_when(view)}"


def view_when(view: MapView) -> str:
    """The data year, or for the organisation indicators their regions' version and "records of all years"."""
    return "NUTS 2024, records of all years" if is_point_view(view) else str(view.year)


def view_attribution(view: MapView, organisations) -> str:
    """A view's source line: Eurostat's, or for an organisation indicator the records file (synthetic said so) and the boundaries."""
    if not is_point_view(view) or organisations is None:
        return ATTRIBUTION
    kind = "synthetic records, not real organisations" if organisations.synthetic else "organisation records"
    return f"Organisations: {organisations.source} ({kind}) · © EuroGeographics for the administrative boundaries"


def _colours(k: int, palette: str = PALETTE) -> list[str]:
    samples = sample_colorscale(palette, [0.12 + 0.88 * i / max(k - 1, 1) for i in range(k)], colortype="tuple") if k else []
    value_colours = ["#%02x%02x%02x" % tuple(round(c * 255) for c in rgb) for rgb in samples]
    return [NO_DATA_COLOUR, CONFIDENTIAL_COLOUR, *value_colours]


def legend_labels(classes: Classes, indicator: str) -> list[str]:
    """The legend's entries: the two status classes, then each value class's range.

    A first class that holds a single value (many regions with no organisations: 0) reads
    as that value, not as "0 – 0".
    """
    labels = ["no data", "confidential"]
    lower = classes.lower
    for i, upper in enumerate(classes.bins):
        lo, hi = format_value(lower, indicator), format_value(upper, indicator)
        if i == 0:
            labels.append(lo if lo == hi else f"{lo} – {hi}")
        else:
            labels.append(f"> {lo} – {hi}")
        lower = upper
    return labels


def _stepped_colourscale(colours: list[str]) -> list[list]:
    n = len(colours)
    scale = []
    for i, colour in enumerate(colours):
        scale.append([i / n, colour])
        scale.append([(i + 1) / n, colour])
    return scale


NO_VALUE = np.iinfo(np.int32).min
"""The int32 that stands for "no value" in :func:`encode_values`."""


def encode_values(values: np.ndarray, decimals: int) -> str | list[float | int | None]:
    """Values at the indicator's decimals, in whichever of two forms is shorter.

    Either a JSON list (``null`` for no value), or base64 of little-endian int32
    ``round(value x 10**decimals)`` with ``NO_VALUE`` for none: a third smaller
    for large counts, while small numbers (stars, LQs) are shorter as a list.
    Both are exact at the decimals the tooltip shows.
    """
    scaled = np.round(values * 10.0**decimals)
    finite = np.isfinite(scaled)
    as_list = [None if not f else (int(v) if decimals == 0 else float(v / 10.0**decimals)) for v, f in zip(scaled, finite)]
    if np.any(np.abs(scaled[finite]) >= np.iinfo(np.int32).max):
        return as_list
    packed = np.where(finite, scaled, NO_VALUE).astype("<i4")
    encoded = base64.b64encode(packed.tobytes()).decode("ascii")
    return encoded if len(encoded) < len(json.dumps(as_list, separators=(",", ":"))) else as_list


def decode_values(encoded: str | list, decimals: int) -> np.ndarray:
    """The inverse of :func:`encode_values` (NaN where there is no value)."""
    if isinstance(encoded, list):
        return np.array([np.nan if v is None else v for v in encoded], dtype=float)
    packed = np.frombuffer(base64.b64decode(encoded), dtype="<i4")
    return np.where(packed == NO_VALUE, np.nan, packed / 10.0**decimals)


NOTE_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Characters that code a region's note in ``encode_notes`` (1 or 2 per region)."""


NOTE_SEPARATOR = "; "


def encode_notes(texts: list[str]) -> dict:
    """Per-region note texts, sent compactly: parts, their combinations, a code per region.

    A note is a "; "-joined list of parts (flag words, "upper bound: …",
    "at least: …"). Each distinct part travels once in ``parts``; each distinct
    note once in ``combos`` as part indexes; ``codes`` holds ``width``
    characters of ``NOTE_ALPHABET`` per region, the index into ``combos``
    (0 is the empty note). Far smaller than repeating texts when most regions
    carry one of a few notes.
    """
    notes = [""] + sorted({t for t in texts if t}, key=lambda t: (-texts.count(t), t))
    parts: list[str] = []
    for note in notes[1:]:
        parts.extend(p for p in note.split(NOTE_SEPARATOR) if p not in parts)
    combos = [[parts.index(p) for p in note.split(NOTE_SEPARATOR)] if note else [] for note in notes]
    base = len(NOTE_ALPHABET)
    width = 1 if len(notes) <= base else 2
    position = {t: i for i, t in enumerate(notes)}

    def code(i: int) -> str:
        return NOTE_ALPHABET[i] if width == 1 else NOTE_ALPHABET[i // base] + NOTE_ALPHABET[i % base]

    return {"parts": parts, "combos": combos, "width": width, "codes": "".join(code(position[t]) for t in texts)}


def decode_notes(notes: dict) -> list[str]:
    """The inverse of :func:`encode_notes`: one note text per region."""
    width, codes, base = notes["width"], notes["codes"], len(NOTE_ALPHABET)
    indexes = [
        NOTE_ALPHABET.index(codes[i]) if width == 1 else NOTE_ALPHABET.index(codes[i]) * base + NOTE_ALPHABET.index(codes[i + 1])
        for i in range(0, len(codes), width)
    ]
    return [NOTE_SEPARATOR.join(notes["parts"][j] for j in notes["combos"][i]) for i in indexes]


STAR_CATEGORIES = {"stars": (0.0, 1.0, 2.0, 3.0), **{f"star_{d}": (0.0, 1.0) for d in ("size", "specialisation", "productivity")}}
"""The star views are categorical: one class per star count (or star / no star)."""
STAR_LABELS = {"stars": ["0 stars", "1 star", "2 stars", "3 stars"], **{f"star_{d}": ["no star", "star"] for d in ("size", "specialisation", "productivity")}}


def map_payload(values: pd.DataFrame, view: MapView) -> dict:
    """The compact, value-dependent part of a map: what the browser gets on a filter change.

    Values are rounded to the indicator's decimals; notes (flags in words) map
    to the indexes they apply to; classes, ranks and hover texts are derived from them by
    :func:`apply_payload` here and by ``assets/map.js`` in the browser.
    """
    categories = STAR_CATEGORIES.get(view.column, ())
    classes = classify(values["value"].to_numpy(), values["status"].to_numpy(), scheme=view.scheme, k=view.k, breaks=view.breaks, categories=categories)
    decimals = indicator_of(view.indicator).decimals
    return {  # no level: the browser checks the values against the shapes it has drawn (one per location)
        "values": encode_values(values["value"].to_numpy(dtype=float), decimals),
        "confidential": [int(i) for i in np.flatnonzero(values["status"].to_numpy() == STATUS_CONFIDENTIAL)],
        "notes": encode_notes(values["flag_text"].tolist()),
        "bins": [float(f"{b:.6g}") for b in classes.bins],
        "legend": ["no data", "confidential", *STAR_LABELS[view.column]] if categories else legend_labels(classes, view.indicator),
        "colours": _colours(classes.k, view.palette),
        "title": map_title(view),
        "unit": view_unit(view),
        "decimals": decimals,
        **({"country": view.zoom[:2]} if view.zoom else {}),  # zoomed: tooltips rank within the country too
    }


def apply_payload(figure: dict, payload: dict) -> dict:
    """Fill a map figure with a payload's values: the Python twin of ``applyPayload`` in ``assets/map.js``."""
    values = decode_values(payload["values"], payload["decimals"])
    bins = np.asarray(payload["bins"], dtype=float)
    finite = np.isfinite(values)
    z = np.full(values.size, NO_DATA)
    z[payload["confidential"]] = CONFIDENTIAL
    z[finite] = FIRST_VALUE_CLASS + np.searchsorted(bins, values[finite], side="left")
    ranked = int(finite.sum())
    rank = 1 + (values[None, finite] > values[:, None]).sum(axis=1)
    trace = figure["data"][0]
    country = payload.get("country")
    if country:  # zoomed to a country: ranked within it, as the sector ranking does, then across Europe
        ours = np.array([str(code).startswith(country) for code in trace["locations"]]) & finite
        local = 1 + (values[None, ours] > values[:, None]).sum(axis=1)
        ranks = [f"rank {local[i]} of {int(ours.sum())} in {country}, {rank[i]} of {ranked} in Europe" if ours[i] else f"rank {rank[i]} of {ranked}" for i in range(values.size)]
    else:
        ranks = [f"rank {rank[i]} of {ranked}" for i in range(values.size)]
    decimals = payload["decimals"]
    shown = [f"{v:,.{decimals}f}" if np.isfinite(v) else ("confidential" if z[i] == CONFIDENTIAL else "no data") for i, v in enumerate(values)]
    note_of = decode_notes(payload["notes"])
    customdata = [[shown[i], ranks[i] if finite[i] else "", note_of[i]] for i in range(values.size)]
    figure["data"] = [trace] + ([points_trace(payload["points"])] if payload.get("points") else [])
    trace["z"] = z.tolist()
    trace["customdata"] = customdata
    trace["colorscale"] = _stepped_colourscale(payload["colours"])
    trace["zmax"] = len(payload["colours"]) - 0.5
    trace["colorbar"]["tickvals"] = list(range(len(payload["colours"])))
    trace["colorbar"]["ticktext"] = payload["legend"]
    trace["hovertemplate"] = HOVER_TEMPLATE.replace("UNIT", payload["unit"])
    figure["layout"]["title"]["text"] = payload["title"]
    return figure


POINT_COLOUR = "#d94801"
"""Dark orange: stands out against every sequential palette, with a white rim for the darker classes."""


def points_trace(points: dict) -> dict:
    """The organisations layer's ``scattergeo`` trace from ``points_layer.points_payload``: the twin of ``pointsTrace`` in ``assets/map.js``."""
    return {
        "type": "scattergeo",
        "name": points["name"],
        "lon": points["lon"],
        "lat": points["lat"],
        "mode": "markers",
        "marker": {"size": points["size"], "color": POINT_COLOUR, "opacity": 0.8, "line": {"color": "#ffffff", "width": 1}},
        "hovertext": points["text"],
        "hoverinfo": "text",
        "customdata": points["ids"],
        "showlegend": True,
    }


HOVER_TEMPLATE = "<b>%{text}</b> (%{location})<br>%{customdata[0]} UNIT<br>%{customdata[1]}<br><i>%{customdata[2]}</i><extra></extra>"


ZOOM_ASPECT = 1.3
"""Width : height of a zoomed frame, about the map panel's shape beside the legend."""


def zoom_frame(bounds: tuple[float, float, float, float] | None) -> tuple[list[float], list[float]]:
    """(lon range, lat range) around a region's bounds with a margin, or the mainland-Europe frame."""
    if bounds is None:
        return list(EUROPE_LON), list(EUROPE_LAT)
    lon0, lat0, lon1, lat1 = bounds
    pad_lon, pad_lat = max(0.5, 0.15 * (lon1 - lon0)), max(0.4, 0.15 * (lat1 - lat0))
    lon0, lon1, lat0, lat1 = lon0 - pad_lon, lon1 + pad_lon, lat0 - pad_lat, lat1 + pad_lat
    # widen the shorter side to the map panel's shape, so a tall country fills the panel with its neighbours around it
    shrink = math.cos(math.radians((lat0 + lat1) / 2))  # a degree of longitude is this much shorter than one of latitude
    width, height = (lon1 - lon0) * shrink, lat1 - lat0
    if width < ZOOM_ASPECT * height:
        extra = (ZOOM_ASPECT * height / shrink - (lon1 - lon0)) / 2
        lon0, lon1 = lon0 - extra, lon1 + extra
    else:
        extra = (width / ZOOM_ASPECT - height) / 2
        lat0, lat1 = lat0 - extra, lat1 + extra
    return [round(lon0, 3), round(lon1, 3)], [round(lat0, 3), round(lat1, 3)]


def choropleth_figure(
    geometry: LevelGeometry,
    payload: dict,
    view: MapView,
    *,
    geometry_url: bool = False,
    bounds: tuple[float, float, float, float] | None = None,
    attribution: str = ATTRIBUTION,
) -> dict:
    """The whole map as a figure dict: shapes (or their URL), names, frame (``bounds`` of the zoom), values, source line."""
    lon_range, lat_range = zoom_frame(bounds)
    trace = go.Choropleth(
        geojson=geometry.url if geometry_url else geometry.geojson,
        locations=geometry.ids,
        text=[html.escape(name) for name in geometry.names],  # Plotly renders tooltip text as HTML; a name is data
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
        lonaxis_range=lon_range,
        lataxis_range=lat_range,
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
                "text": html.escape(attribution),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 10, "color": "#444"},
            }
        ],
        uirevision=f"level-{view.level}-{view.zoom}",
        legend={"x": 0.01, "y": 0.02, "xanchor": "left", "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 11}},
    )
    fig = figure.to_dict()
    fig["layout"].pop("template", None)  # the default template adds ~10 KB we restyle anyway
    return apply_payload(fig, payload)
