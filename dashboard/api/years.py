"""What ``/api/v1/values`` and ``/export.csv`` answer for ``analysis=years`` (one map per year, ``dashboard.multiples``).

- ``/values``: every year's regions, one block per year (``{"year", "ranked", "regions"}``, the
  regions as ``RegionValue``), the classes' legend once (the classes are found on all years'
  values: ``class`` means one value range in every year), and the view's echo with its years.
- ``/export.csv``: the view's CSV columns with a ``year`` column first, every year's rows one
  after another (each year in the level's region order).

The numbers are the frames the maps draw (``dashboard.multiples.year_frames``).
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from dashboard.api.payloads import ATTRIBUTIONS, CSV_COLUMNS, ApiState, _comment, _text, region_records, sector_record
from dashboard.figures import indicator_of, view_attribution
from dashboard.multiples import YEARS_NOTE, year_view, years_title
from dashboard.view import MapView, ViewProblem, view_params, view_query
from layers.classes import classes_of

YEAR_CSV_COLUMNS = ("year", *CSV_COLUMNS)
"""The CSV's columns of a years view: the year, then a values view's columns."""


def _year_frames(state: ApiState, view: MapView) -> list[tuple[int, pd.DataFrame]]:
    return [(year, state.values_frame(year_view(view, year))) for year in state.data.years]


def years_values(state: ApiState, view: MapView, notices: list[ViewProblem] | None = None) -> dict:
    """``/values`` of a years view (``YearsValues`` in OpenAPI): one block of regions per year, one legend."""
    frames = _year_frames(state, view)
    years = [year for year, _ in frames]
    ind = indicator_of(view.indicator)
    return {
        "view": {**view_params(view), "query": view_query(view), "title": years_title(view, years), "years": years},
        "indicator": {"name": ind.name, "label": ind.label, "unit": ind.unit, "decimals": ind.decimals},
        "legend": list(classes_of(frames[0][1]).labels) if frames else [],
        "classes_note": YEARS_NOTE,
        "years": [{"year": year, "ranked": int(frame["ranked"].iloc[0]) if len(frame) else 0, "regions": region_records(frame)} for year, frame in frames],
        "sector": sector_record(view.nace_r2),
        "notices": [{"parameter": n.parameter, "given": n.given, "notice": n.message} for n in notices or ()],
        "attribution": list(ATTRIBUTIONS),
        "source": view_attribution(view, state.data.organisations),
    }


def years_csv(state: ApiState, view: MapView, notices: list[ViewProblem] | None = None) -> str:
    """The CSV of a years view: ``#`` comment lines, then every year's rows (:data:`YEAR_CSV_COLUMNS`), a final source line."""
    frames = _year_frames(state, view)
    years = [year for year, _ in frames]
    source = view_attribution(view, state.data.organisations)
    buffer = io.StringIO()
    buffer.write(f"# {years_title(view, years)}\n# {source}\n# View: {view_query(view)}\n")
    buffer.write(f"# One row per region and year, each year in the level's region order. {YEARS_NOTE}.\n")
    sector = sector_record(view.nace_r2)
    if sector["kind"] != "code":
        buffer.write(f"# Sector: {_comment(sector['note'])} Sums over the members; a partial sum (lower bound) is marked in its row's flag_text.\n")
    for n in notices or ():
        buffer.write(f"# Notice: {n.parameter}: {_comment(n.message)}\n")
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(YEAR_CSV_COLUMNS)
    for year, frame in frames:
        for record in region_records(frame):
            writer.writerow([year, *(_text(v) if isinstance(v, str) else v for v in (record[c] for c in CSV_COLUMNS))])
    buffer.write(f"# {source}\n")
    return buffer.getvalue()


YEARS_SCHEMA = {
    "YearsValues": {
        "type": "object",
        "description": "With analysis=years: every year's regions, one block per year; the classes are found on all years' values, "
        "so a class (and its legend entry) is one value range in every year",
        "required": ["view", "indicator", "legend", "years", "attribution"],
        "properties": {
            "view": {"type": "object", "description": "The view's parameters, query and title, and its years"},
            "indicator": {"type": "object"},
            "legend": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The legend entry of each class (0 no data, 1 confidential, 2... value classes)",
            },
            "classes_note": {"type": "string"},
            "years": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["year", "ranked", "regions"],
                    "properties": {
                        "year": {"type": "integer"},
                        "ranked": {"type": "integer", "description": "How many regions have a value (and a rank) that year"},
                        "regions": {"type": "array", "items": {"$ref": "#/components/schemas/RegionValue"}},
                    },
                },
            },
            "sector": {"$ref": "#/components/schemas/Sector"},
            "notices": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}},
            "attribution": {"type": "array", "items": {"type": "string"}},
            "source": {"type": "string"},
        },
    }
}


def document_years(paths: dict, values_path: str, export_path: str) -> None:
    """Say in ``/values`` and ``/export.csv`` what a years view answers (after ``dashboard.api.spatial.document_network``)."""
    values = paths[values_path]["get"]
    schema = values["responses"]["200"]["content"]["application/json"]["schema"]
    one_of = schema.get("oneOf", [schema])
    values["responses"]["200"]["content"]["application/json"]["schema"] = {"oneOf": [*one_of, {"$ref": "#/components/schemas/YearsValues"}]}
    values["description"] = (
        values.get("description", "") + " With analysis=years: every year's regions, one block per year, classes found on all years' values "
        "(YearsValues); refused (400) with an organisation indicator, which has no years."
    ).strip()
    export = paths[export_path]["get"]
    export["description"] += " With analysis=years: every year's rows, columns " + ", ".join(YEAR_CSV_COLUMNS) + " (classes from all years' values)."
