"""PNG export of a view: one warm headless Chromium per process, bounded.

``GET /export.png?<view query>&width=&height=&scale=`` answers the map that the
same query string shows on screen (``dashboard.view``) as a PNG download;
``clustermap export`` writes a grid of views, or region portfolios, to a folder.

One job per module:

- :mod:`~dashboard.export.errors`: the export errors and their HTTP statuses;
- :mod:`~dashboard.export.size`: image size bounds and the export URL's query;
- :mod:`~dashboard.export.renderer`: the warm kaleido/Chromium on its own event loop;
- :mod:`~dashboard.export.png`: the figure made printable (title, legend, attribution as text chunks);
- :mod:`~dashboard.export.batch`: ``export_command`` / ``portfolio_command`` for ``clustermap export``;
- :mod:`~dashboard.export.routes`: the ``/export.png`` route, its limits (429, 504) and JSON errors.

The names other code uses are re-exported here.
"""

from dashboard.export.batch import (
    export_command,
    export_portfolios,
    export_views,
    portfolio_command,
    portfolio_export_figure,
    view_grid,
)
from dashboard.export.errors import (
    ExportBusy,
    ExportError,
    ExportParameterError,
    RendererUnavailable,
    RenderFailed,
    RenderTimeout,
)
from dashboard.export.png import add_png_text, export_figure, export_view_png, figure_text, fit_figure, render_png
from dashboard.export.renderer import CHROMIUM, MAX_CONCURRENT, RENDERER, Renderer, configure_plotly_io
from dashboard.export.routes import SLOTS, register
from dashboard.export.size import ImageSize, check_size, parse_size

__all__ = [
    "CHROMIUM",
    "MAX_CONCURRENT",
    "RENDERER",
    "SLOTS",
    "ExportBusy",
    "ExportError",
    "ExportParameterError",
    "ImageSize",
    "RenderFailed",
    "RenderTimeout",
    "Renderer",
    "RendererUnavailable",
    "add_png_text",
    "check_size",
    "configure_plotly_io",
    "export_command",
    "export_figure",
    "export_portfolios",
    "export_view_png",
    "export_views",
    "figure_text",
    "fit_figure",
    "parse_size",
    "portfolio_command",
    "portfolio_export_figure",
    "register",
    "render_png",
    "view_grid",
]
