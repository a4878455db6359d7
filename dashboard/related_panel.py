"""The "Sectors that locate with …" panel beside the ranking: the view's sector's most related divisions.

Every number is ``layers.spatial.related``'s (``RelatedSectors.related``: the Pearson
correlation of two divisions' location quotients across NUTS 2 regions, and how many
regions they share), for the view's year. Co-location is computed between NACE
divisions only, so:

- a division shows its :data:`TOP` most related divisions;
- a NACE group or class (G471) shows its division's, and says so;
- a section or a sector group (``C26,J61``, ``digital-industries``) shows, for each of its
  divisions (a member group counts as its division), that division's :data:`TOP_PER_MEMBER`
  most related, when it has at most :data:`MAX_MEMBERS` divisions; else, and for all
  sectors, a message asks for a division. A correlation of the group's summed LQ would be
  another quantity, never computed, so none is shown.
"""

from __future__ import annotations

from dash import Dash, Input, Output, html

from dashboard.callback_guard import guarded
from dashboard.data import DashboardData
from dashboard.html_attrs import wildcard_props
from dashboard.layout import PANELS_QUERY_ID
from dashboard.ranking import view_from_query
from dashboard.view import MapView, view_options
from layers import nace
from layers.groups.sector import sector_of
from layers.spatial.related import MIN_COMMON_REGIONS, divisions_of

PANEL_ID = "related-sectors"
HEADING_ID = "related-sectors-heading"
BODY_ID = "related-sectors-body"
TOP = 10
TOP_PER_MEMBER = 5
MAX_MEMBERS = 6
"""A section or group with more divisions than this asks for one of them (24 lists of five would say little)."""
METHOD = (
    "Strength: the correlation (Pearson r, from -1 to 1) of the two divisions' location quotients across the NUTS 2 regions "
    f"where both are known (at least {MIN_COMMON_REGIONS}); regions: how many that is. Divisions that locate together are "
    "over- or under-represented in the same regions; that alone says nothing of trade, skills or cause."
)


def related_table(data: DashboardData, code: str, year: int, limit: int, caption: str) -> html.Table:
    """An accessible table of ``code``'s ``limit`` most related divisions in ``year`` (rank, division, strength, regions in common)."""
    rows = data.related.related(code, year, limit)
    body = [
        html.Tr(
            [
                html.Td(str(rank), className="num"),
                html.Th([html.Span(other, className="related-code"), " ", name], scope="row"),
                html.Td(f"{strength:.2f}", className="num related-strength"),
                html.Td(f"{regions:,}", className="num"),
            ],
            **wildcard_props({"data-sector": other}),
        )
        for rank, (other, name, strength, regions) in enumerate(zip(rows["nace_r2"], rows["name"], rows["strength"], rows["regions"]), start=1)
    ]
    header = html.Tr(
        [html.Th("#", scope="col", className="num"), html.Th("Division (NACE Rev. 2)", scope="col")]
        + [html.Th(h, scope="col", className="num") for h in ("Strength", "Regions in common")]
    )
    return html.Table([html.Caption(caption), html.Thead(header), html.Tbody(body)], className="related-table")


def _message(text: str) -> html.P:
    return html.P(text, className="related-message", role="status")


def related_children(data: DashboardData, view: MapView) -> list:
    """The panel's content for a view: heading, the related divisions (or why there are none), the method."""
    sector = sector_of(view.nace_r2)
    year = view.year
    heading = html.H2(f"Sectors that locate with {sector.title}", id=HEADING_ID)
    divisions = data.related.colocation(year).codes
    members = divisions_of(sector.members, divisions)
    body: list = []
    single = len(sector.members) == 1 and sector.group is None
    code = sector.members[0]
    if single and code in divisions:
        body.append(related_table(data, code, year, TOP, f"The {TOP} divisions that locate most with {code} in {year}, strongest first"))
    elif single and nace.level_of(code) >= 3 and members:
        division = members[0]
        body += [
            _message(
                f"Co-location is computed between NACE divisions; {code} is part of division {nace.display_name(division)}, whose related divisions follow."
            ),
            related_table(
                data, division, year, TOP, f"The {TOP} divisions that locate most with {division} (the division of {code}) in {year}, strongest first"
            ),
        ]
    elif code == nace.TOTAL and single:
        body.append(
            _message("Co-location is computed between NACE divisions (a letter and two digits, e.g. C29); choose one to see the sectors that locate with it.")
        )
    elif not members:
        body.append(_message(f"Co-location is computed between NACE divisions; {sector.title} has none with location quotients in {year}."))
    elif len(members) > MAX_MEMBERS:
        body.append(
            _message(
                f"Co-location is computed between NACE divisions, not for {sector.title} as a whole. It holds {len(members)} divisions "
                f"({', '.join(members)}); choose one of them to see the sectors that locate with it."
            )
        )
    else:
        body.append(
            _message(
                f"Co-location is computed between NACE divisions, not for {sector.title} as a whole (its summed location quotient is another quantity). "
                f"For each of its {len(members)} division{'s' if len(members) != 1 else ''}, the {TOP_PER_MEMBER} divisions that locate most with it in {year}:"
            )
        )
        body += [related_table(data, m, year, TOP_PER_MEMBER, f"Divisions that locate most with {nace.display_name(m)} in {year}") for m in members]
    return [heading, html.Div(body, id=BODY_ID), html.P(METHOD, className="related-note")]


def layout() -> html.Section:
    """The panel, filled by :func:`register`'s callback for the page's view."""
    return html.Section(id=PANEL_ID, className="related panel", **wildcard_props({"aria-labelledby": HEADING_ID}))


def register(app: Dash, data: DashboardData) -> None:
    """The panel follows the view (its sector and year), like the ranking."""
    options = view_options(data)

    @app.callback(Output(PANEL_ID, "children"), Input(PANELS_QUERY_ID, "data"))
    @guarded
    def update_related(query: str | None):
        return related_children(data, view_from_query(data, query, options))


__all__ = ["MAX_MEMBERS", "PANEL_ID", "TOP", "TOP_PER_MEMBER", "layout", "register", "related_children", "related_table"]
