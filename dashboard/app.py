"""App factory: ``create_app()`` for ``clustermap serve``; ``dashboard.wsgi:server`` for gunicorn."""

from __future__ import annotations

from pathlib import Path

from dash import Dash

from dashboard import api, callbacks, embed, export_png, geometry, portfolio_panel, ranking
from dashboard.data import DashboardData, load_dashboard_data
from dashboard.layout import page
from dashboard.view import view_options
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


def create_app(data: DashboardData | None = None, *, data_dir: Path | None = None, frame_ancestors: str | None = None) -> Dash:
    """A ready Dash app over the built caches (building them first if needed).

    ``frame_ancestors``: origins allowed to frame ``/embed`` (default: ``CLUSTERMAP_FRAME_ANCESTORS``, else any).
    """
    data = data or load_dashboard_data(data_dir=data_dir)
    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        title="Cluster Observatory Map",
        serve_locally=True,
        update_title=None,
        compress=True,  # flask-compress: gzip/brotli for the bundles, layout and callback responses
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    # The default view, built once; ``callbacks`` then applies the URL's query (``/?level=1&sector=C29…``).
    layout = page(
        sector_options=data.sector_options(),
        years=data.years,
        view=view_options(data).default(),
        notes=_notes(data),
        insights=[ranking.layout(), portfolio_panel.layout()],
        region_options=data.region_options(),
    )

    # Streamed files (assets/) pass through uncompressed: flask-compress would read them without closing them.
    app.server.config["COMPRESS_STREAMS"] = False
    app.layout = layout
    callbacks.register(app, data)
    ranking.register(app, data)
    portfolio_panel.register(app, data)
    api.register(app.server, data)
    export_png.register(app.server, data)
    embed.register(app.server, data, allowed_ancestors=frame_ancestors)
    geometry.register(app.server, data)
    return app
