"""Data side of the Cluster Observatory Map: acquire, parse, validate, join, aggregate, cache.

Nothing here imports Dash or Flask: every function takes paths or frames and returns
frames, so a notebook and the app call the same code.
"""
