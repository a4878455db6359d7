"""Shared fixtures: the real mirror, a build into a temp folder, a live app and a browser.

Tests read the mirror (``CLUSTERMAP_MIRROR``, default ``../shared/data`` beside the
checkout) and write only into pytest's temp folders.
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
from dashboard.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (re-exported for the browser tests)


@pytest.fixture(scope="session")
def mirror() -> Path:
    path = Path(os.environ.get("CLUSTERMAP_MIRROR") or REPO.parent / "shared" / "data").resolve()
    if not (path / "eurostat" / "sbs_r_nuts06_r2.tsv.gz").is_file():
        pytest.fail(f"No data mirror at {path}; set CLUSTERMAP_MIRROR to a folder laid out like ../shared/data")
    return path


@pytest.fixture(scope="session")
def sbs_path(mirror: Path) -> Path:
    return mirror / "eurostat" / "sbs_r_nuts06_r2.tsv.gz"


@pytest.fixture(scope="session")
def sbs(sbs_path: Path):
    from layers.eurostat import read_eurostat_tsv

    return read_eurostat_tsv(sbs_path)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, mirror: Path):
    """A full build from the mirror into a session temp data folder: (data_dir, report)."""
    from layers.build import build

    data_dir = tmp_path_factory.mktemp("data")
    report = build(data_dir=data_dir, mirror=mirror)
    return data_dir, report


@pytest.fixture(scope="session")
def dashboard_data(built):
    from dashboard.data import load_dashboard_data

    data_dir, _ = built
    return load_dashboard_data(data_dir=data_dir)


@contextmanager
def serving(data):
    """The app over ``data`` served on a free loopback port in a background thread; yields its base URL."""
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    server = make_server("127.0.0.1", 0, create_app(data).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def live_app(dashboard_data):
    """The app on the mirror's build; yields its base URL."""
    with serving(dashboard_data) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (or run bash .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_app):
    """A fresh page that records every request and console error."""
    # Playwright's wait_for_function evaluates its predicate string, which the app's Content-Security-Policy
    # forbids (no 'unsafe-eval'); tests/test_server.py checks the policy in a context without this bypass.
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.requests = []
    page.console_errors = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def save_artifact(page, name: str) -> Path:
    """Screenshot into ``artifacts/`` for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def cut_mirror(mirror: Path, target: Path) -> Path:
    """Copy the mirror into ``target`` (tests then damage or trim the copy, never the mirror)."""
    shutil.copytree(mirror, target, dirs_exist_ok=True)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target
