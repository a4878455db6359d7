"""The errors of a PNG export, each with the HTTP status the ``/export.png`` route answers it with.

They derive from ``layers._errors.ClusterMapError`` (the project's one base class,
so ``clustermap export`` reports them as one line) and from the nearest built-in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from layers._errors import ClusterMapError


class ExportError(ClusterMapError):
    """An export that could not be made; ``status`` is its HTTP status."""

    status = 500

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter


class ExportParameterError(ExportError, ValueError):
    """A view, size or scale that cannot be exported (HTTP 400)."""

    status = 400

    def __init__(self, message: str, *, parameter: str, problems: Sequence[Mapping[str, str]] = ()) -> None:
        super().__init__(message, parameter=parameter)
        self.problems = list(problems)


class ExportBusy(ExportError, RuntimeError):
    """Every render slot is taken (HTTP 429)."""

    status = 429


class RendererUnavailable(ExportError, RuntimeError):
    """The browser is missing, did not start or died (HTTP 503)."""

    status = 503


class RenderTimeout(ExportError, TimeoutError):
    """A render took longer than ``RENDER_TIMEOUT`` (HTTP 504)."""

    status = 504


class RenderFailed(ExportError, RuntimeError):
    """plotly.js could not draw the figure (HTTP 500)."""
