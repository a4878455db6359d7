"""One view, one vocabulary: the query string that names a map everywhere.

The same ``?level=2&sector=C29&indicator=employment&year=2014`` describes the
view on screen, in a PNG export, in an iframe, in the CSV, in the API and on the
command line. Every parameter is defined once, as a row of :data:`PARAMETERS`
(name, type, allowed values or the function of the loaded data that finds them,
default, where it is used, help, the page control that holds it). Everything
that reads or writes a view is generated from that table: the parser
(:func:`parse_view`, :func:`read_view`), the writer (:func:`view_params`,
:func:`view_query`), the controls' wiring (:data:`CONTROL_PARAMETERS`, and
``dashboard.callbacks.control_values``), the API's 400s and OpenAPI enums
(``dashboard.api``) and the CLI's choices (``dashboard.cli``). The module is a little
over 400 lines because the table and the functions generated from it are read together.

One rule turns a raw query string into a view (:func:`read_query`), everywhere:

- an **empty value means "not given"**: ``?zoom=`` is the same as no ``zoom``
  (empty values are dropped before anything else, so ``a=&a=1`` is ``a=1``);
- a **repeated key is a problem**: the parameter keeps its default, and the
  problem is a notice on a page (page, embed) and a 400 for a machine
  (API, CSV, PNG), like every other problem;
- an **unknown name is a problem**, so a typo is visible rather than ignored.

Problems never raise: a page shows the default for what it could not use and
says so; the API answers 400 naming the parameter. Never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field as default_factory_field, fields, replace
from functools import cached_property
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from dashboard.data import MIXED
from layers.groups.catalogue import SectorGroup
from layers.groups.sector import BadSector, Sectors
from layers.indicators import INDICATORS
from layers.period_change import KINDS as PERIOD_CHANGE_KINDS
from layers.points.measures import POINT_INDICATORS

Use = Literal["page", "embed", "png", "csv", "api", "cli"]
EVERY_USE: frozenset[str] = frozenset({"page", "embed", "png", "csv", "api", "cli"})
MAX_QUERY_FIELDS = 64
"""A query with more ``name=value`` pairs than this is refused as a whole (no view has a tenth as many)."""
MAX_GIVEN = 100
"""A problem quotes at most this many characters of what was given."""
_INT_RE = re.compile(r"^-?[0-9]{1,6}$")
"""A whole number as a query writes it: ASCII digits only (``\\d`` would take "２０１４" too), at most six of them."""
_DIGITS_RE = re.compile(r"^-?[0-9]+$")

SEQUENTIAL_PALETTES = {"YlGnBu": "Yellow-green-blue", "Viridis": "Viridis", "Plasma": "Plasma", "RdPu": "Red-purple", "Oranges": "Oranges"}
"""Sequential palettes safe for the common colour-vision deficiencies (ColorBrewer, matplotlib): Plotly's names.
None comes near the greys of "no data" and "confidential" (``tests/test_palettes.py``): Cividis (greyish middle)
and Purples (greyish light end) were replaced by Plasma and RdPu."""
DIVERGING_PALETTES = {"PuOr": "Orange-purple (diverging)", "BrBG": "Brown-blue-green (diverging)", "RdBu": "Red-blue (diverging)"}
"""ColorBrewer diverging palettes (colour-blind safe), for views centred on a value (the LQ on 1, changes on 0):
the low end's hue below the centre, the high end's above, lightest nearest it (``dashboard.figures``)."""
AUTO_PALETTE = "auto"
PALETTE_LABELS = {AUTO_PALETTE: "Automatic (diverging for LQ and changes)", **SEQUENTIAL_PALETTES, **DIVERGING_PALETTES}
"""``auto``: Orange-purple on views with a centre (LQ, changes), Yellow-green-blue on the others. A sequential palette
on a centred view colours its classes in order (still split at the centre); a diverging one on a view without a centre
colours them with its upper half, light to dark."""
PALETTES = PALETTE_LABELS
STAR_DIMENSIONS = {"all": "All (0-3 stars)", "size": "Size", "specialisation": "Specialisation", "productivity": "Productivity"}
"""With ``indicator=stars``: the star count, or one star dimension."""
SCHEME_LABELS = {"quantiles": "Quantiles", "fisher_jenks": "Fisher-Jenks (natural breaks)", "equal_interval": "Equal interval", "user": "My own breaks"}
"""The classification schemes; ``layers.classes.SCHEMES`` says how each one classifies."""
CLASS_SPANS = {"year": "This year's values", "all-years": "All years' values (colours comparable across years)"}
"""Which values the class breaks are found on (``classes``); ``layers.classes.classes_from_pool`` for all years."""
SECTOR_GROUP_PATTERN = r"^[A-U][0-9]{0,3}(,[A-U][0-9]{0,3})+$"
"""Besides the listed codes and group ids, a sector may be NACE codes separated by commas (a group of one's own)."""
ANALYSES = {
    "values": "Values in classes",
    "years": "All years, one map each",
    "hotspots": "Hot spots (local Moran's I)",
    "network": "Related sectors (co-location network)",
}
"""What the map panel shows (``analysis``): the values, their small multiples over the years, their spatial clusters, or how sectors locate together."""
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(4, 19))
"""The network's link thresholds (``threshold``): correlations 0.2-0.9 in steps of 0.05."""
MAX_BREAKS = 8
LEVELS = (0, 1, 2, 3, "mixed")
"""Map levels in query form: NUTS 0-2 for the statistics, 3 for the organisation indicators, mixed (each country's finest)."""
LEVEL_WORDS = {
    "mixed": "Mixed: finest level with data",
    0: "Countries (NUTS 0)",
    1: "NUTS 1 regions",
    2: "NUTS 2 regions",
    3: "NUTS 3 regions (organisation indicators)",
}
"""The level control's words, in the order it lists them."""


