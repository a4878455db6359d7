"""App factory: ``create_app()`` for ``clustermap serve``; ``dashboard.wsgi:server`` for gunicorn.

Plotly: the page loads ``assets/vendor/plotly-custom.min.js`` (plotly.js core + choropleth,
scattergeo and bar, built by ``tools/plotly-bundle``) as a script before Dash's components.
It defines ``window.Plotly``, and dcc.Graph uses a ``window.Plotly`` that is already there
instead of fetching plotly.py's full ``plotly.min.js``. ``dashboard.static_files`` serves it,
and the other files of ``assets/``, compressed.
"""

from __future__ import annotations

import gc
from pathlib import Path

from dash import Dash

from dashboard import (
    api,
    callbacks,
    embed,
    export,
    first_view,
    geometry,
    hotspots_panel,
    map_updates,
    page_frame,
    points_layer,
    portfolio_panel,
    ranking,
    related_panel,
    static_files,
)
from dashboard.compare_panel import callbacks as compare_callbacks, layout as compare_layout
from dashboard.compare_panel.content import compare_children
from dashboard.data import DashboardData, load_dashboard_data
from dashboard.layout import page
from dashboard.server import health, policy
from dashboard.stars_explained import register_methodology
from layers.points.measures import POINT_INDICATORS


def _notes(data: DashboardData) -> str:
    r = data.report
    unmatched = len(r.codes_without_shape) + len(r.extra_regio_codes)
    return (
        f"Statistics coded in NUTS {data.nuts_year} and drawn on NUTS {data.nuts_year} shapes. "
        f"{unmatched} codes in the data have no shape and are not drawn "
        f"({len(r.extra_regio_codes)} extra-regio, {len(r.codes_without_shape)} older or out-of-frame codes). "
        f"{r.rejected_rows} rows rejected while reading."
    )


def create_app(
    data: DashboardData | None = None,
    *,
    data_dir: Path | None = None,
    frame_ancestors: str | None = None,
    custom_plotly: bool = True,
) -> Dash:
    """A ready Dash app over the built caches (building them first if needed).

    Every response carries the security headers of ``dashboard.server.policy``; paths that
    are not the app's answer 404; ``/healthz`` and ``/readyz`` report on the process.

    ``frame_ancestors``: origins allowed to frame ``/embed`` (default: ``CLUSTERMAP_FRAME_ANCESTORS``, else any).
    ``custom_plotly``: False leaves the main page to dcc.Graph's own full ``plotly.min.js`` (every trace
    type, 1.4 MB compressed), e.g. to try a trace the custom bundle lacks; ``/embed`` keeps the bundle.
    """
    data = data or load_dashboard_data(data_dir=data_dir)
    bundle = static_files.plotly_bundle(cache_dir=data.data_dir / static_files.BUNDLE_CACHE if data.data_dir else None)
    app = Dash(
        __name__,
        assets_folder=str(static_files.ASSETS),
        assets_path_ignore=["^vendor$"],  # the Plotly bundle is loaded first, from its own route (below)
        # A same-origin script, placed by Dash after React and before every component and asset script.
        external_scripts=[bundle.url] if custom_plotly else [],
        title="Cluster Observatory Map",
        serve_locally=True,
        update_title=None,  # type: ignore[arg-type]  # Dash's signature says str; None (documented) keeps the tab's title while updating
        compress=True,  # flask-compress: gzip/brotli for the bundles, layout and callback responses
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    notes, sectors = _notes(data), data.sector_options()
    point_indicators = tuple(POINT_INDICATORS.values()) if data.point_measures is not None else ()

    def page_of(first: first_view.FirstView):
        """The page opened on ``first`` (the URL's view; ``dashboard.first_view``)."""
        return page(
            sector_options=sectors,
            years=data.years,
            first=first,
            notes=notes,
            panels=page_frame.layout(
                ranking=[ranking.layout(), hotspots_panel.layout(data, first.view), related_panel.layout()],
                region=portfolio_panel.layout(
                    portfolio_panel.portfolio_children(data, first.view.region, first.view.year, sector=first.view.nace_r2, indicator=first.view.indicator)
                ),
                compare=compare_layout.layout(compare_children(data, first.view.compare, first.view), ",".join(first.view.compare)),
                chosen="compare" if first.view.compare else "region" if first.view.region else "ranking",
            ),
            region_options=[],  # filled as the user types (callbacks: find_regions)
            overlays=[points_layer.layout(data.organisations, first.view)],
            point_indicators=point_indicators,
            groups=data.groups,
        )

    # Streamed files pass through uncompressed (flask-compress would read them without closing them);
    # dashboard.static_files serves the page's own files whole instead, so they are compressed.
    app.server.config["COMPRESS_STREAMS"] = False
    first_view.register(app, lambda query: callbacks.first_view(data, query), page_of)
    callbacks.register(app, data)
    page_frame.register(app)
    ranking.register(app, data)
    hotspots_panel.register(app, data)
    related_panel.register(app, data)
    portfolio_panel.register(app, data)
    compare_callbacks.register(app, data)
    points_layer.register(app, data)
    api.register(app.server, data)
    export.register(app.server, data)
    static_files.register_plotly_bundle(app.server, bundle)
    static_files.register_assets(app.server)
    embed.register(app.server, data, allowed_ancestors=frame_ancestors, plotly_src=bundle.url)
    geometry.register(app.server, data)
    map_updates.register(app.server, data)
    health.register(app.server, data)
    register_methodology(app.server)
    # last: the CSP holds the hashes of the inline scripts of every callback registered above
    policy.register(app, inline_scripts=[embed.EMBED_SCRIPT])
    settle_long_lived()
    return app


def settle_long_lived() -> None:
    """Move every object alive now (the loaded data: over a million tracked objects) out of the cycle collector's sight.

    They live as long as the process and hold no garbage cycles, but a full collection walked them all:
    400-560 ms, in the middle of whichever request happened to trigger it (``benchmarks/GC.md``).
    Frozen, a full collection walks only what requests made (about 20 ms).
    """
    gc.collect()
    gc.freeze()
