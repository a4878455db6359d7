"""App factory: ``create_app()`` for ``clustermap serve``; ``dashboard.wsgi:server`` for gunicorn."""

from __future__ import annotations

from pathlib import Path

from dash import Dash

from dashboard import api, callbacks, export_png
from dashboard.data import DashboardData, load_dashboard_data
from dashboard.figures import MapView
from dashboard.layout import page
from layers.settings import PROJECT_ROOT

ASSETS = PROJECT_ROOT / "assets"


def _notes(data: DashboardData) -> str:
    r = data.report
    unmatched = len(r.codes_without_shape) + len(r.extra_regio_codes)
    return (
        f"Statistics coded in NUTS {data.nuts_year} and drawn on NUTS {data.nuts_year} shapes. "
        f"{unmatched} codes in the data have no shape and are not drawn "
        f"({len(r.extra_regio_codes)} extra-regio, {len(r.codes_without_shape)} older or out-of-frame codes). "
        f"{r.rejected_rows} rows rejected while reading."
    )


def create_app(data: DashboardData | None = None, *, data_dir: Path | None = None) -> Dash:
    """A ready Dash app over the built caches (building them first if needed)."""
    data = data or load_dashboard_data(data_dir=data_dir)
    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        title="Cluster Observatory Map",
        serve_locally=True,
        update_title=None,
    )
    view = MapView(year=2014 if 2014 in data.years else data.years[-1])
    app.layout = page(sector_options=data.sector_options(), years=data.years, view=view, notes=_notes(data))
    callbacks.register(app, data)
    api.register(app.server, data)
    export_png.register(app.server, data)
    return app
