"""What an add or a remove does to the comparison (the ``compare`` store's text): pure, tested without a browser.

The store may hold one region while a comparison is being built (the URL then names none: a
comparison needs two); it never holds more than six, or a region without statistics.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from dashboard.view import COMPARE_SIZE, compare_codes


def codes_of(text: object) -> tuple[str, ...]:
    """The store's regions (its text split on commas; anything else is none)."""
    return tuple(dict.fromkeys(compare_codes(text))) if isinstance(text, str) else ()


def added(current: tuple[str, ...], geo: str, regions: Collection[str], names: Mapping[str, str]) -> tuple[tuple[str, ...], str]:
    """(the regions after adding ``geo``, a message when it was not added)."""
    name = f"{names.get(geo, geo)} ({geo})"
    if geo not in regions:
        return current, f"{geo} has no statistics of its own (countries and NUTS 1-2 regions only): it cannot be compared."
    if geo in current:
        return current, f"{name} is already in the comparison."
    if len(current) >= COMPARE_SIZE[1]:
        return current, f"A comparison holds at most {COMPARE_SIZE[1]} regions: remove one to add {name}."
    return (*current, geo), ""


def removed(current: tuple[str, ...], geo: str) -> tuple[str, ...]:
    """The regions without ``geo``."""
    return tuple(c for c in current if c != geo)


def store_text(codes: tuple[str, ...]) -> str | None:
    """The store's text for ``codes`` (None for none)."""
    return ",".join(codes) or None


__all__ = ["added", "codes_of", "removed", "store_text"]
