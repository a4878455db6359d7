"""Which code a benchmark measured: shared by the benchmark scripts, printed with every table."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path


def code_state() -> str:
    """Where the app code is imported from, its git state if that is a checkout, and a content hash of it.

    The hash covers every file under ``layers/``, ``dashboard/`` and ``assets/``
    of the imported copy, so a table can be tied to the exact code it measured
    (also when that copy is a ``git archive`` export, or others edit the tree).
    """
    import importlib.util

    root = Path(importlib.util.find_spec("layers").origin).resolve().parents[1]  # finds, does not import
    digest = hashlib.sha256()
    for path in sorted(p for d in ("layers", "dashboard", "assets") for p in (root / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True).stdout

    where = f"code: {root}, app code sha256 {digest.hexdigest()[:12]}"
    if Path(git("rev-parse", "--show-toplevel").strip() or "/nonexistent").resolve() != root:
        return f"{where} (not a git checkout)"
    status = git("status", "--porcelain", "--untracked-files=all", "--", "layers", "dashboard", "assets").splitlines()
    changed = sorted(line[3:].split(" -> ")[-1] for line in status if line.strip())
    dirty = f" + uncommitted changes to {len(changed)} files ({', '.join(changed)})" if changed else ""
    return f"{where}, HEAD {git('rev-parse', '--short', 'HEAD').strip()}{dirty}"
