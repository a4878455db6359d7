"""The colour scheme control's words; the classes themselves are computed in ``layers.classes``.

``SCHEMES``, ``Scheme`` and the class constants are re-exported so that
``from dashboard.classes import SCHEMES`` keeps working for the view and the API.
"""

from __future__ import annotations

from layers.classes import (
    CONFIDENTIAL,
    FIRST_VALUE_CLASS,
    NO_DATA,
    SCHEMES,
    Classes,
    Scheme,
    classify,
)

SCHEME_LABELS = {"quantiles": "Quantiles", "fisher_jenks": "Fisher-Jenks (natural breaks)", "equal_interval": "Equal interval", "user": "My own breaks"}
"""How the scheme control names each of ``SCHEMES``."""

__all__ = ["CONFIDENTIAL", "FIRST_VALUE_CLASS", "NO_DATA", "SCHEMES", "SCHEME_LABELS", "Classes", "Scheme", "classify"]
