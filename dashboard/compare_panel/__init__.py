"""Regions compared side by side (the ``compare`` view parameter): their values, ranks, stars, trends and strongest sectors.

One job per module: :mod:`~dashboard.compare_panel.layout` (the section, its stores and ids),
:mod:`~dashboard.compare_panel.values` (the numbers, read from the data layer),
:mod:`~dashboard.compare_panel.content` (numbers → components, tested without a browser),
:mod:`~dashboard.compare_panel.edit` (what an add or a remove does), and
:mod:`~dashboard.compare_panel.callbacks` (the wiring; ``assets/compare.js`` in the browser).

This file imports none of them: ``dashboard.callbacks`` reads the layout's ids, and the
content reads ``dashboard.portfolio_panel``, which reads the layout's ids too.
"""
