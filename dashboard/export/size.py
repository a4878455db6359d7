"""The size of an exported image and the query of an export URL, range-checked before any render.

Bounds keep one request from costing the server more than an A3 page at 300 dpi;
every out-of-range value is an :class:`ExportParameterError` naming its parameter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.export.errors import ExportParameterError

WIDTH_RANGE = (400, 3000)
HEIGHT_RANGE = (300, 3000)
SCALE_RANGE = (0.5, 4.0)
MAX_PIXELS = 25_000_000
"""Output pixels (width x scale) x (height x scale): A3 at 300 dpi is 17.4 million."""
DEFAULT_WIDTH, DEFAULT_HEIGHT, DEFAULT_SCALE = 1200, 800, 1.0
SIZE_PARAMETERS = ("width", "height", "scale")


@dataclass(frozen=True)
class ImageSize:
    """Layout pixels and the scale factor; the PNG is ``width*scale`` x ``height*scale``."""

    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT
    scale: float = DEFAULT_SCALE

    @property
    def pixels(self) -> tuple[int, int]:
        """The PNG's width and height (Chromium truncates fractions)."""
        return int(self.width * self.scale), int(self.height * self.scale)


def check_size(width: Any, height: Any, scale: Any) -> ImageSize:
    """The size if it is within bounds, else :class:`ExportParameterError` naming the parameter."""

    def whole(name: str, value: Any, bounds: tuple[int, int]) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value != int(value):
            raise ExportParameterError(f"{name} must be a whole number of pixels, {bounds[0]}-{bounds[1]}", parameter=name)
        if not bounds[0] <= value <= bounds[1]:
            raise ExportParameterError(f"{name} must be {bounds[0]}-{bounds[1]} pixels", parameter=name)
        return int(value)

    w = whole("width", width, WIDTH_RANGE)
    h = whole("height", height, HEIGHT_RANGE)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale):
        raise ExportParameterError(f"scale must be a number, {SCALE_RANGE[0]:g}-{SCALE_RANGE[1]:g}", parameter="scale")
    if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        raise ExportParameterError(f"scale must be {SCALE_RANGE[0]:g}-{SCALE_RANGE[1]:g}", parameter="scale")
    size = ImageSize(w, h, float(scale))
    pw, ph = size.pixels
    if pw * ph > MAX_PIXELS:
        raise ExportParameterError(
            f"the image would be {pw} x {ph} = {pw * ph:,} pixels; at most {MAX_PIXELS:,} (lower scale, width or height)",
            parameter="scale",
        )
    return size


_WHOLE_RE = re.compile(r"^[0-9]{1,5}$")
_NUMBER_RE = re.compile(r"^[0-9]{1,2}(\.[0-9]{1,4})?$|^\.[0-9]{1,4}$")


def parse_size(query: Mapping[str, str]) -> ImageSize:
    """width, height and scale from query strings (defaults 1200 x 800 x 1)."""
    values: dict[str, float] = {}
    for name, default, pattern, kind in (
        ("width", DEFAULT_WIDTH, _WHOLE_RE, f"a whole number of pixels, {WIDTH_RANGE[0]}-{WIDTH_RANGE[1]}"),
        ("height", DEFAULT_HEIGHT, _WHOLE_RE, f"a whole number of pixels, {HEIGHT_RANGE[0]}-{HEIGHT_RANGE[1]}"),
        ("scale", DEFAULT_SCALE, _NUMBER_RE, f"a number, {SCALE_RANGE[0]:g}-{SCALE_RANGE[1]:g}"),
    ):
        if name not in query:
            values[name] = default
            continue
        raw = str(query[name]).strip()
        if not pattern.match(raw):
            raise ExportParameterError(f"{name} must be {kind}", parameter=name)
        values[name] = int(raw) if pattern is _WHOLE_RE else float(raw)
    return check_size(values["width"], values["height"], values["scale"])
