"""The map in headless Chromium on loopback: first view, bytes on the wire, click to redrawn.

Usage::

    CLUSTERMAP_MIRROR=/work/shared/data python benchmarks/bench_browser.py --repeat 5 --json /tmp/bench_browser.json
    # --variants optimised naive (fewer servers), --urls /, --data-dir <built folder>, --profile (CPU by script)

One server per variant, each a subprocess of this script (``serve`` sub-command) running
``werkzeug.serving.make_server("127.0.0.1", 0, app.server, threaded=True)``
(one process, a thread per request, HTTP/1.1 keep-alive), over data built
once into a temporary folder (or ``--data-dir``):

optimised
    ``dashboard.app.create_app(data)`` as shipped: the map figure names its
    shapes by URL (``/geometry/<level>.geojson?v=hash``, ETag + immutable
    Cache-Control), filter changes send ``map_payload`` applied by
    ``assets/map.js``, flask-compress on, and plotly.js is the custom bundle
    (``/vendor/plotly-custom.min.js``, brotli, see ``tools/plotly-bundle``).
naive
    the same app and layout (every other callback unchanged) except that the
    map callback always returns ``dashboard.callbacks.map_update(data, view,
    full=True)`` with the geometry inline (``geometry_url=False``), and
    nothing is compressed: flask-compress's ``after_request`` hook is removed
    and the Plotly bundle is sent plain (``CLUSTERMAP_PLOTLY_PRECOMPRESSED``).
full-plotly
    optimised, but ``create_app(data, custom_plotly=False)``: dcc.Graph loads
    plotly.py's full ``plotly.min.js`` itself (the app before the custom bundle).

Debian's ``/usr/bin/chromium`` is driven by Playwright (``launch(executable_path=…)``,
the flags of ``tests/conftest.py``), viewport 1400x900. Bytes come from a CDP
session per page (``Network.enable``; ``Network.loadingFinished.encodedDataLength``
= bytes received for the request, compressed, response headers included).

For each URL (``/`` = mixed level, ``/?level=2``) and each variant, interleaved:

cold
    a fresh browser context (empty cache), ``goto``; "usable" = first
    ``requestAnimationFrame`` (polled by an init script from navigation start,
    ``performance.now()`` is relative to ``performance.timeOrigin``) at which
    ``#map .choroplethlayer path`` exist and ``#map .gtitle`` names the URL's
    level. Bytes are counted to "usable" and in total until the network has
    been quiet for 500 ms.
warm
    ``page.reload()`` in the same context: the same numbers, plus how each
    ``/geometry`` request was answered (memory/disk cache, 304, 200).
clicks
    one context per URL and variant, page loaded and quiet, then ``--clicks``
    times ArrowLeft on ``#year [role=slider]`` (2014 → 2009) and ``--clicks``
    sector choices (C29, J62, G47, C10, F): in the sector tree, the code typed
    into ``#sector-search`` and its tree item focused, then Enter (in the older
    ``#sector`` dropdown: opened and typed into, then Enter). A rAF loop is
    armed right before the key press; it records the
    fingerprint ``getComputedStyle(path).fill`` of every map path each frame
    and stops on the first frame where it differs. Reported: ms from the
    keydown event's ``timeStamp`` (the action as the page sees it) to that
    frame, also from arming; bytes received until the network is quiet again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
URLS = {"/": "Mixed", "/?level=2": "NUTS 2 regions"}
"""URL → text the map title must contain for the view to count as shown."""
SECTORS = ("C29", "J62", "G47", "C10", "F", "M72", "TOTAL")
VARIANTS = ("optimised", "naive", "full-plotly")
TARGET_FIRST_VIEW_MS = 1500
TARGET_BYTES = 1_500_000
TARGET_CLICK_MS = 200
QUIET_MS = 500

INIT_SCRIPT = """
(() => {
  const b = { usable: null, firstPaths: null, long: [] };
  window.__bench = b;
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) b.long.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  const want = WANT;
  function check() {
    const n = document.querySelectorAll('#map .choroplethlayer path').length;
    const t = document.querySelector('#map .gtitle');
    const text = t ? t.textContent : '';
    if (n > 0 && b.firstPaths === null) b.firstPaths = performance.now();
    if (n > 0 && text.trim() && text.includes(want)) {
      b.usable = performance.now(); b.paths = n; b.title = text; return;
    }
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();
"""

ARM = """
(label) => {
  const fp = () => Array.from(document.querySelectorAll('#map .choroplethlayer path'), p => getComputedStyle(p).fill).join('|');
  const st = { label, armed: performance.now(), event: null, done: null, frames: 0, timeout: false };
  st.before = fp();
  window.__click = st;
  const onKey = (e) => { if (st.event === null) st.event = e.timeStamp; };
  document.addEventListener('keydown', onKey, true);
  function loop() {
    st.frames += 1;
    const now = fp();
    if (now !== st.before) {
      st.done = performance.now(); st.paths = document.querySelectorAll('#map .choroplethlayer path').length;
      const t = document.querySelector('#map .gtitle'); st.title = t ? t.textContent : '';
      document.removeEventListener('keydown', onKey, true); delete st.before; return;
    }
    if (performance.now() - st.armed > 10000) { st.timeout = true; delete st.before; return; }
    requestAnimationFrame(loop);
  }
  requestAnimationFrame(loop);
}
"""


# --------------------------------------------------------------------------- servers


def serve(variant: str, data_dir: Path) -> None:
    """Sub-command: serve one variant on a free loopback port; print ``PORT <n>``, run until killed."""
    from werkzeug.serving import make_server

    import dashboard.callbacks as callbacks
    from dashboard.app import create_app
    from dashboard.data import load_dashboard_data

    data = load_dashboard_data(data_dir=data_dir)
    if variant == "naive":
        original = callbacks.map_update

        def naive_map_update(data, view, *, full, geometry_url=False):
            return original(data, view, full=True, geometry_url=False)  # whole figure, shapes inline, every change

        callbacks.map_update = naive_map_update
        # the app's map callback and first view send every year's values (map_change): the naive one, the whole figure
        callbacks.map_change = lambda data, view, *, full, found=None: (original(data, view, full=True, geometry_url=False, found=found)[0], None)
        callbacks.year_in_browser = lambda view: False  # and the year through the server too
    app = create_app(data, custom_plotly=variant != "full-plotly")
    if variant == "naive":
        import flask_compress

        from dashboard.static_files import PRECOMPRESSED

        app.server.config[PRECOMPRESSED] = False

        hooks = app.server.after_request_funcs.get(None, [])
        app.server.after_request_funcs[None] = [f for f in hooks if not isinstance(getattr(f, "__self__", None), flask_compress.Compress)]
        assert len(app.server.after_request_funcs[None]) == len(hooks) - 1, "flask-compress hook not found"
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


def start_server(variant: str, data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "serve", variant, "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        cwd=REPO,
    )
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"{variant} server did not start; see {log}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


# --------------------------------------------------------------------------- network accounting


class Wire:
    """Per-request accounting from a CDP session's Network events."""

    def __init__(self, cdp) -> None:
        self.reset()
        for name in ("requestWillBeSent", "responseReceived", "loadingFinished", "loadingFailed", "requestServedFromCache", "dataReceived"):
            cdp.on(f"Network.{name}", getattr(self, f"_{name}"))
        cdp.send("Network.enable")

    def reset(self) -> None:
        self.requests: dict[str, dict] = {}
        self.inflight: set[str] = set()
        self.last_change = time.monotonic()

    def _req(self, rid: str) -> dict:
        return self.requests.setdefault(rid, {"url": "", "status": None, "encoded": 0, "decoded": 0, "cache": None, "encoding": None, "done": False})

    def _requestWillBeSent(self, e: dict) -> None:
        url = e["request"]["url"]
        if not url.startswith("http"):
            return
        r = self._req(e["requestId"])
        r["url"] = url
        r["t"] = e.get("timestamp")
        self.inflight.add(e["requestId"])
        self.last_change = time.monotonic()

    def _responseReceived(self, e: dict) -> None:
        if e["requestId"] not in self.requests:
            return
        r, resp = self._req(e["requestId"]), e["response"]
        r["status"] = resp.get("status")
        headers = {k.lower(): v for k, v in (resp.get("headers") or {}).items()}
        r["encoding"] = headers.get("content-encoding")
        if resp.get("fromDiskCache"):
            r["cache"] = "disk"
        elif resp.get("fromPrefetchCache"):
            r["cache"] = "prefetch"

    def _requestServedFromCache(self, e: dict) -> None:
        if e["requestId"] in self.requests:
            self._req(e["requestId"])["cache"] = self._req(e["requestId"])["cache"] or "memory"

    def _dataReceived(self, e: dict) -> None:
        if e["requestId"] in self.requests:
            self._req(e["requestId"])["decoded"] += e.get("dataLength", 0)

    def _loadingFinished(self, e: dict) -> None:
        if e["requestId"] not in self.requests:
            return
        r = self._req(e["requestId"])
        r["encoded"] = int(e.get("encodedDataLength", 0))
        r["done"] = True
        self.inflight.discard(e["requestId"])
        self.last_change = time.monotonic()

    def _loadingFailed(self, e: dict) -> None:
        if e["requestId"] in self.requests:
            self._req(e["requestId"])["failed"] = e.get("errorText")
        self.inflight.discard(e["requestId"])
        self.last_change = time.monotonic()

    def total(self) -> int:
        return sum(r["encoded"] for r in self.requests.values())

    def wait_quiet(self, page, quiet_ms: int = QUIET_MS, limit_s: float = 15.0) -> bool:
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            page.wait_for_timeout(50)  # lets Playwright dispatch the CDP events
            if not self.inflight and time.monotonic() - self.last_change >= quiet_ms / 1000:
                return True
        return False

    def snapshot(self) -> list[dict]:
        return [dict(r) for r in self.requests.values()]


def kind(url: str) -> str:
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    path = "/" + path
    for prefix, name in (
        ("/geometry/", "geometry"),
        ("/_dash-update-component", "callbacks"),
        ("/_dash-layout", "layout"),
        ("/_dash-dependencies", "layout"),
        ("/vendor/plotly", "plotly.js"),
        ("/_dash-component-suites/plotly/", "plotly.js"),
        ("/_dash-component-suites/", "js bundles"),
        ("/assets/topojson/", "topojson (base map)"),
        ("/assets/", "assets"),
    ):
        if path.startswith(prefix):
            return name
    return "page" if path.split("?")[0] in ("/", "") else "other"


def breakdown(requests: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in requests:
        k = out.setdefault(kind(r["url"]), {"n": 0, "encoded": 0, "decoded": 0})
        k["n"] += 1
        k["encoded"] += r["encoded"]
        k["decoded"] += r["decoded"]
    return out


# --------------------------------------------------------------------------- measurements


def new_page(browser, want: str):
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)  # wait_for_function evaluates strings; the CSP forbids eval
    context.add_init_script(INIT_SCRIPT.replace("WANT", json.dumps(want)))
    page = context.new_page()
    wire = Wire(page.context.new_cdp_session(page))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, wire, errors


def wait_usable(page, wire: Wire) -> dict:
    page.wait_for_function("window.__bench && window.__bench.usable !== null", timeout=60_000, polling=50)
    at_usable = wire.total()
    requests_at_usable = len(wire.requests)
    quiet = wire.wait_quiet(page)
    b = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0] || {};"
        " const res = performance.getEntriesByType('resource').map(r => ({name: r.name.replace(location.origin, ''), start: r.startTime, end: r.responseEnd, transfer: r.transferSize, body: r.decodedBodySize}));"
        " return Object.assign({}, window.__bench, {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, responseEnd: n.responseEnd, resources: res}); }"
    )
    reqs = wire.snapshot()
    geometry = [
        {"url": r["url"].split("/", 3)[-1], "status": r["status"], "cache": r["cache"], "encoded": r["encoded"], "encoding": r["encoding"]}
        for r in reqs
        if kind(r["url"]) == "geometry"
    ]
    long_before = [(t, d) for t, d in b.get("long", []) if t < b["usable"]]
    return {
        "usable_ms": b["usable"],
        "long_tasks_before_usable": len(long_before),
        "long_task_ms_before_usable": sum(d for _, d in long_before),
        "longest_task": max(long_before, key=lambda x: x[1], default=None),
        "first_paths_ms": b["firstPaths"],
        "dcl_ms": b.get("dcl"),
        "load_ms": b.get("load"),
        "paths": b.get("paths"),
        "title": b.get("title"),
        "bytes_to_usable": at_usable,
        "bytes_total": wire.total(),
        "requests_to_usable": requests_at_usable,
        "requests": len(reqs),
        "quiet": quiet,
        "geometry": geometry,
        "breakdown": breakdown(reqs),
        "top": sorted(
            (
                {
                    "url": r["url"].split("/", 3)[-1][:90],
                    "encoded": r["encoded"],
                    "decoded": r["decoded"],
                    "encoding": r["encoding"],
                    "status": r["status"],
                    "cache": r["cache"],
                }
                for r in reqs
            ),
            key=lambda r: -r["encoded"],
        )[:10],
        "timeline": [{**r, "name": r["name"][:90]} for r in b.get("resources", [])],
    }


