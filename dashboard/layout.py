"""The page's component tree. Layout functions take options, do no data work."""

from __future__ import annotations

from dash import dcc, html

from dashboard.data import LEVEL_LABELS
from dashboard.figures import ATTRIBUTION, MapView
from layers.indicators import INDICATORS

MAP_ID = "map"
LEVEL_ID = "level"
SECTOR_ID = "sector"
INDICATOR_ID = "indicator"
YEAR_ID = "year"
NOTES_ID = "data-notes"
MAP_VALUES_ID = "map-values"


def _labelled(label: str, control_id: str, control) -> html.Div:
    return html.Div([html.Label(label, htmlFor=control_id, className="control-label"), control], className="control")


def controls(*, sector_options: list[dict], years: list[int], view: MapView) -> html.Div:
    """The filter panel: level, sector, indicator, year."""
    return html.Div(
        [
            _labelled(
                "Map level",
                LEVEL_ID,
                dcc.RadioItems(
                    id=LEVEL_ID,
                    options=[{"label": label, "value": level} for level, label in LEVEL_LABELS.items()],
                    value=view.level,
                    className="radio",
                ),
            ),
            _labelled(
                "Sector (NACE Rev. 2)",
                SECTOR_ID,
                dcc.Dropdown(id=SECTOR_ID, options=sector_options, value=view.nace_r2, clearable=False, searchable=True),
            ),
            _labelled(
                "Indicator",
                INDICATOR_ID,
                dcc.Dropdown(
                    id=INDICATOR_ID,
                    options=[{"label": f"{i.label} ({i.unit})", "value": i.name} for i in INDICATORS.values()],
                    value=view.indicator,
                    clearable=False,
                ),
            ),
            _labelled(
                "Year",
                YEAR_ID,
                dcc.Slider(
                    id=YEAR_ID,
                    min=years[0],
                    max=years[-1],
                    step=1,
                    value=view.year,
                    marks={y: str(y) for y in years},
                    included=False,
                ),
            ),
        ],
        className="controls",
    )


def page(*, sector_options: list[dict], years: list[int], view: MapView, notes: str) -> html.Div:
    """The full page: header, controls, map and the attribution footer."""
    return html.Div(
        [
            html.Header([html.H1("Cluster Observatory Map"), html.P("Where industries concentrate across Europe", className="tagline")]),
            html.Main(
                [
                    controls(sector_options=sector_options, years=years, view=view),
                    html.Div(
                        dcc.Loading(
                            dcc.Graph(
                                id=MAP_ID,
                                figure={"data": [], "layout": {}},
                                config={
                                    "topojsonURL": "/assets/topojson/",
                                    "displaylogo": False,
                                    "showSendToCloud": False,
                                    "scrollZoom": True,
                                    "responsive": True,
                                },
                                className="map",
                                style={"height": "calc(100vh - 150px)", "minHeight": "480px"},
                            ),
                            delay_show=300,
                        ),
                        className="map-panel",
                    ),
                    dcc.Store(id=MAP_VALUES_ID),
                ],
                className="content",
            ),
            html.Footer(
                [
                    html.P(ATTRIBUTION, className="attribution"),
                    html.P(notes, id=NOTES_ID, className="notes"),
                ]
            ),
        ],
        className="page",
    )
