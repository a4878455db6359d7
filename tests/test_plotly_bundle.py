"""The custom plotly.js bundle: current, complete for the app's traces, served compressed, and the only Plotly the pages load.

``assets/vendor/plotly-custom.min.js`` is built by ``tools/plotly-bundle`` (see its README) and
committed (its brotli and gzip copies are made by the server, once); ``dashboard.app`` serves it and puts it before Dash's
scripts, so dcc.Graph finds ``window.Plotly`` and never fetches plotly.py's full ``plotly.min.js``.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dashboard.static_files import PLOTLY_JS, PLOTLY_ROUTE, plotly_bundle

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "plotly-bundle"
FULL_PLOTLY = ("plotly.min.js", "package_data/plotly", "async-plotlyjs", "cdn.plot.ly")
"""Parts of a URL that mean the full plotly.js (plotly.py's copy, dcc's old chunk, the CDN)."""


def entry_traces() -> set[str]:
    """The traces ``tools/plotly-bundle/entry.js`` registers, plus ``scatter`` (plotly.js core always has it)."""
    text = (TOOL / "entry.js").read_text()
    return {"scatter", *re.findall(r"require\('plotly\.js/lib/(\w+)'\)", text)} - {"core"}


def header_traces(js: str) -> set[str]:
    match = re.match(r"/\*\*\n\* plotly\.js \(custom: ([a-z, ]+) - minified\) v([\d.]+)\n", js)
    assert match, "the bundle does not start with plotly.js's licence header"
    return set(match.group(1).split(", "))


def app_trace_types() -> set[str]:
    """Every plotly trace type the dashboard's Python or JavaScript names (``"type": "bar"``, ``go.Choropleth(``, ``type: 'scattergeo'``)."""
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    classes = (getattr(go, name) for name in go.__all__)  # plotly.graph_objects imports its classes lazily
    traces = {cls.__name__.lower() for cls in classes if isinstance(cls, type) and issubclass(cls, BaseTraceType)}
    found = set()
    sources = [*sorted((REPO / "dashboard").glob("*.py")), *sorted((REPO / "assets").glob("*.js"))]
    for path in sources:
        text = path.read_text()
        found |= {m.lower() for m in re.findall(r"""["']?type["']?\s*[:=]\s*["'](\w+)["']""", text)}
        found |= {m.lower() for m in re.findall(r"\bgo\.(\w+)\(", text)}
    return found & traces


def test_bundle_is_the_plotly_version_dash_ships_with_its_licence():
    from plotly.offline import get_plotlyjs_version

    js = PLOTLY_JS.read_text(encoding="utf-8")
    version = re.match(r"/\*\*\n\* plotly\.js \(custom: [a-z, ]+ - minified\) v([\d.]+)\n", js)
    assert version and version.group(1) == get_plotlyjs_version(), "rebuild tools/plotly-bundle with the plotly.js of plotly.py"
    assert "* Licensed under the MIT license" in js[:400] and "Copyright 2012-" in js[:400]
    assert js.rstrip().endswith("window.Plotly = Plotly;")
    assert '"plotly.js": "' + get_plotlyjs_version() + '"' in (TOOL / "package.json").read_text()


def test_bundle_holds_every_trace_the_app_draws():
    used = app_trace_types()
    assert {"choropleth", "bar"} <= used, f"the trace scan found only {sorted(used)}"  # the scan itself works
    bundled = header_traces(PLOTLY_JS.read_text(encoding="utf-8"))
    assert bundled == entry_traces(), "the committed bundle is not the build of entry.js: run npm run build in tools/plotly-bundle"
    missing = used - bundled
    assert not missing, f"add {sorted(missing)} to tools/plotly-bundle/entry.js and rebuild"