def load_cold_and_warm(browser, base: str, url: str, want: str) -> tuple[dict, dict, list[str]]:
    context, page, wire, errors = new_page(browser, want)
    try:
        page.goto(base + url, wait_until="commit")
        cold = wait_usable(page, wire)
        wire.reset()
        page.reload(wait_until="commit")
        warm = wait_usable(page, wire)
        return cold, warm, errors
    finally:
        context.close()


def profile_load(browser, base: str, url: str, want: str) -> dict:
    """One extra cold load under the V8 sampling profiler (CDP ``Profiler``, 250 µs): main-thread self time
    by script until "usable". Not timed with the others: the profiler slows the page down a little."""
    context, page, wire, _ = new_page(browser, want)
    try:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 250})
        cdp.send("Profiler.start")
        page.goto(base + url, wait_until="commit")
        load = wait_usable(page, wire)
        profile = cdp.send("Profiler.stop")["profile"]
        # align the profile's clock (µs, monotonic) with performance.now() through the navigation request
        nav = min((r for r in wire.snapshot() if r.get("t") is not None), key=lambda r: r["t"])
        start = profile["startTime"] / 1000 - nav["t"] * 1000  # ms after the navigation request
        nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
        by_script: dict[str, float] = {}
        t = start
        for sample, delta in zip(profile["samples"], profile["timeDeltas"]):
            t += delta / 1000
            if t < 0:
                continue  # before the navigation (about:blank)
            if t > load["usable_ms"]:
                break
            frame = nodes[sample]
            name = frame["url"].rsplit("/", 1)[-1].split("?")[0] or frame["functionName"] or "(native)"
            by_script[name] = by_script.get(name, 0.0) + delta / 1000
        by_script.pop("(idle)", None)
        return {"usable_ms": load["usable_ms"], "self_ms": dict(sorted(by_script.items(), key=lambda kv: -kv[1]))}
    finally:
        context.close()


