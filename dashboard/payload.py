"""The contract of what crosses to the browser: one ``TypedDict`` per payload, and their compact encodings.

Every number in these payloads is computed on the server (``layers.ranks``,
``layers.classes``, ``layers.query``); ``assets/map.js`` and ``assets/ranking.js``
only decode and draw them. The encoders live here beside the types they fill, and
each has a JavaScript twin (named in its docstring) tested against payloads built
here (``tests/test_payload_js.py``, run by node without a browser).

Sizes matter: a map payload travels on every filter change
(``benchmarks/bench_map_update.py``), so per-region arrays are packed.
"""

from __future__ import annotations

import base64
import json
from typing import NotRequired, TypedDict

import numpy as np

# ---- the payloads ---------------------------------------------------------------------


class NotesPayload(TypedDict):
    """Per-region note texts (:func:`encode_notes`): distinct ``parts``, their ``combos``, each region's combo index packed in ``codes``."""

    parts: list[str]
    combos: list[list[int]]
    codes: str


class CountryRanks(TypedDict):
    """Zoomed to a country: each region's rank within it (0 outside it or without a value) and how many it ranks."""

    code: str
    ranks: str
    ranked: int


class PointsPayload(TypedDict):
    """The organisations layer (``dashboard.points_layer.points_payload``): one point per organisation or one circle per cluster."""

    kind: str
    name: str
    lon: list[float]
    lat: list[float]
    size: int | list[float]
    text: list[str]
    ids: list[str]
    count: int


class FoundPayload(TypedDict):
    """The organisation found by name (``dashboard.points_layer.found_payload``): drawn and highlighted whatever the sector filter."""

    id: str
    name: str
    lon: float
    lat: float
    text: str


class MapPayload(TypedDict):
    """What the map gets on every view change (``dashboard.figures.map_payload``), one entry per drawn shape, in the shapes' order.

    ``values``: :func:`encode_values` at ``decimals`` (its length is the number of
    shapes); ``classes``: :func:`encode_classes` (the z of each shape and the index
    into ``legend`` and ``colours``); ``ranks``: :func:`encode_ranks` (0 = no rank)
    of ``ranked``; ``country``: the ranks within
    the zoomed country. The tooltip reads "rank {rank} of {ranked}", zoomed and in the
    country "rank {country rank} of {country ranked} in {code}, {rank} of {ranked} in Europe".
    """

    values: str | list[float | int | None]
    decimals: int
    classes: str
    ranks: str
    ranked: int
    notes: NotesPayload
    legend: list[str]
    colours: list[str]
    title: str
    unit: str
    note: NotRequired[str]
    """The note beside the legend (a group's members, approximation label, partial sums), HTML-escaped, lines joined by ``<br>``."""
    country: NotRequired[CountryRanks]
    points: NotRequired[PointsPayload]
    found: NotRequired[FoundPayload]


class YearPart(TypedDict, total=False):
    """Some of a :class:`MapPayload`'s fields (the same names and types): what every year shares, or what one year has of its own."""

    values: str | list[float | int | None]
    decimals: int
    classes: str
    ranks: str
    ranked: int
    notes: NotesPayload
    legend: list[str]
    colours: list[str]
    title: str
    unit: str
    note: str
    country: CountryRanks
    points: PointsPayload
    found: FoundPayload


class YearsPayload(TypedDict):
    """Every year of a view at once (``dashboard.callbacks.years_payload_for``): the map changes year in the browser, without the server.

    Year ``years[i]``'s :class:`MapPayload` is ``{**common, **parts[i]}`` (:func:`year_payload`;
    twin: ``yearPayload`` in ``assets/map.js``): a field equal in every year travels once,
    in ``common``. ``year``: the view's year, the one the server drew when ``drawn`` (the
    figure sent with it, or the page's first figure, already shows it). A view whose year
    the browser cannot change on its own (hot spots, the organisation indicators) holds its
    year only.
    """

    year: int
    years: list[int]
    common: YearPart
    parts: list[YearPart]
    drawn: bool


