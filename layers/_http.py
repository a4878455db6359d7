"""The one place that gets upstream files into the data folder: copied from a mirror, or downloaded with pooch.

Every file is checked by content, not by presence:

* from a mirror (``CLUSTERMAP_MIRROR``), the local copy is replaced whenever its
  sha256 differs from the mirror file's, so a changed mirror file reaches the build
  (whose fingerprint is the inputs' sha256) and is rebuilt;
* from the web, a missing file is downloaded; ``refresh`` (``clustermap pull``)
  downloads it again, and a changed download changes the build's fingerprint;
* where the registry pins a sha256 (``layers.sources``), a file that does not match
  is refused from the mirror and downloaded again from the web.

Downloads use pooch's ``HTTPDownloader`` into an atomic temp file
(``layers.files``), never ``pooch.retrieve``: it would print a "Downloading…"
line before a network error's one-line message and leave ``0600`` files.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pooch

from layers import files
from layers._errors import DownloadError
from layers.cache import file_digest
from layers.sources import Source

log = logging.getLogger(__name__)

TIMEOUT_S = 60


def fetch(source: Source, *, cache: Path, mirror: Path | None, progress: bool = False, refresh: bool = False) -> Path:
    """The local path of ``source`` under ``cache`` (the data folder), copied or downloaded when needed."""
    target = Path(cache) / source.relpath
    if mirror is not None:
        return _copy_from_mirror(source, Path(mirror), target)
    if target.is_file() and not refresh and _matches_pin(source, target):
        return target
    return _download(source, target, progress=progress)


def _copy_from_mirror(source: Source, mirror: Path, target: Path) -> Path:
    """Copy the mirror's file unless the local copy already has the same bytes."""
    src = mirror / source.relpath
    if not src.is_file():
        msg = (
            f"{source.relpath!r} is not in the mirror folder {str(mirror)!r}. "
            f"Put the file downloaded from {source.url} there, or unset CLUSTERMAP_MIRROR to download it."
        )
        raise DownloadError(msg)
    if not _matches_pin(source, src):
        msg = (
            f"{source.relpath!r} in the mirror folder {str(mirror)!r} does not match its registered sha256 "
            f"({source.sha256}, the file is {file_digest(src)}). Replace it with the file from {source.url}."
        )
        raise DownloadError(msg)
    if target.is_file() and file_digest(target) == file_digest(src):
        return target
    if target.is_file():
        log.warning("%s changed in the mirror; copying it again", source.relpath)
    files.atomic_copy(src, target)
    log.info("copied %r from the mirror (%d bytes)", str(src), src.stat().st_size)
    return target


def _download(source: Source, target: Path, *, progress: bool) -> Path:
    """Download ``source.url`` over ``target`` atomically; a failed download leaves any previous copy in place."""
    downloader = pooch.HTTPDownloader(progressbar=progress, timeout=TIMEOUT_S)
    try:
        with files.atomic_path(target) as tmp:
            downloader(source.url, str(tmp), None)
            if not _matches_pin(source, tmp):
                msg = (
                    f"{source.relpath!r} downloaded from {source.url} does not match its registered sha256 "
                    f"({source.sha256}, the download is {file_digest(tmp)}). The upstream file changed: "
                    "check it and update layers/sources.py, or use a mirror (CLUSTERMAP_MIRROR)."
                )
                raise DownloadError(msg)
    except DownloadError:
        raise
    except Exception as e:  # network errors of every kind: requests, proxy, socket, SSL, HTTP status
        msg = (
            f"Could not download {source.relpath!r} from {source.url} ({type(e).__name__}). "
            "Without network access, set CLUSTERMAP_MIRROR to a folder holding the same file names "
            "(for example CLUSTERMAP_MIRROR=../shared/data)."
        )
        raise DownloadError(msg) from e
    log.info("downloaded %s (%d bytes)", source.url, target.stat().st_size)
    return target


def _matches_pin(source: Source, path: Path) -> bool:
    """Whether ``path`` has the registry's pinned sha256 (always true where none is pinned)."""
    return source.sha256 is None or file_digest(path) == source.sha256