def clicks(browser, base: str, url: str, want: str, n: int) -> tuple[dict, list[str]]:
    context, page, wire, errors = new_page(browser, want)
    out: dict[str, list[dict]] = {"year": [], "sector": []}
    try:
        page.goto(base + url, wait_until="commit")
        wait_usable(page, wire)
        slider = page.locator("#year [role=slider]")
        for i in range(n):
            slider.focus()
            wire.reset()
            page.evaluate(ARM, f"year-{i}")
            page.keyboard.press("ArrowLeft")
            out["year"].append(finish_click(page, wire))
        tree = page.locator("#sector-search").count() > 0  # the sector tree picker, else the older dropdown
        for sector in SECTORS[:n]:
            if tree:
                # search for the code, focus its tree item; the Enter that chooses it is the action
                item = page.locator(f'#sector-tree [role=treeitem][data-code="{sector}"]')
                for attempt in range(3):  # a re-render of the tree can drop a filter typed at that moment
                    page.fill("#sector-search", "")
                    page.fill("#sector-search", sector)
                    try:
                        item.wait_for(state="visible", timeout=3_000)
                        break
                    except Exception:
                        if attempt == 2:
                            raise
                wire.wait_quiet(page)
                item.focus()
                wire.reset()
                page.evaluate(ARM, f"sector-{sector}")
                page.keyboard.press("Enter")
            else:
                page.click("#sector")
                search = page.locator(".dash-dropdown-content input.dash-dropdown-search")
                search.wait_for(state="visible", timeout=5_000)
                search.fill(sector)
                page.locator(".dash-dropdown-content .dash-dropdown-option").first.wait_for(state="visible", timeout=5_000)
                wire.reset()
                page.evaluate(ARM, f"sector-{sector}")
                search.press("Enter")
            out["sector"].append(finish_click(page, wire))
        return out, errors
    finally:
        context.close()


