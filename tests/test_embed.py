"""Embed pages, frame policy, the embed snippet, the PNG download and escaping, in a real browser.

Frames are tried from a host page served on another loopback port, so the
browser applies the ``frame-ancestors`` policy exactly as on a real site.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest

from tests.conftest import save_artifact

MAP_PATHS = ".choroplethlayer path"


def serve(app) -> tuple[str, object]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture(scope="module")
def host_site(tmp_path_factory):
    """A static site on another port: the page that embeds the map."""
    root = tmp_path_factory.mktemp("host")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def strict_app(dashboard_data):
    """The app with /embed allowed only on the observatory's own domain."""
    from dashboard.app import create_app

    url, server = serve(create_app(dashboard_data, frame_ancestors="https://www.clusterobservatory.eu"))
    yield url
    server.shutdown()
    server.server_close()


def host_page(host_site, name: str, src: str) -> str:
    root, origin = host_site
    (root / name).write_text(f'<!DOCTYPE html><title>host</title><iframe id="f" src="{src}" width="900" height="650"></iframe>')
    return f"{origin}/{name}"


def framed_map(page, src_prefix: str):
    """The iframe showing ``src_prefix``, once it has drawn the map (a Playwright timeout fails the test)."""
    frame = next((f for f in page.frames if f.url.startswith(src_prefix)), None)
    assert frame is not None, f"no frame loads {src_prefix}: {[f.url for f in page.frames]}"
    frame.wait_for_selector(MAP_PATHS, timeout=15_000)
    assert frame.locator(MAP_PATHS).count() > 0
    return frame


def assert_frame_refused(page, src: str, seen: int) -> None:
    """The browser refused to frame ``src`` (a frame-ancestors error naming its origin, after console message ``seen``), and no frame shows our map."""
    origin = "/".join(src.split("/")[:3])
    deadline = time.monotonic() + 15
    while not (refused := [e for e in page.console_errors[seen:] if "frame-ancestors" in e and origin in e]) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert refused, f"no frame-ancestors refusal for {origin} in the console: {page.console_errors[seen:]}"
    for frame in page.frames:
        if frame.url.startswith(src):
            assert frame.locator(MAP_PATHS).count() == 0, f"the refused frame {frame.url} drew the map"


def test_headers_frame_policy(live_app, strict_app):
    import urllib.request

    def policy(url: str) -> str:
        """The ``frame-ancestors`` directive of the page's one Content-Security-Policy (``dashboard.server.policy`` adds the rest)."""
        with urllib.request.urlopen(url) as response:
            (csp,) = response.headers.get_all("Content-Security-Policy")
            return next(d.strip() for d in csp.split(";") if d.strip().startswith("frame-ancestors"))

    assert policy(f"{live_app}/embed?level=0") == "frame-ancestors *"
    assert policy(f"{live_app}/") == "frame-ancestors 'self'"
    assert policy(f"{strict_app}/embed?level=0") == "frame-ancestors https://www.clusterobservatory.eu"


@pytest.mark.browser
def test_allowed_origin_embeds_the_map(page, live_app, host_site):
    src = f"{live_app}/embed?level=1&sector=C29&indicator=lq&year=2012"
    page.goto(host_page(host_site, "allowed.html", src))
    frame = framed_map(page, f"{live_app}/embed")
    assert "C29" in (frame.text_content("#map .gtitle") or "") and "2012" in (frame.text_content("#map .gtitle") or "")
    assert frame.get_by_text("© EuroGeographics for the administrative boundaries").count() > 0
    link = frame.get_by_role("link", name="Open the full view")
    assert link.get_attribute("href") == "/?level=1&sector=C29&indicator=lq&year=2012&scheme=quantiles&k=5"
    save_artifact(page, "embed_allowed")
    assert [u for u in page.requests if not (u.startswith(live_app) or u.startswith(host_site[1]))] == []


@pytest.mark.browser
def test_disallowed_origin_and_the_full_app_are_blocked(page, live_app, strict_app, host_site):
    page.goto(host_page(host_site, "blocked.html", f"{strict_app}/embed?level=0"))
    assert_frame_refused(page, f"{strict_app}/embed", seen=0)
    seen = len(page.console_errors)
    page.goto(host_page(host_site, "full_app.html", f"{live_app}/"))
    assert_frame_refused(page, f"{live_app}/", seen=seen)


@pytest.mark.browser
def test_url_opens_the_view_and_bad_parts_show_a_notice(page, live_app):
    page.goto(f"{live_app}/?level=0&sector=C29&year=2011&bogus=1&indicator=nope")
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('Countries (NUTS 0)')", timeout=30_000)
    title = page.text_content("#map .gtitle") or ""
    assert "C29" in title and "2011" in title and "Persons employed" in title
    notice = page.locator("#view-notice")
    assert notice.is_visible()
    assert "bogus=1" in notice.text_content() and "indicator=nope" in notice.text_content()


