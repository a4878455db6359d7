"""Atomic cache files with an input fingerprint, so builds are skipped when nothing changed.

Each cache file ``X.parquet`` has a sidecar ``X.parquet.inputs.json`` written
*after* it: ``{"fingerprint": "<sha256>"}``. A cache is fresh when the sidecar's
fingerprint equals the current inputs' and the Parquet file reads back; a
crash between the two writes leaves a stale fingerprint, so the next build
simply redoes the work.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_FORMAT_VERSION = "1"
"""Bump when the layout or meaning of a cache file changes, to force a rebuild."""


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes (inputs are a few MB, so hashing is cheap)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(files: Iterable[Path], **settings: object) -> str:
    """Fingerprint of input files' contents plus the settings that shape the output."""
    digest = hashlib.sha256(CACHE_FORMAT_VERSION.encode())
    for path in files:
        digest.update(file_digest(Path(path)).encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".inputs.json")


def atomic_write(path: Path, write: Callable[[Path], None], *, fingerprint_value: str) -> None:
    """Run ``write(tmp)`` into a temp file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for target, writer in ((path, write), (_sidecar(path), lambda p: p.write_text(json.dumps({"fingerprint": fingerprint_value})))):
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            writer(tmp)
            tmp.chmod(0o644)  # mkstemp makes 0600; caches are meant to be shared by workers
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    log.info("wrote %r (%d bytes)", str(path), path.stat().st_size)


def atomic_write_text(path: Path, text: str) -> None:
    """Write a small text file atomically (temp file beside it, then rename)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        tmp.chmod(0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_if_fresh(path: Path, read: Callable[[Path], object], *, fingerprint_value: str) -> object | None:
    """The cached object, or None when it is missing, stale or corrupt (then it is rebuilt)."""
    sidecar = _sidecar(path)
    if not path.is_file() or not sidecar.is_file():
        return None
    try:
        recorded = json.loads(sidecar.read_text()).get("fingerprint")
    except (OSError, ValueError):
        recorded = None
    if recorded != fingerprint_value:
        log.info("%r is stale: its inputs changed", str(path))
        return None
    try:
        return read(path)
    except Exception as e:  # any reader failure means a damaged file: rebuild it
        log.warning("%r is corrupt (%s: %s); rebuilding it", str(path), type(e).__name__, e)
        return None