def finish_click(page, wire: Wire) -> dict:
    page.wait_for_function("window.__click && (window.__click.done !== null || window.__click.timeout)", timeout=15_000, polling=20)
    wire.wait_quiet(page)
    st = page.evaluate(
        "() => Object.assign({}, window.__click, {callbacks: performance.getEntriesByType('resource')"
        ".filter(r => r.name.includes('_dash-update-component') && r.startTime >= window.__click.armed)"
        ".map(r => ({start: r.startTime, end: r.responseEnd}))})"
    )
    t0 = st["event"] if st["event"] is not None else st["armed"]
    before_redraw = [c["end"] for c in st["callbacks"] if st["done"] is not None and c["end"] <= st["done"]]
    reqs = wire.snapshot()
    return {
        "label": st["label"],
        "timeout": st["timeout"],
        "ms_from_event": (st["done"] - st["event"]) if st["done"] is not None and st["event"] is not None else None,
        "ms_from_arm": (st["done"] - st["armed"]) if st["done"] is not None else None,
        "frames": st["frames"],
        "callbacks_done_ms": (max(before_redraw) - t0) if before_redraw else None,
        "first_request_ms": (min(c["start"] for c in st["callbacks"]) - t0) if st["callbacks"] else None,
        "title": st.get("title"),
        "bytes": wire.total(),
        "requests": len(reqs),
        "geometry_requests": sum(kind(r["url"]) == "geometry" for r in reqs),
        "max_response": max((r["encoded"] for r in reqs), default=0),
    }


