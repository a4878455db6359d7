"""The portfolio's "Opportunities" section: divisions related to the region's specialisations.

Scores, LQs and the justifying divisions are ``layers.spatial.opportunities``' (a candidate
without a specialisation star, scored by the sum of its positive co-location strengths with
the divisions where the region has one); this only lays them out as an accessible table.
"""

from __future__ import annotations

from urllib.parse import urlencode

from dash import html

from dashboard.data import DashboardData
from dashboard.figures import format_value
from layers.spatial.opportunities import opportunities

SHOWN = 10
"""Opportunities listed; the heading says how many the region has."""
METHOD = (
    "A division where the region has no specialisation star (LQ known and below 2), scored by the sum of its positive "
    "co-location strengths (correlation of location quotients across NUTS 2 regions) with the divisions where it has one. "
    "A prompt for a closer look, not a recommendation: co-location ignores firms' capabilities, demand and policy."
)


def opportunities_section(data: DashboardData, geo: str, year: int, *, shown: int = SHOWN) -> list:
    """Heading, table (division, score, LQ, the starred divisions it builds on) and method; a sentence when there is none."""
    found = opportunities(data.related, geo, year)
    title = html.H3("Opportunities: sectors related to this region's specialisations", id="portfolio-opportunities-title")
    if found.empty:
        return [
            title,
            html.P(
                f"No opportunity in {year}: {geo} has no specialisation star among NACE divisions (LQ at least 2), or none is related.",
                className="portfolio-note",
            ),
            html.P(METHOD, className="portfolio-note"),
        ]
    top = found.head(shown)
    rows = [
        html.Tr(
            [
                html.Td(str(rank), className="num"),
                html.Th([html.Span(code, className="portfolio-code"), " ", name], scope="row"),
                html.Td(f"{score:.2f}", className="num"),
                html.Td(format_value(float(lq), "lq"), className="num"),
                html.Td("; ".join(f"{j['nace_r2']} {j['name']} ({j['strength']:.2f})" for j in justified)),
            ]
        )
        for rank, (code, name, score, lq, justified) in enumerate(zip(top["nace_r2"], top["name"], top["score"], top["lq"], top["justified_by"]), start=1)
    ]
    header = html.Tr(
        [
            html.Th(h, scope="col", className="num" if h in ("#", "Score", "LQ") else None)
            for h in ("#", "Division (NACE Rev. 2)", "Score", "LQ", "Related specialisations (strength)")
        ]
    )
    caption = f"Divisions related to the specialisations of {geo} in {year}, highest score first (top {len(top)} of {len(found)})"
    table = html.Table([html.Caption(caption), html.Thead(header), html.Tbody(rows)], className="portfolio-table portfolio-opportunities")
    link = html.P(html.A("See them in the network", href=network_href(geo, year), id="portfolio-opportunities-network"), className="portfolio-note")
    return [title, html.Div(table, className="portfolio-scroll", tabIndex="0"), link, html.P(METHOD, className="portfolio-note")]


def network_href(geo: str, year: int) -> str:
    """The network view of the region's opportunities (``analysis=network&region=…``): the sector is moot there (the region's marks replace its highlight)."""
    return "/?" + urlencode({"year": year, "analysis": "network", "region": geo})


__all__ = ["SHOWN", "network_href", "opportunities_section"]
