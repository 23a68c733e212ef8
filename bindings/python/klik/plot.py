"""Plots of KLIK's views in the KLIK colours (matplotlib, imported only when a plot is made).

Each function draws on ``ax`` (a new figure's when None) and returns the Axes. Every
colour is also named in the legend in Danish: colour is never the only signal.

- :func:`quick_status_by_municipality`: a project's tasks per municipality by deadline
  colour, as stacked bars (KOMBIT's national view);
- :func:`colours_over_time`: a project's red and yellow tasks day by day, each day judged
  on the world as the journal says it was that day (``Store.as_of``);
- :func:`what_if`: a scenario's colour counts before and after (``Publishing.simulate``).
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Optional, Sequence

from . import _klik, _municipality_names

#: The KLIK colours (the portal's quick-status bar), by colour code.
COLOURS = {"green": "#3c9a3c", "yellow": "#e6b800", "red": "#c8102e", "grey": "#8c8c8c", "done": "#4a6fa5"}

_ORDER = [_klik.DeadlineColour.GREEN, _klik.DeadlineColour.YELLOW, _klik.DeadlineColour.RED,
          _klik.DeadlineColour.GREY, _klik.DeadlineColour.DONE]


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(10, 4.5))[1]


def quick_status_by_municipality(store: Any, viewer: Any, project: int, today: Optional[Any] = None,
                                 ax: Any = None, top: Optional[int] = None) -> Any:
    """Stacked bars: for each municipality of ``project`` (as ``viewer`` may see them), its
    KLIK tasks by deadline colour on ``today``; sorted by red tasks, most first, ``top`` of them."""
    rows = store.status_by_municipality(viewer, project, today)
    counts = {r.municipality: [sum(r.count(c, p) for p in _klik.Priority.__members__.values()) for c in _ORDER]
              for r in rows}
    order = sorted(counts, key=lambda m: (-counts[m][2], m))[:top]
    names = _municipality_names()
    ax = _axes(ax)
    bottom = [0] * len(order)
    for i, colour in enumerate(_ORDER):
        heights = [counts[m][i] for m in order]
        ax.bar([names.get(m, str(m)) for m in order], heights, bottom=bottom, color=COLOURS[colour.code],
               label=colour.danish)
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_ylabel("Opgaver")
    ax.set_title("Hurtig status pr. kommune")
    ax.legend(title="Farve")
    ax.tick_params(axis="x", labelrotation=90)
    return ax


def colours_over_time(store: Any, viewer: Any, project: int, days: Sequence[Any], ax: Any = None) -> Any:
    """Lines: ``project``'s red and yellow tasks that ``viewer`` sees on each of ``days``,
    judged on the world as it was at the end of that day (the journal's as-of view; the
    store itself for days from today on)."""
    query = f"project = {int(project)}"
    red, yellow, xs = [], [], []
    for day in days:
        day = _dt.date.fromisoformat(day) if isinstance(day, str) else day
        end = _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time(), _dt.timezone.utc)
        view = store.as_of(end) if end < _dt.datetime.now(_dt.timezone.utc) else store
        counts = view.quick_status(viewer, query, today=day)
        xs.append(day)
        red.append(counts["red"])
        yellow.append(counts["yellow"])
    ax = _axes(ax)
    ax.plot(xs, red, color=COLOURS["red"], marker="o", label=_klik.DeadlineColour.RED.danish)
    ax.plot(xs, yellow, color=COLOURS["yellow"], marker="s", label=_klik.DeadlineColour.YELLOW.danish)
    ax.set_ylabel("Opgaver")
    ax.set_title("Røde og gule opgaver over tid")
    ax.legend(title="Farve")
    return ax


def what_if(simulation: Any, ax: Any = None, when: str = "today") -> Any:
    """Grouped bars: the affected tasks by colour without and with the scenario, on the
    simulation's today (``when="today"``) or its later day (``when="on"``)."""
    comparison = simulation.today_total if when == "today" else simulation.on_total
    if comparison is None:
        raise ValueError("the simulation has no later day: simulate(..., on=day) first")
    ax = _axes(ax)
    xs = range(len(_ORDER))
    width = 0.4
    ax.bar([x - width / 2 for x in xs], [comparison.before[c] for c in _ORDER], width,
           color=[COLOURS[c.code] for c in _ORDER], alpha=0.45, edgecolor="black", label="Før")
    ax.bar([x + width / 2 for x in xs], [comparison.after[c] for c in _ORDER], width,
           color=[COLOURS[c.code] for c in _ORDER], edgecolor="black", hatch="//", label="Efter")
    ax.set_xticks(list(xs), [c.danish for c in _ORDER])
    day = simulation.today if when == "today" else simulation.on
    ax.set_title(f"Hvad nu hvis: {simulation.affected} berørte opgaver, {day.isoformat()}")
    ax.set_ylabel("Opgaver")
    ax.legend()
    return ax
