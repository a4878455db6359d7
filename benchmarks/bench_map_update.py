"""Bytes and server time of a sector change on the map: the values-only update vs the whole figure.

Usage::

    CLUSTERMAP_MIRROR=/work/shared/data python benchmarks/bench_map_update.py --repeat 10

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

The worst case is taken over every NUTS level (0, 1, 2), every indicator of
``layers.indicators.INDICATORS`` (or ``--indicators``) and every sector change
of the sequence (C → C29 → J62 → G47 → M72 → F → C10 → TOTAL → C, which covers
TOTAL, C, C29, C10, J62 and G47), year 2014. For each change the same inputs
are posted twice per repeat, interleaved:

update
    ``changedPropIds: ["sector.value"]``: what the browser receives on a
    sector change. The script checks that it carries no geometry, that it is
    identical run to run and, when it is a ``map_payload``, that its values,
    classes, ranks and notes decode (``dashboard.payload``; values in either
    form, base64 int32 or a list) to one entry per region of the level, a rank
    for exactly the regions with a value.
naive
    ``changedPropIds: ["level.value"]``: the app answers with the whole figure
    for the same view, which is what returning the full figure on every change
    would cost. Geometry included: if the figure points at its shapes by URL
    (``geojson`` a string), that URL is fetched too and counted. As a
    cross-check the script also serialises ``map_update(..., full=True)`` with
    ``plotly.io.json.to_json_plotly``.

Bytes are the HTTP response body, uncompressed and gzip-compressed (level 6,
flask-compress's default; the app itself does not compress, ``compress`` is off).
Server ms is the wall time of ``test_client.post`` (routing, callback, JSON
serialisation), median of ``--repeat`` runs after a warm-up request per level.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _code_state import code_state

REPO = Path(__file__).resolve().parents[1]
ENDPOINT = "/_dash-update-component"
SECTORS = ("C", "C29", "J62", "G47", "M72", "F", "C10", "TOTAL", "C")
"""Start at C (the app's default), then one change per step."""
REQUIRED_SECTORS = ("TOTAL", "C", "C29", "C10", "J62", "G47")
"""Sectors the worst case must cover (from the issue); the default sequence has them all."""
LEVELS = (0, 1, 2)
INPUT_IDS = ("level", "sector", "indicator", "year")
"""The controls this script sets (``dashboard.callbacks.CONTROLS`` names their props); any other input keeps its layout value."""
SHAPES_STATE = ("map-shapes", "data")
"""The map callback's one State: the shapes the browser has drawn (a sector change keeps them, so only values come back)."""
MAP_OUTPUT = "map.figure"
YEAR = 2014
TARGET_PATCH_BYTES = 10_000
"""≤ 10 KB per change (10 KB read as 10,000 bytes; the verdict is also given for 10 KiB)."""
TARGET_RATIO_NUTS2 = 100.0
GZIP_LEVEL = 6


def _default_mirror() -> Path:
    return Path(os.environ.get("CLUSTERMAP_MIRROR") or REPO.parent / "shared" / "data").resolve()


def _layout_values(node: object, found: dict[tuple[str, str], object]) -> None:
    """Collect ``(id, prop) -> value`` of every component with an id in a ``/_dash-layout`` tree."""
    if isinstance(node, list):
        for child in node:
            _layout_values(child, found)
    elif isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict):
            if isinstance(props.get("id"), str):
                for prop, value in props.items():
                    found.setdefault((props["id"], prop), value)
            for value in props.values():
                _layout_values(value, found)


