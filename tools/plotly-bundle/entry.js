'use strict';

// The traces the Cluster Observatory Map draws, and nothing else:
//   choropleth  the map (dashboard/figures.py)
//   scattergeo  the organisation points layer over the map
//   bar         the sector ranking (dashboard/ranking.py) and the region portfolio (dashboard/portfolio_panel.py)
// plotly.js/lib/core already registers `scatter` and every layout component
// (annotations, shapes, colorbar, legend, hover, modebar, ...).
// Left out on purpose: calendars (no figure sets a *calendar attribute), MathJax, locales other than en/en-US.
// Add a trace here (and to TRACES in build.mjs) before a figure uses it; tests/test_plotly_bundle.py checks the list.

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/scattergeo'),
    require('plotly.js/lib/bar')
]);

module.exports = Plotly;
