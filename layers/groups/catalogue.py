"""Named sector groups, read from a TOML catalogue: the ten emerging industries ship with the product.

(Interface fixed here; the loader is being written.)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from layers._errors import ClusterMapError

SHIPPED_CATALOGUE = Path(__file__).with_name("emerging_industries.toml")
APPROXIMATION_LABEL = "approximation at the data's NACE level"


class GroupCatalogueError(ClusterMapError, ValueError):
    """A group catalogue file cannot be used; the message names the file, line, group and code."""


@dataclass(frozen=True)
class SectorGroup:
    """One named group: usable as ``sector=<id>`` in every view."""

    id: str
    """Stable, lower case, letters, digits and hyphens (``digital-industries``); never a NACE code."""
    name: str
    members: tuple[str, ...]
    """NACE codes in Eurostat spelling, canonical (``layers.groups.members.canonical_members``)."""
    kind: str
    """``emerging industry`` for the shipped ten; free text in an observatory's own file."""
    concept: str
    """One paragraph on the official concept the group stands for."""
    leaves_out: str
    """What the approximation leaves out (and takes in beyond the concept)."""
    approximation: bool = True
    """Whether it approximates an official definition: then labelled :data:`APPROXIMATION_LABEL` wherever shown."""

    @property
    def note(self) -> str:
        """The one-line note shown with the group (UI, exports, API)."""
        members = ", ".join(self.members)
        if self.approximation:
            return f"{APPROXIMATION_LABEL[0].upper()}{APPROXIMATION_LABEL[1:]}: {members}. {self.leaves_out}".strip()
        return f"Group of {members}. {self.leaves_out}".strip()


def load_catalogue(path: Path, *, known: Collection[str]) -> tuple[SectorGroup, ...]:
    """The groups of a TOML catalogue, checked against the NACE codes the data has (``known``)."""
    raise NotImplementedError


def shipped_groups(known: Collection[str]) -> tuple[SectorGroup, ...]:
    """The catalogue that ships with the product (the ten emerging industries)."""
    return load_catalogue(SHIPPED_CATALOGUE, known=known)
