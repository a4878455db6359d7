"""Every setting of the data side, documented once, read from the environment.

CLUSTERMAP_DATA_DIR
    Folder for downloaded files and built caches. Default: ``data/`` in the checkout.
    Everything in it refers to its files by paths relative to it, so it can be
    moved or copied whole (see ``data/README.md``).
CLUSTERMAP_MIRROR
    Folder holding offline copies of the upstream files, laid out like
    ``../shared/data`` (``gisco/…``, ``eurostat/…``). When set, files are copied
    from there instead of downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from layers.files import make_dirs

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """Folder for downloads and caches (created on demand)."""
    return make_dirs(Path(os.environ.get("CLUSTERMAP_DATA_DIR") or PROJECT_ROOT / "data"))


def groups_file() -> Path | None:
    """An observatory's own catalogue of named sector groups (``CLUSTERMAP_GROUPS``; ``clustermap serve --groups``), or None."""
    value = os.environ.get("CLUSTERMAP_GROUPS")
    return Path(value).expanduser().resolve() if value else None


def mirror_dir() -> Path | None:
    """Offline mirror folder, or None to download from the official addresses."""
    value = os.environ.get("CLUSTERMAP_MIRROR")
    return Path(value).expanduser().resolve() if value else None