@dataclass(frozen=True)
class MapView:
    """What one map shows: one field per row of :data:`PARAMETERS` (its ``field``).

    The defaults here are the code's (a NUTS 2 map); the default *view* of a bare URL
    is :meth:`ViewOptions.default`, from the table's defaults and the data.
    """

    level: int = 2
    nace_r2: str = "C"
    indicator: str = "employment"
    year: int = 2014
    scheme: str = "quantiles"
    k: int = 5
    breaks: tuple[float, ...] = ()
    """Upper class bounds when ``scheme == "user"``."""
    classes: str = "year"
    """Which years' values the breaks are found on: the view's year, or all years (one colour means one value range in every year)."""
    palette: str = "auto"
    """A name of :data:`PALETTE_LABELS`; ``auto`` is diverging on views with a centre (LQ, changes), sequential elsewhere."""
    since: int | None = None
    """An earlier year of the data: the map shows the change of the indicator from it to ``year`` (``layers.period_change``)."""
    star: str = "all"
    """With ``indicator == "stars"``: which star dimension the map shows (all = the 0-3 count)."""
    zoom: str | None = None
    """NUTS code the map is zoomed to (a country or a region); None shows all of Europe."""
    points: bool = False
    """Whether the organisations layer (``dashboard.points_layer``) is drawn over the map."""
    analysis: str = "values"
    """What the map panel shows: the values in classes, one map per year (``dashboard.multiples``), their hot spots (local Moran's I),
    or the related-sectors network."""
    threshold: float = 0.5
    """With ``analysis == "network"``: the co-location strength above which two sectors are linked."""
    region: str | None = None
    """NUTS code of the region in focus (levels 0-2, with statistics): its portfolio is open; with ``analysis == "network"``,
    the network marks its specialisations and its diversification opportunities (``dashboard.network_region``)."""
    compare: tuple[str, ...] = ()
    """NUTS codes of 2-6 regions with statistics (levels 0-2, any mix) compared side by side (``dashboard.compare_panel``); () for none."""

    @property
    def column(self) -> str:
        """The cache column the map shows: the indicator, or one star dimension."""
        return self.indicator if self.indicator != "stars" or self.star == "all" else f"star_{self.star}"


@dataclass(frozen=True)
class ViewProblem:
    """One parameter that could not be used, and why (its default was used instead)."""

    parameter: str
    given: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The problem in the API's JSON error bodies (``dashboard.api.errors``)."""
        return {"parameter": self.parameter, "given": self.given, "error": self.message}


