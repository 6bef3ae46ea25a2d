"""The two things a panel is built from: a layout (controls, status, message, figure) and latest-only runs.

A panel subclasses :class:`ScenarioPanel` or :class:`TablePanel` (an ipywidgets
``VBox``) and, when it simulates, :class:`LatestOnly`: a worker thread computes the
latest control values only, while a status line says "simulating…".
"""

from __future__ import annotations

import html

from ...core.errors import ScenarioError
from ...core.language import _
from ..plots import new_figure
from ...model.scenario import Scenario
from .controls import FIGURE_DPI, figure_view, refuse, side_by_side, status_line

try:
    import ipywidgets as _widgets

    Base = _widgets.VBox
except ImportError:  # pragma: no cover - ipywidgets is a dependency; keep import errors readable
    Base = object


def _busy() -> str:
    """The status line while a run is going, in the language of messages now."""
    return "<span style='color:#555'>⏳ {}</span>".format(html.escape(_("simulating…")))


def _ready() -> str:
    """The status line once the figure shows the controls' values."""
    return "<span style='color:#2b7a2b'>✓ {}</span>".format(html.escape(_("up to date")))


def in_kernel() -> bool:
    """Whether we run inside a Jupyter kernel (where a worker thread keeps the controls responsive)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class LatestOnly:
    """Control changes that compute only the latest values, with a status line ("simulating…", "up to date").

    In a Jupyter kernel (``background``) a worker thread runs the changes, so the kernel keeps
    taking control values while a run is going; when the run ends, the worker runs once more
    with the values as they are then -- the values set in between are never computed one by one.
    Outside a kernel (tests, scripts) a change runs at once.  A panel defines ``_refresh``.
    """

    def _start_requests(self, background: bool | None):
        import threading

        import ipywidgets as widgets

        self.background = in_kernel() if background is None else background
        self.status = widgets.HTML()
        self._wanted = 0
        self._worker = None
        self._lock = threading.Lock()

    def _request(self, change=None):
        """A control changed: compute now, or (in a kernel) let the worker pick up the latest values."""
        if not self.background:
            self.refresh()
            return
        import threading

        with self._lock:
            self._wanted += 1
            self.status.value = _busy()
            if self._worker is not None and self._worker.is_alive():
                return  # the running worker sees the new request when its run ends
            self._worker = threading.Thread(target=self._work, daemon=True)
            self._worker.start()

    def _work(self):
        while True:
            with self._lock:
                wanted = self._wanted
            self.refresh()
            with self._lock:
                if wanted == self._wanted:  # no newer request came in: done
                    return

    def _scenario_or_refuse(self):
        """The scenario the controls describe, or None after saying why not (and hiding the old figure)."""
        try:
            return self.current_scenario()
        except ScenarioError as error:
            refuse(self.message, _("Not run"), error)
            self.view.layout.visibility = "hidden"  # never an old figure under the new values
            return None

    def wait(self, timeout: float | None = None):
        """Wait until the last requested change has been drawn."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def refresh(self):
        """Run with the controls' current values and redraw; a message instead of an error."""
        self.status.value = _busy()
        try:
            self._refresh()
        except ScenarioError as error:  # e.g. the run budget: a message, and no old figure under it
            refuse(self.message, _("Not run"), error)
            self.view.layout.visibility = "hidden"
        except KeyboardInterrupt:  # the kernel was interrupted during a run: say so, show no stale figure
            self.message.value = "<span style='color:#b00020'>{}</span>".format(
                html.escape(_("interrupted: change a control to run again")))
            self.view.layout.visibility = "hidden"
        except Exception as error:  # a background run must never fail silently
            self.message.value = "<span style='color:#b00020'>{}</span>".format(
                _("Something went wrong: {kind}: {error}").format(kind=html.escape(type(error).__name__),
                                                                   error=html.escape(str(error))))
            self.view.layout.visibility = "hidden"
            raise
        finally:
            self.status.value = _ready()


class Still:
    """A panel shown where no widget can live (a web page, a notebook viewer): the still of its figure.

    Displayed, a panel gives the widget (what JupyterLab shows) and a PNG of its figure as it is drawn now
    (what a static page shows, e.g. the course website built by ``tools/site.py``); a front end shows the
    first of the two it can.  The PNG is the bytes the panel already shows, so this costs no drawing.
    """

    def _repr_mimebundle_(self, **kwargs):
        bundle = Base._repr_mimebundle_(self, **kwargs)
        view = getattr(self, "view", None)
        if bundle is not None and view is not None and view.value and view.layout.visibility != "hidden":
            import base64

            bundle["image/png"] = base64.b64encode(bytes(view.value)).decode("ascii")
        return bundle


class TablePanel(Still, Base):
    """A panel of controls, a message, an HTML table and a figure; any control change calls ``refresh``."""

    def _assemble(self, controls, ncols: int, width: float, height: float = 3.6, arrangement: str = "beside"):
        """Create the message, table and figure views, wire ``self.controls``, lay out, draw the first time.

        Layout, for the notebook's visible area in the README's layout (JupyterLab's simple interface at
        1280 x 720: about 1214 x 608 px): ``arrangement`` "beside" puts the table beside the controls, then the
        status and message line and the figure across the panel; "below" puts the table under the controls.
        ``controls`` is a list of widgets (stacked) or one widget laid out by the panel.
        """
        import ipywidgets as widgets

        if arrangement not in ("beside", "below"):
            raise ValueError(f"arrangement: got {arrangement!r}, expected 'beside' or 'below'")
        self.message = widgets.HTML()
        self.table_view = widgets.HTML(style={"font_size": "12px"})
        self.view = figure_view(max_width=f"{width * FIGURE_DPI:.0f}px")   # never blown up past its pixels
        self.figure, self.axes = new_figure(ncols=ncols, width=width, height=height)
        for control in self.controls.values():
            control.observe(self._request, names="value")
        status = [self.status] if hasattr(self, "status") else []
        box = controls if isinstance(controls, widgets.Widget) else widgets.VBox(controls)
        if arrangement == "beside":
            parts = [side_by_side(box, self.table_view), status_line(status, self.message), self.view]
        else:
            parts = [box, self.table_view, status_line(status, self.message), self.view]
        Base.__init__(self, parts)
        self.refresh()

    def _request(self, change=None):
        """A control changed (panels that simulate override this to compute only the latest values)."""
        self.refresh()


class ScenarioPanel(Still, Base):
    """A panel whose controls are scenario fields by dotted path (``self.controls``) over ``self.base``."""

    def current_scenario(self) -> Scenario:
        """The scenario the controls describe (raises ScenarioError if they break a rule)."""
        return self.base.updated({path: control.value for path, control in self.controls.items()})
