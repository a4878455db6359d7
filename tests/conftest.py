"""Shared fixtures: the real mirror, a build into a temp folder, a live app and a browser.

Tests read the mirror (``CLUSTERMAP_MIRROR``, default ``../shared/data`` beside the
checkout) and write only into pytest's temp folders.

Two guards hold for every test (proved by ``tests/test_guards.py``):

- **A browser only with the ``browser`` marker**, so ``pytest -m "not browser"`` starts
  none. A test whose fixtures include ``browser`` without the marker stops the session
  at collection. In a test without the marker, starting a process whose command names Chromium
  through ``subprocess`` (Playwright's driver aside, that is how kaleido starts it)
  raises, and any Chromium process still running after a test phase that carries
  this test's tag in its environment (``CLUSTERMAP_TEST_TAG``, inherited by every
  process a test starts, however it starts it) fails the test.
- **Under ``CI=true`` nothing skips**: a skipped test or module is reported as a failure
  (a missing optional dependency, browser or mirror file must be installed, not
  ignored). ``ALLOWED_CI_SKIPS`` lists deliberate exceptions; there are none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dashboard.chromium import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "cut_mirror", "save_artifact", "serving"]  # what browser tests import from here

CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
ALLOWED_CI_SKIPS: dict[str, str] = {}
"""Test ids that may skip under CI=true, with why. Deliberately empty."""
BROWSER_TAG = "CLUSTERMAP_TEST_TAG"
BROWSER_NAMES = ("chromium", "chromium-browser", "chrome", "google-chrome", "headless_shell", "chrome-headless-shell")


class BrowserWithoutMarker(RuntimeError):
    """A test without the ``browser`` marker tried to start Chromium."""


# ---------------------------------------------------------------- CI=true: no skips


def _skip_reason(longrepr) -> str:
    return str(longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    if CI and report.skipped and not hasattr(report, "wasxfail") and item.nodeid not in ALLOWED_CI_SKIPS:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true ({_skip_reason(report.longrepr)}); under CI nothing may skip: install what is missing"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    report = yield
    if CI and report.skipped and collector.nodeid not in ALLOWED_CI_SKIPS:
        report.outcome = "failed"
        report.longrepr = f"module skipped under CI=true ({_skip_reason(report.longrepr)}); under CI nothing may skip: install what is missing"
    return report


# ---------------------------------------------------------------- no browser without the marker


def _names_a_browser(args) -> bool:
    argv = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    return any(Path(os.fsdecode(a)).name in BROWSER_NAMES or os.fsdecode(a) == CHROMIUM for a in argv)


def tagged_browsers(tag: str) -> list[str]:
    """Running Chromium processes started with ``tag`` in their environment: ``"<pid> <name>"``."""
    found = []
    wanted = f"{BROWSER_TAG}={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
            if name.startswith(("chrom", "headless")) and wanted in (entry / "environ").read_bytes().split(b"\0"):
                found.append(f"{entry.name} {name}")
        except OSError:  # gone meanwhile, or another user's: not ours
            continue
    return sorted(found)


@contextmanager
def _popen_refuses_browsers(launches: list[str]) -> Iterator[None]:
    """``subprocess.Popen`` raises :class:`BrowserWithoutMarker` for a Chromium command (and records it)."""
    original = subprocess.Popen.__init__

    def guarded(self, args, *rest, **kwargs):
        if _names_a_browser(args):
            launches.append(" ".join(map(os.fsdecode, [args] if isinstance(args, (str, bytes)) else args))[:200])
            raise BrowserWithoutMarker(f"this test has no `browser` marker but starts Chromium: {launches[-1]}")
        original(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = guarded  # type: ignore[method-assign]
    try:
        yield
    finally:
        subprocess.Popen.__init__ = original  # type: ignore[method-assign]


_REPORTED = pytest.StashKey[set]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Before anything runs: a test that asks for the ``browser`` fixture (directly or through another) needs the marker."""
    unmarked = [i.nodeid for i in items if "browser" in getattr(i, "fixturenames", ()) and not i.get_closest_marker("browser")]
    if unmarked:
        raise pytest.UsageError(f"these tests use the `browser` fixture without the `browser` marker (add @pytest.mark.browser): {', '.join(unmarked)}")


def _browser_guard(item: pytest.Item, phase: str) -> Generator[None, object, object]:
    tag = f"{os.getpid()}-{item.nodeid}"
    os.environ[BROWSER_TAG] = tag  # every process this phase starts inherits it
    if item.get_closest_marker("browser") or not sys.platform.startswith("linux"):
        return (yield)
    launches: list[str] = []
    error: BaseException | None = None
    result = None
    with _popen_refuses_browsers(launches):
        try:
            result = yield
        except BaseException as e:  # re-raised below, or chained to the guard's failure
            error = e
    reported = item.stash.setdefault(_REPORTED, set())
    running = [p for p in tagged_browsers(tag) if p not in reported]
    reported.update(running)
    if launches or running:
        what = "; ".join([*(f"started {c}" for c in launches), *(f"left running: process {p}" for p in running)])
        raise pytest.fail.Exception(
            f"{item.nodeid} ({phase}) launched Chromium without the `browser` marker ({what}). Mark it @pytest.mark.browser, or do not start a browser.",
            pytrace=False,
        ) from error
    if error is not None:
        raise error
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    return (yield from _browser_guard(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    return (yield from _browser_guard(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem):
    return (yield from _browser_guard(item, "teardown"))


# ---------------------------------------------------------------- fixtures


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
def nuts_2024_file(mirror: Path) -> Path:
    """The mirror's GISCO NUTS 2024 file (the points tests' regions); missing is a failure, not a skip."""
    path = mirror / "gisco" / "NUTS_RG_20M_2024_4326.geojson"
    if not path.is_file():
        pytest.fail(f"NUTS 2024 file missing from the mirror: {path}; copy it from ../shared/data/gisco/")
    return path


@pytest.fixture(scope="session")
def raw(mirror: Path):
    """The raw statistics file read by the tests' own parser (:mod:`tests.raw_sbs`): the expected numbers."""
    from tests.raw_sbs import RawSbs

    return RawSbs(mirror / "eurostat" / "sbs_r_nuts06_r2.tsv.gz", mirror / "gisco" / "NUTS_RG_20M_2013_4326.geojson")


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
    if not Path(CHROMIUM).exists():  # a skip, which fails under CI=true (see pytest_runtest_makereport)
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
