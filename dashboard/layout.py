"""The page's component tree. Layout functions take options, do no data work."""

from __future__ import annotations

import html as html_text
import re

from dash import dcc, html

from dashboard.figures import ATTRIBUTION
from dashboard.first_view import FirstView
from dashboard.html_attrs import wildcard_props
from dashboard.sector_tree import sector_picker
from dashboard.stars_explained import about_stars
from dashboard.view import LEVEL_WORDS, PARAMETER, THRESHOLDS, MapView, level_control_options, panels_query
from layers.groups.catalogue import SectorGroup
from layers.indicators import INDICATORS, Indicator


def control_id(parameter: str) -> str:
    """The id of the component that holds a view parameter (the vocabulary's ``control`` column)."""
    control = PARAMETER[parameter].control
    assert control is not None, parameter
    return control.id


MAP_ID = "map"
LEVEL_ID = control_id("level")
SECTOR_ID = control_id("sector")
"""Store: the NACE code chosen in the sector tree (``dashboard/sector_tree.py``)."""
INDICATOR_ID = control_id("indicator")
YEAR_ID = control_id("year")
SINCE_ID = control_id("since")
STAR_ID = control_id("star")
SCHEME_ID = control_id("scheme")
K_ID = control_id("k")
BREAKS_ID = control_id("breaks")
PALETTE_ID = control_id("palette")
CLASS_SPAN_ID = control_id("classes")
ANALYSIS_ID = control_id("analysis")
YEAR_NOTE_ID = "year-note"
"""Says that the year control is off while the map panel shows one map per year (``analysis=years``)."""
YEAR_NOTE = "All years are shown, one map each: the year control is off."
THRESHOLD_ID = control_id("threshold")
ZOOM_ID = control_id("zoom")
"""Store: the NUTS code the map is zoomed to (None: all of Europe)."""
ABOUT_STARS_MAP_ID = "about-stars-map"
"""The "About stars" explanation in the star panel (shown with indicator=stars)."""
CLASSES_PANEL_ID = "classes-panel"
"""The scheme, classes, breaks and palette controls: hidden while the map shows hot spots (fixed categories and colours)."""
ZOOM_OUT_ID = "zoom-out"
SEARCH_ID = "region-search"
NOTES_ID = "data-notes"
MAP_VALUES_ID = "map-values"
"""Store: every year's values of the view (``dashboard.payload.YearsPayload``), drawn by ``assets/map.js``."""
MAP_YEAR_ID = "map-year"
"""Store: the year the map shows, written by ``showYear`` (``assets/map.js``) after the slider: what the map callback hears."""
PLAY_ID = "year-play"
"""The play/pause button beside the year slider (``assets/play.js``)."""
PLAY_LABEL = "Play years"
PAUSE_LABEL = "Pause"
NOTICE_ID = "view-notice"
INPUT_NOTICE_ID = "input-notice"
"""What a callback could not use (a malformed control value or request): ``dashboard.callback_guard`` writes it."""
NOTICE_VIEW_ID = "view-notice-query"
"""Store: the canonical query of the view the link notice is about; any other view hides the notice (``dashboard.callbacks``)."""
URL_SEARCH_ID = "url-search"
"""Store ``{"search": "?…"}``: the address bar's query the controls follow (the page's own, then back and forward; ``assets/url_state.js``)."""
URL_VIEW_ID = "url-view"
"""Store: the canonical query of a URL just applied that was spelled otherwise (``assets/url_state.js`` replaces it)."""
PNG_NAME_ID = "png-name"
"""Store: the PNG file name of the map's download button (``assets/map.js`` puts it on the plot)."""
FOCUS_ID = control_id("region")
"""Store: the NUTS id of the region in focus (map click, search, ranking row, the URL's ``region``); opens its portfolio."""
HIGHLIGHT_ID = "highlight-region"
"""Store: the NUTS id to highlight on the map (hover or selection in the ranking)."""
CSV_LINK_ID = "csv-link"
EMBED_BUTTON_ID = "embed-button"
EMBED_SNIPPET_ID = "embed-snippet"
VIEW_QUERY_ID = "view-query"
PANELS_QUERY_ID = "panels-query"
"""Store: the view's query without ``region``: what the ranking and the other panels show (opening a portfolio leaves them as they are)."""
SHAPES_ID = "map-shapes"
"""Store: the URL of the shapes the map is drawn on; when a view needs others, the whole figure is sent."""
FILTERS_ID = "filters"
"""The column of controls: beside the map on a wide screen, a drawer on a narrow one."""
FILTERS_TOGGLE_ID = "filters-toggle"
"""The header's "Filters" button that shows and hides ``FILTERS_ID`` (``assets/layout.js``)."""
MAP_HEADING_ID = "map-heading"
MAP_SOURCE_ID = "map-source"
"""The map's title and source line as page text, which wraps at any width (``map_captions``); the figure keeps
its own for the PNG and the embed, hidden on the page by ``assets/layout.css``."""
POINT_LEVEL_LABEL = LEVEL_WORDS[3]

