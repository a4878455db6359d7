"""``clustermap export``: many views or region portfolios written as PNG files, one browser for all.

Everything is checked before the first render (sizes, view parameters, file
names, regions and year), files are written whole (temporary name, then
renamed), and the browser is closed at the end.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dashboard.export.errors import ExportParameterError
from dashboard.export.png import export_view_png, png_filename, render_png
from dashboard.export.renderer import RENDERER
from dashboard.export.size import DEFAULT_HEIGHT, DEFAULT_SCALE, DEFAULT_WIDTH, SIZE_PARAMETERS, check_size
from layers import files


def view_grid(
    options,
    *,
    levels: Iterable[int | str] | None = None,
    sectors: Iterable[str] | None = None,
    indicators: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    params: Mapping[str, Any] | None = None,
) -> list:
    """Every combination of the given values, as views; ``None`` keeps the default view's value.

    Values are as in a URL: ``levels`` may hold 0, 1, 2 and ``"mixed"``.

    ``params`` are further view parameters by their query names, the same for
    every view (e.g. ``{"scheme": "fisher_jenks", "k": 7, "palette": "Viridis"}``).
    Each value is checked exactly as in a URL (``dashboard.view.parse_view``):
    :class:`ExportParameterError` names the first one that is not valid.
    """
    from dashboard.view import parse_view, view_params

    default = view_params(options.default())  # by query names and in query form (level "mixed")
    axes = {
        "level": list(levels) if levels is not None else [default["level"]],
        "sector": list(sectors) if sectors is not None else [default["sector"]],
        "indicator": list(indicators) if indicators is not None else [default["indicator"]],
        "year": list(years) if years is not None else [default["year"]],
    }
    for name, values in axes.items():
        if not values:
            raise ExportParameterError(f"no {name} given", parameter=name)
    fixed = {name: str(value) for name, value in (params or {}).items() if value is not None}
    for name in fixed:
        if name in axes or name in SIZE_PARAMETERS:
            raise ExportParameterError(f"{name} is not a fixed view parameter here", parameter=name)
    views = []
    for combination in itertools.product(*axes.values()):
        query = {**{name: str(value) for name, value in zip(axes, combination)}, **fixed}
        view, problems = parse_view(query, options)
        if problems:
            p = problems[0]
            raise ExportParameterError(f"{p.message} (given {p.given!r})", parameter=p.parameter)
        if view not in views:
            views.append(view)
    return views


def _write_whole(path: Path, png: bytes) -> Path:
    """Write ``png`` under a temporary name, then rename it: a crash never leaves half an image."""
    return files.atomic_write_bytes(path, png)


def export_views(
    data,
    views: Sequence,
    out_dir: Path,
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    scale: float = DEFAULT_SCALE,
    progress: bool = True,
) -> list[Path]:
    """Write one PNG per view into ``out_dir`` as ``<view_slug>.png``; returns the paths in order.

    Files are written whole (temporary name, then renamed). The size is checked
    before anything is rendered, and so are the file names: two different
    views with the same slug (they differ only in scheme, k, breaks or palette) are an error.
    """
    from tqdm import tqdm

    from dashboard.view import view_slug

    size = check_size(width, height, scale)
    views = list(dict.fromkeys(views))
    names: dict[str, Any] = {}
    for view in views:
        name = png_filename(view_slug(view))
        if name in names:
            raise ExportParameterError(f"{names[name]} and {view} would both be written to {name}", parameter="views")
        names[name] = view
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, view in tqdm(list(names.items()), desc="export", unit="map", disable=not progress):
        paths.append(_write_whole(out_dir / name, export_view_png(data, view, size)))
    return paths


def export_command(
    out_dir: Path,
    *,
    levels: Sequence[int | str] | None = None,
    sectors: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    params: Mapping[str, Any] | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    scale: float = DEFAULT_SCALE,
    progress: bool = True,
    data_dir: Path | None = None,
) -> list[Path]:
    """``clustermap export``: load the built data, expand the grid, write the PNGs, close the browser."""
    from dashboard.data import load_dashboard_data
    from dashboard.view import view_options

    check_size(width, height, scale)
    data = load_dashboard_data(data_dir=data_dir)
    views = view_grid(view_options(data), levels=levels, sectors=sectors, indicators=indicators, years=years, params=params)
    try:
        return export_views(data, views, out_dir, width=width, height=height, scale=scale, progress=progress)
    finally:
        RENDERER.close()


# ---------------------------------------------------------------- region portfolios


def portfolio_export_figure(data, geo: str, year: int, *, top: int = 10) -> dict:
    """A region's portfolio chart (its strongest sectors by stars then LQ) titled and attributed for a PNG."""
    import copy

    from dashboard.figures import ATTRIBUTION
    from dashboard.portfolio_panel import portfolio_figure
    from layers.portfolio import region_portfolio

    portfolio = region_portfolio(data.index, geo, year=year)
    figure = copy.deepcopy(portfolio_figure(portfolio.head(top)))
    name = next((names[ids.index(geo)] for ids, names in ((g.ids, g.names) for g in data.geometry.values()) if geo in ids), geo)
    layout = figure.setdefault("layout", {})
    margin = dict(layout.get("margin") or {})
    margin["t"], margin["b"] = max(margin.get("t") or 0, 90), max(margin.get("b") or 0, 70)
    layout["margin"] = margin
    layout["title"] = {"text": f"{name} ({geo}) · strongest sectors by cluster stars, then location quotient · {year}", "x": 0.01, "font": {"size": 15}}
    layout["annotations"] = [
        *(layout.get("annotations") or []),
        {
            "text": ATTRIBUTION,
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 0,
            "yshift": -55,
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": 10, "color": "#444"},
        },
    ]
    return figure


