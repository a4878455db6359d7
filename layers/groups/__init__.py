"""Sector groups: several NACE codes mapped as one sector (cluster categories, emerging industries, one's own).

- ``members``: the canonical spelling of a list of codes (sorted, once each, no code under another).
- ``catalogue``: named groups read from TOML files (``emerging_industries.toml`` ships with the product).
- ``values``: a group's numbers for one level and year, by the rules of a single code.
"""
