"""The one place that downloads and caches upstream files (through pooch)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pooch

from layers._errors import DownloadError
from layers.sources import Source

log = logging.getLogger(__name__)


def _mirror_copier(mirror: Path, source: Source):
    """A pooch downloader that copies the file from a mirror folder instead of the web."""

    def copy(url: str, output_file: str, pooch_obj: object, check_only: bool = False) -> bool | None:
        src = mirror / source.relpath
        if check_only:
            return src.is_file()
        if not src.is_file():
            msg = (
                f"{source.relpath!r} is not in the mirror folder {str(mirror)!r}. "
                f"Put the file downloaded from {source.url} there, or unset CLUSTERMAP_MIRROR to download it."
            )
            raise DownloadError(msg)
        shutil.copyfile(src, output_file)
        log.info("copied %r from mirror (%d bytes)", str(src), src.stat().st_size)
        return None

    return copy


def fetch(source: Source, *, cache: Path, mirror: Path | None, progress: bool = False) -> Path:
    """Return the local path of ``source``, downloading or copying it once.

    The hash is checked when the registry pins one, so a changed or damaged file
    is fetched again instead of being used.
    """
    target = cache / source.relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    known_hash = f"sha256:{source.sha256}" if source.sha256 else None
    if mirror is not None:
        downloader = _mirror_copier(mirror, source)
        pooch.get_logger().setLevel(logging.WARNING)  # it would announce a web download
    else:
        downloader = pooch.HTTPDownloader(progressbar=progress, timeout=60)
    try:
        path = pooch.retrieve(
            source.url,
            known_hash=known_hash,
            fname=target.name,
            path=target.parent,
            downloader=downloader,
            progressbar=progress,
        )
    except DownloadError:
        raise
    except ValueError as e:  # pooch's hash mismatch
        msg = f"{source.relpath!r} does not match its registered sha256 ({e}). Delete {str(target)!r} or fix the mirror copy."
        raise DownloadError(msg) from e
    except Exception as e:  # network errors of every kind: requests, socket, SSL
        msg = (
            f"Could not download {source.relpath!r} from {source.url} ({type(e).__name__}). "
            "Without network access, set CLUSTERMAP_MIRROR to a folder holding the same file names "
            "(for example CLUSTERMAP_MIRROR=../shared/data)."
        )
        raise DownloadError(msg) from e
    return Path(path)
