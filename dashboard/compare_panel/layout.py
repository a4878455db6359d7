"""The comparison's place on the page and the ids its callbacks, builders and ``assets/compare.js`` share.

On main's page the comparison is a section of the insight panels (``dashboard/app.py``); in the
page frame with tabs (``dashboard/page_frame.py``) the same parts go into the Compare tab.
``COMPARE_PANEL_ID`` is the Compare tab's own content id there, so the callbacks need no change.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard.html_attrs import wildcard_props
from dashboard.layout import control_id, store
from dashboard.page_frame import COMPARE_HINT

COMPARE_ID = control_id("compare")
"""Store: the regions compared, as ``compare`` spells them (``DE11,FR71``); one region while a comparison is being built."""
COMPARE_PANEL_ID = "compare-panel"
"""The comparison's content: a hint, or the table, the trends and the strongest sectors."""
SECTION_ID = "compare-section"
SEARCH_ID = "compare-search"
"""The "Add a region" search of the comparison (its own, beside the page's "Find a region")."""
MESSAGE_ID = "compare-message"
"""What an add could not do (six regions already, a region without statistics), said where the person looks."""
MAP_MODIFIER_ID = "map-click-modifier"
"""Store: whether Shift, Ctrl or Cmd was held as the map was last pressed (``assets/compare.js``): such a click adds to the comparison."""
MAP_ADD_ID = "compare-map-add"
"""Store: a region a modifier-click on the map adds, ``{"geo", "at"}`` (``at`` makes a second click on it a change too)."""
SHOWN_ID = "compare-shown"
"""Store: the comparison's query the panel was drawn for (the view's sector, indicator, year and the regions)."""
REMOVE_ID = {"role": "compare-remove", "panel": "compare"}
"""Pattern id of a region's Remove button (plus ``"geo": <code>``)."""
TITLE = "Compare regions"
HINT = (
    "Shift+click (or Ctrl/Cmd+click) regions on the map, use “Add to comparison” in a region's portfolio, "
    "or search below: 2 to 6 regions of any level side by side."
)


def layout(children: list | None = None, compare: str | None = None) -> list:
    """The comparison's section (its heading, its search, its content) and its stores.

    ``children``: the comparison of the URL's ``compare`` (``content.compare_children``), drawn with the page.
    ``compare``: that parameter's query text, the store's first value.
    """
    return [
        html.Section(
            [
                html.Div(
                    [html.H2(TITLE, id=f"{SECTION_ID}-title"), html.P(HINT, className="compare-hint")],
                    className="compare-head",
                ),
                html.Div(
                    [
                        html.Label("Add a region to the comparison", htmlFor=SEARCH_ID, id=f"{SEARCH_ID}-label", className="control-label"),
                        dcc.Dropdown(id=SEARCH_ID, options=[], value=None, placeholder="Name or NUTS code", searchable=True, clearable=True),
                        html.P(id=MESSAGE_ID, className="compare-message", role="status"),
                    ],
                    className="compare-add",
                ),
                html.Div(children or [html.P(COMPARE_HINT, className="tab-hint")], id=COMPARE_PANEL_ID, className="compare"),
            ],
            id=SECTION_ID,
            className="compare-section",
            **wildcard_props({"aria-labelledby": f"{SECTION_ID}-title"}),
        ),
        store(COMPARE_ID, compare or None),
        dcc.Store(id=MAP_MODIFIER_ID, data=False),
        dcc.Store(id=MAP_ADD_ID),
        store(SHOWN_ID),
    ]
