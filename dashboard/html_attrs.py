"""HTML attributes that Dash components take only as wildcard props (``aria-*``, ``data-*``).

Their names are not Python identifiers, so they travel as ``**{"aria-label": ...}``. Dash's
generated signatures do not list them, and a type checker then matches the unpacked dict
against every typed keyword of the component. :func:`wildcard_props` says what they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def wildcard_props(attributes: Mapping[str, str]) -> dict[str, Any]:
    """``attributes`` (``aria-*``/``data-*`` names to text) as keyword props for a Dash component."""
    return dict(attributes)
