"""The organisations layer: points over the choropleth, clustered when there are many, and their search.

The layer travels in the map's values payload (``payload["points"]``), so a sector
change or the on/off toggle sends only points and values, never geometry.
``points_payload`` is the pure part; ``figures.points_trace`` and
``assets/map.js`` turn it into the same ``scattergeo`` trace.

When the frame (all of Europe, or the zoomed region) holds more than
``INDIVIDUAL_LIMIT`` organisations of the sector, they are drawn as clusters:
one circle per grid cell, its area proportional to the number inside.
Zoomed in, each organisation is a point with its own tooltip.
"""

from __future__ import annotations

import html as html_text

import numpy as np
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard.callback_guard import guarded, text
from dashboard.data import DashboardData
from dashboard.figures import zoom_frame
from dashboard.layout import FOCUS_ID, LEVEL_ID, ZOOM_ID, _labelled, control_id
from dashboard.payload import FoundPayload, PointsPayload
from dashboard.view import MapView
from layers import nace
from layers.groups.sector import sector_of
from layers.nuts_versions import VersionMatch
from layers.points.catalogue import Organisations
from layers.points.records import NACE_SEPARATOR

POINTS_ID = control_id("points")
"""RadioItems: "on" shows the organisations layer (URL ``points=on``)."""
ORG_SEARCH_ID = "organisation-search"
FOUND_ID = "found-organisation"
"""Store: the id of the organisation found by name; the map draws it highlighted (``found_payload``) until the search is cleared."""
FOUND_NOTE_ID = "found-organisation-note"
"""Where the found organisation's region is said, with its match in the statistics' NUTS version."""
INDIVIDUAL_LIMIT = 400
"""At most this many organisations in the frame are drawn one by one; more are clustered."""
GRID_CELLS = 30
"""Cluster cells across the longer side of the frame."""
MAX_CLUSTER_PX = 22
"""At most the width of a grid cell on a panel-wide map, so circles rarely overlap."""
MIN_CLUSTER_PX = 7
POINT_PX = 8
SEARCH_LIMIT = 20
TOP_SECTORS = 3
DECIMALS = 4


def _escape(text: object) -> str:
    # Plotly renders hover text as HTML; names and labels are data.
    return html_text.escape(str(text))


def _sector_names(codes: str, limit: int = 4) -> str:
    parts = [c for c in str(codes or "").split(NACE_SEPARATOR) if c]
    shown = [nace.display_name(c) if nace.is_known(c) else c for c in parts[:limit]]
    more = f" and {len(parts) - limit} more" if len(parts) > limit else ""
    return "; ".join(shown) + more


def organisation_hover(row: pd.Series, orgs: Organisations) -> str:
    """Tooltip of one organisation: name, sectors, region; "synthetic record" when it is one."""
    region = orgs.region_name(row.get("nuts3")) or orgs.region_name(row.get("nuts2"))
    lines = [f"<b>{_escape(row['name'])}</b>", f"Sectors: {_escape(_sector_names(row['nace']))}", f"Region: {_escape(region or 'unknown')}"]
    sizes = [f"{label}: {int(row[col]):,}" for col, label in (("members", "members"), ("employees", "employees")) if pd.notna(row.get(col))]
    if sizes:
        lines.append(", ".join(sizes))
    if bool(row.get("synthetic")):
        lines.append("<i>synthetic record, not a real organisation</i>")
    return "<br>".join(lines)


def _cluster_hover(count: int, codes: pd.Series, kind: str) -> str:
    top = ", ".join(f"{_escape(code)} ({n})" for code, n in codes.value_counts().head(TOP_SECTORS).items())
    return f"<b>{count:,} {kind}</b><br>Most frequent codes: {top}<br><i>zoom in to see each one</i>"


def _frame_mask(frame: pd.DataFrame, lon_range: list[float], lat_range: list[float]) -> np.ndarray:
    lon, lat = frame["longitude"].to_numpy(), frame["latitude"].to_numpy()
    return (lon >= lon_range[0]) & (lon <= lon_range[1]) & (lat >= lat_range[0]) & (lat <= lat_range[1])


