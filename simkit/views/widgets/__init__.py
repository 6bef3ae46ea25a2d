"""Widget panels for the classroom: thin views over scenarios, engines and plots, one module per panel.

=====================  ==========================================  =============
panel                  what it shows                               textbook
=====================  ==========================================  =============
``simulation_panel``   a simulated population by stage, money       §1
``churn_panel``        Firm A and Firm B, exact and simulated       §2
``ltv_table_panel``    the exact LTV table and its levers           §4
``pyramid_panel``      the customer pyramid and its move-up         §5
``lifecycle_dashboard`` the instructor's lifecycle dashboard        §1, §6, §7
=====================  ==========================================  =============

Each fits one 1280 x 720 screen: controls on the left, the figure beside them.
Controls take their ranges and units from the scenario's field rules, redraw
when a slider is released, and show a message -- never a traceback -- when a
value is not allowed.  A panel draws its first figure when it is built, so it
also works when a notebook runs headless.  Shared pieces: :mod:`.controls`
(sliders, refusals, figure views) and :mod:`.base` (layout, latest-only runs).
"""

from .churn import ChurnPanel, churn_panel
from .controls import FIGURE_DPI, slider_step
from .dashboard import CLASSROOM_MAXIMA, COMPARISONS, LifecycleDashboard, lifecycle_dashboard
from .ltv import LtvTablePanel, ltv_table_panel
from .pyramid import PyramidPanel, pyramid_panel
from .simulation import SimulationPanel, simulation_panel

__all__ = ["CLASSROOM_MAXIMA", "COMPARISONS", "ChurnPanel", "FIGURE_DPI", "LifecycleDashboard", "LtvTablePanel",
           "PyramidPanel", "SimulationPanel", "churn_panel", "lifecycle_dashboard", "ltv_table_panel",
           "pyramid_panel", "simulation_panel", "slider_step"]
