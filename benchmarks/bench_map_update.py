"""Bytes and server time of a sector change on the map: the values-only update vs the whole figure.

Usage::

    CLUSTERMAP_MIRROR=/work/shared/data python benchmarks/bench_map_update.py --repeat 20

The app is made with ``dashboard.app.create_app`` over data built into a
temporary folder (or ``--data-dir``), and every request goes through the real
Dash callback endpoint ``POST /_dash-update-component`` via
``app.server.test_client()`` (the full Flask/Dash stack in-process, no socket).

The request body is built the way dash-renderer 4.4 builds it
(``dash/dash-renderer/build/dash_renderer.dev.js``: ``payload = {output,
outputs, inputs, changedPropIds, parsedChangedPropsIds, state}``), from the
callback as the page declares it in ``GET /_dash-dependencies``: ``output`` is
the callback's output string (``..a.b...c.d..`` for several outputs),
``outputs`` one ``{id, property}`` object for a single output or a list of them
for several, and ``state`` is left out (undefined in JS) when the callback has
no State. So the script measures whatever the map callback currently is: a
``dash.Patch`` of the figure, or a compact payload into a ``dcc.Store`` that a
clientside callback applies (clientside callbacks cost no HTTP request).

For each NUTS level (0, 1, 2) and each sector change in the sequence
(C → C29 → J62 → …), the same inputs are posted twice per repeat:

update
    ``changedPropIds: ["sector.value"]``: what the browser receives on a
    sector change. The script checks that it carries no geometry.
naive
    ``changedPropIds: ["level.value"]``: the app answers with the whole figure,
    geometry included, which is what returning the full figure on every change
    would cost. As a cross-check the script also serialises
    ``map_update(..., full=True)`` with ``plotly.io.json.to_json_plotly``.

Bytes are the HTTP response body, uncompressed and gzip-compressed (level 6,
flask-compress's default; the app itself does not compress, ``compress`` is off).
Server ms is the wall time of ``test_client.post`` (routing, callback, JSON
serialisation), median of ``--repeat`` runs after a warm-up request per level.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import hashlib
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENDPOINT = "/_dash-update-component"
SECTORS = ("C", "C29", "J62", "G47", "M72", "F", "C10", "TOTAL", "C")
"""Start at C (the app's default), then one change per step."""
LEVELS = (0, 1, 2)
INPUT_IDS = ("level", "sector", "indicator", "year")
INDICATOR = "employment"
YEAR = 2014
TARGET_PATCH_BYTES = 10_000
"""≤ 10 KB per change (10 KB read as 10,000 bytes; the verdict is also given for 10 KiB)."""
TARGET_RATIO_NUTS2 = 100.0
GZIP_LEVEL = 6


def code_state() -> str:
    """HEAD plus a content hash of uncommitted app code, so a table can be tied to the code it measured."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout

    status = git("status", "--porcelain", "--untracked-files=all", "--", "layers", "dashboard", "assets").splitlines()
    changed = [line[3:].split(" -> ")[-1] for line in status if line.strip()]
    digest = hashlib.sha256()
    for name in sorted(changed):
        path = REPO / name
        digest.update(name.encode() + (path.read_bytes() if path.is_file() else b""))
    dirty = f" + uncommitted changes to {len(changed)} files ({', '.join(sorted(changed))}; content sha256 {digest.hexdigest()[:12]})" if changed else ""
    return f"code: HEAD {git('rev-parse', '--short', 'HEAD').strip()}{dirty}"


def _default_mirror() -> Path:
    return Path(os.environ.get("CLUSTERMAP_MIRROR") or REPO.parent / "shared" / "data").resolve()


def callback_spec(client) -> dict:
    """The map's server callback as dash-renderer sees it (``GET /_dash-dependencies``)."""
    deps = client.get("/_dash-dependencies").get_json()
    for cb in deps:
        ids = [i["id"] for i in cb["inputs"]]
        if cb.get("clientside_function") is None and sorted(ids) == sorted(INPUT_IDS):
            if cb.get("state"):
                raise SystemExit(f"the map callback now has State {cb['state']}; teach request_body to fill it")
            output = cb["output"]
            if output.startswith(".."):  # dash-renderer: isMultiOutputProp / parseMultipleOutputs / splitIdAndProp
                parts = output[2:-2].split("...")
                outputs = [{"id": p[: p.rindex(".")], "property": p[p.rindex(".") + 1 :]} for p in parts]
            else:
                outputs = {"id": output[: output.rindex(".")], "property": output[output.rindex(".") + 1 :]}
            return {"output": output, "outputs": outputs, "inputs": ids}
    raise SystemExit(f"no server callback with inputs {INPUT_IDS} in /_dash-dependencies")


def request_body(spec: dict, level: int, sector: str, changed: str) -> dict:
    """The JSON dash-renderer posts for the map callback when ``changed`` changed."""
    value = {"level": level, "sector": sector, "indicator": INDICATOR, "year": YEAR}
    prop = f"{changed}.value"
    return {
        "output": spec["output"],
        "outputs": spec["outputs"],
        "inputs": [{"id": i, "property": "value", "value": value[i]} for i in spec["inputs"]],
        "changedPropIds": [prop],
        "parsedChangedPropsIds": [prop],
    }


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


def post(client, body: dict) -> tuple[bytes, float]:
    t0 = time.perf_counter()
    response = client.post(ENDPOINT, data=json.dumps(body), content_type="application/json")
    payload = response.get_data()
    ms = (time.perf_counter() - t0) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{ENDPOINT} answered {response.status_code}: {payload[:500]!r}")
    return payload, ms


def response_of(payload: bytes) -> dict:
    """``{component: {prop: value}}`` of a callback response."""
    return json.loads(payload)["response"]


def _compact(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def breakdown(payload: bytes) -> list[tuple[str, int, int]]:
    """(part, bytes, gzip bytes alone) of a response: one row per output property and per key inside it.

    A ``dash.Patch`` is split by operation; a dict by top-level key; lists of
    rows named ``customdata`` also by column.
    """
    rows = []
    for component, props in response_of(payload).items():
        for prop, value in props.items():
            name = f"{component}.{prop}"
            text = _compact(value)
            rows.append((name, len(text), gz(text)))
            if isinstance(value, dict) and value.get("__dash_patch_update") == "__dash_patch_update":
                items = [(".".join(str(p) for p in op["location"]), op, op.get("params", {}).get("value")) for op in value["operations"]]
            elif isinstance(value, dict):
                items = [(key, {key: v}, v) for key, v in value.items()]
            else:
                items = []
            for label, chunk, inner in items:
                text = _compact(chunk)
                rows.append((f"  {label}", len(text), gz(text)))
                if label.endswith("customdata") and isinstance(inner, list) and inner and isinstance(inner[0], list):
                    for col in range(len(inner[0])):
                        text = _compact([row[col] for row in inner])
                        rows.append((f"    column {col}", len(text), gz(text)))
    return rows


def _full_figure(result: object) -> dict:
    """The figure out of ``map_update(..., full=True)``, whatever it returns around it."""
    if isinstance(result, dict):
        return result
    return next(r for r in result if isinstance(r, dict) and "data" in r)


def run(app, data, *, repeat: int, sectors: tuple[str, ...], levels: tuple[int, ...]) -> tuple[list[dict], dict[int, bytes]]:
    from plotly.io.json import to_json_plotly

    from dashboard.callbacks import map_update
    from dashboard.figures import MapView

    client = app.server.test_client()
    if client.get("/").status_code != 200:
        raise SystemExit("the app's page did not load")
    spec = callback_spec(client)
    rows: list[dict] = []
    sample_patch: dict[int, bytes] = {}
    for level in levels:
        post(client, request_body(spec, level, sectors[0], "level"))  # warm-up: the page's full load at this level
        for previous, sector in zip(sectors, sectors[1:]):
            patch_ms, full_ms = [], []
            patch_bytes = full_bytes = b""
            for _ in range(repeat):  # interleaved, so drift hits both alike
                body, ms = post(client, request_body(spec, level, sector, "sector"))
                patch_ms.append(ms)
                patch_bytes = patch_bytes or body
                if body != patch_bytes:
                    raise SystemExit(f"NUTS {level} {sector}: the sector-change response differs between runs")
                body, ms = post(client, request_body(spec, level, sector, "level"))
                full_ms.append(ms)
                full_bytes = full_bytes or body
            if b'"geojson"' in patch_bytes:
                raise SystemExit(f"NUTS {level} {sector}: a sector change sent the geometry again")
            full_figure = response_of(full_bytes).get("map", {}).get("figure", {})
            if "geojson" not in (full_figure.get("data") or [{}])[0]:
                raise SystemExit(f"NUTS {level} {sector}: the level trigger did not answer with the whole figure")
            result = map_update(data, MapView(level=level, nace_r2=sector, indicator=INDICATOR, year=YEAR), full=True)
            direct = to_json_plotly(_full_figure(result)).encode()
            if previous == sectors[0]:
                sample_patch[level] = patch_bytes
            rows.append(
                {
                    "level": level,
                    "change": f"{previous} → {sector}",
                    "patch_bytes": len(patch_bytes),
                    "patch_gzip": gz(patch_bytes),
                    "patch_ms": statistics.median(patch_ms),
                    "full_bytes": len(full_bytes),
                    "full_gzip": gz(full_bytes),
                    "full_ms": statistics.median(full_ms),
                    "direct_full_bytes": len(direct),
                    "direct_full_gzip": gz(direct),
                }
            )
            print(f"NUTS {level} {previous} → {sector}: update {len(patch_bytes):,} B, naive {len(full_bytes):,} B", file=sys.stderr)
    return rows, sample_patch


def report(rows: list[dict], sample_patch: dict[int, bytes], *, repeat: int, sectors: tuple[str, ...], regions: dict[int, int]) -> str:
    out = [
        f"Sector changes ({' → '.join(sectors)}), indicator {INDICATOR}, year {YEAR}; "
        f"server ms = median of {repeat} POSTs to {ENDPOINT} via app.server.test_client(); gzip level {GZIP_LEVEL}.",
        "",
        "### Per change",
        "",
        "| NUTS | regions | change | update B | update gzip B | update ms | naive B | naive gzip B | naive ms | naive/update B | naive/update gzip |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['level']} | {regions[r['level']]} | {r['change']} | {r['patch_bytes']:,} | {r['patch_gzip']:,} | {r['patch_ms']:.1f} | "
            f"{r['full_bytes']:,} | {r['full_gzip']:,} | {r['full_ms']:.1f} | {r['full_bytes'] / r['patch_bytes']:.1f}x | {r['full_gzip'] / r['patch_gzip']:.1f}x |"
        )
    out += [
        "",
        "### Per level, against the targets (≤ 10 KB per change; ≥ 100x fewer bytes than naive at NUTS 2)",
        "",
        "| NUTS | max update B | max update gzip B | median update ms | median naive B | median naive ms | naive via map_update + to_json_plotly B | min naive/update B | min naive/update gzip | ≤ 10 KB raw | ≤ 10 KB gzip | ≥ 100x raw | ≥ 100x gzip |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|",
    ]
    verdicts = []
    for level in sorted({r["level"] for r in rows}):
        rs = [r for r in rows if r["level"] == level]
        max_patch = max(r["patch_bytes"] for r in rs)
        max_gzip = max(r["patch_gzip"] for r in rs)
        ratio = min(r["full_bytes"] / r["patch_bytes"] for r in rs)
        ratio_gz = min(r["full_gzip"] / r["patch_gzip"] for r in rs)
        ok = lambda cond: "met" if cond else "**MISSED**"  # noqa: E731
        ratio_cells = (ok(ratio >= TARGET_RATIO_NUTS2), ok(ratio_gz >= TARGET_RATIO_NUTS2)) if level == 2 else ("n/a", "n/a")
        out.append(
            f"| {level} | {max_patch:,} | {max_gzip:,} | {statistics.median(r['patch_ms'] for r in rs):.1f} | "
            f"{statistics.median(r['full_bytes'] for r in rs):,.0f} | {statistics.median(r['full_ms'] for r in rs):.1f} | "
            f"{statistics.median(r['direct_full_bytes'] for r in rs):,.0f} | {ratio:.1f}x | {ratio_gz:.1f}x | "
            f"{ok(max_patch <= TARGET_PATCH_BYTES)} | {ok(max_gzip <= TARGET_PATCH_BYTES)} | {ratio_cells[0]} | {ratio_cells[1]} |"
        )
        for what, size in (("uncompressed", max_patch), ("gzip-compressed", max_gzip)):
            if size > TARGET_PATCH_BYTES:
                kib = "also over" if size > 10_240 else "but within"
                verdicts.append(f"NUTS {level}: the largest update is {size:,} B {what}, over 10,000 B ({kib} 10 KiB = 10,240 B).")
        if level == 2:
            for what, r in (("uncompressed", ratio), ("gzip-compressed", ratio_gz)):
                if r < TARGET_RATIO_NUTS2:
                    verdicts.append(f"NUTS 2: {what}, the naive response is only {r:.1f}x the update (worst change; target ≥ {TARGET_RATIO_NUTS2:.0f}x).")
    out += ["", "Target misses: " + (" ".join(verdicts) if verdicts else "none.")]

    for level, payload in sorted(sample_patch.items()):
        total = len(payload)
        out += [
            "",
            f"### What a sector change sends at NUTS {level} ({regions[level]} regions, change C → {sectors[1]}; {total:,} B, gzip {gz(payload):,} B)",
            "",
            "| part | B | share of response | gzip B (alone) |",
            "|---|---:|---:|---:|",
        ]
        parts = breakdown(payload)
        for part, size, size_gz in parts:
            label = part.replace("  ", "\u2003")  # keep the nesting visible in rendered markdown
            out.append(f"| {label} | {size:,} | {100 * size / total:.1f}% | {size_gz:,} |")
        outputs = sum(size for part, size, _ in parts if not part.startswith(" "))
        out.append(f"| envelope (multi, response, component and property keys) | {total - outputs:,} | {100 * (total - outputs) / total:.1f}% | |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="POSTs per change and kind (median reported); default 10")
    parser.add_argument("--mirror", type=Path, default=None, help="data mirror; default $CLUSTERMAP_MIRROR or ../shared/data")
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse caches built here (default: build into a temp folder)")
    parser.add_argument("--sectors", nargs="+", default=list(SECTORS), help="sector sequence; the first is the starting state")
    parser.add_argument("--levels", nargs="+", type=int, default=list(LEVELS), choices=LEVELS)
    args = parser.parse_args(argv)
    mirror = (args.mirror or _default_mirror()).resolve()
    own_dir = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="clustermap-bench-map-")) if own_dir else args.data_dir.resolve()
    os.environ["CLUSTERMAP_DATA_DIR"] = str(data_dir)  # anything that falls back on settings.data_dir() stays out of the repo
    os.environ["CLUSTERMAP_MIRROR"] = str(mirror)
    try:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        from dashboard.app import create_app
        from dashboard.data import load_dashboard_data

        t0 = time.perf_counter()
        data = load_dashboard_data(data_dir=data_dir, mirror=mirror)
        create = time.perf_counter()
        app = create_app(data)
        print(f"data loaded in {create - t0:.1f} s, app created in {time.perf_counter() - create:.2f} s", file=sys.stderr)
        sectors = tuple(args.sectors)
        missing = [s for s in sectors if s not in data.index.sectors]
        if missing:
            parser.error(f"sectors not in the data: {missing}")
        rows, sample = run(app, data, repeat=args.repeat, sectors=sectors, levels=tuple(args.levels))
        regions = {level: len(g.ids) for level, g in data.geometry.items()}
        print(code_state() + "\n")
        print(report(rows, sample, repeat=args.repeat, sectors=sectors, regions=regions))
    finally:
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
