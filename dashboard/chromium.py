"""Debian's Chromium, and the flags it needs on this project's machines (one place for tests, benchmarks, export).

Without the background-networking flags Chromium keeps trying hosts a closed network
refuses; as root it needs ``--no-sandbox``. Never a downloaded browser: the PNG export
needs Chromium at run time (Debian's ``chromium`` package, or ``CLUSTERMAP_CHROMIUM``).
"""

from __future__ import annotations

import os

CHROMIUM_ENV = "CLUSTERMAP_CHROMIUM"
"""Path of the Chromium executable, where it is not Debian's ``/usr/bin/chromium`` (``/export.png``, ``clustermap export``, the browser tests)."""
CHROMIUM = os.environ.get(CHROMIUM_ENV) or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
