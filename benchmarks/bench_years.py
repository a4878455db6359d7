"""Year changes, play and sector changes against the renderer's floor, in headless Chromium on loopback.

Usage::

    CLUSTERMAP_MIRROR=/work/shared/data python benchmarks/bench_years.py --repeat 9 --json /tmp/bench_years.json
    # --data-dir <built folder> (else built from the mirror into a temp folder), --records 20000 (synthetic organisations)

Two servers (subprocesses of this script, ``serve`` sub-command, werkzeug threaded on 127.0.0.1),
over one data folder: the mirror's build plus a seeded SYNTHETIC organisation sample
(``layers.points.synthetic``, not real organisations) for the NUTS 3 organisation indicators.

optimised
    ``dashboard.app.create_app(data)`` as shipped: every year of a view in one payload
    (``dashboard.payload.YearsPayload``); a year change is drawn in the browser by
    ``assets/map.js`` (``showYear``: ``Plotly.update`` on the plot), play steps the slider
    (``assets/play.js``); a sector change sends the view's values, applied by ``applyPayload``.
naive
    the same app except that the map callback always sends the whole figure with the shapes
    inline (``map_update(full=True, geometry_url=False)``) and no values payload, for the year
    too, and nothing is compressed (as ``bench_browser.py``'s naive variant): one ``dcc.Graph``
    that receives the whole figure on every change.

One page per variant and URL; in each page, repeated and interleaved:

floor
    ``Plotly.react(gd, {data: [trace 0 with only z changed (rotated by one)], layout})`` on the map's
    plot itself: the least a redraw of the same figure costs. Timed from the call to the first
    ``requestAnimationFrame`` after ``plotly_afterplot``. (Then trace 0 is put back, untimed.)
year
    ``ArrowLeft`` / ``ArrowRight`` on the focused year slider: from the keydown event's
    ``timeStamp`` to the first animation frame after the ``plotly_afterplot`` whose title names the new year.
play
    the play button's steps (one a second): from ``dash_clientside.set_props("year", …)`` (the step,
    ``assets/play.js``) to the first animation frame after ``plotly_afterplot`` with the step's year.
sector
    a sector chosen in the sector tree (code typed, tree item focused, Enter): from the keydown to the
    first animation frame after the ``plotly_afterplot`` whose title names the sector; and the round trip
    of the request that carried the map's values (Resource Timing: request start to response end):
    ``GET /map/values`` where the page draws the sector early (``drawSector``), else the map callback's.

NUTS 3 exists only for the organisation indicators, which count the records of all years: the year
changes nothing there (the slider is disabled), so only the floor and the sector change are timed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dashboard.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (after the sys.path line)

VIEWPORT = {"width": 1400, "height": 900}
VARIANTS = ("optimised", "naive")
PAGES = {
    "NUTS 2": "/?level=2&sector=C&year=2011&classes=all-years",
    "mixed": "/?sector=C&year=2011&classes=all-years",
    "NUTS 3 (organisations)": "/?level=3&sector=C&indicator=org_count",
}
"""Each measured page: name → URL (year changes and play start at 2011, in 2008-2015)."""
YEARLESS = {"NUTS 3 (organisations)"}
SECTORS = ("C29", "J62", "G47", "C10", "F", "M72", "C20", "H49", "C25", "I55", "K64", "C")
RECORDS = 20_000
SEED = 7
YEAR_TARGET = 1.5
"""A year change and a play step redraw in at most this many times the floor."""
SECTOR_TARGET = 2.0
"""A sector change redraws in at most this many times the floor, plus one server round trip."""

HOOKS = """
(() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const b = window.__years = { gd, waits: [] };
  // every plotly_afterplot: the next animation frame is "painted"; each waiter checks the title it wants
  gd.on('plotly_afterplot', () => {
    const title = (gd.layout.title && gd.layout.title.text) || '';
    requestAnimationFrame(() => {
      const now = performance.now();
      b.waits = b.waits.filter((w) => {
        if (w.want && !title.includes(w.want)) return true;
        w.done = now; return false;
      });
    });
  });
  b.wait = (label, want) => { const w = { label, want, done: null }; b.waits.push(w); b.last = w; return w; };
  // the key press that starts a year or sector change
  document.addEventListener('keydown', (e) => { if (b.last && b.last.event == null) b.last.event = e.timeStamp; }, true);
  // play steps: when play.js sets the year
  const dc = window.dash_clientside;
  const setProps = dc.set_props;
  dc.set_props = function (id, props) {
    if (id === 'year' && b.play) { b.last = b.wait('play', String(props.value)); b.last.event = performance.now(); b.play.push(b.last); }
    return setProps.apply(this, arguments);
  };
  // the floor: trace 0 with only z changed, by Plotly.react on the plot; then trace 0 put back (untimed)
  b.floor = async () => {
    const original = gd.data[0];
    const z = Array.from(original.z);
    z.push(z.shift());
    const w = b.wait('floor', null);
    w.event = performance.now();
    await Plotly.react(gd, [Object.assign({}, original, { z })].concat(gd.data.slice(1)), gd.layout);
    while (w.done === null) await new Promise((r) => requestAnimationFrame(r));
    const ms = w.done - w.event;
    await Plotly.react(gd, [original].concat(gd.data.slice(1)), gd.layout);
    await new Promise((r) => setTimeout(r, 50));
    return ms;
  };
})();
"""


# --------------------------------------------------------------------------- servers and data


def serve(variant: str, data_dir: Path) -> None:
    """Sub-command: serve one variant on a free loopback port; print ``PORT <n>``, run until killed."""
    from werkzeug.serving import make_server

    import dashboard.callbacks as callbacks
    from dashboard.app import create_app
    from dashboard.data import load_dashboard_data

    data = load_dashboard_data(data_dir=data_dir, build_missing=False)
    if variant == "naive":
        whole = callbacks.map_update

        def naive_map_change(data, view, *, full, found=None):
            return whole(data, view, full=True, geometry_url=False, found=found)[0], None  # the whole figure, shapes inline, every change

        callbacks.map_change = naive_map_change  # update_map and first_view look the names up at call time
        callbacks.year_in_browser = lambda view: False  # the year goes to the server too
    app = create_app(data)
    if variant == "naive":
        import flask_compress

        from dashboard.static_files import PRECOMPRESSED

        app.server.config[PRECOMPRESSED] = False
        hooks = app.server.after_request_funcs.get(None, [])
        app.server.after_request_funcs[None] = [f for f in hooks if not isinstance(getattr(f, "__self__", None), flask_compress.Compress)]
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


def start_server(variant: str, data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "serve", variant, "--data-dir", str(data_dir)], stdout=subprocess.PIPE, stderr=log.open("w"), text=True, cwd=REPO
    )
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"{variant} server did not start; see {log}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def build_data(data_dir: Path, mirror: Path, records: int) -> None:
    """The mirror's build plus a points build of a seeded SYNTHETIC sample (not real organisations)."""
    from layers.build import build
    from layers.points.build import build_points
    from layers.points.catalogue import ORGANISATIONS_FILE
    from layers.points.synthetic import write_sample

    build(data_dir=data_dir, mirror=mirror)
    if not (data_dir / ORGANISATIONS_FILE).is_file():
        sample = write_sample(data_dir / "synthetic_sample.csv", n=records, seed=SEED, regions=mirror / "gisco" / "NUTS_RG_20M_2024_4326.geojson")
        build_points(sample, data_dir=data_dir, mirror=mirror)


