"""Figure builders: plain functions from values to Plotly figures, no Dash.

The map is one ``go.Choropleth`` on a geo subplot (SVG, no tiles). Its z is a
class index (computed in ``layers.classes``) so that "no data" and "confidential"
regions keep a colour of their own. ``map_payload`` is the compact part that
depends on the filters (typed in ``dashboard.payload``); on a filter change only
it travels to the browser, where ``assets/map.js`` draws it, so the geometry is
sent once per level. No rank, class or count is computed here or in the browser.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard.data import LEVEL_LABELS, LevelGeometry
from dashboard.payload import (
    FoundPayload,
    MapPayload,
    PointsPayload,
    decode_classes,
    decode_notes,
    decode_ranks,
    decode_values,
    encode_classes,
    encode_notes,
    encode_ranks,
    encode_values,
)
from dashboard.view import AUTO_PALETTE, DIVERGING_PALETTES, PALETTES, STAR_DIMENSIONS, MapView  # noqa: F401  (MapView re-exported)
from layers.classes import NO_DATA, STAR_CATEGORIES, Classes, classes_of, format_number, legend_labels as _legend_labels
from layers.groups.sector import legend_note, sector_name, sector_of
from layers.indicators import INDICATORS, Indicator
from layers.period_change import has_period_change, period_indicator
from layers.points.measures import POINT_INDICATORS
from layers.spatial.categories import CATEGORY_LABELS, CATEGORY_ORDER, is_hotspot_frame

ATTRIBUTION = "Source: Eurostat (sbs_r_nuts06_r2) · © EuroGeographics for the administrative boundaries"
NO_DATA_COLOUR = "#f2f2f2"
CONFIDENTIAL_COLOUR = "#9e9e9e"
HOTSPOT_COLOURS = {"HH": "#b2182b", "LL": "#2166ac", "HL": "#f4a582", "LH": "#92c5de", "ns": "#ebe3c5"}
"""Fixed, whatever the palette (ColorBrewer RdBu's ends and middles): High-High dark red, Low-Low dark blue, High-Low light red,
Low-High light blue; not significant a pale sand, warm so that it never reads as the grey of "no data" or "confidential"."""
PALETTE = "YlGnBu"
"""ColorBrewer YlGnBu: sequential and colour-blind safe (``palette=auto`` on a view without a centre)."""
DIVERGING_PALETTE = "PuOr"
"""ColorBrewer PuOr: diverging and colour-blind safe (``palette=auto`` on a view with a centre: the LQ, changes)."""
SEQUENTIAL_START = 0.2
"""A sequential palette's lightest class is sampled this far along it: the very light ends (and Purples' greyish one) read as "no data"."""
DIVERGING_NEAR, DIVERGING_FAR = 0.2, 0.5
"""A diverging palette's classes nearest the centre are sampled this far from its middle (its light grey, which reads
as "no data"), the farthest at its ends; ``tests/test_palettes.py`` holds every class colour away from both greys."""
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


def is_period_change(view: MapView) -> bool:
    """Whether the map shows the change of its indicator from ``since`` to ``year`` (``layers.period_change``)."""
    return view.since is not None and view.column == view.indicator and has_period_change(view.indicator)


def shown_indicator(view: MapView) -> Indicator:
    """What the map's numbers are: the indicator, or its change from ``since`` (label, unit %, pp or LQ difference, decimals)."""
    if is_period_change(view):
        assert view.since is not None
        return period_indicator(view.indicator, view.since, view.year)
    return indicator_of(view.indicator)


def view_unit(view: MapView) -> str:
    """The unit of what the map shows: the indicator's, "of 3 stars" for the star count, or "(1 = star)" for one dimension.

    A period change says what it is after its number: "%, change 2009–2014".
    """
    if view.column == "stars":
        return STAR_COUNT_UNIT
    if is_period_change(view):
        return f"{shown_indicator(view).unit}, change {view.since}–{view.year}"
    return indicator_of(view.indicator).unit if view.column == view.indicator else "(1 = star)"


def format_value(value: float, indicator: str) -> str:
    """A value with its indicator's decimals and thousands separators ("" for none)."""
    return format_number(value, indicator_of(indicator).decimals)