def export_portfolios(
    data,
    regions: Sequence[str],
    year: int,
    out_dir: Path,
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    scale: float = DEFAULT_SCALE,
    progress: bool = True,
) -> list[Path]:
    """Write ``portfolio_<NUTS id>_<year>.png`` for each region; unknown regions are refused before any render."""
    from tqdm import tqdm

    size = check_size(width, height, scale)
    known = set(data.index.table["geo"].unique())
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise ExportParameterError(f"no statistics for {', '.join(unknown[:10])}; give NUTS codes with data (see /api/v1/values)", parameter="regions")
    if year not in data.years:
        raise ExportParameterError(f"year {year} is not in the data ({data.years[0]}-{data.years[-1]})", parameter="year")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for geo in tqdm(list(dict.fromkeys(regions)), desc="portfolios", unit="region", disable=not progress):
        figure = portfolio_export_figure(data, geo, year)
        png = render_png(figure, width=size.width, height=size.height, scale=size.scale, text={"Comment": f"portfolio: {geo} {year}"})
        paths.append(_write_whole(out_dir / png_filename(f"portfolio_{geo}_{year}"), png))
    return paths


def portfolio_command(
    out_dir: Path,
    *,
    level: int = 2,
    regions: Sequence[str] | None = None,
    year: int | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    scale: float = DEFAULT_SCALE,
    progress: bool = True,
    data_dir: Path | None = None,
) -> list[Path]:
    """``clustermap export --portfolios``: every region of ``level`` with statistics (or ``regions``) in ``year``."""
    from dashboard.data import load_dashboard_data
    from dashboard.view import view_options

    check_size(width, height, scale)
    data = load_dashboard_data(data_dir=data_dir)
    year = year if year is not None else view_options(data).default().year
    if regions is None:
        known = set(data.index.table["geo"].unique())
        regions = [r for r in data.geometry[level].ids if r in known]
    try:
        return export_portfolios(data, regions, year, out_dir, width=width, height=height, scale=scale, progress=progress)
    finally:
        RENDERER.close()
