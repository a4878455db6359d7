"""What a view's ``sector`` names: one NACE code, the total, a group of codes, or a named group.

One text, one meaning, everywhere a sector goes (map, ranking, exports, API, CLI):

- ``C29`` or ``TOTAL``: one code, as before;
- ``C26,J61,J62,J63``: the codes mapped as one group, spelled canonically
  (``layers.groups.members``): sorted, once each, a code whose ancestor is listed dropped;
- ``digital-industries``: a named group of a catalogue (``layers.groups.catalogue``).

:class:`Sectors` resolves a text against the codes the data holds and the named
groups a server loaded, and says what it changed (a dropped code) or why it
cannot be used (an unknown code). :func:`add_sectors` adds a data folder's
:class:`Sectors` to the process's (a server worker loads one), so that titles and
labels anywhere can name a group by :func:`sector_name`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from layers import nace
from layers.groups.catalogue import APPROXIMATION_LABEL, SectorGroup
from layers.groups.members import MAX_MEMBERS, canonical_members, nace_order, split_codes


class BadSector(ValueError):
    """A sector text that cannot be used; the message says what would be."""


@dataclass(frozen=True)
class Sector:
    """A resolved sector: its canonical text and the NACE codes it sums."""

    code: str
    """The canonical text: a code, ``TOTAL``, ``C26,J61,J62,J63`` or a group id."""
    members: tuple[str, ...]
    """The codes whose numbers it holds: ``(code,)`` for a single code."""
    group: SectorGroup | None = None
    """The named group, when ``code`` is one's id."""

    @property
    def is_group(self) -> bool:
        """Summed over several codes (or a named group): computed at request time, values may be partial sums."""
        return self.group is not None or len(self.members) > 1

    @property
    def name(self) -> str:
        """For titles and pickers: ``C26 Manufacture of …``, ``Digital industries``, ``Group of 4: C26, J61, J62, J63``."""
        if self.group is not None:
            return self.group.name
        if len(self.members) > 1:
            return f"Group of {len(self.members)}: {', '.join(self.members)}"
        return nace.display_name(self.code)

    @property
    def title(self) -> str:
        """The name, with the members of a named group (titles say what is summed)."""
        if self.group is not None:
            return f"{self.group.name} ({' + '.join(self.members)})"
        return self.name

    @property
    def note(self) -> str:
        """What a group is, in one line (empty for a single code): members, and the approximation label of a named group."""
        if self.group is not None:
            return self.group.note
        if len(self.members) > 1:
            return "Sum of " + "; ".join(nace.display_name(c) for c in self.members) + "."
        return ""

    @property
    def kind(self) -> str:
        """``code``, ``group`` (one's own) or the named group's kind (``emerging industry``)."""
        if self.group is not None:
            return self.group.kind
        return "group" if len(self.members) > 1 else "code"


def legend_note(sector: Sector, partial: int) -> str:
    """The map's note beside the legend for a group (empty for a single code): what is summed, and how many sums are partial.

    Plain text; the caller escapes it for Plotly (which reads annotation text as HTML).
    """
    if not sector.is_group:
        return ""
    what = f"{sector.group.name} = " if sector.group is not None else "Sum of "
    lines = [what + " + ".join(sector.members)]
    if sector.group is not None and sector.group.approximation:
        lines.append(APPROXIMATION_LABEL)
    if partial:
        lines.append(f"partial sums (lower bounds) in {partial} region{'s' if partial != 1 else ''}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Resolved:
    """A sector and what resolving it changed (dropped codes), in words."""

    sector: Sector
    notices: tuple[str, ...] = ()


@dataclass
class Sectors:
    """The sectors a process can show: the data's NACE codes and the named groups it loaded."""

    codes: frozenset[str]
    """The data's codes (with ``TOTAL``)."""
    groups: dict[str, SectorGroup] = field(default_factory=dict)
    """Named groups by id."""

    @classmethod
    def of(cls, codes: Iterable[str], groups: Iterable[SectorGroup] = ()) -> Sectors:
        return cls(frozenset(codes), {g.id: g for g in groups})

    def resolve(self, text: str) -> Resolved:
        """The sector ``text`` names, or :class:`BadSector` saying why it cannot be used."""
        text = text.strip()
        if text in self.groups:
            group = self.groups[text]
            return Resolved(Sector(group.id, group.members, group))
        parts = split_codes(text)
        if not parts:
            raise BadSector("sector is empty; give a NACE code (C29), codes separated by commas (C26,J61) or a group id")
        if len(parts) > 1 and any(p in self.groups for p in parts):
            named = next(p for p in parts if p in self.groups)
            raise BadSector(f"{named} is a named group and stands alone; list NACE codes to build a group of your own")
        if len(parts) > 1 and nace.TOTAL in parts:
            raise BadSector("TOTAL (all sectors) cannot be part of a group; list NACE codes, e.g. C26,J61,J62,J63")
        unknown = [p for p in parts if p not in self.codes]
        if unknown:
            raise BadSector(self._unknown(unknown, len(parts)))
        if len(set(parts)) > MAX_MEMBERS:
            raise BadSector(f"a group has at most {MAX_MEMBERS} codes; {len(set(parts))} were given")
        if len(parts) == 1:
            return Resolved(Sector(parts[0], (parts[0],)))
        members = canonical_members(parts)
        notices = tuple(f"{code} dropped: it is part of {holder}, also listed (no double counting)" for code, holder in members.dropped)
        code = members.spelling
        return Resolved(Sector(code, members.codes), notices)

    def _unknown(self, unknown: list[str], given: int) -> str:
        shown = ", ".join(unknown[:5])
        what = "is not a NACE Rev. 2 code in the data" if len(unknown) == 1 else "are not NACE Rev. 2 codes in the data"
        hint = " or a group id (see /api/v1/groups)" if given == 1 else ""
        return f"{shown} {what}; use codes like C, C29, G471{hint}, separated by commas for a group (see /api/v1/meta)"

    def members(self, code: str) -> tuple[str, ...]:
        """The codes a canonical sector text sums (itself for one code); unresolvable text gives ``()``."""
        try:
            return self.resolve(code).sector.members
        except BadSector:
            return ()

    def sector(self, code: str) -> Sector:
        """The resolved sector of a canonical text (a bare code, unknown to this data, is taken as itself)."""
        try:
            return self.resolve(code).sector
        except BadSector:
            return Sector(code, (code,))

    def choices(self) -> list[str]:
        """Every single code and named group id, in picker order (groups of one's own are not enumerable)."""
        return [*sorted(self.codes, key=nace_order), *self.groups]


_PROCESS = Sectors(frozenset())


def add_sectors(sectors: Sectors) -> Sectors:
    """Add ``sectors`` to the process's (each loaded data adds its own; a server loads one).

    Names only: titles and labels read them (:func:`sector_name`); a view's numbers are
    resolved with the data's own catalogue. An id added again takes its latest definition.
    """
    global _PROCESS
    _PROCESS = Sectors(_PROCESS.codes | sectors.codes, {**_PROCESS.groups, **sectors.groups})
    return sectors


def sector_of(code: str) -> Sector:
    """The process's reading of a canonical sector text (``layers.groups.sector.Sectors.sector``)."""
    return _PROCESS.sector(code)


def sector_name(code: str) -> str:
    """A sector's name for titles: the code and its label, a group's name, or the group's codes."""
    return sector_of(code).title


__all__ = ["APPROXIMATION_LABEL", "BadSector", "Resolved", "Sector", "Sectors", "add_sectors", "sector_name", "sector_of"]
