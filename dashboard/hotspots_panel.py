"""The cross-border hot spots panel: the High-High clusters of a hot-spot view that lie in more than one country.

Shown beside the ranking when the view has ``analysis=hotspots``, hidden otherwise.
Every number (which regions are significant High-High, how they connect, their
combined employment) comes from the view's values frame (``DashboardData.values``,
``layers.spatial.categories``): the same clusters ``/api/v1/values`` sends. The
panel of the page's first view is in the layout; a view change sends its panel.
"""

from __future__ import annotations

import pandas as pd
from dash import Dash, Input, Output, html

from dashboard.callback_guard import guarded
from dashboard.data import DashboardData
from dashboard.figures import is_point_view, map_title
from dashboard.html_attrs import wildcard_props
from dashboard.layout import PANELS_QUERY_ID
from dashboard.ranking import country_name, view_from_query
from dashboard.view import MapView, view_options
from layers.classes import format_number
from layers.spatial.categories import clusters_of

PANEL_ID = "hotspots"
HEADING_ID = "hotspots-heading"
BODY_ID = "hotspots-body"


def panel_body(data: DashboardData, view: MapView) -> list:
    """The panel's content for a hot-spot view: a summary line, then one item per cross-border cluster."""
    geometry = data.shapes(view)
    names = dict(zip(geometry.ids, geometry.names))
    clusters = clusters_of(data.values(view, pd.Series(geometry.ids, dtype=object)))
    count = len(clusters)
    summary = f"{count} cross-border High-High cluster{'' if count == 1 else 's'} · {map_title(view)}"
    if not count:
        return [html.P(summary, className="hotspots-summary"), html.P("No High-High cluster of this view crosses a border.", className="hotspots-none")]
    unit = "employees in the records" if is_point_view(view) else "persons employed"
    items = []
    for row in clusters.itertuples(index=False):
        countries = ", ".join(f"{country_name(data, c)} ({c})" for c in row.countries)
        size = f"{format_number(row.employment, 0)} {unit}" if pd.notna(row.employment) else f"no {unit} figure"
        if row.employment_missing and pd.notna(row.employment):
            size = f"at least {size} (no figure for {', '.join(row.employment_missing)})"
        items.append(
            html.Li(
                [
                    html.H3(f"Cluster {row.cluster}: {countries}", className="hotspots-countries"),
                    html.P(f"{len(row.regions)} regions · {size}", className="hotspots-size"),
                    html.P(", ".join(f"{names.get(r, r)} ({r})" for r in row.regions), className="hotspots-regions"),
                ],
                className="hotspots-cluster",
                **wildcard_props({"data-countries": ",".join(row.countries)}),
            )
        )
    return [html.P(summary, className="hotspots-summary"), html.Ol(items, className="hotspots-list")]


def layout(data: DashboardData, view: MapView) -> html.Section:
    """The panel, filled for ``view`` (the page's first) when it shows hot spots, else hidden and empty."""
    hot = view.analysis == "hotspots"
    return html.Section(
        [
            html.H2("Cross-border hot spots", id=HEADING_ID),
            html.P(
                "Neighbouring regions that are significant High-High hot spots of the map's values (local Moran's I, p ≤ 0.05) "
                "and lie in more than one country, largest employment first. Method and caveats: docs/methodology.md, section 13.",
                className="hotspots-intro",
            ),
            html.Div(panel_body(data, view) if hot else [], id=BODY_ID, role="status"),
        ],
        id=PANEL_ID,
        className="hotspots panel",
        hidden=not hot,
        **wildcard_props({"aria-labelledby": HEADING_ID}),
    )


def register(app: Dash, data: DashboardData) -> None:
    """Attach the panel's one callback: a view change shows (or hides) the view's clusters."""
    options = view_options(data)

    @app.callback(
        Output(PANEL_ID, "hidden"),
        Output(BODY_ID, "children"),
        Input(PANELS_QUERY_ID, "data"),
        prevent_initial_call=True,  # the layout holds the first view's panel
    )
    @guarded
    def update_hotspots(query: str | None):
        view = view_from_query(data, query, options)
        if view.analysis != "hotspots":
            return True, []
        return False, panel_body(data, view)
