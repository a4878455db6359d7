"""Public entry points to get the upstream files into ``data/``."""

from __future__ import annotations

from pathlib import Path

from layers import settings
from layers._http import fetch
from layers.sources import SOURCES, Source


def fetch_source(name: str, *, data_dir: Path | None = None, mirror: Path | None = None, progress: bool = False, refresh: bool = False) -> Path:
    """Local path of the registered file ``name``, copied from the mirror when it differs, or downloaded when missing.

    ``mirror`` defaults to ``CLUSTERMAP_MIRROR`` and ``data_dir`` to ``CLUSTERMAP_DATA_DIR``;
    ``refresh`` downloads a web file again even when a copy exists.
    """
    source: Source = SOURCES[name]
    return fetch(
        source,
        cache=data_dir or settings.data_dir(),
        mirror=mirror if mirror is not None else settings.mirror_dir(),
        progress=progress,
        refresh=refresh,
    )


def pull_all(*, data_dir: Path | None = None, mirror: Path | None = None, progress: bool = False) -> dict[str, Path]:
    """Fetch every registered file again (``clustermap pull``); returns name → local path."""
    return {name: fetch_source(name, data_dir=data_dir, mirror=mirror, progress=progress, refresh=True) for name in SOURCES}