MAP_CONFIG: dcc.Graph.Config = {
    "topojsonURL": "/assets/topojson/",
    "displaylogo": False,
    "showSendToCloud": False,
    "scrollZoom": True,
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "filename": "cluster_map", "width": 1400, "height": 1000, "scale": 1},
}
"""The map's Plotly config; the PNG file name is set per view (``map_config``, then ``assets/map.js``)."""


def map_config(png_name: str) -> dcc.Graph.Config:
    """The map's Plotly config, its PNG download named ``png_name``."""
    return {**MAP_CONFIG, "toImageButtonOptions": {**MAP_CONFIG["toImageButtonOptions"], "filename": png_name}}


_TAG = re.compile(r"<[^>]*>")


def _plain(text: str) -> str:
    """A Plotly text (escaped, maybe with ``<br>`` and ``<span>``) as plain text."""
    return " ".join(html_text.unescape(_TAG.sub("", text.replace("<br>", " · "))).split())


def map_captions(figure: dict) -> tuple[str, str]:
    """(title, source line) of a map figure as plain text: the twin of ``mapCaptions`` in ``assets/layout.js``.

    The source line is the figure's first annotation (``dashboard.figures.source_annotation``), so an
    organisations view names its records; ``ATTRIBUTION`` when the figure has none.
    """
    layout = figure.get("layout", {})
    title = layout.get("title", {})
    annotations = layout.get("annotations") or []
    source = annotations[0].get("text", "") if annotations else ""
    return _plain(title.get("text", "") if isinstance(title, dict) else str(title)), _plain(source) or ATTRIBUTION


def store(store_id: str, data: str | float | bool | dict | list | None = None) -> dcc.Store:
    """A ``dcc.Store``, without a ``data`` prop when there is none.

    A Store given ``data=None`` reports a change of its data when it mounts (its empty memory
    reads ``undefined``, which is not ``null``), and that runs every callback reading it on
    page load, prevent_initial_call or not: for the zoom, the map and its links a second time.
    """
    return dcc.Store(id=store_id) if data is None else dcc.Store(id=store_id, data=data)


def _labelled(label: str, control_id: str, control) -> html.Div:
    # The label's id lets assets/a11y.js name the focusable part of Dash controls that take no aria props.
    return html.Div([html.Label(label, htmlFor=control_id, id=f"{control_id}-label", className="control-label"), control], className="control")


