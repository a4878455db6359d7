"""Callbacks: wiring only. Each one parses inputs and calls a figure function.

A level change sends the whole figure (new geometry). Any other change sends
only the view's values, every year of them at once (``years_payload_for``), into a
``dcc.Store``; ``assets/map.js`` applies them to the figure already in the browser,
so geometry is not sent again, and a year change is drawn in the browser without the
server (``showYear``; the server then only writes the URL, the PNG name and the panels'
query). The page's first view needs no callback at all: the layout holds it
(``dashboard.first_view``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, no_update

from dashboard import callback_guard
from dashboard.callback_guard import (
    Malformed,
    guarded,
    record,
    show_changes,
    text,
    whole,
)
from dashboard.compare_panel.layout import COMPARE_ID, MAP_MODIFIER_ID
from dashboard.data import DashboardData
from dashboard.first_view import FirstView
from dashboard.layout import (
    ANALYSIS_ID,
    BREAKS_ID,
    CHANGED_LINK_NOTICE,
    CLASSES_PANEL_ID,
    CSV_LINK_ID,
    EMBED_BUTTON_ID,
    EMBED_SNIPPET_ID,
    FOCUS_ID,
    INDICATOR_ID,
    LEVEL_ID,
    MAP_ID,
    MAP_VALUES_ID,
    MAP_YEAR_ID,
    NOTICE_ID,
    NOTICE_VIEW_ID,
    PANELS_QUERY_ID,
    PLAY_ID,
    PNG_NAME_ID,
    SCHEME_ID,
    SEARCH_ID,
    SHAPES_ID,
    STAR_ID,
    THRESHOLD_ID,
    URL_SEARCH_ID,
    URL_VIEW_ID,
    VIEW_QUERY_ID,
    YEAR_ID,
    YEAR_NOTE_ID,
    ZOOM_ID,
    ZOOM_OUT_ID,
    notice_items,
)
from dashboard.map_updates import (  # noqa: F401  (map_update, payload_for: the app's callers use them from here too)
    drawn_shapes,
    map_change,
    map_update,
    payload_for,
    same_but_year,
    year_in_browser,
    years_payload_for,
)
from dashboard.network import NETWORK_SHAPES
from dashboard.points_layer import FOUND_ID
from dashboard.sector_tree import CURRENT_ID as SECTOR_CURRENT_ID
from dashboard.view import (
    CONTROL_PARAMETERS,
    PARAMETER,
    MapView,
    ViewOptions,
    ViewProblem,
    levels_by_indicator,
    panels_query,
    parse_view,
    read_view,
    view_notices,
    view_options,
    view_query,
    view_slug,
)
from layers.points.measures import POINT_INDICATORS

CONTROLS = tuple((p.name, p.control.id, p.control.prop) for p in CONTROL_PARAMETERS if p.control is not None)
"""Each view parameter a control holds and the component property that holds it: from the vocabulary's table."""
SCALARS = (str, int, float)
"""What a control's value can be (a list, an object, true/false never is)."""


def control_values(view: MapView) -> tuple:
    """The controls' values for a view, in ``CONTROLS`` order (each row's ``control_value``)."""
    out = []
    for p in CONTROL_PARAMETERS:
        value = getattr(view, p.field)
        out.append(p.control_value(value) if p.control_value is not None else p.to_query(value))
    return tuple(out)


def controls_query(values: Iterable[object]) -> tuple[dict[str, str], list[ViewProblem]]:
    """The query the controls' values (in ``CONTROLS`` order) name; empty ones are not given (``dashboard.view``'s rule).

    A value no control can hold is a problem, not a guess.
    """
    query: dict[str, str] = {}
    problems: list[ViewProblem] = []
    for p, value in zip(CONTROL_PARAMETERS, values):
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, SCALARS):
            problems.append(ViewProblem(p.name, type(value).__name__, f"{p.name} must be a single value"))
            continue
        query[p.name] = p.from_control(value)
    return query, problems


def view_from_controls_values(values: Iterable[object], options: ViewOptions) -> tuple[MapView, list[ViewProblem]]:
    """The view the controls show, through the same parser as a URL (so both agree on every rule), and its problems."""
    query, problems = controls_query(values)
    view, view_problems = parse_view(query, options)
    return view, problems + view_problems