@dataclass(frozen=True)
class ViewOptions:
    """What a view may hold that depends on the loaded data (the rest is fixed in :data:`PARAMETERS`)."""

    sectors: frozenset[str]
    years: tuple[int, ...]
    regions: frozenset[str] = frozenset()
    """NUTS codes with a shape: what ``zoom`` may name."""
    point_indicators: frozenset[str] = frozenset()
    """The organisation indicators (``layers.points.measures``), when point records are loaded."""
    statistics_regions: frozenset[str] = frozenset()
    """NUTS codes of levels 0-2 with statistics and a shape: what ``region`` may name."""
    groups: tuple[SectorGroup, ...] = ()
    """Named sector groups (``layers.groups.catalogue``): what ``sector=<id>`` may name besides NACE codes."""

    @cached_property
    def catalogue(self) -> Sectors:
        """What ``sector`` may name: the data's codes, groups of them, the named groups (``layers.groups.sector``)."""
        return Sectors.of(self.sectors, self.groups)

    def default(self) -> MapView:
        """The view a bare URL opens: each row's default (manufacturing, the mixed map, the best-covered year)."""
        return MapView(**{p.field: p.to_field(p.default_value(self)) for p in PARAMETERS})


class BadValue(ValueError):
    """A parameter's value that cannot be used; the message says what would be."""


@dataclass(frozen=True)
class Control:
    """The page component property that holds a parameter (``dashboard.layout``)."""

    id: str
    prop: str


def _always(view: MapView) -> bool:
    return True


@dataclass(frozen=True)
class Parameter:
    """One view parameter: everything the parser, writer, controls, API and CLI need to know of it.

    Values are in *query form*: what the query string, the API's JSON and OpenAPI hold
    (``level`` is 0, 1, 2 or ``"mixed"``; ``points`` is ``"on"``/``"off"``). ``to_field``
    and ``to_query`` convert to and from the :class:`MapView` field.
    """

    name: str
    field: str
    help: str
    type: tuple[str, ...] = ("string",)
    """JSON types of a value: ``("integer",)``, ``("string",)`` or both (the OpenAPI schema's ``type``)."""
    allowed: tuple = ()
    """The fixed vocabulary (empty when only the data knows, or when any text of the right form goes)."""
    find: Callable[[ViewOptions], tuple] | None = None
    """The values the loaded data allows (narrows ``allowed``, or stands for it)."""
    labels: Mapping[Any, str] = default_factory_field(default_factory=dict)
    """Words for the values, for the page's controls."""
    default: Any = None
    """Query-form default, or a function of the data; None: the :class:`MapView` field's default."""
    uses: frozenset[str] = EVERY_USE
    control: Control | None = None
    message: str | Callable[[tuple], str] = ""
    """Why a value is refused (a function gets the allowed values); empty: "must be one of …"."""
    read: Callable[[str], Any] | None = None
    """Query text → query-form value for free-form parameters (raise :class:`BadValue`); else matched against the allowed values."""
    resolve: Callable[[str, ViewOptions], Any] | None = None
    """Query text → canonical query-form value, for a parameter whose values the data defines beyond a list (``sector``'s groups)."""
    notices: Callable[[str, ViewOptions], tuple[str, ...]] | None = None
    """What :attr:`resolve` changed in a usable value (a dropped code), in words: shown, never a refusal."""
    pattern: str = ""
    """Besides the listed values, what else a value may be (a regular expression, for OpenAPI)."""
    to_field: Callable[[Any], Any] = lambda value: value
    to_query: Callable[[Any], Any] = lambda value: value
    written: Callable[[MapView], bool] = _always
    """Whether :func:`view_params` writes it for a view (off when it is moot or at its default)."""
    check: Callable[[MapView, ViewOptions], str | None] | None = None
    """A rule across parameters: the problem's message when the view breaks it (the parameter then keeps its default)."""
    control_value: Callable[[Any], Any] | None = None
    """Field value → the control's value; None: the query-form value."""
    from_control: Callable[[Any], str] = str
    """The control's value → query text."""

    def values(self, options: ViewOptions) -> tuple | None:
        """The values allowed with this data, in query form; None when any text of the right form goes."""
        if self.find is not None:
            return self.find(options)
        return self.allowed or None

    def default_value(self, options: ViewOptions) -> Any:
        """The query-form default for this data."""
        if callable(self.default):
            return self.default(options)
        if self.default is not None:
            return self.default
        return self.to_query(_FIELD_DEFAULTS[self.field])

    def refusal(self, values: tuple | None) -> str:
        if not isinstance(self.message, str):
            return self.message(values or ())
        return self.message or f"{self.name} must be one of {', '.join(map(str, values or ()))}"

    def parse(self, text: str, options: ViewOptions) -> Any:
        """The field value of a query text; :class:`BadValue` says why it cannot be used."""
        if self.resolve is not None:
            return self.to_field(self.resolve(text, options))
        if self.read is not None:
            return self.to_field(self.read(text))
        values = self.values(options) or ()
        value: Any = text
        if "integer" in self.type and _INT_RE.match(text):
            value = int(text)
        elif self.type == ("integer",):  # a number too long for any allowed value is out of range, not "not a number"
            raise BadValue(self.refusal(values) if _DIGITS_RE.match(text) else f"{self.name} must be a whole number")
        if value not in values:
            raise BadValue(self.refusal(values))
        return self.to_field(value)

    def text(self, view: MapView) -> str:
        """The query text of this parameter of ``view``."""
        return str(self.to_query(getattr(view, self.field)))