def controls(
    *,
    sector_options: list[dict],
    years: list[int],
    view: MapView,
    region_options: list[dict] | None = None,
    point_indicators: tuple[Indicator, ...] = (),
    groups: tuple[SectorGroup, ...] = (),
) -> html.Div:
    """The filter panel: region search, level, sector, indicator, year, star dimension and classes.

    ``sector_options``: the data's sectors (``DashboardData.sector_options``); the picker builds its tree from their codes.
    ``point_indicators``: the organisation indicators, offered (with NUTS 3) when point records are loaded.
    ``groups``: the named sector groups (``DashboardData.groups``), offered in the sector picker.
    """
    year_fixed = view.indicator in {i.name for i in point_indicators} or view.analysis == "years"  # organisation counts: records of all years; one map per year
    ks = PARAMETER["k"].allowed
    return html.Div(
        [
            _labelled(
                "Find a region",
                SEARCH_ID,
                dcc.Dropdown(id=SEARCH_ID, options=region_options or [], value=None, placeholder="Name or NUTS code", searchable=True, clearable=True),
            ),
            html.Div(  # the network view has no map: level and indicator do not apply there
                _labelled(
                    "Map level",
                    LEVEL_ID,
                    dcc.RadioItems(
                        id=LEVEL_ID,
                        options=level_control_options(view.indicator, [i.name for i in point_indicators]),  # the indicator's levels enabled
                        value=view.level,
                        className="radio",
                    ),
                ),
                id=f"{LEVEL_ID}-panel",
                hidden=view.analysis == "network",
            ),
            sector_picker(SECTOR_ID, [o["value"] for o in sector_options], view.nace_r2, groups),
            html.Div(
                _labelled(
                    "Indicator",
                    INDICATOR_ID,
                    dcc.Dropdown(
                        id=INDICATOR_ID,
                        options=[{"label": f"{i.label} ({i.unit})", "value": i.name} for i in (*INDICATORS.values(), *point_indicators)],
                        value=view.indicator,
                        clearable=False,
                    ),
                ),
                id=f"{INDICATOR_ID}-panel",
                hidden=view.analysis == "network",
            ),
            _labelled(
                "Year",
                YEAR_ID,
                html.Div(
                    [
                        # play/pause: steps the slider through the years with classes from all years (assets/play.js)
                        html.Button(
                            PLAY_LABEL, id=PLAY_ID, n_clicks=0, className="year-play", disabled=year_fixed, **wildcard_props({"aria-pressed": "false"})
                        ),
                        dcc.Slider(
                            id=YEAR_ID,
                            min=years[0],
                            max=years[-1],
                            step=1,
                            value=view.year,
                            marks={
                                y: str(y) if (y - years[0]) % 2 == 0 else "" for y in years
                            },  # every other year named: eight fit no sidebar; the heading names the year shown
                            included=False,
                            disabled=year_fixed,
                        ),
                    ],
                    className="year-row",
                ),
            ),
            html.P(YEAR_NOTE, id=YEAR_NOTE_ID, className="control-note", hidden=view.analysis != "years"),
            _labelled(  # a period change: the map shows the change from this year to the year above
                "Compare with year",
                SINCE_ID,
                dcc.Dropdown(id=SINCE_ID, options=[{"label": str(y), "value": y} for y in years[:-1]], value=view.since, placeholder="—", clearable=True),
            ),
            html.Div(
                [
                    _labelled(
                        "Star dimension",
                        STAR_ID,
                        dcc.RadioItems(id=STAR_ID, options=_options("star"), value=view.star, className="radio"),
                    ),
                    about_stars(ABOUT_STARS_MAP_ID),  # what each star means, beside the map that shows them
                ],
                id=f"{STAR_ID}-panel",
                hidden=view.indicator != "stars",
            ),
            _labelled(
                "Analysis",
                ANALYSIS_ID,
                dcc.RadioItems(id=ANALYSIS_ID, options=_options("analysis"), value=view.analysis, className="radio"),
            ),
            html.Div(
                _labelled(
                    "Link sectors whose co-location strength is above",
                    THRESHOLD_ID,
                    dcc.Slider(
                        id=THRESHOLD_ID,
                        min=THRESHOLDS[0],
                        max=THRESHOLDS[-1],
                        step=0.05,
                        value=view.threshold,
                        marks={t: f"{t:g}" for t in THRESHOLDS[::2]},
                        included=False,
                    ),
                ),
                id=f"{THRESHOLD_ID}-panel",
                hidden=view.analysis != "network",
            ),
            html.Fieldset(
                [
                    html.Legend("Classes", className="control-label"),
                    _labelled(
                        "Scheme",
                        SCHEME_ID,
                        dcc.Dropdown(id=SCHEME_ID, options=_options("scheme"), value=view.scheme, clearable=False),
                    ),
                    _labelled(
                        "Number of classes",
                        K_ID,
                        dcc.Slider(id=K_ID, min=min(ks), max=max(ks), step=1, value=view.k, marks={k: str(k) for k in ks}, included=False),
                    ),
                    html.Div(
                        _labelled(
                            "Upper bounds, comma-separated",
                            BREAKS_ID,
                            dcc.Input(
                                id=BREAKS_ID,
                                type="text",
                                value=",".join(f"{b:g}" for b in view.breaks),
                                debounce=True,
                                placeholder="e.g. 1000,5000,20000",
                                className="text-input",
                            ),
                        ),
                        id=f"{BREAKS_ID}-panel",
                        hidden=view.scheme != "user",
                    ),
                    _labelled(
                        "Breaks from",
                        CLASS_SPAN_ID,
                        dcc.RadioItems(id=CLASS_SPAN_ID, options=_options("classes"), value=view.classes, className="radio"),
                    ),
                    _labelled(
                        "Palette (colour-blind safe)",
                        PALETTE_ID,
                        dcc.Dropdown(id=PALETTE_ID, options=_options("palette"), value=view.palette, clearable=False),
                    ),
                ],
                id=CLASSES_PANEL_ID,
                className="classes",
                hidden=view.analysis not in ("values", "years"),  # hot spots have fixed categories and colours; the network has no classes
            ),
        ],
        className="controls",
    )


