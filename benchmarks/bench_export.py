"""Server-side PNG export: cold first export vs warm exports, against a fresh kaleido per image.

Usage::

    CLUSTERMAP_MIRROR=/work/shared/data python benchmarks/bench_export.py --repeat 10

For each NUTS level (0, 1, 2) and one view (``--sector``, ``--indicator``,
``--year``; default C29, persons employed, 2014) at ``--width`` x ``--height``
x ``--scale`` (default 1200 x 800 x 1), in one process:

cold
    ``dashboard.export.RENDERER`` is closed first, so the request starts
    Debian's Chromium (kaleido 1.x) and then renders: what the first export of a
    server process costs.
warm
    the next ``--repeat`` requests for the same view on the running browser
    (median, min, max). Each is a whole ``GET /export.png?<view>&width=…``
    through a Flask test client (routing, ``parse_view``, ``map_update(full=True)``,
    render, PNG text chunks). Split into figure build (``export_figure``) and
    render (``RENDERER.render``), measured separately on the same view.
naive
    ``plotly.io.to_image(figure, format="png", …)`` as plotly 7.1 does it with
    kaleido >= 1 when no server is running: a new kaleido (a new Chromium) per
    image, ``--naive-repeat`` times (median). ``BROWSER_PATH`` points it at
    /usr/bin/chromium and ``plotly.io.defaults.topojson`` at the local topojson.
    The figure is built once beforehand, so this column is render-only (the
    fair comparison is with the warm "render" column). ``validate=False``: with
    plotly's default the dict goes through ``go.Figure`` again, which puts back
    the default "plotly" template that ``choropleth_figure`` leaves out (the
    text then comes out #2a3f5f instead of the page's colours).

The route is the one the app registers (``dashboard.export.register``) on a bare
Flask app, so the benchmark does not depend on the rest of the page. Then a
batch (``export_views``) of 3 levels x 3 sectors, and 8 NUTS 2 exports one
after the other vs from 2 threads (the route's concurrency cap).

Checks: every PNG has the requested pixel size, and the warm and the naive
image of a level have the same pixels (IDAT compared after decompression).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import os
import platform
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LEVELS = (0, 1, 2)
TARGET_WARM_S = 1.0


def _default_mirror() -> Path:
    return Path(os.environ.get("CLUSTERMAP_MIRROR") or REPO.parent / "shared" / "data").resolve()


def code_state() -> str:
    """HEAD, changed files and a content hash of the code measured (``layers/``, ``dashboard/``, ``assets/``)."""
    digest = hashlib.sha256()
    for path in sorted(p for d in ("layers", "dashboard", "assets") for p in (REPO / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True).stdout.strip()

    changed = [line[3:] for line in git("status", "--porcelain", "--", "layers", "dashboard", "assets").splitlines() if line.strip()]
    dirty = f" + uncommitted changes to {len(changed)} files" if changed else ""
    return f"HEAD {git('rev-parse', '--short', 'HEAD')}{dirty}, app code sha256 {digest.hexdigest()[:12]}"


def machine() -> list[str]:
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "?"

    cpu = next((line.split(":", 1)[1].strip() for line in run("lscpu").splitlines() if line.startswith("Model name")), "?")
    mem = next((line.split()[1] for line in run("free", "-g").splitlines() if line.startswith("Mem:")), "?")
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("kaleido", "choreographer", "plotly", "dash", "flask"))
    plotly_js = ""
    try:
        import plotly

        js = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(errors="replace")[:400]
        plotly_js = js.split("plotly.js v", 1)[1].split()[0] if "plotly.js v" in js else ""
    except (OSError, IndexError):
        pass
    return [
        f"| `nproc` | {os.cpu_count()} |",
        f"| CPU | {cpu} |",
        f"| memory | {mem} GiB |",
        f"| OS | {platform.system()} {platform.release()} |",
        f"| Python | {platform.python_version()} |",
        f"| packages | {versions}{f', plotly.js {plotly_js}' if plotly_js else ''} |",
        f"| browser | {run('/usr/bin/chromium', '--version').splitlines()[-1] if run('/usr/bin/chromium', '--version') else '?'} |",
        f"| load average at start | {' '.join(f'{x:.2f}' for x in os.getloadavg())} |",
    ]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", png[16:24])


def png_pixels(png: bytes) -> bytes:
    """The decompressed image data (filtered rows), for comparing two encodings of the same pixels."""
    pos, idat = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        if png[pos + 4 : pos + 8] == b"IDAT":
            idat.append(png[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return zlib.decompress(b"".join(idat))


def browser_pss_mib(renderer) -> float:
    """Proportional set size of the renderer's browser: every process of its session (choreographer starts it in a new one)."""
    proc = getattr(renderer._kaleido, "subprocess", None)  # a benchmark may look inside
    if proc is None:
        return float("nan")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == proc.pid:  # field 6 of stat: session id
                rollup = (stat.parent / "smaps_rollup").read_text()
                total += int(next(line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")))
        except (OSError, StopIteration, ValueError, IndexError):
            continue
    return total / 1024


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="warm exports per level (median reported); default 10")
    parser.add_argument("--naive-repeat", type=int, default=3, help="fresh-kaleido renders per level; default 3")
    parser.add_argument("--mirror", type=Path, default=None, help="data mirror; default $CLUSTERMAP_MIRROR or ../shared/data")
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse caches built here (default: build into a temp folder)")
    parser.add_argument("--sector", default="C29")
    parser.add_argument("--indicator", default="employment")
    parser.add_argument("--year", type=int, default=2014)
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)

    mirror = (args.mirror or _default_mirror()).resolve()
    own_dir = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="clustermap-bench-export-")) if own_dir else args.data_dir.resolve()
    os.environ["CLUSTERMAP_DATA_DIR"] = str(data_dir)
    os.environ["CLUSTERMAP_MIRROR"] = str(mirror)
    os.environ["BROWSER_PATH"] = "/usr/bin/chromium"  # for the naive plotly.io path; the renderer passes the path itself
    out_dir = Path(tempfile.mkdtemp(prefix="clustermap-bench-export-png-"))
    facts = machine()
    code = code_state()
    try:
        import plotly.io as pio
        from flask import Flask

        from dashboard import export
        from dashboard.data import load_dashboard_data
        from dashboard.figures import MapView
        from dashboard.view import view_options, view_query

        data, load_s = timed(load_dashboard_data, data_dir=data_dir, mirror=mirror)
        print(f"data loaded in {load_s:.1f} s", file=sys.stderr)
        server = Flask("bench_export")
        export.register(server, data)
        client = server.test_client()
        size = f"width={args.width}&height={args.height}&scale={args.scale:g}"
        expected = export.check_size(args.width, args.height, args.scale).pixels
        export.configure_plotly_io()

        def get(view) -> bytes:
            r = client.get(f"/export.png?{view_query(view)}&{size}")
            assert r.status_code == 200, (r.status_code, r.data[:300])
            assert png_size(r.data) == expected, png_size(r.data)
            return r.data

        rows = []
        for level in LEVELS:
            view = MapView(level=level, nace_r2=args.sector, indicator=args.indicator, year=args.year)
            export.RENDERER.close()
            starts = export.RENDERER.starts
            png, cold = timed(get, view)
            warm = [timed(get, view)[1] for _ in range(args.repeat)]
            assert export.RENDERER.starts == starts + 1, "the browser was restarted during the warm runs"
            figure_s, render_s = [], []
            for _ in range(args.repeat):
                figure, t = timed(export.export_figure, data, view)
                figure_s.append(t)
                _, t = timed(
                    export.RENDERER.render,
                    export.fit_figure(figure, args.width),
                    {"format": "png", "width": args.width, "height": args.height, "scale": args.scale},
                )
                render_s.append(t)
            naive, naive_png, naive_errors = [], None, []
            for _ in range(args.naive_repeat):
                t = time.perf_counter()
                try:
                    naive_png = pio.to_image(figure, format="png", width=args.width, height=args.height, scale=args.scale, validate=False)
                except Exception as e:  # a failed naive render is a result too
                    naive_errors.append(f"{type(e).__name__}: {str(e)[:90]}")
                    continue
                naive.append(time.perf_counter() - t)
            rows.append(
                {
                    "level": level,
                    "regions": len(data.geometry[level].ids),
                    "png_bytes": len(png),
                    "cold": cold,
                    "warm": statistics.median(warm),
                    "warm_min": min(warm),
                    "warm_max": max(warm),
                    "figure": statistics.median(figure_s),
                    "render": statistics.median(render_s),
                    "naive": statistics.median(naive) if naive else float("nan"),
                    "naive_errors": naive_errors,
                    "same_pixels": naive_png is not None and png_pixels(png) == png_pixels(naive_png),
                }
            )
            print(f"NUTS {level}: cold {cold:.2f} s, warm {statistics.median(warm):.2f} s, naive {rows[-1]['naive']:.2f} s", file=sys.stderr)

        # batch: 3 levels x 3 sectors
        grid = export.view_grid(view_options(data), levels=LEVELS, sectors=["C", args.sector, "G47"], years=[args.year])
        paths, batch_s = timed(export.export_views, data, grid, out_dir, width=args.width, height=args.height, scale=args.scale, progress=False)
        assert len(paths) == len(grid)

        # 8 NUTS 2 exports: one after the other, then from 2 threads
        views = [MapView(level=2, nace_r2=s, indicator=args.indicator, year=args.year) for s in ("C", args.sector, "G47", "F", "C10", "J62", "M72", "TOTAL")]
        _, serial_s = timed(lambda: [get(v) for v in views])
        with concurrent.futures.ThreadPoolExecutor(max_workers=export.MAX_CONCURRENT) as pool:
            _, parallel_s = timed(lambda: list(pool.map(get, views)))
        pss = browser_pss_mib(export.RENDERER)
        export.RENDERER.close()
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)

    ok = lambda cond: "met" if cond else "**MISSED**"  # noqa: E731
    print("### Machine and software\n\n| | |\n|---|---|")
    print("\n".join(facts))
    print(f"| load average at end | {' '.join(f'{x:.2f}' for x in os.getloadavg())} |")
    print(f"| code | {code} |")
    print()
    print(
        f"### Export of one view per level ({args.indicator}, {args.sector}, {args.year}; {args.width} x {args.height} x {args.scale:g} "
        f"→ {expected[0]} x {expected[1]} px)\n"
    )
    print(
        f"Seconds. warm = median of {args.repeat} (min–max); naive = median of {args.naive_repeat} `plotly.io.to_image` "
        "calls, each starting its own kaleido/Chromium (render only: figure built beforehand).\n"
    )
    print(
        "| NUTS | regions | PNG B | cold first export | warm export | of which figure | of which render | naive (fresh kaleido) | naive / warm render | same pixels as naive | warm ≤ 1 s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        print(
            f"| {r['level']} | {r['regions']} | {r['png_bytes']:,} | {r['cold']:.2f} | {r['warm']:.2f} ({r['warm_min']:.2f}–{r['warm_max']:.2f}) | "
            f"{r['figure']:.2f} | {r['render']:.2f} | {r['naive']:.2f} | {r['naive'] / r['render']:.1f}x | {'yes' if r['same_pixels'] else 'no'} | "
            f"{ok(r['warm'] <= TARGET_WARM_S)} |"
        )
    errors = [f"NUTS {r['level']}: {e}" for r in rows for e in r["naive_errors"]]
    if errors:
        print(f"\nNaive renders that failed (left out of the median): {len(errors)} of {args.naive_repeat * len(rows)}: " + "; ".join(errors))
    print()
    print(f"Batch `export_views`, {len(grid)} maps (3 levels x 3 sectors): {batch_s:.1f} s, {batch_s / len(grid):.2f} s per map.")
    print(
        f"8 NUTS 2 exports through the route: one after the other {serial_s:.1f} s ({serial_s / 8:.2f} s each); "
        f"from {export.MAX_CONCURRENT} threads {parallel_s:.1f} s ({parallel_s / 8:.2f} s each)."
    )
    print(f"Browser memory after all of that: {pss:.0f} MiB PSS (summed over its processes; pages shared between them counted once).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