class ViewValues(TypedDict):
    """What ``GET /map/values?<view query>`` answers (``dashboard.map_updates``): a view's values by URL.

    The browser draws a sector change from it before Dash's callbacks run (``drawSector`` in
    ``assets/map.js``), when ``shapes`` is what the map shows; ``query`` is the view's canonical
    query, which tells the map callback's own answer for the same view apart from another's.
    """

    query: str
    shapes: str
    values: YearsPayload


RankingRow = tuple[int | None, str, str, float | None, str, str]
"""One table row: rank (None without a value), NUTS code, name, value at the decimals shown, value text, flag and notes in words."""


class RankingData(TypedDict):
    """The ranking table's rows (``dashboard.ranking.table_data``), best first; ``assets/ranking.js`` only sorts them by the sent rank."""

    level: int
    unit: str
    rows: list[RankingRow]


# ---- encodings ------------------------------------------------------------------------


def _shorter(packed: str, as_list: list) -> str | list:
    return packed if len(packed) < len(json.dumps(as_list, separators=(",", ":"))) else as_list


NO_VALUE = np.iinfo(np.int32).min
"""The int32 that stands for "no value" in :func:`encode_values`."""


def encode_values(values: np.ndarray, decimals: int) -> str | list[float | int | None]:
    """Values at the indicator's decimals, in whichever of two forms is shorter (twin: ``decodeValues`` in ``assets/map.js``).

    Either a JSON list (``null`` for no value), or base64 of little-endian int32
    ``round(value x 10**decimals)`` with ``NO_VALUE`` for none: a third smaller
    for large counts, while small numbers (stars, LQs) are shorter as a list.
    Both are exact at the decimals the tooltip shows.
    """
    scaled = np.round(np.asarray(values, dtype=float) * 10.0**decimals)
    finite = np.isfinite(scaled)
    as_list = [None if not f else (int(v) if decimals == 0 else float(v / 10.0**decimals) + 0.0) for v, f in zip(scaled, finite)]
    if np.any(np.abs(scaled[finite]) >= np.iinfo(np.int32).max):
        return as_list
    packed = np.where(finite, scaled, NO_VALUE).astype("<i4")
    return _shorter(base64.b64encode(packed.tobytes()).decode("ascii"), as_list)


def decode_values(encoded: str | list, decimals: int) -> np.ndarray:
    """The inverse of :func:`encode_values` (NaN where there is no value)."""
    if isinstance(encoded, list):
        return np.array([np.nan if v is None else v for v in encoded], dtype=float)
    packed = np.frombuffer(base64.b64decode(encoded), dtype="<i4")
    return np.where(packed == NO_VALUE, np.nan, packed / 10.0**decimals) + 0.0


CODE_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Characters that code the bit width of :func:`pack_uints`."""


def pack_uints(numbers: np.ndarray) -> str:
    """Whole numbers >= 0 at the fewest bits that hold the largest (twin: ``unpackUints`` in ``assets/map.js``).

    One ``CODE_ALPHABET`` character gives the bit width ``b``, then base64 of the
    numbers' ``b``-bit big-endian fields, back to back (zero bits pad the last
    byte). Ranks of 314 regions take 9 bits each, classes 3-4: about a third of
    a JSON list. The reader takes the count from the values (one per shape).
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    if numbers.size and numbers.min() < 0:
        raise ValueError("pack_uints takes whole numbers >= 0")
    bits = max(1, int(numbers.max()).bit_length()) if numbers.size else 1
    if bits >= len(CODE_ALPHABET) or bits > 31:
        raise ValueError(f"numbers up to 2**31 only, got {int(numbers.max())}")
    fields = (numbers[:, None] >> np.arange(bits - 1, -1, -1)) & 1
    return CODE_ALPHABET[bits] + base64.b64encode(np.packbits(fields.astype(np.uint8).ravel()).tobytes()).decode("ascii")