@pytest.mark.browser
def test_embed_button_gives_the_snippet_of_this_view(page, live_app):
    page.goto(f"{live_app}/?level=1&sector=C10&year=2013")
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('C10')", timeout=30_000)
    page.get_by_role("button", name="Embed").click()
    snippet = page.locator("#embed-snippet")
    snippet.wait_for(state="visible")
    text = snippet.input_value()
    assert text.startswith(f'<iframe src="{live_app}/embed?level=1&amp;sector=C10&amp;indicator=employment&amp;year=2013')
    assert page.get_by_role("button", name="Embed").get_attribute("aria-expanded") == "true"
    assert page.get_attribute("#csv-link", "href") == "/export.csv?level=1&sector=C10&indicator=employment&year=2013&scheme=quantiles&k=5"


def png_size_and_colours(data: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct pixel values of an 8-bit RGB(A) PNG, without Pillow."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and colour_type in (2, 6)
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    channels = 3 if colour_type == 2 else 4
    stride = 1 + width * channels
    rows = [raw[i * stride + 1 : (i + 1) * stride] for i in range(0, height, 7)]  # filtered bytes still vary with content
    distinct = {row[j : j + channels] for row in rows for j in range(0, len(row), channels * 5)}
    return width, height, len(distinct)


@pytest.mark.browser
def test_modebar_png_download_is_named_after_the_view(page, live_app, tmp_path: Path):
    page.goto(f"{live_app}/?level=2&sector=C10&year=2014")
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('C10')", timeout=30_000)
    page.wait_for_function(
        "document.querySelector('#map .js-plotly-plot')._context.toImageButtonOptions.filename === 'persons_employed_C10_NUTS2_2014'",
        timeout=10_000,
    )
    page.locator("#map").hover()
    with page.expect_download(timeout=30_000) as download_info:
        page.locator("#map .modebar-btn[data-title='Download plot as a PNG']").click()
    download = download_info.value
    assert download.suggested_filename == "persons_employed_C10_NUTS2_2014.png"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    width, height, colours = png_size_and_colours(path.read_bytes())
    assert (width, height) == (1400, 1000)
    assert colours > 20  # a drawn map, not a blank canvas
    # after a change, the download is named after the new view; the map was updated, not drawn anew
    page.focus("#year [role=slider]")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('2013')", timeout=15_000)
    page.wait_for_function("window.location.search.includes('year=2013')", timeout=5_000)
    page.locator("#map").hover()
    with page.expect_download(timeout=30_000) as download_info:
        page.locator("#map .modebar-btn[data-title='Download plot as a PNG']").click()
    assert download_info.value.suggested_filename == "persons_employed_C10_NUTS2_2013.png"
    # Plotly's own context keeps the Graph's config (a changed one would make Plotly redraw everything)
    assert page.evaluate("document.querySelector('#map .js-plotly-plot')._context.toImageButtonOptions.filename") == "persons_employed_C10_NUTS2_2014"
    assert [u for u in page.requests if not u.startswith(live_app) and not u.startswith("data:") and not u.startswith("blob:")] == []


@pytest.mark.browser
def test_region_names_are_text_not_markup(browser, dashboard_data):
    """A name holding <script> shows as text in the tooltip and the embed page, and runs nowhere."""
    from dashboard.app import create_app

    evil = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2>Stuttgart"
    geometry = dict(dashboard_data.geometry)
    level2 = geometry[2]
    names = list(level2.names)
    names[level2.ids.index("DE11")] = evil
    geometry[2] = dataclasses.replace(level2, names=names)
    url, server = serve(create_app(dataclasses.replace(dashboard_data, geometry=geometry)))
    try:
        context = browser.new_context(
            viewport={"width": 1400, "height": 900}, bypass_csp=True
        )  # the escaping is under test, not the CSP (which would stop the script too); wait_for_function evaluates strings
        page = context.new_page()
        for path in ("/?sector=C29&level=2", "/embed?sector=C29&level=2"):
            page.goto(url + path)
            page.wait_for_selector(MAP_PATHS, timeout=30_000)
            plot = "(document.querySelector('#map.js-plotly-plot') || document.querySelector('#map .js-plotly-plot'))"
            index = page.evaluate(f"{plot}.data[0].locations.indexOf('DE11')")
            page.locator(MAP_PATHS).nth(index).hover(force=True)
            page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5_000)
            assert "<script>window.pwned=1</script>" in (page.locator("#map .hoverlayer").text_content() or "")
            assert page.evaluate("window.pwned === undefined")
            if path.startswith("/?"):  # the ranking table and the region portfolio show the name as text too
                page.wait_for_function("document.querySelector('#ranking') && document.querySelector('#ranking').textContent.includes('pwned')", timeout=20_000)
                assert "<script>window.pwned=1</script>" in page.locator("#ranking").text_content()
                page.locator("#map .choroplethlayer path").nth(index).click(force=True)
                page.wait_for_function("(document.querySelector('#portfolio-panel') || {textContent: ''}).textContent.includes('pwned')", timeout=20_000)
                assert "<img src=x onerror=window.pwned=2>" in page.locator("#portfolio-panel").text_content()
                assert page.evaluate("window.pwned === undefined")
        context.close()
    finally:
        server.shutdown()
        server.server_close()