def test_compressed_copies_are_made_once_into_the_data_folder(tmp_path):
    import brotli

    plain = PLOTLY_JS.read_bytes()
    version = hashlib.sha256(plain).hexdigest()[:16]
    bundle = plotly_bundle.__wrapped__(PLOTLY_JS, tmp_path)
    copies = {p.name: p for p in tmp_path.iterdir()}
    assert set(copies) == {f"plotly-custom-{version}.min.js.br", f"plotly-custom-{version}.min.js.gz"}
    assert brotli.decompress(copies[f"plotly-custom-{version}.min.js.br"].read_bytes()) == plain
    assert gzip.decompress(copies[f"plotly-custom-{version}.min.js.gz"].read_bytes()) == plain
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in copies.values())  # a server running as another user reads them
    assert set(bundle.encoded) == {"br", "gzip"} and len(bundle.encoded["br"]) < 0.35 * len(plain)
    # a later start reads the copies instead of compressing again; a damaged copy is made again
    stamps = {name: p.stat().st_mtime_ns for name, p in copies.items()}
    copies[f"plotly-custom-{version}.min.js.gz"].write_bytes(b"damaged")
    again = plotly_bundle.__wrapped__(PLOTLY_JS, tmp_path)
    assert again.encoded == bundle.encoded
    assert copies[f"plotly-custom-{version}.min.js.br"].stat().st_mtime_ns == stamps[f"plotly-custom-{version}.min.js.br"]
    assert gzip.decompress(copies[f"plotly-custom-{version}.min.js.gz"].read_bytes()) == plain


