"""What the API and the CSV answer: the data's lookups, the query checks and the payloads.

:class:`ApiState` holds the loaded data and what is derived from it once; its
methods read a request's query (through ``dashboard.view.read_view``, the one rule
for every view query) and build the JSON payloads and the CSV text. Problems are
raised as ``dashboard.api.errors.ApiError`` (400, or 404 for an unknown region).
"""

from __future__ import annotations

import csv
import io
import math
import re
from typing import Any

import pandas as pd

from dashboard.api.errors import ApiError, plain, view_error
from dashboard.data import LEVEL_LABELS, DashboardData
from dashboard.figures import ATTRIBUTION, map_title, shown_indicator, view_attribution
from dashboard.view import (
    PARAMETER,
    MapView,
    ViewProblem,
    ViewRequest,
    read_query,
    read_view,
    view_options,
    view_params,
    view_query,
)
from layers import nace
from layers.groups.catalogue import SectorGroup
from layers.groups.sector import sector_of
from layers.indicators import INDICATORS
from layers.points.measures import POINT_INDICATORS
from layers.portfolio import (
    NUTS_ID_RE,
    UnknownRegionError,
    UnknownYearError,
    region_comparison,
    region_groups,
    region_portfolio,
)
from layers.query import STATUS_CONFIDENTIAL, STATUS_MISSING, STATUS_VALUE
from layers.sources import DEFAULT_STATISTICS
from layers.spatial.categories import clusters_of, is_hotspot_frame