def view_from_search(data: DashboardData, search: str | None, options: ViewOptions | None = None) -> tuple[MapView, list]:
    """The view a page URL's query names (``dashboard.view.read_view``), and the notice for what fell back to defaults."""
    request = read_view(search or "", options or view_options(data))
    notice = notice_items([(p.parameter, p.given, p.message) for p in request.problems])
    changed = notice_items([(p.parameter, p.given, p.message) for p in request.notices], lead=CHANGED_LINK_NOTICE)
    return request.view, notice + changed


def first_view(data: DashboardData, query: str) -> FirstView:
    """The view a page opens on, with everything its callbacks would otherwise send first (``dashboard.first_view``)."""
    view, notice = view_from_search(data, query)
    figure, years = map_change(data, view, full=True)
    return FirstView(
        view=view,
        search=f"?{query}" if query else "",
        query=view_query(view),
        figure=figure if isinstance(figure, dict) else {},
        map_years=years,
        png_name=view_slug(view),
        shapes_url=drawn_shapes(data, view),
        notice=notice,
    )


def view_from_controls(data: DashboardData, values: tuple) -> MapView:
    """The view the controls show, through the same parser as a URL (defaults for what cannot be used)."""
    return view_from_controls_values(values, view_options(data))[0]


def click_action(click: dict | None, level: int | None, regions: frozenset[str] = frozenset()) -> tuple:
    """(focus, level, zoom) after a map click: zoom into a clicked country, or focus a clicked region.

    ``regions``: the codes with a shape; a click naming another is :class:`Malformed` (when given).
    """
    points = (click or {}).get("points") or []
    if not isinstance(points, list) or (points and not isinstance(points[0], dict)):
        raise callback_guard.malformed("clickData", points, "a map click holds a list of points")
    code = text(points[0].get("location"), "clickData") if points else None
    if not code:
        return no_update, no_update, no_update
    if regions and code not in regions:
        raise callback_guard.malformed("clickData", code, "a map click names a region on the map")
    if level == 0:
        return no_update, 2, code
    return code, no_update, no_update