_FIELD_DEFAULTS = {f.name: f.default for f in fields(MapView)}


def _default_year(options: ViewOptions) -> int:
    return 2014 if 2014 in options.years else options.years[-1]


def _sector_choices(options: ViewOptions) -> tuple:
    """The listed sectors: every NACE code of the data (TOTAL first), then the named groups' ids."""
    return tuple(options.catalogue.choices())


def _resolve_sector(text: str, options: ViewOptions) -> str:
    try:
        return options.catalogue.resolve(text).sector.code
    except BadSector as e:
        raise BadValue(str(e)) from e


def _sector_notices(text: str, options: ViewOptions) -> tuple[str, ...]:
    try:
        return options.catalogue.resolve(text).notices
    except BadSector:
        return ()


def _read_breaks(text: str) -> str:
    try:
        breaks = sorted({float(b) for b in text.split(",") if b.strip()})
    except ValueError:
        breaks = []
    if not 1 <= len(breaks) <= MAX_BREAKS or not all(abs(b) < 1e12 for b in breaks):
        raise BadValue(f"breaks must be 1-{MAX_BREAKS} numbers separated by commas, e.g. 1000,5000,20000")
    return ",".join(f"{b:g}" for b in breaks)


def _read_threshold(text: str) -> float:
    try:
        value = round(float(text), 2)
    except ValueError:
        value = -1.0
    if value not in THRESHOLDS:
        raise BadValue(f"threshold must be one of {', '.join(f'{t:g}' for t in THRESHOLDS)} (a correlation)")
    return value


def _level_message(values: tuple) -> str:
    levels = ", ".join(str(v) for v in values if v != "mixed")
    return f"level must be one of {levels} or mixed (3, NUTS 3, with the organisation indicators only)"


def indicator_levels(indicator: str, point_indicators: Collection[str]) -> tuple:
    """The levels (query form) ``indicator`` is drawn at: NUTS 3 only for the organisation indicators (when records are loaded)."""
    return tuple(v for v in LEVELS if v != 3 or indicator in point_indicators)


def level_control_options(indicator: str, point_indicators: Collection[str]) -> list[dict]:
    """The level control's options: every level the data offers (3 with records), those ``indicator`` lacks disabled."""
    level = PARAMETER["level"]
    offered = indicator_levels(indicator, point_indicators)
    shown = [v for v in LEVEL_WORDS if v != 3 or point_indicators]
    return [{"label": LEVEL_WORDS[v], "value": level.to_field(v), "disabled": v not in offered} for v in shown]


def levels_by_indicator(indicators: Collection[str], point_indicators: Collection[str]) -> dict[str, list]:
    """Each indicator's levels as the level control holds them (the browser enables these and moves off the others)."""
    level = PARAMETER["level"]
    return {i: [level.to_field(v) for v in indicator_levels(i, point_indicators)] for i in indicators}


def _level_check(view: MapView, options: ViewOptions) -> str | None:
    if PARAMETER["level"].to_query(view.level) not in indicator_levels(view.indicator, options.point_indicators):
        return "level 3 (NUTS 3) is drawn for the organisation indicators only; the statistics stop at NUTS 2"
    return None


