"""The Region tab's regions most alike in structure (``DashboardData.similar``), each with "Open" and "Compare".

"Open" puts the region in focus (``region=``); "Compare" compares the region in focus with it
(``compare=<focus>,<similar>``, ``dashboard.compare_panel``). The scores and the order are the
data layer's (``layers.similar``); nothing is recomputed here.
"""

from __future__ import annotations

from dash import html

from dashboard.data import DashboardData
from dashboard.html_attrs import wildcard_props
from layers._errors import UnknownRegionError, UnknownYearError
from layers.similar import MIN_SHARED_DIVISIONS, SCORE_DECIMALS

SIMILAR_OPEN_ID = {"role": "similar-open", "panel": "portfolio"}
"""Pattern id of a similar region's "Open" button (plus ``"geo": <code>``): puts it in focus."""
SIMILAR_COMPARE_ID = {"role": "similar-compare", "panel": "portfolio"}
"""Pattern id of a similar region's "Compare" button (plus ``"geo": <code>``): compares the region in focus with it."""
ADD_FOCUS_ID = {"role": "compare-add-focus", "panel": "portfolio"}
"""Pattern id of the portfolio's "Add to comparison" button (plus ``"geo": <code>``, the region in focus)."""
SHOWN = 10
METHOD = (
    f"Score: cosine similarity of the two regions' location quotients over the NACE divisions both know (at least {MIN_SHARED_DIVISIONS}), "
    "1 for the same profile; regions of the same NUTS level, in the data year."
)


def add_focus_button(geo: str) -> html.Button:
    """The portfolio's "Add to comparison" button for the region in focus."""
    return html.Button(
        "Add to comparison",
        id={**ADD_FOCUS_ID, "geo": geo},
        n_clicks=0,
        type="button",
        className="compare-add-focus",
        title="Add this region to the comparison (Compare)",
    )


def _action(label: str, pattern: dict, geo: str, aria: str) -> html.Button:
    return html.Button(label, id={**pattern, "geo": geo}, n_clicks=0, type="button", className="similar-action", **wildcard_props({"aria-label": aria}))


def similar_children(data: DashboardData, geo: str, year: int, name: str | None) -> list:
    """Heading, table (rank, region, score, shared divisions, actions) and method; or why the region has no list."""
    label = name or geo
    title = html.H3(f"Regions most alike in structure, {year}", id="region-similar-title")
    try:
        found = data.similar(geo, int(year), limit=SHOWN)
    except (UnknownRegionError, UnknownYearError) as e:
        return [title, html.P(str(e), className="portfolio-note")]
    if found.rows.empty:
        return [title, html.P(f"No similar regions: {found.reason}.", className="portfolio-note", id="region-similar-reason")]
    rows = [
        html.Tr(
            [
                html.Td(str(rank), className="num"),
                html.Th([row.name, " ", html.Span(f"({row.nuts_id})", className="portfolio-code")], scope="row"),
                html.Td(f"{row.score:.{SCORE_DECIMALS}f}", className="num"),
                html.Td(str(int(row.shared_divisions)), className="num"),
                html.Td(
                    [
                        _action("Open", SIMILAR_OPEN_ID, row.nuts_id, f"Open {row.name} ({row.nuts_id})"),
                        " ",
                        _action("Compare", SIMILAR_COMPARE_ID, row.nuts_id, f"Compare {label} with {row.name} ({row.nuts_id})"),
                    ],
                    className="similar-actions",
                ),
            ],
            **wildcard_props({"data-geo": str(row.nuts_id)}),
        )
        for rank, row in enumerate(found.rows.itertuples(index=False), start=1)
    ]
    header = html.Tr(
        [
            html.Th(h, scope="col", className="num" if h in ("#", "Score", "Shared divisions") else None)
            for h in ("#", "Region", "Score", "Shared divisions", "Actions")
        ]
    )
    caption = f"The {len(found.rows)} regions of the same level most alike in structure to {label} in {year}, highest score first"
    table = html.Table([html.Caption(caption), html.Thead(header), html.Tbody(rows)], className="portfolio-table similar-table", id="region-similar")
    return [title, html.Div(table, className="portfolio-scroll", tabIndex="0"), html.P(METHOD, className="portfolio-note")]


__all__ = ["ADD_FOCUS_ID", "SIMILAR_COMPARE_ID", "SIMILAR_OPEN_ID", "add_focus_button", "similar_children"]
