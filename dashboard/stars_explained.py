"""What a cluster star means, said where stars show: the map's star panel, the ranking, the portfolio.

The words are built from the constants ``layers.indicators`` computes the stars with
(``TOP_SHARE``, ``LQ_STAR``), so the explanation cannot drift from the rule. The full
method is ``docs/methodology.md`` section 5, served as text at :data:`METHODOLOGY_URL`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import html
from flask import Flask, Response, abort

from dashboard.html_attrs import wildcard_props
from layers.indicators import LQ_STAR, TOP_SHARE

METHODOLOGY_FILE = Path(__file__).resolve().parents[1] / "docs" / "methodology.md"
METHODOLOGY_URL = "/methodology.md"
STARS_SECTION = "section 5, Cluster stars"
ABOUT_CLASS = "about-stars"


def _percent(share: float) -> str:
    return f"{share * 100:g} %"


def star_rules() -> dict[str, str]:
    """Each star dimension and what earns it, from the constants the stars are computed with."""
    top = _percent(TOP_SHARE)
    return {
        "size": f"among the top {top} of the level's regions by persons employed in the sector (at least one region; a value above 0)",
        "specialisation": f"location quotient at least {LQ_STAR:g}: the sector's share of the region's employment is at least "
        f"{LQ_STAR:g} times its share over all regions of the level",
        "productivity": f"among the top {top} of the level's regions by average wage per person employed in the sector",
    }


def stars_sentence() -> str:
    """One line: the three stars and their thresholds (the portfolio's note)."""
    top = _percent(TOP_SHARE)
    return (
        f"Stars (European Cluster Observatory): size (top {top} of regions by persons employed), "
        f"specialisation (LQ at least {LQ_STAR:g}), productivity (top {top} by average wage)."
    )


def about_stars(element_id: str | None = None, *, hidden: bool = False) -> html.Details:
    """An "About stars" details element: each star's rule and a link to the method."""
    rules = star_rules()
    props: dict[str, Any] = {"id": element_id} if element_id else {}  # a component without an id has none, not id=None
    return html.Details(
        [
            html.Summary("About stars"),
            html.P(
                "A region earns up to three stars in a sector, one per dimension, by the European Cluster Observatory's method; "
                "the star count is the number earned among the dimensions known (0-3)."
            ),
            html.Ul([html.Li([html.Strong(f"{name.capitalize()}: "), rule], **wildcard_props({"data-star": name})) for name, rule in rules.items()]),
            html.P(["Method: ", html.A(f"docs/methodology.md, {STARS_SECTION}", href=METHODOLOGY_URL, target="_blank"), "."]),
        ],
        className=ABOUT_CLASS,
        hidden=hidden,
        **props,
    )


def register_methodology(server: Flask) -> None:
    """``/methodology.md``: the method as its Markdown source, shown as plain text, from the page's own origin (404 when the docs are not installed)."""

    def methodology() -> Response:
        if not METHODOLOGY_FILE.is_file():
            abort(404)
        return Response(METHODOLOGY_FILE.read_bytes(), mimetype="text/plain", headers={"Cache-Control": "public, max-age=3600"})

    server.add_url_rule(METHODOLOGY_URL, "methodology", methodology)


__all__ = ["METHODOLOGY_URL", "about_stars", "register_methodology", "star_rules", "stars_sentence"]