def _options(parameter: str) -> list[dict]:
    """A control's options: the vocabulary's values with their words."""
    return [{"label": label, "value": value} for value, label in PARAMETER[parameter].labels.items()]


LINK_NOTICE = "Some of the link's settings could not be used; showing defaults instead:"
CHANGED_LINK_NOTICE = "Some of the link's settings were used with an adjustment:"


def notice_items(problems: list[tuple[str, str, str]], lead: str = LINK_NOTICE) -> list:
    """The notice's content for parameters that could not be used (parameter, given, why)."""
    items = [html.Li(f"{name}={given}: {why}") for name, given, why in problems]
    return [lead, html.Ul(items)] if items else []


def view_tools(first: FirstView) -> html.Div:
    """Data out for the current view: CSV download and the iframe snippet."""
    return html.Div(
        [
            html.Div(
                [
                    html.A("Download CSV", id=CSV_LINK_ID, href=first.csv_href, download=""),
                    html.Button("Embed", id=EMBED_BUTTON_ID, n_clicks=0, **wildcard_props({"aria-expanded": "false", "aria-controls": EMBED_SNIPPET_ID})),
                ],
                className="view-tools",
            ),
            html.Div(
                [
                    html.Label("Embed code for this view", htmlFor=EMBED_SNIPPET_ID, className="control-label"),
                    dcc.Textarea(id=EMBED_SNIPPET_ID, value="", readOnly=True, className="embed-snippet"),
                ],
                id=f"{EMBED_SNIPPET_ID}-panel",
                hidden=True,
            ),
            dcc.Store(id=VIEW_QUERY_ID, data=first.query),
            dcc.Store(id=PANELS_QUERY_ID, data=panels_query(first.view)),
        ],
        className="controls view-panel",
    )


