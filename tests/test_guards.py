"""The conftest guards fire: a browser without the ``browser`` marker fails, and under CI=true no test skips.

Each check runs a small pytest session in a subprocess, in a temp folder, with this
project's ``tests/conftest.py`` loaded as a plugin, and reads the outcome of each test.
The browser check starts Chromium inside that inner session (to show that the guard
catches it), so it carries the ``browser`` marker itself: ``-m "not browser"`` skips it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import CHROMIUM, REPO

INNER = """
import os, signal, subprocess, time
import pytest
from dashboard.chromium import CHROMIUM


def test_control_without_a_browser():
    assert subprocess.run(["true"]).returncode == 0


def test_popen_of_chromium_without_the_marker():
    subprocess.run([CHROMIUM, "--version"], capture_output=True)


def test_popen_failure_hidden_by_the_test_still_fails():
    try:
        subprocess.run([CHROMIUM, "--version"], capture_output=True)
    except Exception:  # what a renderer thread would do: turn it into "export unavailable"
        pass


def test_chromium_started_around_subprocess_without_the_marker(request, tmp_path):
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}", "about:blank"]
    pid = os.posix_spawn(CHROMIUM, argv, dict(os.environ), setpgroup=0)  # not through subprocess.Popen

    def stop():
        for _ in range(100):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        os.waitpid(pid, 0)

    request.addfinalizer(stop)
    time.sleep(1.5)


@pytest.mark.browser
def test_chromium_with_the_marker():
    assert b"Chromium" in subprocess.run([CHROMIUM, "--version"], capture_output=True, check=True).stdout

"""

INNER_SKIPS = """
import pytest


def test_runs():
    pass


def test_skips():
    pytest.skip("an optional thing is missing")
"""

INNER_MODULE_SKIP = """
import pytest
pytest.importorskip("no_such_module_for_the_guard_test")


def test_never_runs():
    pass
"""


def inner_session(tmp_path: Path, files: dict[str, str], *, ci: bool, report: Path | None = None) -> subprocess.CompletedProcess:
    """A pytest session over ``files`` in ``tmp_path``, with this project's conftest as a plugin."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(REPO)}
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "-rA",
            "-q",
            "--continue-on-collection-errors",
            "-W",
            "ignore::pytest.PytestUnknownMarkWarning",
            *([f"--junitxml={report}"] if report else []),
            *files,
        ],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_inner(tmp_path: Path, files: dict[str, str], *, ci: bool) -> dict[str, str]:
    """Outcome per test name (``passed``, ``failed``, ``skipped``, ``error``) of an inner session over ``files``, plus its output."""
    report = tmp_path / "report.xml"
    done = inner_session(tmp_path, files, ci=ci, report=report)
    outcomes = {"output": done.stdout + done.stderr}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[case.get("name")] = {"failure": "failed", "error": "error", "skipped": "skipped"}[kinds[0]] if kinds else "passed"
    return outcomes


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")
def test_a_browser_without_the_marker_fails(tmp_path):
    got = run_inner(tmp_path, {"test_inner.py": INNER}, ci=False)
    out = got["output"]
    assert got["test_control_without_a_browser"] == "passed", out
    assert got["test_chromium_with_the_marker"] == "passed", out
    assert got["test_popen_of_chromium_without_the_marker"] == "failed", out
    assert got["test_popen_failure_hidden_by_the_test_still_fails"] == "failed", out
    assert got["test_chromium_started_around_subprocess_without_the_marker"] == "failed", out
    assert "launched Chromium without the `browser` marker (started" in out, out
    assert "left running: process" in out, out


def test_a_skip_stays_a_skip_outside_ci(tmp_path):
    got = run_inner(tmp_path, {"test_inner.py": INNER_SKIPS, "test_inner_module_skip.py": INNER_MODULE_SKIP}, ci=False)
    assert got["test_runs"] == "passed", got["output"]
    assert got["test_skips"] == "skipped" and got["test_inner_module_skip"] == "skipped", got["output"]


def test_under_ci_every_skip_fails(tmp_path):
    got = run_inner(tmp_path, {"test_inner.py": INNER_SKIPS, "test_inner_module_skip.py": INNER_MODULE_SKIP}, ci=True)
    out = got["output"]
    assert got["test_runs"] == "passed", out
    assert got["test_skips"] == "failed", out
    assert "skipped under CI=true (Skipped: an optional thing is missing)" in out, out
    assert got["test_inner_module_skip"] == "error", out
    assert "module skipped under CI=true" in out and "no_such_module_for_the_guard_test" in out, out


def test_the_browser_fixture_without_the_marker_stops_the_session(tmp_path):
    done = inner_session(tmp_path, {"test_inner.py": "def test_uses_a_browser(browser):\n    pass\n"}, ci=False)
    out = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, out
    assert "use the `browser` fixture without the `browser` marker" in out and "test_inner.py::test_uses_a_browser" in out, out