def register(app: Dash, data: DashboardData) -> None:
    """Attach the callbacks to ``app``, and the check of every callback request (``dashboard.callback_guard``)."""
    callback_guard.register(app)
    options = view_options(data)
    control_inputs = [Input(cid, prop) for _, cid, prop in CONTROLS]
    # the map callback hears the year through the store showYear (assets/map.js) writes once the map shows it:
    # a callback that heard the slider would be on its way when showYear runs, and Dash holds back showYear
    # (it reads the map's figure and values) until that callback has answered
    map_inputs = [Input(MAP_YEAR_ID, "data") if cid == YEAR_ID else i for (_, cid, _), i in zip(CONTROLS, control_inputs)]

    @app.callback(
        *[Output(cid, prop) for _, cid, prop in CONTROLS],
        Output(NOTICE_ID, "children"),
        Output(NOTICE_ID, "hidden"),
        Output(URL_VIEW_ID, "data"),
        Output(NOTICE_VIEW_ID, "data"),
        Input(URL_SEARCH_ID, "data"),
        *[State(cid, prop) for _, cid, prop in CONTROLS],
        prevent_initial_call=True,  # the layout holds the page URL's view
    )
    @guarded
    def apply_url(url: dict | None, *values):
        """A URL (the page's own when the layout could not be built for it, back, forward) sets the controls to its view.

        The other way, a control change reaches the address bar through ``assets/url_state.js``
        (``pushQuery``) after the map callback. Dash holds a callback back while another that
        can change its inputs is on its way: a server callback that wrote the controls and the
        URL both would put its round trip in front of every map change.
        """
        search = text((record(url, "url") or {}).get("search"), "search", max_length=2000) or ""
        view, notice = view_from_search(data, search, options)
        query = view_query(view)
        respelled = query if f"?{query}" != search else None  # the address bar gets the canonical spelling
        noticed = query if notice else None  # the notice stays while this view is shown
        if query == view_query(view_from_controls_values(values, options)[0]):
            return ((no_update,) * len(CONTROLS)) + (notice, not notice, respelled, noticed)
        # only the controls that change: back to another year moves the slider alone, and the map draws it in the browser
        changed = tuple(no_update if value == current else value for value, current in zip(control_values(view), values))
        return (*changed, notice, not notice, respelled, noticed)

    # the page URL, once: the layout was built for another query (no Referer): apply_url reads it
    app.clientside_callback(
        ClientsideFunction(namespace="urlState", function_name="readPageUrl"),
        Input(URL_SEARCH_ID, "data"),
    )
    # a control change: the view's query into the address bar (one history entry)
    app.clientside_callback(
        ClientsideFunction(namespace="urlState", function_name="pushQuery"),
        Input(VIEW_QUERY_ID, "data"),
        State(URL_VIEW_ID, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(MAP_ID, "figure"),
        Output(MAP_VALUES_ID, "data"),
        Output(SHAPES_ID, "data"),
        Output(PNG_NAME_ID, "data"),
        Output(VIEW_QUERY_ID, "data"),
        Output(PANELS_QUERY_ID, "data"),
        *map_inputs,
        Input(FOUND_ID, "data"),  # an organisation found by name: drawn as a star whatever the sector (dashboard.points_layer)
        State(SHAPES_ID, "data"),
        State(VIEW_QUERY_ID, "data"),  # the view the browser holds (the last this callback sent): its years are there
        prevent_initial_call=True,  # the layout holds the first figure and its links
    )
    @guarded
    def update_map(*values_and_shapes):
        """The map (every year's values, unless the shapes or the frame change), the PNG name and the view's query, in one round trip.

        A year change the browser has drawn (``year_in_browser``) sends no map. Controls that name
        no view (bad breaks typed, a value no control offers) leave the map as it is, with a notice.
        """
        *values, found, drawn, held = values_and_shapes
        found = text(found, "found", max_length=200)
        view, problems = view_from_controls_values(values, options)
        # a focus without statistics (a NUTS 3 region clicked on the organisations' map) opens the portfolio's
        # message but names no view: the query leaves it out rather than refuse the map
        # likewise a comparison being built (one region picked): the query leaves it out (dashboard.compare_panel)
        problems = [p for p in problems if p.parameter not in ("region", "compare")]
        if problems:
            raise Malformed(problems)
        triggered = set(ctx.triggered_prop_ids or ())
        if triggered == {f"{COMPARE_ID}.data"}:
            return no_update, no_update, no_update, no_update, view_query(view), no_update  # regions compared: only the URL changes
        if triggered and triggered <= {f"{FOCUS_ID}.data", f"{COMPARE_ID}.data"} and view.analysis != "network":
            return no_update, no_update, no_update, view_slug(view), view_query(view), no_update  # a region opened or closed: only the URL changes
        held = text(held, "held view", max_length=2000)
        # the browser drew the year from the years it holds, unless a change sent with the year (back or forward
        # to another level or sector and year) was overtaken by this request: Dash drops the older answer then
        if triggered == {f"{MAP_YEAR_ID}.data"} and year_in_browser(view) and same_but_year(held, view_query(view)):
            return no_update, no_update, no_update, view_slug(view), view_query(view), panels_query(view)
        drawn = text(drawn, "shapes", max_length=500)
        show_changes(view_notices(controls_query(values)[0], options))  # e.g. a group's code dropped: said; else the notice goes
        shapes = drawn_shapes(data, view)
        # the whole figure whenever the shapes (level, NUTS version, the network) or the frame change
        full = shapes != drawn or shapes == NETWORK_SHAPES or f"{LEVEL_ID}.value" in ctx.triggered_prop_ids or f"{ZOOM_ID}.data" in ctx.triggered_prop_ids
        return (
            *map_change(data, view, full=full, found=found),
            shapes if shapes != drawn else no_update,
            view_slug(view),
            view_query(view),
            panels_query(view),
        )

    # the link notice goes once the view is another than the one it is about (a control changed)
    app.clientside_callback(
        "(query, noticed) => (typeof noticed === 'string' && query === noticed) ? window.dash_clientside.no_update : true",
        Output(NOTICE_ID, "hidden", allow_duplicate=True),
        Input(VIEW_QUERY_ID, "data"),
        State(NOTICE_VIEW_ID, "data"),
        prevent_initial_call=True,
    )
    # the level control offers the indicator's levels (NUTS 3: organisation indicators only); on another, it moves
    # to the level's default, in the browser before the map callback runs (Dash holds that one back meanwhile)
    level = PARAMETER["level"]
    levels = levels_by_indicator(PARAMETER["indicator"].values(options) or (), options.point_indicators)
    app.clientside_callback(
        f"""(indicator, level, shown) => {{
            const dc = window.dash_clientside, offered = ({json.dumps(levels)})[indicator];
            if (!offered) return [dc.no_update, dc.no_update];
            const choices = (shown || []).map((o) => Object.assign({{}}, o, {{ disabled: !offered.includes(o.value) }}));
            return [choices, offered.includes(level) ? dc.no_update : {json.dumps(level.to_field(level.default_value(options)))}];
        }}""",
        Output(LEVEL_ID, "options"),
        Output(LEVEL_ID, "value", allow_duplicate=True),
        Input(INDICATOR_ID, "value"),
        State(LEVEL_ID, "value"),
        State(LEVEL_ID, "options"),
        prevent_initial_call=True,
    )

    # what follows from the controls alone, in the browser: the star and breaks panels, the year
    # (organisation indicators count the records of all years), the CSV link (FirstView.csv_href's twin)
    app.clientside_callback(
        f"(indicator, scheme, analysis) => [indicator !== 'stars', scheme !== 'user', {json.dumps(sorted(POINT_INDICATORS))}.includes(indicator) || analysis === 'years', analysis !== 'years']",
        Output(f"{STAR_ID}-panel", "hidden"),
        Output(f"{BREAKS_ID}-panel", "hidden"),
        Output(YEAR_ID, "disabled"),
        Output(YEAR_NOTE_ID, "hidden"),  # one map per year: the year control is off, and says so
        Input(INDICATOR_ID, "value"),
        Input(SCHEME_ID, "value"),
        Input(ANALYSIS_ID, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(  # the network's link threshold only with the network
        "(analysis) => analysis !== 'network'",
        Output(f"{THRESHOLD_ID}-panel", "hidden"),
        Input(ANALYSIS_ID, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(  # hot spots: fixed categories and colours, so no class settings; the network: no map level, indicator or classes
        "(analysis) => [analysis !== 'values' && analysis !== 'years', analysis === 'network', analysis === 'network']",
        Output(CLASSES_PANEL_ID, "hidden"),
        Output(f"{LEVEL_ID}-panel", "hidden"),
        Output(f"{INDICATOR_ID}-panel", "hidden"),
        Input(ANALYSIS_ID, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        "(query) => '/export.csv?' + (query || '')",
        Output(CSV_LINK_ID, "href"),
        Input(VIEW_QUERY_ID, "data"),
        prevent_initial_call=True,
    )

    # the sector tree marks the sector the map shows (a click, a link, back or forward) and names it above the tree:
    # read from the view's canonical query, so a group is shown as the server spelled it (C26 dropped beside C)
    app.clientside_callback(
        "(query) => window.dash_clientside.sectorTree.showChoice(new URLSearchParams(query || '').get('sector') || '')",
        Output(SECTOR_CURRENT_ID, "children"),
        Input(VIEW_QUERY_ID, "data"),
    )

    app.clientside_callback(  # a view's values from the server: drawn in the slider's year; at load, the first view's (drawn) are held
        ClientsideFunction(namespace="clustermap", function_name="applyPayload"),
        Output(MAP_ID, "figure", allow_duplicate=True),
        Input(MAP_VALUES_ID, "data"),
        State(YEAR_ID, "value"),
        State(MAP_ID, "figure"),
        State(VIEW_QUERY_ID, "data"),  # sent with the values: the view drawSector (assets/map.js) may have drawn already
        prevent_initial_call="initial_duplicate",  # runs at load in the browser: nothing for the server, nothing drawn
    )
    app.clientside_callback(  # a year change: drawn from the years the browser holds, then the server hears it (MAP_YEAR_ID)
        ClientsideFunction(namespace="clustermap", function_name="showYear"),
        Output(MAP_YEAR_ID, "data"),
        Input(YEAR_ID, "value"),
        State(MAP_VALUES_ID, "data"),
        State(MAP_ID, "figure"),
        prevent_initial_call=True,
    )

    app.clientside_callback(  # the play button is disabled with the year slider (assets/play.js)
        ClientsideFunction(namespace="play", function_name="disabledWith"),
        Output(PLAY_ID, "disabled"),
        Input(YEAR_ID, "disabled"),
        prevent_initial_call=True,
    )

    # The PNG name goes onto the plot when its button is clicked (assets/map.js), not into the
    # Graph's config: a config change makes Plotly draw the whole map again.
    app.clientside_callback(
        ClientsideFunction(namespace="clustermap", function_name="applyPngName"),
        Input(PNG_NAME_ID, "data"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        ClientsideFunction(namespace="clustermap", function_name="embedSnippet"),
        Output(EMBED_SNIPPET_ID, "value"),
        Output(f"{EMBED_SNIPPET_ID}-panel", "hidden"),
        Output(EMBED_BUTTON_ID, "aria-expanded"),
        Input(EMBED_BUTTON_ID, "n_clicks"),
        Input(VIEW_QUERY_ID, "data"),
    )

    @app.callback(
        Output(FOCUS_ID, "data", allow_duplicate=True),  # the URL's region sets it too (apply_url: it is region's control)
        Output(LEVEL_ID, "value", allow_duplicate=True),
        Output(ZOOM_ID, "data", allow_duplicate=True),
        Input(MAP_ID, "clickData"),
        State(LEVEL_ID, "value"),
        State(MAP_MODIFIER_ID, "data"),
        prevent_initial_call=True,
    )
    @guarded
    def clicked(click: dict | None, level: int, modifier: object = None):
        """A click on a country of the country map zooms to it and shows its regions; on a region, opens its portfolio.

        A Shift/Ctrl/Cmd+click (``assets/compare.js`` says so in ``MAP_MODIFIER_ID``) adds the region to the comparison instead.
        """
        if modifier:
            return no_update, no_update, no_update
        return click_action(record(click, "clickData"), whole(level, "level"), options.regions)

    @app.callback(
        Output(ZOOM_ID, "data", allow_duplicate=True),
        Input(ZOOM_OUT_ID, "n_clicks"),
        prevent_initial_call=True,
    )
    @guarded
    def zoom_out(clicks: int) -> None:
        whole(clicks, "n_clicks")

    @app.callback(Output(ZOOM_OUT_ID, "hidden"), Input(ZOOM_ID, "data"), prevent_initial_call=True)
    @guarded
    def zoom_out_visible(zoom: str | None):
        return not text(zoom, "zoom")

    @app.callback(Output(SEARCH_ID, "options"), Input(SEARCH_ID, "search_value"), State(SEARCH_ID, "value"), prevent_initial_call=True)
    @guarded
    def suggest_regions(typed: str | None, current: str | None):
        """The regions matching what the user typed, from the server: the page does not carry them all."""
        typed, current = text(typed, "search_value"), text(current, "value")
        return data.find_regions(typed, current=current) if typed else no_update

    @app.callback(
        Output(FOCUS_ID, "data", allow_duplicate=True),
        Output(LEVEL_ID, "value", allow_duplicate=True),
        Output(ZOOM_ID, "data", allow_duplicate=True),
        Input(SEARCH_ID, "value"),
        prevent_initial_call=True,
    )
    @guarded
    def found(code: str | None):
        """A region found by name or code: the map shows its level, zooms to it, and its portfolio opens."""
        code = text(code, "region")
        if not code:
            return no_update, no_update, no_update
        if code not in options.regions:
            raise callback_guard.malformed("region", code, "not a region on the map; choose one of the suggestions")
        return code, len(code) - 2, code
