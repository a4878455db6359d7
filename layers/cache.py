"""Cache files with an input fingerprint, so builds are skipped when nothing changed.

Each cache file ``X.parquet`` has a sidecar ``X.parquet.inputs.json`` written
*after* it: ``{"fingerprint": "<sha256>"}``. The fingerprint is the sha256 of the
inputs' *bytes* (plus the settings that shape the output), never of their paths
or dates, so a moved or copied data folder stays fresh and a changed input is
rebuilt. A cache is fresh when the sidecar's fingerprint equals the current
inputs' and the Parquet file reads back; a crash between the two writes leaves a
stale fingerprint, so the next build simply redoes the work. Both writes go
through :mod:`layers.files` (atomic, mode 0644).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from layers import files

log = logging.getLogger(__name__)

CACHE_FORMAT_VERSION = "1"
"""Bump when the layout or meaning of a cache file changes, to force a rebuild."""


_digests: dict[tuple[str, int, int, int, int], str] = {}
"""sha256 by (path, device, inode, size, mtime): a file is hashed again only when it changed."""


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, remembered for the process while its size and mtime stay the same."""
    path = Path(path)
    info = path.stat()
    key = (str(path.resolve()), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    if key not in _digests:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _digests[key] = digest.hexdigest()
    return _digests[key]


def fingerprint(paths: Iterable[Path], **settings: object) -> str:
    """Fingerprint of input files' contents plus the settings that shape the output."""
    digest = hashlib.sha256(CACHE_FORMAT_VERSION.encode())
    for path in paths:
        digest.update(file_digest(Path(path)).encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".inputs.json")


def atomic_write(path: Path, write: Callable[[Path], object], *, fingerprint_value: str) -> None:
    """Write ``path`` with ``write(tmp)`` atomically, then its sidecar with ``fingerprint_value``.

    The old sidecar goes just before the rename, so a crash in between never pairs the new
    file with the old inputs, and a failed ``write`` leaves the old pair as it was.
    """
    with files.atomic_path(path) as tmp:
        write(tmp)
        _sidecar(path).unlink(missing_ok=True)
    log.info("wrote %r (%d bytes)", str(path), path.stat().st_size)
    files.atomic_write_text(_sidecar(path), json.dumps({"fingerprint": fingerprint_value}))


def recorded_fingerprint(path: Path) -> str | None:
    """The fingerprint in ``path``'s sidecar, or None when it is missing or unreadable."""
    try:
        return json.loads(_sidecar(path).read_text()).get("fingerprint")
    except (OSError, ValueError, AttributeError):
        return None


def read_if_fresh(path: Path, read: Callable[[Path], object], *, fingerprint_value: str) -> object | None:
    """The cached object, or None when it is missing, stale or corrupt (then it is rebuilt)."""
    if not path.is_file():
        return None
    if recorded_fingerprint(path) != fingerprint_value:
        log.info("%r is stale: its inputs changed", str(path))
        return None
    try:
        return read(path)
    except Exception as e:  # any reader failure means a damaged file: rebuild it
        log.warning("%r is corrupt (%s: %s); rebuilding it", str(path), type(e).__name__, e)
        return None