def points_payload(orgs: Organisations, view: MapView, bounds: tuple[float, float, float, float] | None) -> PointsPayload:
    """The organisations of the view's sector inside its frame, one by one or clustered, as plain lists.

    ``kind`` is "organisations" (ids, one point each) or "clusters" (one circle per grid cell).
    """
    lon_range, lat_range = zoom_frame(bounds)
    sector = sector_of(view.nace_r2)
    selected = orgs.frame.loc[orgs.in_sectors(sector.members)]  # a group: each organisation once
    in_frame = selected.loc[_frame_mask(selected, lon_range, lat_range)]
    what = sector.title
    if len(in_frame) <= INDIVIDUAL_LIMIT:
        return {
            "kind": "organisations",
            "name": f"{orgs.kind.capitalize()}: {len(in_frame):,} in {what}",
            "lon": in_frame["longitude"].round(DECIMALS).tolist(),
            "lat": in_frame["latitude"].round(DECIMALS).tolist(),
            "size": POINT_PX,
            "text": [organisation_hover(row, orgs) for _, row in in_frame.iterrows()],
            "ids": in_frame["id"].tolist(),
            "count": len(in_frame),
        }
    return _clusters(orgs, selected, sector.members, lon_range, lat_range, what)


def _clusters(
    orgs: Organisations, selected: pd.DataFrame, members: tuple[str, ...], lon_range: list[float], lat_range: list[float], what: str
) -> PointsPayload:
    """One circle per grid cell; a cell holding one organisation keeps its own tooltip and id."""
    cell = max(lon_range[1] - lon_range[0], lat_range[1] - lat_range[0]) / GRID_CELLS
    keyed = selected.assign(cx=np.floor(selected["longitude"] / cell).astype(int), cy=np.floor(selected["latitude"] / cell).astype(int))
    groups = keyed.groupby(["cx", "cy"], sort=True)
    centres = groups[["longitude", "latitude"]].mean()
    counts = groups.size()
    first = groups.head(1).set_index(["cx", "cy"]).loc[counts.index]
    codes = keyed[["cx", "cy", "nace"]].assign(nace=keyed["nace"].str.split(NACE_SEPARATOR)).explode("nace")
    if "TOTAL" not in members:
        codes = codes.loc[codes["nace"].str.startswith(members)]  # the codes that put them in the chosen sector (or group)
    codes_by_cell = dict(tuple(codes.groupby(["cx", "cy"], sort=True)["nace"]))
    sizes = MIN_CLUSTER_PX + (MAX_CLUSTER_PX - MIN_CLUSTER_PX) * np.sqrt(counts / counts.max())
    text, ids = [], []
    for (key, n), (_, row) in zip(counts.items(), first.iterrows()):
        single = n == 1
        text.append(organisation_hover(row, orgs) if single else _cluster_hover(int(n), codes_by_cell[key], orgs.kind))
        ids.append(row["id"] if single else "")
    return {
        "kind": "clusters",
        "name": f"{orgs.kind.capitalize()}: {len(selected):,} in {what} (clustered; circle area = number)",
        "lon": centres["longitude"].round(DECIMALS).tolist(),
        "lat": centres["latitude"].round(DECIMALS).tolist(),
        "size": [round(float(s), 1) for s in sizes],
        "text": text,
        "ids": ids,
        "count": len(selected),
    }


def search_options(orgs: Organisations | None, text: str | None, current: str | None = None) -> list[dict]:
    """Dropdown options for a typed name: "name · region", value = the organisation's id (the current choice kept)."""
    if orgs is None:
        return []
    hits = orgs.search(text, limit=SEARCH_LIMIT)
    if current and current not in set(hits["id"]) and (row := orgs.get(current)) is not None:
        hits = pd.concat([row.to_frame().T, hits])
    return [
        {"label": f"{name} · {orgs.region_name(n3) or orgs.region_name(n2)}", "value": oid}
        for oid, name, n2, n3 in zip(hits["id"], hits["name"], hits["nuts2"], hits["nuts3"])
    ]


def found_payload(orgs: Organisations | None, organisation_id: str | None) -> FoundPayload | None:
    """The found organisation as the map draws it (a star on top), whatever the view's sector: None when unknown."""
    row = orgs.get(organisation_id) if (orgs is not None and organisation_id) else None
    if orgs is None or row is None:
        return None
    return FoundPayload(
        **{
            "id": str(row["id"]),
            "name": str(row["name"]),
            "lon": round(float(row["longitude"]), DECIMALS),
            "lat": round(float(row["latitude"]), DECIMALS),
            "text": organisation_hover(row, orgs),
        }
    )