def map_title(view: MapView) -> str:
    """Title line naming indicator, unit, sector, level and year (a period change: both years, in its label)."""
    ind = shown_indicator(view)
    what = f"{ind.label} ({ind.unit})" if view.column == view.indicator else f"{STAR_DIMENSIONS[view.star]} star"
    if view.analysis == "hotspots":
        what = f"Hot spots of {what[0].lower()}{what[1:]}"
    when = "" if is_period_change(view) else f" · {view_when(view)}"
    return f"{what} · {sector_name(view.nace_r2)} · {level_label(view.level)}{when}"


def view_when(view: MapView) -> str:
    """The data year (a period change: both, "2009–2014"), or for the organisation indicators their regions' version and "records of all years"."""
    if is_period_change(view):
        return f"{view.since}–{view.year}"
    return "NUTS 2024, records of all years" if is_point_view(view) else str(view.year)


def view_attribution(view: MapView, organisations) -> str:
    """A view's source line: Eurostat's, or for an organisation indicator the records file (synthetic said so) and the boundaries."""
    if not is_point_view(view) or organisations is None:
        return ATTRIBUTION
    kind = "synthetic records, not real organisations" if organisations.synthetic else "organisation records"
    return f"Organisations: {organisations.source} ({kind}) · © EuroGeographics for the administrative boundaries"


def _hex(palette: str, positions: list[float]) -> list[str]:
    samples = sample_colorscale(palette, [min(1.0, max(0.0, p)) for p in positions], colortype="tuple") if positions else []
    return ["#" + "".join(f"{round(c * 255):02x}" for c in rgb) for rgb in samples]


def _steps(n: int, start: float, end: float) -> list[float]:
    """``n`` positions from ``start`` to ``end`` (``start`` alone for one)."""
    return [start + (end - start) * i / max(n - 1, 1) for i in range(n)]


def sequential_colours(k: int, palette: str = PALETTE) -> list[str]:
    """``k`` class colours, light to dark, along a sequential palette (a diverging one: its upper half)."""
    if palette in DIVERGING_PALETTES:
        return _hex(palette, _steps(k, 0.5 + DIVERGING_NEAR, 0.5 + DIVERGING_FAR))
    return _hex(palette, _steps(k, SEQUENTIAL_START, 1.0))


def diverging_colours(below: int, above: int, palette: str = DIVERGING_PALETTE) -> list[str]:
    """Colours of ``below`` classes under the centre and ``above`` over it: the palette's low hue below, its high hue above.

    Both sides step away from the centre alike (``max(below, above)`` steps from light to dark), so the
    class next to the centre is the lightest on either side and a side with fewer classes stops short of the darkest.
    """
    steps = max(below, above)
    distance = _steps(steps, DIVERGING_NEAR, DIVERGING_FAR)
    low = _hex(palette, [0.5 - d for d in distance[:below]])[::-1]  # far (dark) to near (light), in value order
    high = _hex(palette, [0.5 + d for d in distance[:above]])
    return [*low, *high]


def class_colours(classes: Classes, palette: str = AUTO_PALETTE) -> list[str]:
    """The colour of every class of a view: the two status greys, then one per value class.

    A view with a centre (``classes.centre``: LQ, changes) takes a diverging palette by default (``auto``),
    one hue each side of it; a sequential palette, chosen, colours its classes in order.
    """
    centred = classes.centre is not None
    if palette == AUTO_PALETTE:
        palette = DIVERGING_PALETTE if centred else PALETTE
    if centred and palette in DIVERGING_PALETTES:
        values = diverging_colours(classes.below_centre, classes.k - classes.below_centre, palette)
    else:
        values = sequential_colours(classes.k, palette)
    return [NO_DATA_COLOUR, CONFIDENTIAL_COLOUR, *values]


def hotspot_colours() -> list[str]:
    """The colours of a hot-spot view's classes (``layers.spatial.categories``): the two status greys, then one per category."""
    return [NO_DATA_COLOUR, CONFIDENTIAL_COLOUR, *(HOTSPOT_COLOURS[c] for c in CATEGORY_ORDER)]


def hotspot_notes(values: pd.DataFrame) -> list[str]:
    """Each region's tooltip note of a hot-spot view: its category and pseudo p-value in words, then its flags' note.

    Words for the sent numbers only (``hotspot``, ``p_value`` of the values frame); "" where there is no value.
    """
    notes = []
    for category, p, words in zip(values["hotspot"], values["p_value"].to_numpy(dtype=float), values["flag_text"]):
        parts = [CATEGORY_LABELS[category], f"p = {p:.3f}" if np.isfinite(p) else "no statistic"] if isinstance(category, str) else []
        notes.append("; ".join([*parts, words] if words else parts))
    return notes