def test_no_compressed_copy_is_committed():
    tracked = subprocess.run(["git", "ls-files", "assets/vendor"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert tracked and not [name for name in tracked if name.endswith((".br", ".gz"))], tracked


def fetch(url: str, encoding: str | None, etag: str | None = None):
    headers = {"Accept-Encoding": encoding} if encoding else {"Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_route_serves_the_precompressed_copy_the_browser_accepts(live_app):
    import brotli

    bundle = plotly_bundle()
    url = f"{live_app}{bundle.url}"
    status, headers, body = fetch(url, "gzip, deflate, br, zstd")
    assert status == 200 and headers["Content-Encoding"] == "br" and brotli.decompress(body) == bundle.plain
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable" and "Accept-Encoding" in headers["Vary"]
    assert headers["Content-Type"].startswith("text/javascript")
    status, headers, body = fetch(url, "gzip")
    assert status == 200 and headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == bundle.plain
    status, headers, body = fetch(url, None)
    assert status == 200 and "Content-Encoding" not in headers and body == bundle.plain
    status, _, body = fetch(url, "br", etag=fetch(url, "br")[1]["ETag"])
    assert status == 304 and body == b""
    # without the current version in the URL it is not cached blindly
    assert fetch(f"{live_app}{PLOTLY_ROUTE}?v=old", "br")[1]["Cache-Control"] == "no-cache"


def test_topojson_base_maps_are_served_compressed(live_app):
    for path in sorted((REPO / "assets" / "topojson").glob("*.json")):
        status, headers, body = fetch(f"{live_app}/assets/topojson/{path.name}", "gzip")
        assert status == 200 and headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == path.read_bytes()
        assert headers["Content-Type"].startswith("application/json")
        status, _, _ = fetch(f"{live_app}/assets/topojson/{path.name}", "gzip", etag=headers["ETag"])
        assert status == 304
    assert fetch(f"{live_app}/assets/topojson/missing.json", "gzip")[0] == 404
    # the rest of assets/ is still Dash's
    assert fetch(f"{live_app}/assets/topojson/README.md", None)[0] == 200


def test_page_scripts_and_styles_are_served_compressed(live_app):
    files = sorted(p for p in (REPO / "assets").iterdir() if p.suffix in (".js", ".css"))
    assert {"map.js", "url_state.js", "style.css"} <= {p.name for p in files}
    for path in files:
        status, headers, body = fetch(f"{live_app}/assets/{path.name}?m=1", "gzip")
        assert status == 200 and headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == path.read_bytes(), path.name
        assert headers["Content-Type"].startswith("text/css" if path.suffix == ".css" else "text/javascript")
        assert fetch(f"{live_app}/assets/{path.name}", "gzip", etag=headers["ETag"])[0] == 304
    assert fetch(f"{live_app}/assets/missing.js", "gzip")[0] == 404


def plotly_requests(page) -> list[str]:
    return [u for u in page.requests if any(part in u for part in FULL_PLOTLY) or PLOTLY_ROUTE in u or "mathjax" in u.lower()]


def drawn(page, selector: str) -> int:
    """How many elements match ``selector`` with a drawn, non-empty box."""
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => { const b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0 && (e.getAttribute('d') || '').length > 4; }).length",
    )


@pytest.mark.browser
def test_app_draws_map_ranking_and_portfolio_with_the_custom_bundle_only(page, live_app):
    bundle = plotly_bundle()
    page.goto(f"{live_app}/?level=2&sector=C29&year=2014")
    page.wait_for_function("document.querySelectorAll('#map .choroplethlayer path').length > 0", timeout=30_000)
    page.wait_for_function("document.querySelectorAll('#ranking-bars .barlayer .point path').length > 0", timeout=30_000)
    assert drawn(page, "#map .choroplethlayer path") > 200
    assert drawn(page, "#ranking-bars .barlayer .point path") >= 10
    # the base map came from the app's own topojson (config topojsonURL: /assets/topojson/)
    assert any(u.startswith(f"{live_app}/assets/topojson/") and u.endswith(".json") for u in page.requests)

    # the region portfolio: click Stuttgart on the map, its bar chart draws
    index = page.evaluate("document.querySelector('#map .js-plotly-plot').data[0].locations.indexOf('DE11')")
    assert index >= 0
    page.locator("#map .choroplethlayer path").nth(index).click(force=True)
    page.wait_for_function("document.querySelectorAll('#portfolio-panel .portfolio-chart .barlayer .point path').length > 0", timeout=15_000)
    assert drawn(page, "#portfolio-panel .portfolio-chart .barlayer .point path") >= 5

    info = page.evaluate(
        "() => ({version: window.Plotly && Plotly.version, traces: Object.keys(Plotly.PlotSchema.get().traces), mathjax: typeof window.MathJax,"
        " scripts: Array.from(document.scripts, s => s.getAttribute('src')).filter(Boolean)})"
    )
    from plotly.offline import get_plotlyjs_version

    assert info["version"] == get_plotlyjs_version()
    assert set(info["traces"]) == header_traces(bundle.plain.decode("utf-8")) >= app_trace_types()
    assert info["mathjax"] == "undefined"
    # the bundle is a plain script before Dash's own components, so window.Plotly exists before dcc.Graph looks
    scripts = info["scripts"]
    assert scripts.index(bundle.url) < min(i for i, s in enumerate(scripts) if "dash_core_components" in s)
    assert plotly_requests(page) == [f"{live_app}{bundle.url}"], "a second Plotly (or MathJax) was fetched"
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


@pytest.mark.browser
def test_embed_page_draws_with_the_custom_bundle_only(page, live_app):
    bundle = plotly_bundle()
    page.goto(f"{live_app}/embed?level=1&sector=C29&indicator=lq&year=2012")
    page.wait_for_function("document.querySelectorAll('#map .choroplethlayer path').length > 0", timeout=30_000)
    assert drawn(page, "#map .choroplethlayer path") > 50
    assert "C29" in (page.text_content("#map .gtitle") or "")
    assert any(u.startswith(f"{live_app}/assets/topojson/") for u in page.requests)
    assert plotly_requests(page) == [f"{live_app}{bundle.url}"]
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


@pytest.mark.browser
def test_without_the_bundle_dcc_graph_fetches_the_full_plotly(browser, dashboard_data):
    """The control: the check above would see the full plotly.min.js if the page did not define window.Plotly first."""
    import threading

    from werkzeug.serving import make_server

    from dashboard.app import create_app

    server = make_server("127.0.0.1", 0, create_app(dashboard_data, custom_plotly=False).server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)  # wait_for_function evaluates strings: conftest.page
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{base}/?level=0")
        page.wait_for_function("document.querySelectorAll('#map .choroplethlayer path').length > 0", timeout=60_000)
        assert any("package_data/plotly.min.js" in u for u in requests)
        assert not any(PLOTLY_ROUTE in u for u in requests)
    finally:
        context.close()
        server.shutdown()
        server.server_close()
