"""The region portfolio panel: a region's strongest sectors, against its country and the EU.

European Cluster Observatory style: when the focus store (``FOCUS_ID``) holds a
NUTS id, the panel shows the region's heading, a comparison table (region,
country, EU sum) and its strongest sectors by cluster stars, then location
quotient, as a bar chart and an accessible table, then the named sector groups
(the emerging industries) as their own table. With no focus the panel has
no children (CSS hides an empty ``section``).

One job per module: :mod:`~dashboard.portfolio_panel.layout` (the empty panel and
its ids), :mod:`~dashboard.portfolio_panel.content` (data → the panel's children,
tested without a browser), :mod:`~dashboard.portfolio_panel.tables` and
:mod:`~dashboard.portfolio_panel.chart` and :mod:`~dashboard.portfolio_panel.groups`
(the builders it uses), and
:mod:`~dashboard.portfolio_panel.callbacks` (:func:`register` wires it to the stores).
"""

from dashboard.portfolio_panel.callbacks import close_focus, register
from dashboard.portfolio_panel.chart import portfolio_figure
from dashboard.portfolio_panel.content import TOP, portfolio_children, rest_children
from dashboard.portfolio_panel.groups import GROUPS_TITLE, groups_section
from dashboard.portfolio_panel.layout import CLOSE_ID, PANEL_ID, layout
from dashboard.portfolio_panel.tables import ORGANISATIONS_SHOWN, comparison_table, organisations_section, region_name, sectors_table

__all__ = [
    "CLOSE_ID",
    "GROUPS_TITLE",
    "ORGANISATIONS_SHOWN",
    "PANEL_ID",
    "TOP",
    "close_focus",
    "comparison_table",
    "groups_section",
    "layout",
    "organisations_section",
    "portfolio_children",
    "portfolio_figure",
    "region_name",
    "register",
    "rest_children",
    "sectors_table",
]