def _analysis_check(view: MapView, options: ViewOptions) -> str | None:
    if view.analysis == "years" and view.indicator in options.point_indicators:
        return "analysis=years (one map per year) needs a statistics indicator; the organisation indicators count the records of all years"
    return None


def _since_check(view: MapView, options: ViewOptions) -> str | None:
    if view.since is None:
        return None
    if view.since >= view.year:
        return f"since must be a year before year ({view.year}): the map shows the change from since to year"
    if view.indicator not in PERIOD_CHANGE_KINDS:
        kinds = ", ".join(PERIOD_CHANGE_KINDS)
        return f"since (a change between two years) exists for {kinds} only; {view.indicator} has none"
    return None


COMPARE_SIZE = (2, 6)
"""How many regions a comparison holds (``compare``)."""
_COMPARE_CODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
"""A NUTS code of any level (NUTS 3 is refused by the check: the statistics stop at NUTS 2)."""
_COMPARE_FORM = "2-6 NUTS codes of levels 0-2 separated by commas, e.g. DE11,FR71,ITC4"


def compare_codes(text: str) -> list[str]:
    """The codes of a ``compare`` text as given (spaces trimmed, empty parts left out; duplicates kept)."""
    return [c.strip() for c in text.split(",") if c.strip()]


def _read_compare(text: str) -> str:
    """``compare``'s canonical spelling: duplicates dropped (said by :func:`_compare_notices`), order kept; 2-6 codes."""
    codes = compare_codes(text)
    bad = [c for c in codes if not _COMPARE_CODE.match(c)]
    if bad:
        raise BadValue(f"compare must be {_COMPARE_FORM}; {bad[0][:12]!r} is not a NUTS code")
    unique = list(dict.fromkeys(codes))
    low, high = COMPARE_SIZE
    if not low <= len(unique) <= high:
        raise BadValue(f"compare needs {low}-{high} different regions ({_COMPARE_FORM}); {len(unique)} given")
    return ",".join(unique)


def _compare_notices(text: str, options: ViewOptions) -> tuple[str, ...]:
    codes = compare_codes(text)
    twice = [c for c in dict.fromkeys(codes) if codes.count(c) > 1]
    try:
        _read_compare(text)
    except BadValue:
        return ()
    return (f"{', '.join(twice)} given more than once: compared once, in the order first given",) if twice else ()


def _compare_check(view: MapView, options: ViewOptions) -> str | None:
    unknown = [c for c in view.compare if c not in options.statistics_regions]
    if unknown:
        return f"{', '.join(unknown)}: not a region with statistics (a NUTS code of levels 0-2, e.g. DE, DE1, DE11); nothing is compared"
    return None


def _scheme_check(view: MapView, options: ViewOptions) -> str | None:
    if view.scheme == "user" and not view.breaks:
        return "scheme=user needs breaks, e.g. breaks=1000,5000,20000; using quantiles"
    return None


