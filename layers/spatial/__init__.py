"""Spatial cluster analytics on the aggregate table: hot spots, related sectors, diversification opportunities.

- :mod:`layers.spatial.weights`: queen contiguity per NUTS level, islands joined, row-standardised.
- :mod:`layers.spatial.hotspots`: local Moran's I categories and cross-border High-High clusters.
- :mod:`layers.spatial.categories`: a hot-spot view's values frame (categories as its classes, clusters).
- :mod:`layers.spatial.related`: co-location strength of NACE divisions and their network.
- :mod:`layers.spatial.opportunities`: the divisions a region could build on next.

Nothing here knows Dash or Flask. Method and caveats: weights and hot spots in ``docs/methodology.md`` (13),
related sectors and opportunities in ``docs/methodology.md`` section 14.
"""
