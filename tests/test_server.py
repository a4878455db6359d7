"""``clustermap serve`` as an operator runs it: a real gunicorn (and ``--dev``) on a free port, driven over HTTP.

The servers run as subprocesses (``python -m dashboard.cli serve``) over the data folder
built from the mirror; expected values come from that folder (file names, times) and from
the HTTP standard, not from the server's own code. The browser test checks the
Content-Security-Policy against what Dash and Plotly really do in Chromium.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import REPO

START_TIMEOUT = 240.0
"""Seconds a server may take to answer /readyz (imports, the build check, the workers' loading) on a busy machine."""
STOP_TIMEOUT = 40.0
WORKERS = 2
DEV_WARNING = "development server"
SECURITY = ("X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base: str, path: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) for ``path`` sent exactly as given (no client-side ``..`` clean-up)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendants(pid: int) -> list[int]:
    out = []
    for child in children(pid):
        out += [child, *descendants(child)]
    return out


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


@contextmanager
def clustermap_serve(data_dir: Path, log: Path, *args: str, module: list[str] | None = None):
    """A server subprocess over ``data_dir`` until /readyz answers 200; yields (base URL, process). Stopped with SIGTERM, bounded."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "CLUSTERMAP_DATA_DIR": str(data_dir)}
    if module:  # another command line (gunicorn's own), told where to listen
        command = [*module, "--bind", f"127.0.0.1:{port}"]
    else:
        command = [sys.executable, "-m", "dashboard.cli", "serve", "--port", str(port), *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if request(base, "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"no /readyz 200 within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
                pytest.fail(f"the server did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM")


@pytest.fixture(scope="module")
def gunicorn(built, tmp_path_factory):
    """``clustermap serve --workers 2 --threads 2`` over the built folder: (base URL, process, log path)."""
    data_dir, _ = built
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with clustermap_serve(data_dir, log, "--workers", str(WORKERS), "--threads", "2") as (base, proc):
        yield base, proc, log
    # a clean stop: gunicorn's master exits 0 after its workers
    assert proc.returncode == 0, log.read_text()[-2000:]


def test_serve_runs_gunicorn_with_its_workers_and_no_development_server(gunicorn):
    base, proc, log = gunicorn
    text = log.read_text()
    assert DEV_WARNING not in text.lower() and "werkzeug" not in text.lower()
    assert "Starting gunicorn" in text and "Using worker: gthread" in text
    booted = [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", text)]
    assert len(booted) == WORKERS
    assert sorted(booted) == sorted(pid for pid in children(proc.pid) if command_name(pid) != "chromium")
    status, headers, _ = request(base, "/")
    assert status == 200 and headers["Server"] == "gunicorn"


def test_healthz_and_readyz_name_the_data_files_and_their_build_time(gunicorn, built):
    base, _, _ = gunicorn
    data_dir, _ = built
    status, headers, body = request(base, "/healthz")
    assert status == 200 and headers["Content-Type"] == "application/json" and json.loads(body) == {"status": "alive"}
    status, headers, body = request(base, "/readyz")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    ready = json.loads(body)
    assert ready["status"] == "ready"
    files = {f["path"]: f for f in ready["files"]}
    expected = {"clusters.parquet", "build_report.json", "nuts/nuts_2013_20m.parquet", "nuts/nuts_2024_20m.parquet"}
    assert expected <= set(files), files
    for name in expected:
        stat = (data_dir / name).stat()
        built_at = datetime.fromtimestamp(int(stat.st_mtime), UTC)
        assert datetime.fromisoformat(files[name]["built"]) == built_at
        assert files[name]["bytes"] == stat.st_size
    assert str(data_dir) not in body.decode()  # relative to the data folder: nothing about where it is


KINDS = {
    "page": ("GET", "/?level=1&sector=C29", 200),
    "embed": ("GET", "/embed?level=0", 200),
    "layout": ("GET", "/_dash-layout", 200),
    "asset": ("GET", "/assets/style.css", 200),
    "bundle": ("GET", "/vendor/plotly-custom.min.js", 200),
    "shapes": ("GET", "/geometry/0.geojson", 200),
    "api": ("GET", "/api/v1/meta", 200),
    "api 400": ("GET", "/api/v1/values?level=9", 400),
    "csv": ("GET", "/export.csv?level=0&sector=C", 200),
    "map values": ("GET", "/map/values?level=0&sector=C", 200),
    "map values 400": ("GET", "/map/values?analysis=network", 400),
    "png head": ("HEAD", "/export.png?level=0", 200),
    "404": ("GET", "/no/such/page", 404),
    "api 404": ("GET", "/api/v1/nothing", 404),
    "health": ("GET", "/healthz", 200),
    "favicon": ("GET", "/favicon.ico", 200),
    "405": ("POST", "/api/v1/meta", 405),
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_response_carries_the_security_headers(gunicorn, kind):
    base, _, _ = gunicorn
    method, path, expected = KINDS[kind]
    status, headers, _ = request(base, path, method)
    assert status == expected
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    assert len(headers.get_all("Content-Security-Policy")) == 1
    policy = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ("*" if path.startswith("/embed") else "'self'")
    server = headers.get("Server", "")
    assert not re.search(r"\d|werkzeug|python", server, re.IGNORECASE), server


def test_a_server_error_carries_the_headers_too():
    """An exception no handler catches (a 500 page written by Flask itself) still goes out with the headers."""
    from flask import Flask

    from dashboard.server.policy import SecurityHeaders

    app = Flask("failing")

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.wsgi_app = SecurityHeaders(app.wsgi_app)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self';")
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_a_loading_worker_answers_health_at_once_and_the_app_once_loaded():
    """``LoadingApp``: /healthz 200 and /readyz 503 while the data loads; other requests wait for it."""
    import threading

    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    from dashboard.server.run import LoadingApp

    release = threading.Event()

    def load():
        release.wait(30)
        return Response("the app")

    client = Client(LoadingApp(load))
    health, ready = client.get("/healthz"), client.get("/readyz")
    assert health.status_code == 200 and ready.status_code == 503 and ready.headers["Retry-After"]
    assert ready.json == {"status": "loading"} and ready.headers["X-Content-Type-Options"] == "nosniff"
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(client.get("/").get_data(as_text=True)))
    waiting.start()
    waiting.join(0.5)
    assert answers == []  # held until the data is in memory, not refused
    release.set()
    waiting.join(30)
    assert answers == ["the app"]


def test_no_versions_in_headers_or_page_config(gunicorn):
    import dash
    import plotly

    base, _, _ = gunicorn
    _, _, body = request(base, "/")
    page = body.decode()
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page, re.DOTALL).group(1))
    assert not {"python_version", "dash_version", "plotly_version", "ddk_version", "dash_version_url"} & set(config)
    assert sys.version not in page and f'"{plotly.__version__}"' not in page and f'"{dash.__version__}"' not in page


@pytest.mark.parametrize("path", ["/nope", "/favicon.ico/x", "/wp-login.php", "/_dash-update-component", "/embed/x", "/geometry/9.geojson"])
def test_unknown_paths_answer_404(gunicorn, path):
    base, _, _ = gunicorn
    assert request(base, path)[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/dash/../dash.py",
        "/_dash-component-suites/nopkg/x.js",
        "/_dash-component-suites/dash/deps/../../../../etc/passwd",
        "/assets/../pyproject.toml",
    ],
)
def test_paths_out_of_the_app_answer_404_never_500(gunicorn, path):
    base, _, _ = gunicorn
    status, _, body = request(base, path)
    assert status in (400, 404), (status, body[:200])
    assert b"[project]" not in body and b"root:" not in body


def test_head_export_png_answers_without_rendering(gunicorn):
    base, proc, _ = gunicorn
    for _ in range(3):
        status, headers, body = request(base, "/export.png?level=2&sector=C29&width=600&height=400&scale=2", "HEAD")
        assert status == 200 and headers["Content-Type"] == "image/png" and body == b""
        assert "Content-Length" not in headers  # the length of a PNG nobody rendered is not known, so not claimed (0 would be false)
        assert headers["Content-Disposition"].endswith('.png"')
    # checked like a GET: a view or a size the GET refuses is refused, with the same error
    for query, parameter in (("level=9&sector=ZZZ", "level"), ("level=2&width=3000&height=3000&scale=4", "scale")):
        status, headers, _ = request(base, f"/export.png?{query}", "HEAD")
        get_status, _, get_body = request(base, f"/export.png?{query}")
        assert status == get_status == 400 and json.loads(get_body)["parameter"] == parameter
    # no worker started its browser for them (this module never GETs a PNG)
    assert [pid for pid in descendants(proc.pid) if "chrom" in command_name(pid)] == []


def test_dev_server_still_serves_the_app(built, tmp_path):
    data_dir, _ = built
    log = tmp_path / "dev.log"
    with clustermap_serve(data_dir, log, "--dev") as (base, proc):
        status, headers, body = request(base, "/")
        assert status == 200 and b"_dash-config" in body
        assert headers["Server"] == "clustermap"  # not Werkzeug/… Python/…
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert request(base, "/nope")[0] == 404
        assert children(proc.pid) == []  # one process, no gunicorn workers
    assert "gunicorn" not in log.read_text().lower()


def test_debug_needs_dev():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "serve", "--debug"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 2 and "--debug needs --dev" in run.stderr and "Traceback" not in run.stderr


def test_wsgi_module_serves_a_built_folder_and_refuses_an_unbuilt_one(built, tmp_path):
    data_dir, _ = built
    gunicorn_cmd = [sys.executable, "-m", "gunicorn", "dashboard.wsgi:server", "--workers", "1", "--no-control-socket"]
    with clustermap_serve(data_dir, tmp_path / "wsgi.log", module=gunicorn_cmd) as (base, _):
        assert request(base, "/")[0] == 200
        assert request(base, "/healthz")[0] == 200
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "CLUSTERMAP_DATA_DIR": str(empty)}
    run = subprocess.run([*gunicorn_cmd, "--bind", f"127.0.0.1:{free_port()}"], cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 3  # gunicorn stops: "Worker failed to boot"
    errors = [line for line in run.stderr.splitlines() if line.startswith("clustermap: error:")]
    expected = f"clustermap: error: {str(empty)!r} holds no build (build_report.json is missing). Run `clustermap build` with CLUSTERMAP_DATA_DIR={empty}."
    assert errors == [expected]
    assert not list(empty.iterdir())  # read-only: nothing written


CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/?level=1&sector=C29&year=2011", "/embed?level=2&sector=C&indicator=lq&year=2014"])
def test_the_map_draws_under_the_content_security_policy(browser, live_app, path):
    # a context of its own: the shared ``page`` fixture bypasses the CSP for Playwright's wait_for_function
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.add_init_script(CSP_WATCH)
        response = page.goto(f"{live_app}{path}")
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(".choroplethlayer path", timeout=30_000)
        page.wait_for_load_state("networkidle")
        assert page.locator(".choroplethlayer path").count() > 10
        if path.startswith("/?"):  # callbacks (server and clientside) under the policy: a year change redraws the map
            page.focus("#year [role=slider]")
            page.keyboard.press("ArrowRight")
            page.wait_for_selector("#map-heading:has-text('2012')", timeout=30_000)  # the map's title as page text (a clientside callback)
            assert "2012" in (page.text_content("#map .gtitle") or "")
            page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == []
        assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
    finally:
        context.close()