# --------------------------------------------------------------------------- report


def med(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_ms(v) -> str:
    return "–" if v is None else f"{v:,.0f}"


def fmt_kb(v) -> str:
    return "–" if v is None else f"{v / 1000:,.1f} kB"


def machine() -> dict:
    from importlib.metadata import version

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor()
    )
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), 0)
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem / 2**20, 1),
        "chromium": chromium,
        "python": platform.python_version(),
        "packages": {p: version(p) for p in ("playwright", "dash", "flask", "flask-compress", "werkzeug", "plotly", "pandas", "geopandas")},
        "loadavg_start": os.getloadavg(),
    }


def timeline_summary(load: dict) -> str:
    """Resources grouped by kind, callbacks one by one, in start order, then the usable time."""
    groups: dict[str, list[dict]] = {}
    parts = [f"HTML+DOMContentLoaded {fmt_ms(load['dcl_ms'])}"]
    for r in load["timeline"]:
        k = kind("http://x" + r["name"])
        if k == "callbacks":
            parts.append(f"callback {fmt_ms(r['start'])}–{fmt_ms(r['end'])}")
        else:
            groups.setdefault(k, []).append(r)
    for k, rs in groups.items():
        parts.append(f"{k} ×{len(rs)} {fmt_ms(min(r['start'] for r in rs))}–{fmt_ms(max(r['end'] for r in rs))}")
    parts.sort(key=lambda t: float(t.rsplit(" ", 1)[-1].split("–")[0].replace(",", "")) if "–" in t else 0)
    longest = load.get("longest_task")
    long = f"; main-thread long tasks before usable: {load.get('long_tasks_before_usable')}, {fmt_ms(load.get('long_task_ms_before_usable'))} ms in all" + (
        f", longest {fmt_ms(longest[1])} ms at {fmt_ms(longest[0])}" if longest else ""
    )
    return "; ".join(parts) + f"; first paths {fmt_ms(load['first_paths_ms'])}; usable {fmt_ms(load['usable_ms'])}" + long


def phases(load: dict) -> dict[str, float | None]:
    """Milestones of one cold load (ms from navigation start), from its Resource Timing entries."""
    tl = load["timeline"]
    cbs = sorted((t for t in tl if kind("http://x" + t["name"]) == "callbacks"), key=lambda t: t["start"])
    layout = [t for t in tl if t["name"].startswith("/_dash-layout")]
    base = [t for t in tl if kind("http://x" + t["name"]) in ("geometry", "topojson (base map)")]
    return {
        "DOMContentLoaded": load["dcl_ms"],
        "layout received": layout[0]["end"] if layout else None,
        "first callback sent": cbs[0]["start"] if cbs else None,
        "first callback received": cbs[0]["end"] if cbs else None,
        "next callbacks sent": cbs[1]["start"] if len(cbs) > 1 else None,
        "next callbacks received": max((t["end"] for t in cbs[1:5]), default=None),
        "shapes requested": min((t["start"] for t in base), default=None),
        "usable": load["usable_ms"],
    }


