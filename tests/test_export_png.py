"""PNG export: ``GET /export.png`` on the live app, the batch export, and the bounds.

Real renders in Debian's Chromium through kaleido; PNGs are checked with a
small decoder here (struct + zlib): size, CRCs, pixels, text chunks.
"""

from __future__ import annotations

import json
import struct
import urllib.error
import urllib.request
import zlib
from collections import Counter

import pytest

from dashboard import export
from dashboard.callbacks import payload_for
from dashboard.export import ExportParameterError, Renderer, RenderTimeout, export_figure, export_views, view_grid
from dashboard.figures import ATTRIBUTION, MapView, map_title
from dashboard.view import view_options, view_query, view_slug
from tests.conftest import CHROMIUM


def renders(test):
    """A test that renders through kaleido in Debian's Chromium: a ``browser`` test, skipped without Chromium (failed under CI=true)."""
    no_chromium = pytest.mark.skipif(not export.CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium")
    return pytest.mark.browser(no_chromium(test))


VIEW = MapView(level=1, nace_r2="C29", indicator="employment", year=2014)
"""Not the default view, so the page has to take it from the URL."""


# ---------------------------------------------------------------- a small PNG reader


def read_png(png: bytes) -> dict:
    """Header, text chunks and (for 8-bit RGB/RGBA) the pixel rows of a PNG; checks every CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:8]
    pos, chunks = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    text = {}
    for kind, body in chunks:
        if kind == b"iTXt":
            keyword, rest = body.split(b"\x00", 1)
            _lang, _translated, value = rest[2:].split(b"\x00", 2)
            text[keyword.decode("latin-1")] = value.decode("utf-8")
    return {
        "width": width,
        "height": height,
        "depth": depth,
        "colour": colour,
        "interlace": interlace,
        "text": text,
        "idat": b"".join(body for kind, body in chunks if kind == b"IDAT"),
    }


def pixels(info: dict) -> list[list[tuple[int, ...]]]:
    """Rows of pixels (RGB or RGBA tuples), undoing the five PNG row filters."""
    assert info["depth"] == 8 and info["colour"] in (2, 6) and info["interlace"] == 0, info
    bpp = 4 if info["colour"] == 6 else 3
    stride = info["width"] * bpp
    raw = zlib.decompress(info["idat"])
    assert len(raw) == info["height"] * (stride + 1)
    rows, prev = [], bytearray(stride)
    for y in range(info["height"]):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        else:
            assert kind == 0, kind
        rows.append([tuple(line[x : x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return rows


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def has_colour_bar(rows, colours: list[str]) -> bool:
    """Some column, read top to bottom, passes through every colour in ``colours`` (top first) in runs of 8+ px."""
    wanted = [rgb(c) for c in colours]
    for x in range(len(rows[0]) // 2, len(rows[0])):
        runs, run, last = [], 0, None
        for row in rows:
            if row[x] == last:
                run += 1
            else:
                if run >= 8:
                    runs.append(last)
                last, run = row[x], 1
        if run >= 8:
            runs.append(last)
        it = iter(runs)
        if all(c in it for c in wanted):
            return True
    return False


def dark(px) -> bool:
    return max(px) < 140


def get(url: str):
    """(status, headers, body) of a GET, for error statuses too."""
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


# ---------------------------------------------------------------- the route


@renders
def test_export_png_is_the_view_at_the_requested_size(live_app, dashboard_data):
    starts = export.RENDERER.starts
    status, headers, body = get(f"{live_app}/export.png?{view_query(VIEW)}&width=600&height=400&scale=1.5")
    assert status == 200, body[:300]
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"] == f'attachment; filename="{view_slug(VIEW)}.png"'
    info = read_png(body)
    assert (info["width"], info["height"]) == (900, 600)

    # the words the image is drawn from: title, source, legend classes of this view
    payload = payload_for(dashboard_data, VIEW)
    assert info["text"]["Title"] == map_title(VIEW) == payload["title"]
    assert info["text"]["Source"] == ATTRIBUTION
    assert info["text"]["Description"].splitlines()[1:] == payload["legend"]
    assert info["text"]["Comment"] == f"view: {view_query(VIEW)}"

    # and they are drawn: not blank, the colour bar with every class, text in the title and source bands
    rows = pixels(info)
    counts = Counter(px for row in rows for px in row)
    assert len(counts) > 100 and counts.most_common(1)[0][1] < 0.9 * 900 * 600
    assert has_colour_bar(rows, list(reversed(payload["colours"]))), "no colour bar with the class colours"
    assert sum(dark(px) for row in rows[: 40 * 3 // 2] for px in row) > 500, "no title"
    assert sum(dark(px) for row in rows[-28 * 3 // 2 :] for px in row[:450]) > 300, "no source line"

    # a second export reuses the warm browser
    status, _, body = get(f"{live_app}/export.png?level=0&sector=C&width=400&height=300")
    assert status == 200 and (read_png(body)["width"], read_png(body)["height"]) == (400, 300)
    assert export.RENDERER.starts - starts <= 1


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("width=abc", "width"),
        ("width=100", "width"),
        ("width=99999", "width"),
        ("width=1e3", "width"),
        ("height=5000", "height"),
        ("scale=0", "scale"),
        ("scale=nan", "scale"),
        ("scale=5", "scale"),
        ("width=3000&height=3000&scale=4", "scale"),  # 144 million pixels
        ("level=9", "level"),
        ("sector=../../etc/passwd", "sector"),
        ("indicator=x", "indicator"),
        ("year=1990", "year"),
        ("k=20", "k"),
        ("scheme=%3Brm", "scheme"),
        ("bogus=1", "bogus"),
        ("level=1&level=2", "level"),
    ],
)
def test_bad_parameter_is_a_400_naming_it(live_app, query, parameter):
    status, headers, body = get(f"{live_app}/export.png?{query}")
    assert status == 400, body[:300]
    assert headers["Content-Type"] == "application/json"
    answer = json.loads(body)
    assert answer["parameter"] == parameter and answer["error"]


def test_every_slot_taken_is_a_429_with_retry_after(live_app):
    taken = [export.SLOTS.acquire(timeout=30) for _ in range(export.MAX_CONCURRENT)]
    try:
        assert all(taken)
        status, headers, body = get(f"{live_app}/export.png?level=0")
    finally:
        for _ in taken:
            export.SLOTS.release()
    assert status == 429
    assert int(headers["Retry-After"]) > 0
    assert "error" in json.loads(body)


@pytest.mark.browser
def test_png_has_the_title_and_legend_of_the_on_screen_view(page, live_app):
    page.goto(f"{live_app}/?{view_query(VIEW)}")
    page.wait_for_function("(document.querySelector('.gtitle') || {}).textContent?.includes('NUTS 1')", timeout=30_000)
    page.wait_for_function("document.querySelectorAll('.choroplethlayer path').length > 0", timeout=30_000)
    on_screen_title = page.text_content(".gtitle")
    on_screen_legend = page.eval_on_selector_all(".colorbar g[class$='tick'] text", "ts => ts.map(t => t.textContent)")

    status, _, body = get(f"{live_app}/export.png?{view_query(VIEW)}&width=800&height=600")
    assert status == 200, body[:300]
    text = read_png(body)["text"]
    assert text["Title"] == on_screen_title
    assert text["Description"].splitlines()[1:] == on_screen_legend
    assert "C29" in on_screen_title and len(on_screen_legend) == 2 + VIEW.k


# ---------------------------------------------------------------- batch and bounds


@renders
def test_export_views_writes_one_png_per_view(dashboard_data, tmp_path):
    options = view_options(dashboard_data)
    views = view_grid(options, levels=[0, 2], sectors=["C"], years=[2014])
    assert [v.level for v in views] == [0, 2]
    paths = export_views(dashboard_data, views, tmp_path / "out", width=500, height=400, scale=1, progress=False)
    assert [p.name for p in paths] == [f"{view_slug(v)}.png" for v in views]
    for path, view in zip(paths, views):
        info = read_png(path.read_bytes())
        assert (info["width"], info["height"]) == (500, 400)
        assert info["text"]["Title"] == map_title(view)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)  # no leftovers


def test_grid_and_batch_refuse_bad_values_before_rendering(dashboard_data, tmp_path):
    options = view_options(dashboard_data)
    with pytest.raises(ExportParameterError) as e:
        view_grid(options, sectors=["C", "NOPE"])
    assert e.value.parameter == "sector"
    with pytest.raises(ExportParameterError) as e:
        view_grid(options, levels=[0], params={"k": 99})
    assert e.value.parameter == "k"
    same_slug = [MapView(level=0, k=4), MapView(level=0, k=6)]
    with pytest.raises(ExportParameterError):
        export_views(dashboard_data, same_slug, tmp_path, progress=False)
    with pytest.raises(ExportParameterError):
        export_views(dashboard_data, same_slug[:1], tmp_path, width=5000, progress=False)
    assert list(tmp_path.iterdir()) == []


@renders
def test_a_render_over_the_timeout_is_abandoned_and_the_renderer_recovers(dashboard_data):
    figure = export_figure(dashboard_data, MapView(level=0))
    renderer = Renderer(tabs=1, timeout=0.01)
    try:
        with pytest.raises(RenderTimeout):
            renderer.render(figure, {"format": "png", "width": 400, "height": 300, "scale": 1})
        renderer.timeout = 20
        png = renderer.render(figure, {"format": "png", "width": 400, "height": 300, "scale": 1})
        assert read_png(png)["width"] == 400
        assert renderer.starts == 2  # the timed-out browser was replaced
    finally:
        renderer.close()
    assert not renderer.running


@renders
def test_cli_export_writes_one_sector_across_years(built, mirror, tmp_path, monkeypatch, capsys):
    from dashboard import cli

    data_dir, _ = built
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(data_dir))
    out = tmp_path / "pngs"
    assert cli.main(["export", "--out", str(out), "--level", "0", "--sector", "C29", "--year", "2013", "2014", "--width", "600", "--height", "400"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["persons_employed_C29_NUTS0_2013.png", "persons_employed_C29_NUTS0_2014.png"]
    assert all(read_png((out / n).read_bytes())["width"] == 600 for n in names)
    assert capsys.readouterr().out.count(".png") == 2
    assert cli.main(["export", "--out", str(out), "--year", "1999"]) == 2  # a user error: one line, exit 2
    assert "1999" in capsys.readouterr().err


@renders
def test_cli_exports_region_portfolios(built, mirror, tmp_path, monkeypatch, capsys):
    from dashboard import cli

    data_dir, _ = built
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(data_dir))
    out = tmp_path / "portfolios"
    assert cli.main(["export", "--portfolios", "--region", "DE11", "FR10", "--year", "2014", "--out", str(out), "--width", "900", "--height", "600"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["portfolio_DE11_2014.png", "portfolio_FR10_2014.png"]
    info = read_png((out / "portfolio_DE11_2014.png").read_bytes())
    assert info["width"] == 900 and info["height"] == 600
    assert "Stuttgart" in info["text"]["Title"] and "2014" in info["text"]["Title"]
    assert "© EuroGeographics" in info["text"]["Source"]
    assert cli.main(["export", "--portfolios", "--region", "XX99", "--out", str(out)]) == 2
    assert "XX99" in capsys.readouterr().err