def unpack_uints(encoded: str, count: int) -> np.ndarray:
    """The first ``count`` numbers of :func:`pack_uints`."""
    bits = CODE_ALPHABET.index(encoded[0])
    stream = np.unpackbits(np.frombuffer(base64.b64decode(encoded[1:]), dtype=np.uint8))[: count * bits]
    if stream.size < count * bits:
        raise ValueError(f"packed numbers hold fewer than {count}")
    return stream.reshape(count, bits).astype(np.int64) @ (1 << np.arange(bits - 1, -1, -1, dtype=np.int64))


def encode_ranks(ranks: np.ndarray) -> str:
    """Ranks (NaN = no rank, sent as 0), packed by :func:`pack_uints`."""
    ranks = np.asarray(ranks, dtype=float)
    return pack_uints(np.where(np.isfinite(ranks), ranks, 0).astype(np.int64))


def decode_ranks(encoded: str, count: int) -> np.ndarray:
    """The inverse of :func:`encode_ranks`: ``count`` ints, 0 where there is no rank."""
    return unpack_uints(encoded, count)


def encode_classes(index: np.ndarray) -> str:
    """Class indexes (0 no data, 1 confidential, 2... value classes), packed by :func:`pack_uints`."""
    return pack_uints(np.asarray(index, dtype=np.int64))


def decode_classes(encoded: str, count: int) -> np.ndarray:
    """The inverse of :func:`encode_classes`."""
    return unpack_uints(encoded, count)


NOTE_SEPARATOR = "; "


def encode_notes(texts: list[str]) -> NotesPayload:
    """Per-region note texts, sent compactly: parts, their combinations, a packed index per region (twin: ``decodeNotes``).

    A note is a "; "-joined list of parts (flag words, "upper bound: …",
    "at least: …"). Each distinct part travels once in ``parts``; each distinct
    note once in ``combos`` as part indexes; ``codes`` holds each region's index
    into ``combos`` (0 is the empty note), packed by :func:`pack_uints`. Far
    smaller than repeating texts when most regions carry one of a few notes.
    """
    notes = ["", *sorted({t for t in texts if t}, key=lambda t: (-texts.count(t), t))]
    parts: list[str] = []
    for note in notes[1:]:
        parts.extend(p for p in note.split(NOTE_SEPARATOR) if p not in parts)
    combos = [[parts.index(p) for p in note.split(NOTE_SEPARATOR)] if note else [] for note in notes]
    position = {t: i for i, t in enumerate(notes)}
    return {"parts": parts, "combos": combos, "codes": pack_uints(np.array([position[t] for t in texts], dtype=np.int64))}


def decode_notes(notes: NotesPayload, count: int) -> list[str]:
    """The inverse of :func:`encode_notes`: the note text of each of ``count`` regions."""
    return [NOTE_SEPARATOR.join(notes["parts"][j] for j in notes["combos"][i]) for i in unpack_uints(notes["codes"], count)]


# ---- all years of a view ----------------------------------------------------------------


def share_years(payloads: dict[int, MapPayload], year: int, *, drawn: bool = False) -> YearsPayload:
    """Each year's payload of one view in one :class:`YearsPayload`: a field present and equal in every year goes to ``common`` once."""
    years = sorted(payloads)
    first = payloads[years[0]]
    shared = {key for key in first if all(key in payloads[y] and payloads[y][key] == first[key] for y in years[1:])}  # type: ignore[literal-required]
    common: YearPart = {key: value for key, value in first.items() if key in shared}  # type: ignore[assignment]
    parts: list[YearPart] = [{key: value for key, value in payloads[y].items() if key not in shared} for y in years]  # type: ignore[misc]
    return {"year": year, "years": years, "common": common, "parts": parts, "drawn": drawn}


def year_payload(years: YearsPayload, year: int) -> MapPayload | None:
    """The :class:`MapPayload` of ``year`` (None when ``years`` does not hold it): the inverse of :func:`share_years`."""
    if year not in years["years"]:
        return None
    return {**years["common"], **years["parts"][years["years"].index(year)]}  # type: ignore[return-value]