def legend_labels(classes: Classes, indicator: str) -> list[str]:
    """The legend's entries for ``classes`` at the indicator's decimals (``layers.classes.legend_labels``)."""
    return _legend_labels(classes, indicator_of(indicator).decimals)


def _stepped_colourscale(colours: list[str]) -> list[list]:
    n = len(colours)
    scale = []
    for i, colour in enumerate(colours):
        scale.append([i / n, colour])
        scale.append([(i + 1) / n, colour])
    return scale


ALL_YEARS_NOTE = "Classes from all years' values: one colour, one range in every year"
"""The legend note of ``classes=all-years`` (``layers.classes.classes_from_pool``)."""


def map_payload(values: pd.DataFrame, view: MapView) -> MapPayload:
    """The compact, value-dependent part of a map: what the browser gets on a filter change.

    ``values`` is ``DashboardData.values(view, shape ids)``: every number in it
    (value, rank, rank within the zoomed country, class) was computed in
    ``layers``; this only packs them (``dashboard.payload``). :func:`apply_payload`
    here and ``applyPayload`` in ``assets/map.js`` draw them without computing any.
    """
    found = classes_of(values)
    decimals = shown_indicator(view).decimals
    hot = is_hotspot_frame(values)
    payload: MapPayload = {  # no level: the browser checks the values against the shapes it has drawn (one per location)
        "values": encode_values(values["value"].to_numpy(dtype=float), decimals),
        "decimals": decimals,
        "classes": encode_classes(values["class"].to_numpy()),
        "ranks": encode_ranks(values["rank"].to_numpy(dtype=float)),
        "ranked": int(values["ranked"].iloc[0]) if len(values) else 0,
        "notes": encode_notes(hotspot_notes(values) if hot else values["flag_text"].tolist()),
        "legend": list(found.labels),
        "colours": hotspot_colours() if hot else class_colours(found.classes, view.palette),
        "title": map_title(view),
        "unit": view_unit(view),
    }
    sector = sector_of(view.nace_r2)
    lines: list[str] = []
    if sector.is_group and not is_point_view(view):
        partial = int(values["partial"].sum()) if "partial" in values else 0
        lines.extend(legend_note(sector, partial).split("\n"))
    if view.classes == "all-years" and not hot and not is_point_view(view) and view.column not in STAR_CATEGORIES and not is_period_change(view):
        lines.append(ALL_YEARS_NOTE)
    if lines:
        payload["note"] = "<br>".join(html.escape(line) for line in lines)
    if view.zoom:  # zoomed: tooltips rank within the country too
        payload["country"] = {
            "code": view.zoom[:2],
            "ranks": encode_ranks(values["country_rank"].to_numpy(dtype=float)),
            "ranked": int(values["country_ranked"].iloc[0]) if len(values) else 0,
        }
    return payload


def rank_texts(payload: MapPayload, count: int) -> list[str]:
    """The tooltip's rank line of each of ``count`` regions, from the sent ranks only (twin: ``rankTexts`` in ``assets/map.js``)."""
    ranks, ranked = decode_ranks(payload["ranks"], count), payload["ranked"]
    country = payload.get("country")
    local = decode_ranks(country["ranks"], count) if country else np.zeros(count, dtype=np.int64)
    texts = []
    for rank, mine in zip(ranks, local):
        if not rank:
            texts.append("")
        elif country and mine:  # zoomed to a country: ranked within it, as the sector ranking does, then across Europe
            texts.append(f"rank {mine} of {country['ranked']} in {country['code']}, {rank} of {ranked} in Europe")
        else:
            texts.append(f"rank {rank} of {ranked}")
    return texts