# --------------------------------------------------------------------------- one page


def open_page(browser, base: str, url: str):
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)  # wait_for_function evaluates strings; the CSP forbids eval
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + url)
    page.wait_for_function("document.querySelectorAll('#map .choroplethlayer path').length > 0", timeout=60_000)
    page.wait_for_timeout(1500)  # the panels' first callbacks
    page.evaluate(HOOKS)
    return context, page, errors


def wait_done(page, limit_ms: int = 15_000) -> dict:
    page.wait_for_function("window.__years.last.done !== null", timeout=limit_ms, polling=20)
    return page.evaluate("(() => { const w = window.__years.last; return {label: w.label, event: w.event, done: w.done}; })()")


def quiet(page, ms: int = 600) -> None:
    """Let the change's other callbacks (URL, ranking, panels) finish before the next timed action."""
    page.wait_for_timeout(ms)


def map_round_trip(page, since: float) -> float | None:
    """Request start to response end of the map's values request sent after ``since`` (Resource Timing), ms: ``/map/values`` (a sector drawn early), else the map callback's."""
    return page.evaluate(
        """(since) => {
          const early = performance.getEntriesByType('resource').filter(r => r.name.includes('/map/values?') && r.startTime >= since);
          if (early.length) return early[0].responseEnd - early[0].startTime;  // the sector drawn from the view's values by URL (map.js drawSector)
          const rs = performance.getEntriesByType('resource').filter(r => r.name.includes('_dash-update-component') && r.startTime >= since);
          const own = window.__years.mapRequests || [];
          const map = rs.filter(r => own.some(t => Math.abs(t - r.startTime) < 5));
          const r = (map.length ? map : rs)[0];
          return r ? r.responseEnd - r.startTime : null;
        }""",
        since,
    )