def report(results: dict) -> str:
    lines = []
    m = results["machine"]
    lines.append(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, {m['chromium']}, Python {m['python']}")
    lines.append("packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()))
    lines.append(
        f"load average start {tuple(round(x, 2) for x in m['loadavg_start'])}, end {tuple(round(x, 2) for x in results['loadavg_end'])}; runtime {results['runtime_s']:.0f} s; repeat {results['repeat']}, clicks per action {results['clicks_per_action']}"
    )
    samples = [s[0] for s in results.get("loadavg_samples", [])]
    if samples:
        lines.append(
            f"1-min load average at each timed cold load: median {med(samples):.2f}, min {min(samples):.2f}, max {max(samples):.2f} ({len(samples)} samples)"
        )
    lines.append("")
    lines.append(
        "| URL | variant | first view usable (median, ms) | min–max | first paths (ms) | DOMContentLoaded (ms) | long tasks before usable (median ms) | bytes to usable | bytes total cold | warm usable (ms) | bytes total warm | /geometry on warm reload |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for url in results["urls"]:
        for variant in results["variants"]:
            r = results["loads"][url][variant]
            cold, warm = r["cold"], r["warm"]
            u = [c["usable_ms"] for c in cold]
            geo = sorted({f"{g['status']}{' ' + g['cache'] if g['cache'] else ''} ({g['encoded']} B)" for w in warm for g in w["geometry"]}) or [
                "none requested"
            ]
            lines.append(
                f"| `{url}` | {variant} | {fmt_ms(med(u))} | {fmt_ms(min(u))}–{fmt_ms(max(u))} | {fmt_ms(med(c['first_paths_ms'] for c in cold))} | {fmt_ms(med(c['dcl_ms'] for c in cold))} | {fmt_ms(med(c['long_task_ms_before_usable'] for c in cold))} "
                f"| {fmt_kb(med(c['bytes_to_usable'] for c in cold))} | {fmt_kb(med(c['bytes_total'] for c in cold))} | {fmt_ms(med(w['usable_ms'] for w in warm))} "
                f"| {fmt_kb(med(w['bytes_total'] for w in warm))} | {'; '.join(geo)} |"
            )
    lines.append("")
    lines.append("Cold-load bytes by kind (first cold load; received on the wire / decoded body):")
    lines.append("")
    kinds = sorted({k for url in results["urls"] for v in results["variants"] for k in results["loads"][url][v]["cold"][0]["breakdown"]})
    lines.append("| URL | variant | " + " | ".join(kinds) + " |")
    lines.append("|---|---|" + "---|" * len(kinds))
    for url in results["urls"]:
        for variant in results["variants"]:
            b = results["loads"][url][variant]["cold"][0]["breakdown"]
            cells = [f"{b[k]['n']}× {fmt_kb(b[k]['encoded'])} / {fmt_kb(b[k]['decoded'])}" if k in b else "–" for k in kinds]
            lines.append(f"| `{url}` | {variant} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "| URL | action | variant | click → map redrawn (median ms, from keydown) | min–max | from arming | keydown → first request | keydown → last response before redraw | bytes per change (median) | largest response | /geometry requests | timeouts |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for url in results["urls"]:
        for action in ("year", "sector"):
            for variant in results["variants"]:
                cs = results["clicks"][url][variant][action]
                ms = [c["ms_from_event"] for c in cs]
                ok = [v for v in ms if v is not None]
                lines.append(
                    f"| `{url}` | {action} | {variant} | {fmt_ms(med(ms))} | {fmt_ms(min(ok) if ok else None)}–{fmt_ms(max(ok) if ok else None)} | {fmt_ms(med(c['ms_from_arm'] for c in cs))} "
                    f"| {fmt_ms(med(c['first_request_ms'] for c in cs))} | {fmt_ms(med(c['callbacks_done_ms'] for c in cs))} "
                    f"| {fmt_kb(med(c['bytes'] for c in cs))} | {fmt_kb(med(c['max_response'] for c in cs))} | {sum(c['geometry_requests'] for c in cs)} | {sum(c['timeout'] for c in cs)} |"
                )
    lines.append("")
    lines.append("Ratios naive / optimised (medians; full-plotly / optimised below it when measured):")
    lines.append("")
    lines.append("| URL | first view | bytes cold | bytes warm | year change ms | sector change ms | year bytes | sector bytes |")
    lines.append("|---|---|---|---|---|---|---|---|")

    def ratio(a, b):
        return "–" if not a or not b else f"{a / b:.1f}×"

    pairs = [
        (url, other) for url in results["urls"] for other in ("naive", "full-plotly") if other in results["variants"] and "optimised" in results["variants"]
    ]
    for url, other in pairs:
        o, n = results["loads"][url]["optimised"], results["loads"][url][other]
        co, cn = results["clicks"][url]["optimised"], results["clicks"][url][other]
        lines.append(
            "| `{}`{} | {} | {} | {} | {} | {} | {} | {} |".format(
                url,
                "" if other == "naive" else f" ({other})",
                ratio(med(c["usable_ms"] for c in n["cold"]), med(c["usable_ms"] for c in o["cold"])),
                ratio(med(c["bytes_total"] for c in n["cold"]), med(c["bytes_total"] for c in o["cold"])),
                ratio(med(c["bytes_total"] for c in n["warm"]), med(c["bytes_total"] for c in o["warm"])),
                ratio(med(c["ms_from_event"] for c in cn["year"]), med(c["ms_from_event"] for c in co["year"])),
                ratio(med(c["ms_from_event"] for c in cn["sector"]), med(c["ms_from_event"] for c in co["sector"])),
                ratio(med(c["bytes"] for c in cn["year"]), med(c["bytes"] for c in co["year"])),
                ratio(med(c["bytes"] for c in cn["sector"]), med(c["bytes"] for c in co["sector"])),
            )
        )
    lines.append("")
    lines.append("Verdict (optimised, against the issue's targets):")
    for url in results["urls"]:
        o = results["loads"][url]["optimised"]
        usable = med(c["usable_ms"] for c in o["cold"])
        total = med(c["bytes_total"] for c in o["cold"])
        worst_click = max(med(c["ms_from_event"] for c in results["clicks"][url]["optimised"][a]) or float("inf") for a in ("year", "sector"))
        lines.append(
            f"- `{url}`: first view {fmt_ms(usable)} ms {'PASS' if usable <= TARGET_FIRST_VIEW_MS else 'FAIL'} (≤ {TARGET_FIRST_VIEW_MS}); "
            f"cold total {fmt_kb(total)} {'PASS' if total <= TARGET_BYTES else 'FAIL'} (≤ 1.5 MB); "
            f"click → redrawn, slower action {fmt_ms(worst_click)} ms {'PASS' if worst_click <= TARGET_CLICK_MS else 'FAIL'} (≤ {TARGET_CLICK_MS})"
        )
    lines.append("")
    lines.append(
        "Phases of the first view (medians over the cold loads, ms from navigation start; 'next callbacks' are the ones the URL callback's outputs trigger):"
    )
    lines.append("")
    names = list(phases(results["loads"][results["urls"][0]][results["variants"][0]]["cold"][0]))
    lines.append("| URL | variant | " + " | ".join(names) + " |")
    lines.append("|---|---|" + "---|" * len(names))
    for url in results["urls"]:
        for variant in results["variants"]:
            ps = [phases(c) for c in results["loads"][url][variant]["cold"]]
            lines.append(f"| `{url}` | {variant} | " + " | ".join(fmt_ms(med(p[n] for p in ps)) for n in names) + " |")
    lines.append("")
    lines.append("Where the first view's time goes (cold load with the median 'usable', Resource Timing, ms from navigation start):")
    for url in results["urls"]:
        for variant in results["variants"]:
            cold = sorted(results["loads"][url][variant]["cold"], key=lambda c: c["usable_ms"])
            c = cold[len(cold) // 2]
            lines.append(f"- `{url}` {variant}: " + timeline_summary(c))
    if results.get("profiles"):
        lines.append("")
        lines.append("Main-thread self time by script until usable, one profiled cold load each (V8 sampling profiler; top 8, ms):")
        for key, prof in results["profiles"].items():
            top = ", ".join(f"{name} {ms:,.0f}" for name, ms in list(prof["self_ms"].items())[:8])
            lines.append(f"- {key} (usable at {fmt_ms(prof['usable_ms'])}, busy {fmt_ms(sum(prof['self_ms'].values()))}): {top}")
    errors = {k: v for k, v in results["console_errors"].items() if v}
    if errors:
        lines.append("")
        lines.append("console errors: " + json.dumps(errors)[:2000])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command")
    s = sub.add_parser("serve")
    s.add_argument("variant", choices=VARIANTS)
    s.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5, help="cold (and warm) loads per URL and variant")
    parser.add_argument("--clicks", type=int, default=5, help="year steps and sector choices per URL and variant (≤ 5 years back from 2014)")
    parser.add_argument("--data-dir", type=Path, help="a built data folder (default: build from the mirror into a temp folder)")
    parser.add_argument("--urls", nargs="*", default=list(URLS))
    parser.add_argument("--variants", nargs="*", choices=VARIANTS, default=list(VARIANTS), help="servers to compare (default: all three)")
    parser.add_argument("--json", type=Path, help="write all samples here")
    parser.add_argument("--profile", action="store_true", help="also one profiled cold load per URL and variant (self time by script)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.variant, args.data_dir)
        return 0

    started = time.monotonic()
    variants = tuple(args.variants)
    results: dict = {
        "machine": machine(),
        "repeat": args.repeat,
        "clicks_per_action": args.clicks,
        "urls": args.urls,
        "variants": variants,
        "loads": {},
        "console_errors": {},
        "loadavg_samples": [],
    }
    own_dir = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="clustermap-bench-browser-")) if own_dir else args.data_dir.resolve()
    os.environ["CLUSTERMAP_DATA_DIR"] = str(data_dir)
    procs = []
    try:
        from layers.build import build

        mirror = Path(os.environ.get("CLUSTERMAP_MIRROR") or REPO.parent / "shared" / "data").resolve()
        build(data_dir=data_dir, mirror=mirror)
        servers = {}
        for variant in variants:
            proc, base = start_server(variant, data_dir, Path(tempfile.gettempdir()) / f"bench_browser_{variant}.log")
            procs.append(proc)
            servers[variant] = base
        print(f"servers: {servers}", file=sys.stderr, flush=True)

        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # one untimed load per server (imports, first-request work) so neither pays for warming up
            for variant in variants:
                for url in args.urls:
                    load_cold_and_warm(browser, servers[variant], url, URLS[url])
            for url in args.urls:
                want = URLS[url]
                results["loads"][url] = {v: {"cold": [], "warm": []} for v in variants}
                for i in range(args.repeat):
                    for variant in variants if i % 2 == 0 else variants[::-1]:
                        results["loadavg_samples"].append(os.getloadavg())
                        cold, warm, errors = load_cold_and_warm(browser, servers[variant], url, want)
                        results["loads"][url][variant]["cold"].append(cold)
                        results["loads"][url][variant]["warm"].append(warm)
                        results["console_errors"].setdefault(f"{url} {variant} load", []).extend(errors)
                        print(
                            f"{url} {variant} cold {cold['usable_ms']:.0f} ms {cold['bytes_total']} B; warm {warm['usable_ms']:.0f} ms {warm['bytes_total']} B",
                            file=sys.stderr,
                            flush=True,
                        )
            if args.profile:
                results["profiles"] = {
                    f"`{url}` {variant}": profile_load(browser, servers[variant], url, URLS[url]) for url in args.urls for variant in variants
                }
            results["clicks"] = {}
            for url in args.urls:
                results["clicks"][url] = {}
                for variant in variants:
                    out, errors = clicks(browser, servers[variant], url, URLS[url], args.clicks)
                    results["clicks"][url][variant] = out
                    results["console_errors"].setdefault(f"{url} {variant} clicks", []).extend(errors)
                    print(
                        f"{url} {variant} clicks year {[c['ms_from_event'] for c in out['year']]} sector {[c['ms_from_event'] for c in out['sector']]}",
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