# The table is read as a table: one row per parameter, its options grouped on a few lines.
# fmt: off
PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "level", "level", "NUTS level of the map: 0 countries, 1, 2, or mixed (each country at its finest level with data); 3 with the organisation indicators",
        type=("integer", "string"), allowed=LEVELS,
        find=lambda o: tuple(v for v in LEVELS if v != 3 or o.point_indicators),
        labels=LEVEL_WORDS, default="mixed", control=Control("level", "value"), message=_level_message, check=_level_check,
        to_field=lambda v: MIXED if v == "mixed" else v, to_query=lambda v: "mixed" if v == MIXED else v,
        control_value=lambda v: v, from_control=lambda v: "mixed" if v == MIXED else str(v),
    ),
    Parameter(
        "sector", "nace_r2",
        "NACE Rev. 2 code in Eurostat spelling (C, C29, G471) or TOTAL (see /api/v1/meta); several codes separated by commas, "
        "mapped as one group (C26,J61,J62,J63); or a named group's id (see /api/v1/groups)",
        find=_sector_choices, resolve=_resolve_sector, notices=_sector_notices, pattern=SECTOR_GROUP_PATTERN,
        control=Control("sector", "data"),
    ),
    Parameter(
        "indicator", "indicator", "what the map shows (see /api/v1/meta for labels and units); org_* need organisation records",
        allowed=(*INDICATORS, *POINT_INDICATORS), find=lambda o: (*INDICATORS, *sorted(o.point_indicators)),
        labels={i.name: f"{i.label} ({i.unit})" for i in (*INDICATORS.values(), *POINT_INDICATORS.values())},
        control=Control("indicator", "value"),
    ),
    Parameter(
        "year", "year", "reference year of the statistics (the organisation indicators count the records of all years)",
        type=("integer",), find=lambda o: tuple(o.years), default=_default_year, control=Control("year", "value"),
        message=lambda years: f"year must be one of {years[0]}-{years[-1]} with data" if years else "no year has data",
    ),
    Parameter(
        "since", "since",
        "an earlier year: the map shows the change from since to year (growth in % for counts and wages, percentage points "
        "for the share, the difference for the LQ); for employment, local_units, wages, avg_wage, employment_share and lq",
        type=("integer",), find=lambda o: tuple(o.years[:-1]), written=lambda view: view.since is not None,
        control=Control("since", "value"), check=_since_check, control_value=lambda v: v,
        message=lambda years: f"since must be one of {years[0]}-{years[-1]}, before year" if years else "no earlier year has data",
    ),
    Parameter(
        "scheme", "scheme", "how values are put into classes (user: your own breaks)", allowed=tuple(SCHEME_LABELS), labels=SCHEME_LABELS,
        control=Control("scheme", "value"), check=_scheme_check,
    ),
    Parameter(
        "k", "k", "number of classes", type=("integer",), allowed=tuple(range(3, 10)), control=Control("classes", "value"),
        message="k (number of classes) must be 3-9",
    ),
    Parameter(
        "breaks", "breaks", f"with scheme=user: upper class bounds, 1-{MAX_BREAKS} numbers separated by commas, e.g. 1000,5000,20000",
        read=_read_breaks, to_field=lambda text: tuple(float(b) for b in text.split(",") if b),
        to_query=lambda breaks: ",".join(f"{b:g}" for b in breaks), written=lambda view: view.scheme == "user",
        control=Control("breaks", "value"),
    ),
    Parameter(
        "classes", "classes", "year: class breaks from the view's year; all-years: from every year's values, so one colour means one value range in every year",
        allowed=tuple(CLASS_SPANS), labels=CLASS_SPANS, written=lambda view: view.classes != MapView.classes, control=Control("classes-span", "value"),
    ),
    Parameter(
        "palette", "palette",
        "colour palette (all colour-blind safe); auto: diverging (orange-purple) for the LQ and changes, centred on 1 and 0, "
        "yellow-green-blue otherwise", allowed=tuple(PALETTE_LABELS), labels=PALETTE_LABELS,
        written=lambda view: view.palette != MapView.palette, control=Control("palette", "value"),
    ),
    Parameter(
        "star", "star", "with indicator=stars: all (the 0-3 count), or one star dimension (1 = star)", allowed=tuple(STAR_DIMENSIONS),
        labels=STAR_DIMENSIONS, written=lambda view: view.indicator == "stars", control=Control("star", "value"),
    ),
    Parameter(
        "zoom", "zoom", "NUTS code the map is zoomed to (a country or a region with a shape)", find=lambda o: tuple(sorted(o.regions)),
        written=lambda view: view.zoom is not None, control=Control("zoom", "data"),
        message="zoom must be a NUTS code with a shape (e.g. DE, DE1, DE11)",
    ),
    Parameter(
        "analysis", "analysis", "what the map shows: values (in classes), years (one map per year, classes from all years' values, one legend; statistics only), "
        "hotspots (local Moran's I of the values), or network (related sectors)",
        allowed=tuple(ANALYSES), labels=ANALYSES, written=lambda view: view.analysis != MapView.analysis, control=Control("analysis", "value"),
        check=_analysis_check,
    ),
    Parameter(
        "threshold", "threshold", "with analysis=network: the co-location strength (correlation of location quotients) above which sectors are linked",
        type=("number",), allowed=THRESHOLDS, read=_read_threshold, to_query=lambda v: round(float(v), 2),
        written=lambda view: view.analysis == "network", control=Control("threshold", "value"), control_value=lambda v: v,
    ),
    Parameter(
        "region", "region",
        "NUTS code of a region with statistics (levels 0-2): its portfolio opens; with analysis=network, "
        "the network marks its specialisations and its diversification opportunities",
        find=lambda o: tuple(sorted(o.statistics_regions)), written=lambda view: view.region is not None,
        control=Control("focus-region", "data"), message="region must be a NUTS code of a region with statistics, levels 0-2 (e.g. DE, DE1, DE11)",
    ),
    Parameter(
        "compare", "compare", f"regions compared side by side on the page: {_COMPARE_FORM} (any mix of levels, with statistics); "
        "a code given twice is compared once",
        read=_read_compare, notices=_compare_notices, check=_compare_check, uses=frozenset({"page"}),
        to_field=lambda text: tuple(compare_codes(text)), to_query=lambda codes: ",".join(codes), written=lambda view: bool(view.compare),
        control=Control("compare-regions", "data"),
    ),
    Parameter(
        "points", "points", "on: draw the organisations layer over the map", allowed=("on", "off"),
        to_field=lambda v: v == "on", to_query=lambda v: "on" if v else "off", written=lambda view: view.points,
        control=Control("points", "value"), message="points must be on or off (the organisations layer)",
    ),
)
# fmt: on
"""The view parameters, in the order a query writes them. See CONTRIBUTING.md, "Adding a view parameter"."""

