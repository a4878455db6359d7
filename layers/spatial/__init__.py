"""Spatial cluster analytics on the aggregate table: hot spots, related sectors, diversification opportunities.

- :mod:`layers.spatial.weights`: queen contiguity per NUTS level, islands joined, row-standardised.
- :mod:`layers.spatial.hotspots`: local Moran's I categories and cross-border High-High clusters.
- :mod:`layers.spatial.related`: co-location strength of NACE divisions and their network.
- :mod:`layers.spatial.opportunities`: the divisions a region could build on next.

Nothing here knows Dash or Flask; method and caveats are in ``docs/spatial.md``.
"""