def callback_spec(client) -> dict:
    """The map's server callback as dash-renderer sees it (``GET /_dash-dependencies``).

    That is the server callback with ``map.figure`` among its outputs. Inputs
    other than the four this script varies (colour scheme, classes, palette…)
    get the value the page's layout gives them (``GET /_dash-layout``), as the
    renderer would send for a user who only touches the sector.
    """
    from dashboard.callbacks import CONTROLS

    control = {name: (cid, prop) for name, cid, prop in CONTROLS}
    deps = client.get("/_dash-dependencies").get_json()
    layout: dict[tuple[str, str], object] = {}
    _layout_values(client.get("/_dash-layout").get_json(), layout)
    for cb in deps:
        output = cb["output"]
        if cb.get("clientside_function") is not None or f"{MAP_OUTPUT}." not in f"{output}.":
            continue
        inputs = [(i["id"], i["property"]) for i in cb["inputs"]]
        missing = [control[name] for name in INPUT_IDS if control[name] not in inputs]
        if missing:
            raise SystemExit(f"the map callback has no input {missing}; inputs: {inputs}")
        state = [(i["id"], i["property"]) for i in cb.get("state") or []]
        if state not in ([], [SHAPES_STATE]):
            raise SystemExit(f"the map callback now has State {state}; teach request_body to fill it")
        if output.startswith(".."):  # dash-renderer: isMultiOutputProp / parseMultipleOutputs / splitIdAndProp
            parts = output[2:-2].split("...")
            outputs = [{"id": p[: p.rindex(".")], "property": p[p.rindex(".") + 1 :]} for p in parts]
        else:
            outputs = {"id": output[: output.rindex(".")], "property": output[output.rindex(".") + 1 :]}
        varied = {control[name] for name in INPUT_IDS}
        fixed = {i: layout[i] for i in inputs if i not in varied and i in layout}
        return {"output": output, "outputs": outputs, "inputs": inputs, "fixed": fixed, "control": control, "state": state}
    raise SystemExit(f"no server callback with output {MAP_OUTPUT} in /_dash-dependencies")


def request_body(spec: dict, level: int, sector: str, indicator: str, year: int, changed: str, drawn: str | None = None) -> dict:
    """The JSON dash-renderer posts for the map callback when ``changed`` changed; ``drawn``: the shapes already on the page."""
    control = spec["control"]
    value = {control["level"]: level, control["sector"]: sector, control["indicator"]: indicator, control["year"]: year}
    value.update(spec["fixed"])
    prop = ".".join(control[changed])
    inputs = []
    for cid, cprop in spec["inputs"]:
        item = {"id": cid, "property": cprop}
        if (cid, cprop) in value:  # a prop the layout does not set is undefined in JS, so left out of the JSON
            item["value"] = value[(cid, cprop)]
        inputs.append(item)
    body = {
        "output": spec["output"],
        "outputs": spec["outputs"],
        "inputs": inputs,
        "changedPropIds": [prop],
        "parsedChangedPropsIds": [prop],
    }
    if spec["state"]:
        body["state"] = [{"id": SHAPES_STATE[0], "property": SHAPES_STATE[1], **({"value": drawn} if drawn else {})}]
    return body


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
    """JSON the way Dash serialises a response (``plotly.io.json.to_json_plotly``: compact, UTF-8, ``<>&`` escaped), so part sizes add up."""
    from plotly.io.json import to_json_plotly

    return to_json_plotly(obj).encode()


def map_payload_of(payload: bytes) -> dict | None:
    """The ``map_payload`` dict inside a response (``values`` + ``decimals`` keys), if the design sends one."""
    for props in response_of(payload).values():
        for value in props.values():
            if isinstance(value, dict) and "values" in value and "decimals" in value:
                return value
    return None


def check_payload(payload: bytes, regions: int, where: str) -> tuple[str, int]:
    """Decode a map payload's values, classes, ranks and notes (``dashboard.payload``); return (values form, regions with a value).

    Classes and ranks are per region too (computed on the server, ``layers.ranks``/``layers.classes``): a region
    has a rank exactly when it has a value, and as many ranks as values are counted in ``ranked``.
    """
    import numpy as np

    from dashboard.payload import (
        decode_classes,
        decode_notes,
        decode_ranks,
        decode_values,
    )

    found = map_payload_of(payload)
    if found is None:
        return "-", -1
    values = decode_values(found["values"], found["decimals"])
    if values.size != regions:
        raise SystemExit(f"{where}: payload decodes to {values.size} values for {regions} regions")
    notes = found.get("notes")
    if isinstance(notes, dict) and len(decode_notes(notes, regions)) != regions:
        raise SystemExit(f"{where}: payload notes decode to {len(decode_notes(notes, regions))} texts for {regions} regions")
    if "classes" in found:
        classes = decode_classes(found["classes"], regions)
        if classes.max(initial=0) >= len(found["legend"]):
            raise SystemExit(f"{where}: a class index beyond the legend's {len(found['legend'])} entries")
    if "ranks" in found:
        ranks = decode_ranks(found["ranks"], regions)
        if not np.array_equal(ranks > 0, np.isfinite(values)) or found["ranked"] != int(np.isfinite(values).sum()):
            raise SystemExit(f"{where}: ranks do not match the regions with a value")
    form = "base64 int32" if isinstance(found["values"], str) else "list"
    return form, int(np.isfinite(values).sum())