ATTRIBUTIONS = ("Source: Eurostat", "© EuroGeographics for the administrative boundaries")
"""The two attribution strings the data's terms ask for (``ATTRIBUTION`` is the one-line form)."""
CSV_COLUMNS = ("nuts_id", "name", "value", "flag", "flag_text", "status", "rank", "country_rank", "country_ranked", "class", "class_label")
HOTSPOT_COLUMNS = ("hotspot", "p_value")
"""Added after :data:`CSV_COLUMNS` for a view with ``analysis=hotspots`` (``layers.spatial.categories``)."""
PORTFOLIO_PARAMETERS = ("year", "limit")
DEFAULT_LIMIT = 10
EU_NAME = "EU (sum of the NUTS 0 rows of the countries in the data)"
LIMIT_RANGE = (1, 1000)
_INT_RE = re.compile(r"^[0-9]{1,6}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STATISTICS_LEVELS = (0, 1, 2)
"""The levels ``/api/v1/meta`` describes: the statistics' (NUTS 3 is drawn for the organisation indicators only)."""
NUTS_ID_PARAMETER: dict[str, Any] = {
    "name": "nuts_id",
    "in": "path",
    "required": True,
    "description": "NUTS 2013 code of a region with statistics (levels 0-2)",
    "schema": {"type": "string", "pattern": NUTS_ID_RE.pattern},
    "example": "DE11",
}
"""OpenAPI: the ``{nuts_id}`` path segment of the region routes, as :meth:`ApiState.region` reads it."""


def schema_ref(name: str) -> dict[str, str]:
    """OpenAPI: a reference to the component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def _records(frame: pd.DataFrame) -> list[dict]:
    columns = list(frame.columns)
    return [{c: plain(v) for c, v in zip(columns, row)} for row in frame.itertuples(index=False, name=None)]


def _rank(value: float) -> int | None:
    return int(value) if math.isfinite(value) else None


def region_columns(frame: pd.DataFrame) -> tuple[str, ...]:
    """The columns of a values frame's records: :data:`CSV_COLUMNS`, plus :data:`HOTSPOT_COLUMNS` for a hot-spot view."""
    return CSV_COLUMNS + HOTSPOT_COLUMNS if is_hotspot_frame(frame) else CSV_COLUMNS


def region_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One ``RegionValue`` (OpenAPI) per region of a values frame: what the API sends and the CSV writes, column for column.

    A hot-spot view's records add ``hotspot`` (``HH``, ``LL``, ``HL``, ``LH``, ``ns``; None without a value) and ``p_value``.
    """
    records = _value_records(frame)
    if is_hotspot_frame(frame):
        for record, category, p in zip(records, frame["hotspot"], frame["p_value"].to_numpy(dtype=float), strict=True):
            record["hotspot"] = category if isinstance(category, str) else None
            record["p_value"] = float(p) if math.isfinite(p) else None
    return records


def cluster_records(frame: pd.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    """The ``Cluster`` (OpenAPI) records of a hot-spot frame: its cross-border High-High clusters, largest employment first."""
    return [
        {
            "cluster": int(row.cluster),
            "regions": [{"nuts_id": r, "name": names.get(r, r)} for r in row.regions],
            "countries": list(row.countries),
            "employment": float(row.employment) if math.isfinite(row.employment) else None,
            "employment_missing": list(row.employment_missing),
        }
        for row in clusters_of(frame).itertuples(index=False)
    ]


def _value_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "nuts_id": str(nuts_id),
            "name": str(name),
            "value": float(value) if math.isfinite(value) else None,
            "flag": str(flag),
            "flag_text": str(text),
            "status": str(status),
            "rank": _rank(rank),
            "country_rank": _rank(country_rank),
            "country_ranked": int(country_ranked),
            "class": int(klass),
            "class_label": str(label),
        }
        for nuts_id, name, value, flag, text, status, rank, country_rank, country_ranked, klass, label in zip(
            *(frame[column] for column in CSV_COLUMNS), strict=True
        )
    ]


class ApiState:
    """The routes' shared state: the data and the lookups derived from it once."""

    def __init__(self, data: DashboardData) -> None:
        self.data = data
        self.options = view_options(data)
        self.default_view = self.options.default()
        self.sectors = [c for c in PARAMETER["sector"].values(self.options) or () if c in self.options.sectors]  # NACE codes (groups: /groups)
        self.names: dict[str, str] = {}
        self.level_of: dict[str, int] = {}
        for level, geometry in data.geometry.items():
            for nuts_id, name in zip(geometry.ids, geometry.names):
                self.names[nuts_id] = name
                self.level_of[nuts_id] = level
        self.regions: frozenset[str] = frozenset(str(g) for g in data.index.table["geo"].unique()) & frozenset(self.names)

    # -- parameters -------------------------------------------------------------------------

    def view(self, raw_query: str | bytes) -> MapView:
        """The view a raw query names (``dashboard.view.read_view``); any problem is a 400, never a silent fallback."""
        return self.request(raw_query).view

    def request(self, raw_query: str | bytes) -> ViewRequest:
        """The view a raw query names and what reading it changed (notices); any problem is a 400."""
        request = read_view(raw_query, self.options)
        if request.problems:
            raise view_error(request.problems, self.options)
        return request

    def portfolio_args(self, raw_query: str | bytes) -> tuple[int, int]:
        """(year, limit) of a portfolio query, by the same rule as a view query (empty: not given; repeated: 400)."""
        query, problems = read_query(raw_query)
        problems += [
            ViewProblem(name, text[:100], f"unknown parameter {name!r}; known: {', '.join(PORTFOLIO_PARAMETERS)}")
            for name, text in query.items()
            if name not in PORTFOLIO_PARAMETERS
        ]
        if problems:
            first = problems[0]
            raise ApiError(
                400,
                first.message,
                parameter=first.parameter,
                given=first.given,
                allowed=self._portfolio_allowed(first.parameter),
                problems=[p.as_dict() for p in problems],
            )
        year = self.default_view.year
        if "year" in query:
            try:
                year = PARAMETER["year"].parse(query["year"].strip(), self.options)
            except ValueError as e:
                raise ApiError(400, str(e), parameter="year", given=query["year"][:100], allowed=self._portfolio_allowed("year")) from e
        limit = DEFAULT_LIMIT
        if "limit" in query:
            raw = query["limit"].strip()
            if not _INT_RE.match(raw) or not LIMIT_RANGE[0] <= int(raw) <= LIMIT_RANGE[1]:
                raise ApiError(
                    400,
                    f"limit must be a whole number {LIMIT_RANGE[0]}-{LIMIT_RANGE[1]}",
                    parameter="limit",
                    given=raw[:100],
                    allowed=self._portfolio_allowed("limit"),
                )
            limit = int(raw)
        return year, limit

    def _portfolio_allowed(self, name: str) -> Any:
        if name == "limit":
            return {"minimum": LIMIT_RANGE[0], "maximum": LIMIT_RANGE[1]}
        return list(self.options.years) if name == "year" else list(PORTFOLIO_PARAMETERS)

    def region(self, nuts_id: str) -> str:
        """The region code, checked against the pattern and the regions with statistics (else 404)."""
        if not NUTS_ID_RE.match(nuts_id or ""):
            raise ApiError(
                404, "not a NUTS code: two capital letters, then up to three capital letters or digits (e.g. DE11)", parameter="nuts_id", given=nuts_id[:20]
            )
        if nuts_id not in self.regions:
            raise ApiError(404, f"no region {nuts_id!r} with statistics; see /api/v1/values for the regions of a level", parameter="nuts_id", given=nuts_id)
        return nuts_id

    # -- payloads ---------------------------------------------------------------------------

    def view_echo(self, view: MapView) -> dict:
        return {
            **view_params(view),
            "query": view_query(view),
            "title": map_title(view),
        }

    def values_frame(self, view: MapView) -> pd.DataFrame:
        """The view's values (statistics or organisation records), in its shapes' order, with names."""
        geometry = self.data.shapes(view)
        values = self.data.values(view, pd.Series(geometry.ids))
        values.insert(1, "name", geometry.names)
        return values

    def meta(self) -> dict:
        return {
            "nuts_year": self.data.nuts_year,
            "statistics": DEFAULT_STATISTICS,
            "levels": [{"level": lv, "label": LEVEL_LABELS[lv], "regions": len(self.data.geometry[lv].ids)} for lv in STATISTICS_LEVELS],
            "sectors": [{"code": c, "label": nace.label(c), "level": nace.level_of(c), "parent": nace.parent_of(c)} for c in self.sectors],
            "indicators": [
                {"name": i.name, "label": i.label, "unit": i.unit, "decimals": i.decimals, "description": i.description}
                for i in [*INDICATORS.values(), *(POINT_INDICATORS[n] for n in sorted(self.options.point_indicators))]
            ],
            "years": list(self.options.years),
            "statuses": [STATUS_VALUE, STATUS_CONFIDENTIAL, STATUS_MISSING],
            "default_view": self.view_echo(self.default_view),
            "attribution": list(ATTRIBUTIONS),
            "source": ATTRIBUTION,
        }

    def values(self, view: MapView, notices: list[ViewProblem] | None = None) -> dict:
        frame = self.values_frame(view)
        ind = shown_indicator(view)
        regions = region_records(frame)
        answer = {
            "view": self.view_echo(view),
            "indicator": {"name": ind.name, "label": ind.label, "unit": ind.unit, "decimals": ind.decimals},
            "ranked": int(frame["ranked"].iloc[0]) if len(frame) else 0,
            "regions": regions,
            "sector": sector_record(view.nace_r2),
            "notices": [{"parameter": n.parameter, "given": n.given, "notice": n.message} for n in notices or ()],
            "attribution": list(ATTRIBUTIONS),
            "source": view_attribution(view, self.data.organisations),
        }
        if is_hotspot_frame(frame):
            answer["clusters"] = cluster_records(frame, dict(zip(frame["nuts_id"], frame["name"])))
        return answer

    def groups(self) -> dict:
        """``/api/v1/groups``: the named groups, each usable as ``sector=<id>``."""
        return {"groups": [group_record(g) for g in self.data.groups]}

    def portfolio(self, nuts_id: str, year: int, limit: int) -> dict:
        try:
            sectors = region_portfolio(self.data.index, nuts_id, year=year)
            comparison = region_comparison(self.data.index, nuts_id, year=year)
            groups = region_groups(self.data.index, nuts_id, year=year, groups=self.data.groups)
        except UnknownRegionError as e:
            raise ApiError(404, str(e), parameter="nuts_id", given=nuts_id) from e
        except UnknownYearError as e:
            raise ApiError(400, str(e), parameter="year", given=str(year), allowed=self._portfolio_allowed("year")) from e
        rows = comparison.rows.copy()
        rows.insert(2, "name", [EU_NAME if s == "eu" else self.names.get(g, g) for s, g in zip(rows["scope"], rows["geo"])])
        rows = rows.rename(columns={"geo": "nuts_id"})
        eu = comparison.eu
        notes = []
        if sectors.empty:
            notes.append(f"{nuts_id} has no sector rows in {year}.")
        if (sectors["stars_known"] < 3).any():
            notes.append("stars counts the stars earned among the stars_known dimensions: a lower bound where fewer than 3 are known.")
        level = self.level_of[nuts_id]
        return {
            "region": {
                "nuts_id": nuts_id,
                "name": self.names[nuts_id],
                "level": level,
                "level_label": LEVEL_LABELS[level],
                "country": {"nuts_id": nuts_id[:2], "name": self.names.get(nuts_id[:2], nuts_id[:2])},
            },
            "year": year,
            "limit": limit,
            "order": "stars (desc, unknown last), then lq (desc, unknown last), then nace_r2",
            "sectors_total": len(sectors),
            "sectors": _records(sectors.head(limit)),
            "groups_order": "stars (desc, unknown last), then lq (desc, unknown last), then the catalogue's order",
            "groups": _records(groups),
            "comparison": {
                "nace_r2": comparison.nace_r2,
                "rows": _records(rows),
                "eu": {
                    "definition": eu.definition,
                    "countries": list(eu.countries),
                    "wage_countries": list(eu.wage_countries),
                    "missing": dict(eu.missing),
                    "partial": list(eu.partial),
                    "non_eu": list(eu.non_eu),
                    "is_partial": eu.is_partial,
                    "note": eu.note(),
                },
            },
            "notes": notes,
            "attribution": list(ATTRIBUTIONS),
            "source": ATTRIBUTION,
        }

    def csv_text(self, view: MapView, notices: list[ViewProblem] | None = None) -> str:
        """The view's values as CSV: ``#`` comment lines, a header, one row per region, a final source line.

        A group's view says what it sums (and, for a named group, that it is an approximation) in a
        ``# Sector:`` line; a partial sum is marked in its row's ``flag_text``.
        """
        frame = self.values_frame(view)
        buffer = io.StringIO()
        source = view_attribution(view, self.data.organisations)
        buffer.write(f"# {map_title(view)}\n")
        buffer.write(f"# {source}\n")
        buffer.write(f"# View: {view_query(view)}\n")
        sector = sector_of(view.nace_r2)
        if sector.is_group:
            partial = int(frame["partial"].sum()) if "partial" in frame else 0
            buffer.write(
                f"# Sector: {_comment(sector.note)} Sums over the members; {partial} regions' values are partial sums (lower bounds), see flag_text.\n"
            )
        for n in notices or ():
            buffer.write(f"# Notice: {n.parameter}: {_comment(n.message)}\n")
        writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        columns = region_columns(frame)
        writer.writerow(columns)
        for record in region_records(frame):
            writer.writerow([_text(v) if isinstance(v, str) else v for v in (record[c] for c in columns)])
        buffer.write(f"# {source}\n")
        return buffer.getvalue()


def _comment(text: str) -> str:
    """Text for a ``#`` line: one line."""
    return " ".join(text.split())


def sector_record(code: str) -> dict[str, Any]:
    """The ``Sector`` (OpenAPI) of a view: what it sums and, for a group, what it is."""
    sector = sector_of(code)
    return {
        "code": sector.code,
        "name": sector.name,
        "kind": sector.kind,
        "members": [{"code": c, "label": nace.label(c)} for c in sector.members],
        "note": sector.note,
        "approximation": bool(sector.group is not None and sector.group.approximation),
    }


def group_record(group: SectorGroup) -> dict[str, Any]:
    """One ``Group`` (OpenAPI) of ``/api/v1/groups``."""
    return {
        "id": group.id,
        "name": group.name,
        "members": list(group.members),
        "kind": group.kind,
        "note": group.note,
        "approximation": group.approximation,
        "concept": group.concept,
        "leaves_out": group.leaves_out,
    }


def _text(value: Any) -> str:
    """A text cell; a leading = + - @ gets a ' so that spreadsheets do not run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
