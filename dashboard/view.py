"""One view, one description: the query string that names a map everywhere.

The same ``?level=2&sector=C29&indicator=employment&year=2014`` describes the
view on screen, in a PNG export, in an iframe and in the API. It is parsed in
this one place. Unknown or malformed parameters fall back to defaults and are
reported as notices (for a page) or as errors (for the API): never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from dashboard.classes import SCHEMES
from dashboard.data import MIXED
from dashboard.figures import PALETTES, STAR_DIMENSIONS, MapView, indicator_of
from layers.indicators import INDICATORS
from layers.points.measures import POINT_INDICATORS

if TYPE_CHECKING:
    from dashboard.data import DashboardData

PARAMETERS = ("level", "sector", "indicator", "year", "scheme", "k", "breaks", "palette", "star", "zoom", "points")
"""The query parameters of a view, in the order they are written."""
LEVELS = (0, 1, 2)
POINT_LEVELS = (0, 1, 2, 3)
"""The organisation indicators are located on NUTS 2024 regions down to NUTS 3."""
K_RANGE = (3, 9)
MAX_BREAKS = 8
POINTS_VALUES = ("on", "off")
_INT_RE = re.compile(r"^-?\d{1,6}$")


@dataclass(frozen=True)
class ViewProblem:
    """One parameter that could not be used, and what was used instead."""

    parameter: str
    given: str
    message: str


@dataclass(frozen=True)
class ViewOptions:
    """What a view may hold: the data's sectors and years (the rest is fixed by the code)."""

    sectors: frozenset[str]
    years: tuple[int, ...]
    regions: frozenset[str] = frozenset()
    """NUTS codes with a shape: what ``zoom`` may name."""
    point_indicators: frozenset[str] = frozenset()
    """The organisation indicators (``layers.points.measures``), when point records are loaded."""

    def default(self) -> MapView:
        """The view a bare URL opens: manufacturing, each country at its finest level, the best-covered year."""
        year = 2014 if 2014 in self.years else self.years[-1]
        return MapView(level=MIXED, nace_r2="C", indicator="employment", year=year)