def _label(key: str, value: object) -> str:
    if key == "values" and isinstance(value, str):
        return "values (base64 int32)"
    if key == "values" and isinstance(value, list):
        return "values (JSON list)"
    return key


def breakdown(payload: bytes) -> list[tuple[str, int, int]]:
    """(part, bytes, gzip bytes alone) of a response: one row per output property and per key inside it.

    A ``dash.Patch`` is split by operation; a dict by top-level key, and a
    dict-valued key (``notes``) by its own keys; lists of rows named
    ``customdata`` also by column. Indentation gives the depth.
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
                items = [(_label(key, v), {key: v}, v) for key, v in value.items()]
            else:
                items = []
            for label, chunk, inner in items:
                text = _compact(chunk)
                rows.append((f"  {label}", len(text), gz(text)))
                if label.endswith("customdata") and isinstance(inner, list) and inner and isinstance(inner[0], list):
                    for col in range(len(inner[0])):
                        text = _compact([row[col] for row in inner])
                        rows.append((f"    column {col}", len(text), gz(text)))
                elif isinstance(inner, dict) and not label.startswith("data."):
                    for key, v in inner.items():
                        text = _compact({key: v})
                        rows.append((f"    {key}", len(text), gz(text)))
    return rows


def geometry_by_url(client, level_response: bytes) -> tuple[bytes, float]:
    """(shapes, ms) when the whole figure points at its geometry by URL instead of carrying it; else (b"", 0).

    The naive "whole figure" is the figure with its shapes, so a URL's body is
    fetched (through the same test client, every time: no browser cache) and
    counted with the figure.
    """
    trace = (response_of(level_response).get("map", {}).get("figure", {}).get("data") or [{}])[0]
    url = trace.get("geojson")
    if not isinstance(url, str):
        return b"", 0.0
    t0 = time.perf_counter()
    response = client.get(url)
    body = response.get_data()
    ms = (time.perf_counter() - t0) * 1000
    if response.status_code != 200 or b'"features"' not in body[:200_000]:
        raise SystemExit(f"the figure's geojson URL {url} answered {response.status_code}, not GeoJSON: {body[:200]!r}")
    return body, ms


def _full_figure(result: object) -> dict:
    """The figure out of ``map_update(..., full=True)``, whatever it returns around it."""
    if isinstance(result, dict):
        return result
    return next(r for r in result if isinstance(r, dict) and "data" in r)


def run(
    app, data, *, repeat: int, sectors: tuple[str, ...], levels: tuple[int, ...], indicators: tuple[str, ...], year: int
) -> tuple[list[dict], dict[int, bytes]]:
    """One row per (level, indicator, sector change); and the largest update response per level."""
    from plotly.io.json import to_json_plotly

    from dashboard.callbacks import map_update
    from dashboard.figures import MapView

    client = app.server.test_client()
    if client.get("/").status_code != 200:
        raise SystemExit("the app's page did not load")
    spec = callback_spec(client)
    rows: list[dict] = []
    largest: dict[int, bytes] = {}
    for level in levels:
        regions = len(data.geometry[level].ids)
        drawn = data.shapes(MapView(level=level)).url  # the page has drawn this level's shapes
        post(client, request_body(spec, level, sectors[0], indicators[0], year, "level"))  # warm-up: the page's full load at this level
        for indicator in indicators:
            for previous, sector in itertools.pairwise(sectors):
                where = f"NUTS {level} {indicator} {previous} → {sector}"
                patch_ms, full_ms = [], []
                patch_bytes = full_bytes = b""
                for _ in range(repeat):  # interleaved, so drift hits both alike
                    body, ms = post(client, request_body(spec, level, sector, indicator, year, "sector", drawn))
                    patch_ms.append(ms)
                    patch_bytes = patch_bytes or body
                    if body != patch_bytes:
                        raise SystemExit(f"{where}: the sector-change response differs between runs")
                    body, ms = post(client, request_body(spec, level, sector, indicator, year, "level"))
                    full_bytes = full_bytes or body
                    shapes, geo_ms = geometry_by_url(client, body)
                    full_ms.append(ms + geo_ms)
                if b'"geojson"' in patch_bytes:
                    raise SystemExit(f"{where}: a sector change sent the geometry again")
                full_figure = response_of(full_bytes).get("map", {}).get("figure", {})
                if "geojson" not in (full_figure.get("data") or [{}])[0]:
                    raise SystemExit(f"{where}: the level trigger did not answer with the whole figure")
                form, with_value = check_payload(patch_bytes, regions, where)
                result = map_update(data, MapView(level=level, nace_r2=sector, indicator=indicator, year=year), full=True)
                direct_figure = _full_figure(result)
                direct = to_json_plotly(direct_figure).encode()
                if isinstance(direct_figure["data"][0].get("geojson"), str):
                    direct += shapes  # the same shapes the URL serves
                if len(patch_bytes) > len(largest.get(level, b"")):
                    largest[level] = patch_bytes
                rows.append(
                    {
                        "level": level,
                        "regions": regions,
                        "indicator": indicator,
                        "change": f"{previous} → {sector}",
                        "values_form": form,
                        "with_value": with_value,
                        "patch_bytes": len(patch_bytes),
                        "patch_gzip": gz(patch_bytes),
                        "patch_ms": statistics.median(patch_ms),
                        "full_bytes": len(full_bytes) + len(shapes),
                        "full_gzip": gz(full_bytes) + (gz(shapes) if shapes else 0),
                        "full_response_bytes": len(full_bytes),
                        "geometry_url_bytes": len(shapes),
                        "full_ms": statistics.median(full_ms),
                        "direct_full_bytes": len(direct),
                        "direct_full_gzip": gz(direct),
                    }
                )
                print(f"{where}: update {len(patch_bytes):,} B, naive {len(full_bytes) + len(shapes):,} B", file=sys.stderr)
    return rows, largest


def _ratio(r: dict, gzipped: bool = False) -> float:
    return r["full_gzip"] / r["patch_gzip"] if gzipped else r["full_bytes"] / r["patch_bytes"]


def _what(r: dict) -> str:
    return f"{r['indicator']}, {r['change']}"


def per_change_table(rows: list[dict]) -> list[str]:
    out = [
        "| NUTS | indicator | change | values | regions with a value | update B | update gzip B | update ms | naive B | naive gzip B | naive ms | naive/update B | naive/update gzip |",
        "|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['level']} | {r['indicator']} | {r['change']} | {r['values_form']} | {r['with_value']} of {r['regions']} | "
            f"{r['patch_bytes']:,} | {r['patch_gzip']:,} | {r['patch_ms']:.1f} | "
            f"{r['full_bytes']:,} | {r['full_gzip']:,} | {r['full_ms']:.1f} | {_ratio(r):.1f}x | {_ratio(r, True):.1f}x |"
        )
    return out


def report(
    rows: list[dict], largest: dict[int, bytes], *, repeat: int, sectors: tuple[str, ...], indicators: tuple[str, ...], year: int, per_change: bool
) -> str:
    ok = lambda cond: "met" if cond else "**MISSED**"  # noqa: E731
    levels = sorted({r["level"] for r in rows})
    out = [
        f"Sector changes {' → '.join(sectors)} for each of {len(indicators)} indicators ({', '.join(indicators)}), year {year}: "
        f"{len(rows) // max(len(levels), 1)} changes per level; server ms = median of {repeat} POSTs to {ENDPOINT} "
        f"via app.server.test_client(); gzip level {GZIP_LEVEL}. Naive = the whole figure for the same view, same run.",
        "",
        "### Worst case per level, against the targets (≤ 10 KB per change; ≥ 100x fewer bytes than naive at NUTS 2)",
        "",
        "| NUTS | regions | changes | max update B | max update gzip B | largest update at | median update ms | worst update ms | "
        "naive B (min–max) | naive gzip B (min–max) | median naive ms | naive via map_update + to_json_plotly B (median) | "
        "min naive/update B | at | min naive/update gzip | at | ≤ 10 KB raw | ≤ 10 KB gzip | ≥ 100x raw | ≥ 100x gzip |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---|---|---|",
    ]
    verdicts, summary = [], []
    for level in levels:
        rs = [r for r in rows if r["level"] == level]
        big = max(rs, key=lambda r: r["patch_bytes"])
        big_gz = max(r["patch_gzip"] for r in rs)
        worst = min(rs, key=_ratio)
        worst_gz = min(rs, key=lambda r: _ratio(r, True))
        ratio_cells = (ok(_ratio(worst) >= TARGET_RATIO_NUTS2), ok(_ratio(worst_gz, True) >= TARGET_RATIO_NUTS2)) if level == 2 else ("n/a", "n/a")
        fb = [r["full_bytes"] for r in rs]
        fg = [r["full_gzip"] for r in rs]
        out.append(
            f"| {level} | {rs[0]['regions']} | {len(rs)} | {big['patch_bytes']:,} | {big_gz:,} | {_what(big)} | "
            f"{statistics.median(r['patch_ms'] for r in rs):.1f} | {max(r['patch_ms'] for r in rs):.1f} | "
            f"{min(fb):,}–{max(fb):,} | {min(fg):,}–{max(fg):,} | {statistics.median(r['full_ms'] for r in rs):.1f} | "
            f"{statistics.median(r['direct_full_bytes'] for r in rs):,.0f} | "
            f"{_ratio(worst):.1f}x | {_what(worst)} | {_ratio(worst_gz, True):.1f}x | {_what(worst_gz)} | "
            f"{ok(big['patch_bytes'] <= TARGET_PATCH_BYTES)} | {ok(big_gz <= TARGET_PATCH_BYTES)} | {ratio_cells[0]} | {ratio_cells[1]} |"
        )
        for what, size in (("uncompressed", big["patch_bytes"]), ("gzip-compressed", big_gz)):
            if size > TARGET_PATCH_BYTES:
                kib = "also over" if size > 10_240 else "but within"
                verdicts.append(f"NUTS {level}: the largest update is {size:,} B {what}, over 10,000 B ({kib} 10 KiB = 10,240 B).")
        summary.append(
            f"NUTS {level}: ≤ 10 KB per change {ok(big['patch_bytes'] <= TARGET_PATCH_BYTES)} (worst {big['patch_bytes']:,} B raw, {big_gz:,} B gzip)"
        )
        if level == 2:
            for what, r, g in (("uncompressed", worst, False), ("gzip-compressed", worst_gz, True)):
                if _ratio(r, g) < TARGET_RATIO_NUTS2:
                    verdicts.append(
                        f"NUTS 2: {what}, the naive response is only {_ratio(r, g):.1f}x the update at the worst change "
                        f"({_what(r)}; target ≥ {TARGET_RATIO_NUTS2:.0f}x)."
                    )
            summary.append(
                f"NUTS 2: ≥ 100x fewer bytes than naive (judged on raw bytes) {ok(_ratio(worst) >= TARGET_RATIO_NUTS2)} "
                f"(worst {_ratio(worst):.1f}x raw; gzip {_ratio(worst_gz, True):.1f}x)"
            )
    out += ["", "Targets: " + "; ".join(summary) + ".", "", "Misses: " + (" ".join(verdicts) if verdicts else "none.")]
    by_url = {level: max(r.get("geometry_url_bytes", 0) for r in rows if r["level"] == level) for level in levels}
    if any(by_url.values()):
        out += [
            "",
            "The whole figure points at its shapes by URL (`geojson` is a string): naive = the level-change response plus "
            "that URL's body, fetched with every naive request (no browser cache); "
            + ", ".join(f"NUTS {level}: {size:,} B of shapes" for level, size in by_url.items())
            + ".",
        ]

    out += [
        "",
        "### Per level and indicator (worst over the sector changes)",
        "",
        "| NUTS | indicator | values | max update B | max update gzip B | largest at | min naive/update B | min naive/update gzip | median update ms | median naive ms |",
        "|---:|---|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for level in levels:
        for indicator in indicators:
            rs = [r for r in rows if r["level"] == level and r["indicator"] == indicator]
            if not rs:
                continue
            big = max(rs, key=lambda r: r["patch_bytes"])
            forms = "/".join(sorted({r["values_form"] for r in rs}))
            out.append(
                f"| {level} | {indicator} | {forms} | {big['patch_bytes']:,} | {max(r['patch_gzip'] for r in rs):,} | {big['change']} | "
                f"{min(_ratio(r) for r in rs):.1f}x | {min(_ratio(r, True) for r in rs):.1f}x | "
                f"{statistics.median(r['patch_ms'] for r in rs):.1f} | {statistics.median(r['full_ms'] for r in rs):.1f} |"
            )

    for level, payload in sorted(largest.items()):
        total = len(payload)
        r = next(r for r in rows if r["level"] == level and r["patch_bytes"] == total)
        out += [
            "",
            f"### What the largest sector change sends at NUTS {level} ({r['regions']} regions, {_what(r)}; {total:,} B, gzip {gz(payload):,} B)",
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

    if per_change:
        out += ["", "### Per change", "", *per_change_table(rows)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="POSTs per change and kind (median reported); default 10")
    parser.add_argument("--mirror", type=Path, default=None, help="data mirror; default $CLUSTERMAP_MIRROR or ../shared/data")
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse caches built here (default: build into a temp folder)")
    parser.add_argument("--sectors", nargs="+", default=list(SECTORS), help="sector sequence; the first is the starting state")
    parser.add_argument("--indicators", nargs="+", default=None, help="indicators (default: all of layers.indicators.INDICATORS)")
    parser.add_argument("--year", type=int, default=YEAR, help=f"default {YEAR}")
    parser.add_argument("--levels", nargs="+", type=int, default=list(LEVELS), choices=LEVELS)
    parser.add_argument("--per-change", action="store_true", help="also print one table row per level x indicator x change")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw rows as JSON here")
    args = parser.parse_args(argv)
    mirror = (args.mirror or _default_mirror()).resolve()
    own_dir = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="clustermap-bench-map-")) if own_dir else args.data_dir.resolve()
    os.environ["CLUSTERMAP_DATA_DIR"] = str(data_dir)  # anything that falls back on settings.data_dir() stays out of the repo
    os.environ["CLUSTERMAP_MIRROR"] = str(mirror)
    before = code_state()  # the code is imported once, below: this is the code measured
    try:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        from dashboard.app import create_app
        from dashboard.data import load_dashboard_data
        from layers.indicators import INDICATORS

        indicators = tuple(args.indicators or INDICATORS)
        unknown = [i for i in indicators if i not in INDICATORS]
        if unknown:
            parser.error(f"unknown indicators: {unknown}")
        t0 = time.perf_counter()
        data = load_dashboard_data(data_dir=data_dir, mirror=mirror)
        create = time.perf_counter()
        app = create_app(data)
        print(f"data loaded in {create - t0:.1f} s, app created in {time.perf_counter() - create:.2f} s", file=sys.stderr)
        sectors = tuple(args.sectors)
        missing = [s for s in sectors if s not in data.index.sectors]
        if missing:
            parser.error(f"sectors not in the data: {missing}")
        uncovered = [s for s in REQUIRED_SECTORS if s not in sectors[1:]]
        if uncovered:
            print(f"note: the sequence does not change to {uncovered}, which the targets ask to cover", file=sys.stderr)
        t0 = time.perf_counter()
        rows, largest = run(app, data, repeat=args.repeat, sectors=sectors, levels=tuple(args.levels), indicators=indicators, year=args.year)
        print(f"measured in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        print(before)
        if code_state() != before:
            print(f"note: the files changed during the run (now {code_state()}); the app was imported at the start")
        print()
        print(report(rows, largest, repeat=args.repeat, sectors=sectors, indicators=indicators, year=args.year, per_change=args.per_change))
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))
    finally:
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
