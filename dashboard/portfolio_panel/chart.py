"""The portfolio chart: a region's strongest sectors as bars of location quotient, coloured by stars.

A plain figure dict, also used by ``clustermap export --portfolios``
(``dashboard.export.batch``). Text inside the figure is escaped, because Plotly
reads tags there.
"""

from __future__ import annotations

import html as html_text

import numpy as np
import pandas as pd
from dash import dcc

STAR_COLOURS = {0: "#c7e9b4", 1: "#7fcdbb", 2: "#1d91c0", 3: "#0c2c84"}
"""ColorBrewer YlGnBu steps (sequential, colour-blind safe): more stars, darker."""
UNKNOWN_COLOUR = "#9e9e9e"
CHART_CONFIG: dcc.Graph.Config = {"displaylogo": False, "showSendToCloud": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def _bar_label(code: str, label: str, width: int = 40) -> str:
    text = f"{code} {label}"
    return text if len(text) <= width else text[: width - 1].rstrip(" ,;") + "…"


def portfolio_figure(top: pd.DataFrame) -> dict:
    """Horizontal bars: LQ per sector, strongest at the top, coloured by star count (0-3; grey: unknown).

    The legend always lists 0-3 stars (a count without bars gets an empty entry), so colours read the same for every region.
    """
    labels = [html_text.escape(_bar_label(c, lab)) for c, lab in zip(top["nace_r2"], top["label"])]
    full = [html_text.escape(f"{c} {lab}") for c, lab in zip(top["nace_r2"], top["label"])]
    stars = top["stars"].to_numpy(dtype=float)
    lq = top["lq"].to_numpy(dtype=float)
    groups: list[tuple[int | None, str, str]] = [(s, f"{s} star{'s' if s != 1 else ''}", STAR_COLOURS[s]) for s in (3, 2, 1, 0)]
    if np.isnan(stars).any():
        groups.append((None, "unknown", UNKNOWN_COLOUR))
    traces = []
    for value, name, colour in groups:
        sel = np.flatnonzero(np.isnan(stars) if value is None else stars == value)
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "x": [float(lq[i]) if np.isfinite(lq[i]) else None for i in sel] if len(sel) else [None],
                "y": [labels[i] for i in sel] if len(sel) else [labels[0]] if labels else [],
                "marker": {"color": colour, "line": {"color": "#4d4d4d", "width": 0.6}},
                "customdata": [[full[i]] for i in sel],
                "hovertemplate": "%{customdata[0]}<br>LQ %{x:.2f} · " + name + "<extra></extra>",
                "showlegend": True,
            }
        )
    finite = lq[np.isfinite(lq)]
    xmax = max(2.3, float(finite.max()) * 1.06) if finite.size else 2.3
    return {
        "data": traces,
        "layout": {
            "height": 96 + 24 * max(len(top), 1),
            "margin": {"l": 8, "r": 14, "t": 30, "b": 44},
            "barmode": "overlay",
            "bargap": 0.25,
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif", "size": 12, "color": "#1a1a1a"},
            "xaxis": {
                "title": {"text": "Location quotient (LQ)", "font": {"size": 11}},
                "range": [0, xmax],
                "gridcolor": "#e6e6e6",
                "zeroline": False,
                "fixedrange": True,
            },
            "yaxis": {"categoryorder": "array", "categoryarray": labels, "autorange": "reversed", "automargin": True, "fixedrange": True, "ticks": ""},
            "legend": {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "bottom",
                "title": {"text": "Cluster stars:"},
                "traceorder": "normal",
            },
            "shapes": [
                {"type": "line", "x0": v, "x1": v, "yref": "paper", "y0": 0, "y1": 1, "line": {"color": c, "width": 1.2, "dash": d}}
                for v, c, d in ((1.0, "#1a1a1a", "dot"), (2.0, "#b35806", "dash"))
            ],
        },
    }