def found_region(data: DashboardData, organisation_id: str | None) -> VersionMatch | None:
    """The region with statistics covering a found organisation's NUTS 2024 region (NUTS 2, else 1, else 0), by area."""
    orgs = data.organisations
    row = orgs.get(organisation_id) if (orgs is not None and organisation_id) else None
    return None if (orgs is None or row is None) else orgs.statistics_region(row, data.statistics_regions)


def found_note(data: DashboardData, organisation_id: str | None) -> list:
    """The line under the search: the organisation, its NUTS 2024 region and the statistics' region shown for it."""
    orgs = data.organisations
    row = orgs.get(organisation_id) if (orgs is not None and organisation_id) else None
    if orgs is None or row is None:
        return []
    match = found_region(data, organisation_id)
    where = orgs.region_name(row.get("nuts3")) or orgs.region_name(row.get("nuts2"))
    if match is None:
        return [f"{row['name']} ({where}): no region with statistics covers it."]
    return [f"{row['name']} ({where}). ", html.Span(match.sentence(), className="nuts-version-match"), f": the portfolio of {match.target} is open."]


def found_organisation(data: DashboardData, organisation_id: str | None) -> tuple:
    """(focus, level, zoom, points) for a chosen organisation: the statistics' region covering it (``found_region``), zoomed, layer on."""
    orgs = data.organisations
    row = orgs.get(organisation_id) if (orgs is not None and organisation_id) else None
    if row is None:
        return no_update, no_update, no_update, no_update
    match = found_region(data, organisation_id)
    if match is not None:
        return match.target, len(match.target) - 2, match.target, "on"
    for level in (2, 1, 0):  # no statistics cover it (e.g. a country outside them): its own NUTS 2024 region, its records listed
        code = row.get(f"nuts{level}")
        if isinstance(code, str) and code in data.bounds:
            return code, level, code, "on"
    return no_update, no_update, no_update, "on"


def layout(orgs: Organisations | None, view: MapView) -> html.Fieldset:
    """The layer's controls: on/off, what it holds (synthetic said so), and the organisation search."""
    none = orgs is None or not len(orgs)
    about, synthetic = "No organisation records loaded. `clustermap build --points FILE` adds them (see the README).", False
    if orgs is not None and not none:
        about, synthetic = f"{orgs.label}. Located on NUTS 2024 regions.", orgs.synthetic
    return html.Fieldset(
        [
            html.Legend("Organisations", className="control-label"),
            dcc.RadioItems(
                id=POINTS_ID,
                options=[{"label": "Hide", "value": "off"}, {"label": "Show on the map", "value": "on", "disabled": none}],
                value="on" if (view.points and not none) else "off",
                className="radio",
            ),
            html.P(about, className="points-about" + (" points-synthetic" if synthetic else "")),
            _labelled(
                "Find an organisation",
                ORG_SEARCH_ID,
                dcc.Dropdown(id=ORG_SEARCH_ID, options=[], value=None, placeholder="Type a name", searchable=True, clearable=True, disabled=none),
            ),
            html.P([], id=FOUND_NOTE_ID, className="points-found", role="status"),
            dcc.Store(id=FOUND_ID),
        ],
        className="points-controls",
    )


def register(app: Dash, data: DashboardData) -> None:
    """The organisation search: options as the user types, and the jump to a chosen one."""

    @app.callback(Output(ORG_SEARCH_ID, "options"), Input(ORG_SEARCH_ID, "search_value"), State(ORG_SEARCH_ID, "value"), prevent_initial_call=True)
    @guarded
    def suggest(typed: str | None, current: str | None):
        typed, current = text(typed, "search_value"), text(current, "value")
        if not typed:
            return no_update
        return search_options(data.organisations, typed, current)

    @app.callback(
        Output(FOCUS_ID, "data", allow_duplicate=True),
        Output(LEVEL_ID, "value", allow_duplicate=True),
        Output(ZOOM_ID, "data", allow_duplicate=True),
        Output(POINTS_ID, "value", allow_duplicate=True),
        Output(FOUND_ID, "data"),
        Output(FOUND_NOTE_ID, "children"),
        Input(ORG_SEARCH_ID, "value"),
        prevent_initial_call=True,
    )
    @guarded
    def found(organisation_id: str | None):
        """The statistics' region covering the organisation opens, zoomed, the layer on, the organisation drawn as a star."""
        organisation_id = text(organisation_id, "organisation")
        known = data.organisations is not None and organisation_id and data.organisations.get(organisation_id) is not None
        return (*found_organisation(data, organisation_id), organisation_id if known else None, found_note(data, organisation_id))