def page(
    *,
    sector_options: list[dict],
    years: list[int],
    first: FirstView,
    notes: str,
    panels: html.Div | None = None,
    region_options: list[dict] | None = None,
    overlays: list | None = None,
    point_indicators: tuple[Indicator, ...] = (),
    groups: tuple[SectorGroup, ...] = (),
) -> html.Div:
    """The full page: header, controls, map, the panels beside it (ranking, portfolio) and the attribution footer.

    The map and ``panels`` (``dashboard.page_frame``) share one screen from 1280 px wide, beside the
    filters; on a narrow screen the map comes first, the filters open as a drawer (``FILTERS_TOGGLE_ID``)
    and the panels follow the map (``assets/layout.css``, ``assets/layout.js``).

    ``first``: the view the page opens on, drawn from the layout (``dashboard.first_view``).
    ``overlays``: controls of layers over the map (the organisations layer), under the filters.
    """
    view = first.view
    title, source = map_captions(first.figure)
    sidebar = [
        controls(sector_options=sector_options, years=years, view=view, region_options=region_options, point_indicators=point_indicators, groups=groups),
        *(overlays or []),
        view_tools(first),
    ]
    return html.Div(
        [
            # a link with settings the page could not use: its canonical spelling replaces it in the address bar (assets/url_state.js)
            dcc.Store(id=URL_SEARCH_ID, data={"search": first.search, **({"canonical": first.query} if first.notice else {})}),
            store(NOTICE_VIEW_ID, first.query if first.notice else None),
            dcc.Store(id=URL_VIEW_ID),
            dcc.Store(id=PNG_NAME_ID, data=first.png_name),
            html.Header(
                [
                    html.H1("Cluster Observatory Map"),
                    html.P("Where industries concentrate across Europe", className="tagline"),
                    # aria-expanded is set by assets/layout.js: open on a wide screen, a closed drawer on a narrow one
                    html.Button("Filters", id=FILTERS_TOGGLE_ID, type="button", className="filters-toggle", **wildcard_props({"aria-controls": FILTERS_ID})),
                ],
                className="topbar",
            ),
            html.Div(first.notice, id=NOTICE_ID, className="notice", role="status", hidden=not first.notice),
            html.Div([], id=INPUT_NOTICE_ID, className="notice", role="status", hidden=True),
            html.Main(
                [
                    html.Div(sidebar, id=FILTERS_ID, className="sidebar", role="region", **wildcard_props({"aria-label": "Filters"})),
                    html.Div(
                        [
                            html.H2(title, id=MAP_HEADING_ID, className="map-heading"),
                            html.Div(
                                [
                                    html.Button("Back to all of Europe", id=ZOOM_OUT_ID, n_clicks=0, className="zoom-out", hidden=view.zoom is None),
                                    dcc.Loading(
                                        dcc.Graph(
                                            id=MAP_ID,
                                            figure=first.figure,
                                            config=map_config(first.png_name),
                                            className="map",  # its height: the map panel's (assets/layout.css)
                                        ),
                                        delay_show=300,
                                        parent_className="map-loading",
                                    ),
                                ],
                                className="map-frame",
                            ),
                            html.P(source, id=MAP_SOURCE_ID, className="attribution map-source"),
                        ],
                        className="map-panel",
                    ),
                    store(FOCUS_ID, view.region),
                    store(ZOOM_ID, view.zoom),
                    dcc.Store(id=HIGHLIGHT_ID),
                    store(MAP_VALUES_ID, first.map_years),  # type: ignore[arg-type]  # a TypedDict is a dict
                    dcc.Store(id=MAP_YEAR_ID, data=view.year),
                    dcc.Store(id=SHAPES_ID, data=first.shapes_url),
                    *([panels] if panels is not None else []),
                ],
                className="content",
            ),
            html.Footer(html.P(notes, id=NOTES_ID, className="notes")),  # the attribution: under the map (MAP_SOURCE_ID)
        ],
        className="page",
    )
