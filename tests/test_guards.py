"""The conftest guards fire: a browser without the ``browser`` marker fails, and under CI=true no test skips.

Each check runs a small pytest session in a subprocess, in a temp folder, with this
project's ``tests/conftest.py`` loaded as a plugin, and reads the outcome of each test.
The tests here start Chromium only inside that inner session (and only to show that
the guard catches it), so they carry no ``browser`` marker themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import CHROMIUM, REPO

INNER = '''
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


def test_skips():
    pytest.skip("an optional thing is missing")
'''

INNER_MODULE_SKIP = '''
import pytest
pytest.importorskip("no_such_module_for_the_guard_test")


def test_never_runs():
    pass
'''


def run_inner(tmp_path: Path, *, ci: bool) -> dict[str, str]:
    """Outcome per test name (``passed``, ``failed``, ``skipped``, ``error``) of the inner session, plus its output."""
    (tmp_path / "test_inner.py").write_text(INNER)
    (tmp_path / "test_inner_module_skip.py").write_text(INNER_MODULE_SKIP)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(REPO)}
    if ci:
        env["CI"] = "true"
    report = tmp_path / "report.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-rA", "-q",
         "--continue-on-collection-errors", "-W", "ignore::pytest.PytestUnknownMarkWarning", f"--junitxml={report}", "test_inner.py", "test_inner_module_skip.py"],
        check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    outcomes = {"output": done.stdout + done.stderr}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[case.get("name")] = {"failure": "failed", "error": "error", "skipped": "skipped"}[kinds[0]] if kinds else "passed"
    return outcomes


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")
def test_a_browser_without_the_marker_fails(tmp_path):
    got = run_inner(tmp_path, ci=False)
    out = got["output"]
    assert got["test_control_without_a_browser"] == "passed", out
    assert got["test_chromium_with_the_marker"] == "passed", out
    assert got["test_popen_of_chromium_without_the_marker"] == "failed", out
    assert got["test_popen_failure_hidden_by_the_test_still_fails"] == "failed", out
    assert got["test_chromium_started_around_subprocess_without_the_marker"] == "failed", out
    assert "launched Chromium without the `browser` marker (started" in out, out
    assert "left running: process" in out, out
    assert got["test_skips"] == "skipped" and got["test_inner_module_skip"] == "skipped", out  # not CI: a skip stays a skip


def test_under_ci_every_skip_fails(tmp_path):
    got = run_inner(tmp_path, ci=True)
    out = got["output"]
    assert got["test_skips"] == "failed", out
    assert "skipped under CI=true (Skipped: an optional thing is missing)" in out, out
    assert got["test_inner_module_skip"] == "error", out
    assert "module skipped under CI=true" in out and "no_such_module_for_the_guard_test" in out, out
