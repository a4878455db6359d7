"""Debian's Chromium, and the flags it needs on this project's machines (one place for tests, benchmarks, export).

Without the background-networking flags Chromium keeps trying hosts a closed network
refuses; as root it needs ``--no-sandbox``. Never a downloaded browser.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
