"""A map figure made printable: title and notes fitted to the image, legend and source as PNG text.

:func:`render_png` is the one way a figure becomes a PNG here: the layout is
fitted to the width (:func:`fit_figure`), drawn by the warm renderer
(:mod:`dashboard.export.renderer`), and the PNG carries the title, source line,
legend classes and the view's query as text chunks (iTXt). The figure of a view
is ``map_update(data, view, full=True)``, the figure the page gets: title,
colorbar with the class ranges, and the source/attribution annotation.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Mapping

from dashboard.export.errors import RenderFailed
from dashboard.export.renderer import RENDERER
from dashboard.export.size import ImageSize, check_size

LINE_SPACING = 1.3
"""plotly.js's line height in ems for ``<br>`` in text."""
TITLE_TOP_PX = 8
_EM_PER_CHAR = 0.5
"""Width of an average character in ems, a little above what Chromium's sans-serif measures (0.45)."""


def _text_px(text: str, size: float) -> float:
    return len(re.sub(r"<[^>]+>", "", text)) * size * _EM_PER_CHAR


def _wrap(text: str, size: float, width: float, separator: str = " · ") -> list[str]:
    """Greedy lines of ``text`` broken after ``separator`` so that each fits ``width`` px if it can."""
    parts = text.split(separator)
    lines = [parts[0]]
    for part in parts[1:]:
        candidate = f"{lines[-1]}{separator}{part}"
        if _text_px(candidate, size) <= width:
            lines[-1] = candidate
        else:
            lines[-1] += separator.rstrip()
            lines.append(part)
    return lines


def fit_figure(figure: dict, width: int) -> dict:
    """The figure laid out for a ``width`` px image: a title or note too long for it wraps at " · ".

    The text stays the same (only ``<br>`` is added); the figure passed in is not changed.
    """
    layout = figure.get("layout", {})
    title = layout.get("title", {})
    text = title.get("text") or ""
    size = (title.get("font") or {}).get("size") or 17
    usable = width * (1 - 2 * (title.get("x") or 0.01)) - 10
    fitted_layout = dict(layout)
    margin = dict(layout.get("margin") or {})
    if text and _text_px(text, size) > usable:
        lines = _wrap(text, size, usable)
        # plotly.js centres the lines of a multi-line title on its anchor: push it down by half the extra lines
        extra = LINE_SPACING * size * (len(lines) - 1)
        fitted_layout["title"] = {
            **title,
            "text": "<br>".join(lines),
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": round(TITLE_TOP_PX + extra / 2)},
        }
        margin["t"] = round((margin.get("t") or 40) + extra)
    notes = []
    for annotation in layout.get("annotations") or []:
        note = annotation.get("text") or ""
        note_size = (annotation.get("font") or {}).get("size") or 12
        if annotation.get("yref") == "paper" and annotation.get("y") == 0 and _text_px(note, note_size) > width - 10:
            lines = _wrap(note, note_size, width - 10)
            annotation = {**annotation, "text": "<br>".join(lines), "align": "left", "xanchor": "left"}
            margin["b"] = round((margin.get("b") or 28) + LINE_SPACING * note_size * (len(lines) - 1))
        notes.append(annotation)
    if notes:
        fitted_layout["annotations"] = notes
    fitted_layout["margin"] = margin
    return {**figure, "layout": fitted_layout}


def figure_text(figure: dict) -> dict[str, str]:
    """What the image says in words: title, source line(s) and legend classes, for PNG text chunks."""
    layout = figure.get("layout", {})
    text = {"Title": (layout.get("title") or {}).get("text") or ""}
    notes = [a.get("text", "") for a in layout.get("annotations") or [] if a.get("text")]
    if notes:
        text["Source"] = "\n".join(notes)
    for trace in figure.get("data", []):
        ticks = (trace.get("colorbar") or {}).get("ticktext")
        if ticks:
            text["Description"] = "Legend (bottom to top):\n" + "\n".join(map(str, ticks))
            break
    text["Software"] = "Cluster Observatory Map"
    return {k: v for k, v in text.items() if v}


def add_png_text(png: bytes, text: Mapping[str, str]) -> bytes:
    """``png`` with an international text chunk (iTXt, UTF-8) per item, right after IHDR."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise RenderFailed("the renderer did not return a PNG")
    end_of_ihdr = 8 + 8 + struct.unpack(">I", png[8:12])[0] + 4
    chunks = []
    for keyword, value in text.items():
        # keyword, NUL, compression flag and method (none), language tag and translated keyword (empty, NUL-ended), text
        data = keyword.encode("latin-1")[:79] + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + value.encode("utf-8")
        chunks.append(struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(">I", zlib.crc32(b"iTXt" + data)))
    return png[:end_of_ihdr] + b"".join(chunks) + png[end_of_ihdr:]


def export_figure(data, view, size: ImageSize | None = None) -> dict:
    """The full figure of a view: the one the page receives for it (one map per year: 2 a row in a portrait ``size``)."""
    from dashboard.callbacks import map_update
    from dashboard.multiples import TALL_COLUMNS, YEARS, years_figure

    if view.analysis == YEARS and size is not None and size.height > size.width:
        return years_figure(data, view, columns=TALL_COLUMNS)
    figure, _ = map_update(data, view, full=True)
    return figure


def render_png(figure: dict, *, width: int, height: int, scale: float, text: Mapping[str, str] | None = None) -> bytes:
    """The PNG of a map figure, ``width*scale`` x ``height*scale`` pixels, on the warm renderer.

    The PNG carries the figure's title, source and legend as text chunks (plus
    ``text``). Raises :class:`ExportParameterError` for an out-of-range size and
    another :class:`ExportError` if the render fails or times out.
    """
    size = check_size(width, height, scale)
    png = RENDERER.render(
        fit_figure(figure, size.width),
        {"format": "png", "width": size.width, "height": size.height, "scale": size.scale},
    )
    return add_png_text(png, {**figure_text(figure), **(text or {})})


def export_view_png(data, view, size: ImageSize) -> bytes:
    """The PNG of one view, with its query string in a ``Comment`` chunk."""
    from dashboard.view import view_query

    return render_png(export_figure(data, view, size), width=size.width, height=size.height, scale=size.scale, text={"Comment": f"view: {view_query(view)}"})


def png_filename(stem: str) -> str:
    """A safe file name for a PNG: anything but letters, digits, ``_.-`` becomes ``_``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem) + ".png"