def choose_sector(page, sector: str) -> dict:
    item = page.locator(f'#sector-tree [role=treeitem][data-code="{sector}"]')
    for attempt in range(3):
        page.fill("#sector-search", "")
        page.fill("#sector-search", sector)
        try:
            item.wait_for(state="visible", timeout=3_000)
            break
        except Exception:
            if attempt == 2:
                raise
    quiet(page, 400)
    item.focus()
    page.evaluate("s => window.__years.wait('sector', s)", f"· {sector} ")
    page.keyboard.press("Enter")
    out = wait_done(page)
    out["round_trip"] = map_round_trip(page, out["event"])
    return out


def measure_page(browser, base: str, url: str, repeat: int, *, yearless: bool) -> tuple[dict, list[str]]:
    context, page, errors = open_page(browser, base, url)
    # which requests are the map callback's: record their start times
    page.evaluate(
        """(() => { const b = window.__years; b.mapRequests = [];
          const fetch0 = window.fetch;
          window.fetch = function (input, init) { if (init && typeof init.body === 'string' && init.body.includes('"map-values"')) b.mapRequests.push(performance.now()); return fetch0.apply(this, arguments); };
        })()"""
    )
    out: dict[str, list] = {"floor": [], "year": [], "play": [], "sector": []}
    try:
        sectors = iter(SECTORS * (1 + repeat // len(SECTORS)))
        for i in range(repeat):
            out["floor"].append(page.evaluate("window.__years.floor()"))
            quiet(page, 200)
            if not yearless:
                slider = page.locator("#year [role=slider]")
                slider.focus()
                now = int(slider.get_attribute("aria-valuenow"))
                key, year = ("ArrowLeft", now - 1) if i % 2 == 0 else ("ArrowRight", now + 1)
                page.evaluate("y => window.__years.wait('year', y)", f"· {year}")
                page.keyboard.press(key)
                w = wait_done(page)
                out["year"].append(w["done"] - w["event"])
                quiet(page)
            sector = next(sectors)
            w = choose_sector(page, sector)
            out["sector"].append({"ms": w["done"] - w["event"], "round_trip": w["round_trip"]})
            quiet(page, 800)
        if not yearless:  # play: from the first year, classes=all-years already in the URL
            page.evaluate("window.__years.play = []")
            slider = page.locator("#year [role=slider]")
            while int(slider.get_attribute("aria-valuenow")) > int(slider.get_attribute("aria-valuemin")):
                slider.focus()
                page.keyboard.press("Home")
                quiet(page)
            page.click("#year-play")
            page.wait_for_function("document.querySelector('#year-play').getAttribute('aria-pressed') === 'false'", timeout=30_000, polling=100)
            quiet(page)
            steps = page.evaluate("window.__years.play.map(w => ({event: w.event, done: w.done}))")
            out["play"] = [s["done"] - s["event"] for s in steps if s["done"] is not None]
            out["play_missed"] = sum(s["done"] is None for s in steps)
        return out, errors
    finally:
        context.close()


# --------------------------------------------------------------------------- report


def med(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def span(values) -> str:
    values = [v for v in values if v is not None]
    return f"{min(values):,.0f}–{max(values):,.0f}" if values else "–"


def fmt(v) -> str:
    return "–" if v is None else f"{v:,.0f}"


def report(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, {m['chromium']}, Python {m['python']}",
        f"load average start {tuple(round(x, 2) for x in m['loadavg_start'])}, end {tuple(round(x, 2) for x in results['loadavg_end'])}; "
        f"1-min load during the run: median {med(results['loadavg']):.2f}, {min(results['loadavg']):.2f}–{max(results['loadavg']):.2f}; "
        f"runtime {results['runtime_s']:.0f} s; repeat {results['repeat']}",
        "",
        "| page | variant | floor: Plotly.react, z only (median ms, range) | year change (key → painted) | play step | sector change | values request round trip |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in results["pages"]:
        for variant in results["variants"]:
            r = results["runs"][name][variant]
            sector = [s["ms"] for s in r["sector"]]
            trips = [s["round_trip"] for s in r["sector"]]
            cells = [f"{fmt(med(r[k]))} ({span(r[k])})" if r[k] else "–" for k in ("floor", "year", "play")]
            lines.append(f"| {name} | {variant} | {' | '.join(cells)} | {fmt(med(sector))} ({span(sector)}) | {fmt(med(trips))} ({span(trips)}) |")
    lines += ["", "Targets (optimised; medians, the floor of the same page and run):"]
    for name in results["pages"]:
        r = results["runs"][name]["optimised"]
        floor = med(r["floor"])
        if r["year"]:
            for action in ("year", "play"):
                ms = med(r[action])
                ratio = ms / floor if ms and floor else None
                verdict = "met" if ratio is not None and ratio <= YEAR_TARGET else "NOT met"
                lines.append(f"- {name}, {action}: {fmt(ms)} ms = {ratio:.2f}× the floor {fmt(floor)} ms (≤ {YEAR_TARGET}×): **{verdict}**")
        else:
            lines.append(f"- {name}: the organisation indicators count the records of all years; the year changes nothing (slider disabled)")
        sector = med(s["ms"] for s in r["sector"])
        trip = med(s["round_trip"] for s in r["sector"])
        if sector is not None and floor is not None and trip is not None:
            bound = SECTOR_TARGET * floor + trip
            verdict = "met" if sector <= bound else "NOT met"
            lines.append(f"- {name}, sector: {fmt(sector)} ms against 2 × {fmt(floor)} + round trip {fmt(trip)} = {fmt(bound)} ms: **{verdict}**")
        naive = results["runs"][name].get("naive")
        if naive:
            for action in ("year", "sector"):
                o = med(r[action]) if action == "year" else sector
                n = med(naive[action]) if action == "year" else med(s["ms"] for s in naive["sector"])
                if o and n:
                    lines.append(f"  - naive {action} change {fmt(n)} ms: {n / o:.1f}× the optimised")
    errors = {k: v for k, v in results["console_errors"].items() if v}
    if errors:
        lines += ["", "console errors: " + json.dumps(errors)[:2000]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command")
    s = sub.add_parser("serve")
    s.add_argument("variant", choices=VARIANTS)
    s.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=9, help="floor, year and sector changes per page and variant")
    parser.add_argument("--data-dir", type=Path, help="a data folder (built here from the mirror, with synthetic records, when missing)")
    parser.add_argument("--records", type=int, default=RECORDS, help="synthetic organisation records for the NUTS 3 page")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--json", type=Path, help="write all samples here")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.variant, args.data_dir)
        return 0

    from benchmarks.bench_browser import machine

    started = time.monotonic()
    results: dict = {
        "machine": machine(),
        "repeat": args.repeat,
        "pages": args.pages,
        "variants": args.variants,
        "runs": {},
        "console_errors": {},
        "loadavg": [],
    }
    own_dir = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="clustermap-bench-years-")) if own_dir else args.data_dir.resolve()
    procs = []
    try:
        mirror = Path(os.environ.get("CLUSTERMAP_MIRROR") or REPO.parent / "shared" / "data").resolve()
        build_data(data_dir, mirror, args.records)
        servers = {}
        for variant in args.variants:
            proc, base = start_server(variant, data_dir, Path(tempfile.gettempdir()) / f"bench_years_{variant}.log")
            procs.append(proc)
            servers[variant] = base
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name in args.pages:
                results["runs"][name] = {}
                for variant in args.variants:
                    results["loadavg"].append(os.getloadavg()[0])
                    out, errors = measure_page(browser, servers[variant], PAGES[name], args.repeat, yearless=name in YEARLESS)
                    results["runs"][name][variant] = out
                    results["console_errors"][f"{name} {variant}"] = errors
                    results["loadavg"].append(os.getloadavg()[0])
                    print(
                        f"{name} {variant}: floor {fmt(med(out['floor']))} year {fmt(med(out['year']))} play {fmt(med(out['play']))} "
                        f"sector {fmt(med(s['ms'] for s in out['sector']))}",
                        file=sys.stderr,
                        flush=True,
                    )
            browser.close()
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    results["loadavg_end"] = os.getloadavg()
    results["runtime_s"] = time.monotonic() - started
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