PARAMETER = {p.name: p for p in PARAMETERS}
PARAMETER_NAMES = tuple(PARAMETER)
CONTROL_PARAMETERS = tuple(p for p in PARAMETERS if p.control is not None)
"""The parameters a page control holds, in the order of the map callback's inputs."""


def parameters_for(use: Use) -> tuple[Parameter, ...]:
    """The rows used by ``use`` (page, embed, png, csv, api, cli)."""
    return tuple(p for p in PARAMETERS if use in p.uses)


# -- reading -----------------------------------------------------------------------------


def _given(value: object) -> str:
    return str(value)[:MAX_GIVEN]


def read_query(raw: str | bytes | Mapping | None) -> tuple[dict[str, str], list[ViewProblem]]:
    """One text per parameter from a raw query (``?a=1&b=2``, bytes, a dict or a werkzeug MultiDict), by the module's rule.

    Empty values are dropped (not given); a repeated name is a problem and dropped. Names are
    not checked here (:func:`parse_view` does).
    """
    pairs: list[tuple[str, str]]
    if raw is None:
        pairs = []
    elif isinstance(raw, (str, bytes)):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            pairs = parse_qsl(text.lstrip("?"), keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
        except ValueError:
            return {}, [ViewProblem("query", f"{text.count('&') + 1} parameters", f"a view has at most {MAX_QUERY_FIELDS} parameters")]
    elif hasattr(raw, "getlist"):
        pairs = [(k, str(v)) for k in raw for v in raw.getlist(k)]
    else:
        pairs = [(str(k), v if isinstance(v, str) else str(v)) for k, v in raw.items() if v is not None]
    given: dict[str, list[str]] = {}
    for name, value in pairs:
        if value.strip():
            given.setdefault(name, []).append(value)
    query, problems = {}, []
    for name, values in given.items():
        if len(values) == 1:
            query[name] = values[0]
        else:
            problems.append(ViewProblem(name, _given(", ".join(values)), f"{name} is given {len(values)} times; give it once"))
    return query, problems


def parse_view(query: Mapping[str, object], options: ViewOptions) -> tuple[MapView, list[ViewProblem]]:
    """The view a query names (one value per name), plus a problem for each parameter that kept its default.

    Unknown names are problems too, so a typo is visible rather than silently ignored.
    An empty value is not given.
    """
    view = options.default()
    problems: list[ViewProblem] = []
    for name in query:
        if name not in PARAMETER:
            problems.append(ViewProblem(name, _given(query[name]), f"unknown parameter {name!r}; known: {', '.join(PARAMETER_NAMES)}"))
    given: dict[str, str] = {}
    for p in PARAMETERS:
        value = query.get(p.name)
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        given[p.name] = text
        try:
            view = replace(view, **{p.field: p.parse(text, options)})
        except BadValue as e:
            problems.append(ViewProblem(p.name, _given(text), str(e)))
    for p in PARAMETERS:
        if p.check is not None and (why := p.check(view, options)):
            problems.append(ViewProblem(p.name, _given(given.get(p.name, "")), why))
            view = replace(view, **{p.field: p.to_field(p.default_value(options))})
    return view, problems


def view_notices(query: Mapping[str, object], options: ViewOptions) -> list[ViewProblem]:
    """What parsing changed in values it could use (a group's code dropped because its ancestor is listed): said, not refused."""
    notices = []
    for p in PARAMETERS:
        value = query.get(p.name)
        text = "" if value is None else str(value).strip()
        if text and p.notices is not None:
            notices += [ViewProblem(p.name, _given(text), message) for message in p.notices(text, options)]
    return notices


@dataclass(frozen=True)
class ViewRequest:
    """A raw query read by the module's rule: the view, its problems, and the caller's own parameters."""

    view: MapView
    problems: list[ViewProblem]
    extra: dict[str, str]
    """The values of the ``extra`` names (e.g. the PNG's width, height and scale), by the same rule."""
    notices: list[ViewProblem] = default_factory_field(default_factory=list)
    """What parsing changed in values it used (:func:`view_notices`)."""


def read_view(raw: str | bytes | Mapping | None, options: ViewOptions, *, extra: Collection[str] = ()) -> ViewRequest:
    """The one way from a raw query to a view: :func:`read_query`'s rule, then :func:`parse_view`.

    Used by the page (URL and first view), the embed, the ranking, the API and the CSV; the PNG
    route's own parameters (width, height, scale) go in ``extra``: names there are the caller's
    (not view parameters, not unknown), read by the same rule.
    """
    query, problems = read_query(raw)
    own = {k: v for k, v in query.items() if k in extra}
    named = {k: v for k, v in query.items() if k not in extra}
    view, view_problems = parse_view(named, options)
    return ViewRequest(view, problems + view_problems, own, view_notices(named, options))


# -- writing -----------------------------------------------------------------------------


def view_params(view: MapView) -> dict[str, Any]:
    """The parameters of a view in query form, by name, in table order (the moot ones left out)."""
    return {p.name: p.to_query(getattr(view, p.field)) for p in PARAMETERS if p.written(view)}


def view_query(view: MapView) -> str:
    """The query string of a view (without ``?``)."""
    return urlencode(view_params(view))


def panels_query(view: MapView) -> str:
    """The query of what the panels beside the map show: the view without ``region`` and ``compare`` (the open portfolio and comparison are not theirs)."""
    return view_query(replace(view, region=None, compare=()))


def view_slug(view: MapView) -> str:
    """A file name stem for a view, e.g. ``persons_employed_C10_NUTS2_2014`` (``hotspots_…`` for its hot spots)."""
    indicator = INDICATORS.get(view.indicator) or POINT_INDICATORS[view.indicator]
    label = re.sub(r"[^a-z0-9]+", "_", indicator.label.lower()).strip("_") if view.column == view.indicator else view.column
    level = "mixed" if view.level == MIXED else f"NUTS{view.level}"
    zoom = f"_{view.zoom}" if view.zoom else ""
    sector = view.nace_r2.replace(",", "_")  # a group: C26_J61_J62_J63, safe in every file name
    if view.analysis == "network" and view.region:  # a region's specialisations and opportunities in the network
        return f"related_sectors_network_{view.region}_opportunities_{view.year}_above_{view.threshold:g}"
    if view.analysis == "network":  # no level, indicator or zoom: divisions linked above the threshold, the sector highlighted
        return f"related_sectors_network_{sector}_{view.year}_above_{view.threshold:g}"
    if view.analysis == "years":  # every year of the data, one map each
        return f"{label}_{sector}_{level}_all_years{zoom}"
    analysis = "hotspots_" if view.analysis == "hotspots" else ""
    when = f"change_{view.since}_{view.year}" if view.since is not None and view.column in PERIOD_CHANGE_KINDS else str(view.year)
    return f"{analysis}{label}_{sector}_{level}_{when}{zoom}"


def view_options(data) -> ViewOptions:
    """The sectors, years, regions and organisation indicators the loaded data (``DashboardData``) holds."""
    points = frozenset(POINT_INDICATORS) if data.point_measures is not None else frozenset()
    return ViewOptions(
        sectors=frozenset(data.index.sectors),
        years=tuple(data.years),
        regions=frozenset(data.bounds),
        statistics_regions=data.statistics_regions,
        point_indicators=points,
        groups=tuple(data.groups),
    )