def apply_payload(figure: dict, payload: MapPayload) -> dict:
    """Fill a map figure with a payload: the Python twin of ``applyPayload`` in ``assets/map.js``, for server-drawn maps (first view, PNG, embed)."""
    values = decode_values(payload["values"], payload["decimals"])
    z = decode_classes(payload["classes"], values.size)
    decimals, legend = payload["decimals"], payload["legend"]
    shown = [f"{v:,.{decimals}f}" if np.isfinite(v) else legend[z[i]] for i, v in enumerate(values)]
    note_of = decode_notes(payload["notes"], values.size)
    customdata = [[text, rank, note] for text, rank, note in zip(shown, rank_texts(payload, values.size), note_of)]
    trace = figure["data"][0]
    figure["data"] = (
        [trace] + ([points_trace(payload["points"])] if payload.get("points") else []) + ([found_trace(payload["found"])] if payload.get("found") else [])
    )
    trace["z"] = z.tolist()
    trace["customdata"] = customdata
    trace["colorscale"] = _stepped_colourscale(payload["colours"])
    trace["zmax"] = len(payload["colours"]) - 0.5
    trace["colorbar"]["tickvals"] = list(range(len(payload["colours"])))
    trace["colorbar"]["ticktext"] = legend
    trace["hovertemplate"] = HOVER_TEMPLATE.replace("UNIT", payload["unit"])
    figure["layout"]["title"]["text"] = payload["title"]
    annotations = figure["layout"].get("annotations") or []
    if len(annotations) > NOTE_ANNOTATION:
        note = annotations[NOTE_ANNOTATION]
        note["text"], note["visible"] = payload.get("note", ""), bool(payload.get("note"))
    return figure


def source_annotation(text: str) -> dict:
    """The source line under a figure (attribution), escaped: Plotly reads annotation text as HTML."""
    return {
        "text": html.escape(text),
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 0,
        "yanchor": "top",
        "showarrow": False,
        "font": {"size": 10, "color": "#444"},
    }


def note_annotation(html_text: str) -> dict:
    """The note beside the legend (a group's members and partial sums; a network's marks), already escaped HTML; hidden when empty."""
    return {
        "text": html_text,
        "visible": bool(html_text),
        "xref": "paper",
        "yref": "paper",
        "x": 1,
        "y": 0.02,
        "xanchor": "right",
        "yanchor": "bottom",
        "align": "right",
        "showarrow": False,
        "bgcolor": "rgba(255,255,255,0.85)",
        "font": {"size": 10, "color": "#222"},
    }


NOTE_ANNOTATION = 1
"""Index of the legend note among the map's annotations (0 is the source line); ``assets/map.js`` uses the same."""

POINT_COLOUR = "#d94801"
"""Dark orange: stands out against every sequential palette, with a white rim for the darker classes."""


def points_trace(points: PointsPayload) -> dict:
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


FOUND_COLOUR = "#000000"
"""The organisation found by name: a black star with a white rim, above the layer, on every palette."""
FOUND_PX = 18


def found_trace(found: FoundPayload) -> dict:
    """The found organisation's own ``scattergeo`` trace (a star, on top): the twin of ``foundTrace`` in ``assets/map.js``."""
    return {
        "type": "scattergeo",
        "name": f"Found: {found['name']}",
        "lon": [found["lon"]],
        "lat": [found["lat"]],
        "mode": "markers",
        "marker": {"size": FOUND_PX, "symbol": "star", "color": FOUND_COLOUR, "line": {"color": "#ffffff", "width": 2}},
        "hovertext": [found["text"]],
        "hoverinfo": "text",
        "customdata": [found["id"]],
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


COLOUR_BAR_MARGIN = 150
"""The map's right margin (px), which the colour bar and its labels sit in. Fixed rather than fitted to the labels
(Plotly's automargin): a legend of other widths (another sector's classes) would move the margin, and Plotly
then draws the whole map again, and the map would shift sideways. Wider labels (level 0's totals) still widen it."""


def choropleth_figure(
    geometry: LevelGeometry,
    payload: MapPayload,
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
        margin={"l": 0, "r": COLOUR_BAR_MARGIN, "t": 40, "b": 28},
        title={"x": 0.01, "y": 0.98, "font": {"size": 15}},
        paper_bgcolor="#ffffff",
        dragmode="pan",
        annotations=[source_annotation(attribution), note_annotation("")],  # NOTE_ANNOTATION: the payload's ``note``
        uirevision=f"level-{view.level}-{view.zoom}",
        legend={"x": 0.01, "y": 0.02, "xanchor": "left", "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 11}},
    )
    fig = figure.to_dict()
    fig["layout"].pop("template", None)  # the default template adds ~10 KB we restyle anyway
    return apply_payload(fig, payload)