def parse_view(query: Mapping[str, str], options: ViewOptions) -> tuple[MapView, list[ViewProblem]]:
    """The view a query names, plus a problem for each parameter that fell back to its default.

    Unknown parameter names are problems too, so a typo is visible rather than silently ignored.
    """
    view = options.default()
    problems: list[ViewProblem] = []

    def problem(name: str, message: str) -> None:
        problems.append(ViewProblem(name, str(query.get(name, ""))[:100], message))

    for name in query:
        if name not in PARAMETERS:
            problems.append(ViewProblem(name, str(query[name])[:100], f"unknown parameter {name!r}; known: {', '.join(PARAMETERS)}"))

    def integer(name: str) -> int | None:
        raw = str(query[name]).strip()
        if not _INT_RE.match(raw):
            problem(name, f"{name} must be a whole number")
            return None
        return int(raw)

    def choice(name: str, field: str, allowed, message: str) -> None:
        nonlocal view
        if name in query:
            value = str(query[name]).strip()
            if value in allowed:
                view = replace(view, **{field: value})
            else:
                problem(name, message)

    indicators = [*INDICATORS, *sorted(options.point_indicators)]
    choice("indicator", "indicator", indicators, f"indicator must be one of {', '.join(indicators)}")
    levels = POINT_LEVELS if view.indicator in options.point_indicators else LEVELS
    if "level" in query and str(query["level"]).strip() == "mixed":
        view = replace(view, level=MIXED)
    elif "level" in query and (level := integer("level")) is not None:
        if level in levels:
            view = replace(view, level=level)
        elif level in POINT_LEVELS:
            problem("level", "level 3 (NUTS 3) is drawn for the organisation indicators only; the statistics stop at NUTS 2")
        else:
            problem("level", f"level must be one of {', '.join(map(str, levels))} or mixed")
    choice("sector", "nace_r2", options.sectors, "sector must be a NACE Rev. 2 code in the data (e.g. C, C29, G471) or TOTAL")
    choice("scheme", "scheme", SCHEMES, f"scheme must be one of {', '.join(SCHEMES)}")
    choice("palette", "palette", PALETTES, f"palette must be one of {', '.join(PALETTES)}")
    choice("star", "star", STAR_DIMENSIONS, f"star must be one of {', '.join(STAR_DIMENSIONS)}")
    if "year" in query and (year := integer("year")) is not None:
        if year in options.years:
            view = replace(view, year=year)
        else:
            problem("year", f"year must be one of {options.years[0]}-{options.years[-1]} with data")
    if "k" in query and (k := integer("k")) is not None:
        if K_RANGE[0] <= k <= K_RANGE[1]:
            view = replace(view, k=k)
        else:
            problem("k", f"k (number of classes) must be {K_RANGE[0]}-{K_RANGE[1]}")
    if "breaks" in query:
        raw = str(query["breaks"]).strip()
        try:
            breaks = tuple(sorted({float(b) for b in raw.split(",") if b.strip()}))
        except ValueError:
            breaks = ()
        if 1 <= len(breaks) <= MAX_BREAKS and all(abs(b) < 1e12 for b in breaks):
            view = replace(view, breaks=breaks)
        else:
            problem("breaks", f"breaks must be 1-{MAX_BREAKS} numbers separated by commas, e.g. 1000,5000,20000")
    if view.scheme == "user" and not view.breaks:
        problem("scheme", "scheme=user needs breaks, e.g. breaks=1000,5000,20000; using quantiles")
        view = replace(view, scheme="quantiles")
    if "zoom" in query:
        zoom = str(query["zoom"]).strip()
        if zoom in options.regions:
            view = replace(view, zoom=zoom)
        elif zoom:
            problem("zoom", "zoom must be a NUTS code with a shape (e.g. DE, DE1, DE11)")
    if "points" in query:
        shown = str(query["points"]).strip().lower()
        if shown in POINTS_VALUES:
            view = replace(view, points=shown == "on")
        else:
            problem("points", "points must be on or off (the organisations layer)")
    return view, problems


def view_params(view: MapView) -> dict[str, str | int]:
    """The parameters of a view, by their query names, in a fixed order."""
    params: dict[str, str | int] = {"level": "mixed" if view.level == MIXED else view.level, "sector": view.nace_r2, "indicator": view.indicator, "year": view.year, "scheme": view.scheme, "k": view.k}
    if view.scheme == "user":
        params["breaks"] = ",".join(f"{b:g}" for b in view.breaks)
    if view.palette != MapView.palette:
        params["palette"] = view.palette
    if view.indicator == "stars":
        params["star"] = view.star
    if view.zoom:
        params["zoom"] = view.zoom
    if view.points:
        params["points"] = "on"
    return params


def view_query(view: MapView) -> str:
    """The query string of a view (without ``?``)."""
    return urlencode(view_params(view))


def view_slug(view: MapView) -> str:
    """A file name stem for a view, e.g. ``persons_employed_C10_NUTS2_2014``."""
    label = re.sub(r"[^a-z0-9]+", "_", indicator_of(view.indicator).label.lower()).strip("_") if view.column == view.indicator else view.column
    level = "mixed" if view.level == MIXED else f"NUTS{view.level}"
    zoom = f"_{view.zoom}" if view.zoom else ""
    return f"{label}_{view.nace_r2}_{level}_{view.year}{zoom}"


def view_options(data: DashboardData) -> ViewOptions:
    """The sectors and years the loaded data holds."""
    points = frozenset(POINT_INDICATORS) if data.point_measures is not None else frozenset()
    return ViewOptions(sectors=frozenset(data.index.sectors), years=tuple(data.years), regions=frozenset(data.bounds), point_indicators=points)
