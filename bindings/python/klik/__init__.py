"""klik: the rules of KOMBIT KLIK -- tasks, working days, deadline colours, rights.

The compiled core lives in ``klik._klik``; this package re-exports it and adds
the small pieces that read better in Python (``__repr__`` of the entities).
"""

from __future__ import annotations

import datetime as _dt
import functools as _functools
import re as _re
import sys as _sys

from . import _klik
from ._klik import *  # noqa: F401,F403
from ._klik import synthetic  # noqa: F401

# `import klik.synthetic` (and its stub, synthetic.pyi) as for any submodule.
_sys.modules[__name__ + ".synthetic"] = synthetic

__version__ = _klik.__version__

_ENTITY_FIELDS = {
    "Municipality": ("id", "name"),
    "Project": ("id", "name", "deadline"),
    "RolloutWave": ("id", "project", "name", "shift_workdays"),
    "TaskTemplate": ("id", "project", "title", "priority", "end", "latest_start", "duration_workdays"),
    "Task": ("id", "template", "municipality", "status", "responsible", "performer"),
    "LocalTask": ("id", "parent", "municipality", "title", "status", "end"),
    "Membership": ("project", "type"),
    "User": ("id", "email", "full_name", "municipality", "side", "administrator"),
    "Message": ("id", "task", "project", "wave", "author", "time"),
    "Attachment": ("id", "task", "file_name", "size"),
    "InternalNote": ("task", "text"),
}


def _make_repr(name: str, fields: tuple[str, ...]):
    def __repr__(self) -> str:  # noqa: N807
        parts = []
        for f in fields:
            value = getattr(self, f)
            if value is None and f not in ("responsible", "performer"):
                continue
            parts.append(f"{f}={value!r}")
        return f"{name}({', '.join(parts)})"

    return __repr__


for _name, _fields in _ENTITY_FIELDS.items():
    getattr(_klik, _name).__repr__ = _make_repr(_name, _fields)

_CATEGORIES = {"colour": DeadlineColour, "priority": Priority, "status": TaskStatus}  # noqa: F405


@_functools.lru_cache(maxsize=1)
def _municipality_names() -> dict[int, str]:
    """Kommunekode -> name, from the official list (klik.danish_municipalities()); built once."""
    return {m.id: m.name for m in danish_municipalities()}  # noqa: F405


def _dataframe(self, viewer, query=None, today=None, rights=None):
    """The rows of ``query`` as a pandas DataFrame (pandas must be installed).

    Built from :meth:`Store.columns` without a Python object per task. Colour,
    priority and status become ordered categoricals of their codes; the ids that
    may be unset (``local_task``, ``responsible``, ``performer``) are nullable
    integers with ``pd.NA`` for "not set"; ``municipality_name`` and
    ``project_name`` stand beside their ids (categoricals).
    """
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("Store.dataframe needs pandas; Store.columns gives the same data as numpy arrays") from e
    cols = self.columns(viewer, query, today, rights)
    frame = pandas.DataFrame(cols)
    for name, enum_type in _CATEGORIES.items():
        members = list(enum_type.__members__.values())
        frame[name] = pandas.Categorical.from_codes(cols[name], categories=[m.code for m in members], ordered=True)
    for name in ("local_task", "responsible", "performer"):  # 0 is "not set" in the columns
        frame[name] = pandas.array(cols[name], dtype="Int64")
        frame.loc[frame[name] == 0, name] = pandas.NA
    municipalities = _municipality_names()
    projects = {p.project: p.name for p in self.projects(viewer)}
    at = frame.columns.get_loc("municipality") + 1
    frame.insert(at, "municipality_name",
                 pandas.Categorical([municipalities.get(int(m), str(int(m))) for m in cols["municipality"]]))
    at = frame.columns.get_loc("project") + 1
    frame.insert(at, "project_name", pandas.Categorical([projects.get(int(p), str(int(p))) for p in cols["project"]]))
    return frame


_klik.Store.dataframe = _dataframe

# ---- columns() reads every row: paging in its query is refused, not ignored -------

_columns = _klik.Store.columns
_PAGING = _re.compile(r"\b(limit|offset)\b", _re.IGNORECASE)


def _columns_checked(self, viewer, query=None, today=None, rights=None):
    """Every matching row as numpy arrays: int64 ids (0 = not set), ``end`` as
    datetime64[D], colour/priority/status as uint8 codes, titles as objects.

    It reads *every* row, so a query that pages (``limit``, ``offset``, a cursor) is
    refused with ``klik.ValidationError`` rather than ignored: use ``Store.tasks`` for
    pages, or slice what this returns."""
    paged = False
    if isinstance(query, str):
        unquoted = _re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)
        paged = bool(_PAGING.search(unquoted))
    elif isinstance(query, TaskQuery):  # noqa: F405
        paged = query.limit != TaskQuery().limit or query.offset != 0 or bool(query.cursor)  # noqa: F405
    if paged:
        raise ValidationError(  # noqa: F405
            "columns() and dataframe() return every matching row: the query's limit, offset or cursor would be "
            "ignored; page with Store.tasks, or slice the result")
    return _columns(self, viewer, query, today, rights)


_klik.Store.columns = _columns_checked

# ---- KOMBIT's national views and the lists as DataFrames ----------------------------


def _pandas(what: str):
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError(f"{what} needs pandas") from e
    return pandas


def _status_frame(self, viewer, project, today=None):
    """KOMBIT's status by municipality for one project as a DataFrame: a row per
    municipality (id and name), a column per colour x priority with its task count,
    and ``red_followed_up`` (red critical-path plus red mandatory)."""
    pandas = _pandas("Store.status_frame")
    names = _municipality_names()
    colours = list(DeadlineColour.__members__.values())  # noqa: F405
    priorities = list(Priority.__members__.values())  # noqa: F405
    rows = []
    for r in self.status_by_municipality(viewer, project, today):
        row = {"municipality": r.municipality, "municipality_name": names.get(r.municipality, str(r.municipality))}
        for c in colours:
            for p in priorities:
                row[f"{c.code}_{p.code}"] = r.count(c, p)
        row["red_followed_up"] = r.red_followed_up
        rows.append(row)
    return pandas.DataFrame(rows, columns=["municipality", "municipality_name"]
                            + [f"{c.code}_{p.code}" for c in colours for p in priorities] + ["red_followed_up"])


def _phase_frame(self, viewer, project):
    """Progress by phase of one project as a DataFrame: tasks per status and the share completed."""
    pandas = _pandas("Store.phase_frame")
    statuses = list(TaskStatus.__members__.values())  # noqa: F405
    return pandas.DataFrame(
        [{"phase": r.phase, "name": r.name, **{s.code: r.count(s) for s in statuses},
          "completed_share": r.completed_share} for r in self.progress_by_phase(viewer, project)],
        columns=["phase", "name"] + [s.code for s in statuses] + ["completed_share"])


def _projects_frame(self, viewer, query=None, **filters):
    """The project list (``Store.projects``) as a DataFrame, one row per project."""
    pandas = _pandas("Store.projects_frame")
    fields = ["project", "name", "viewer_type", "deadline", "period_start", "period_end", "kombit_contact"]
    return pandas.DataFrame([{f: getattr(r, f) for f in fields} for r in self.projects(viewer, query, **filters)],
                            columns=fields).assign(
        viewer_type=lambda f: f["viewer_type"].map(lambda t: t.code if t is not None else pandas.NA))


def _users_frame(self, viewer, query=None, **filters):
    """The user list (``Store.users``) as a DataFrame: one row per user, with their
    municipality's name and their user type on each project as ``"project:type"`` codes."""
    pandas = _pandas("Store.users_frame")
    names = _municipality_names()
    rows = [{"user": u.id, "email": u.email, "full_name": u.full_name,
             "municipality": u.municipality if u.municipality is not None else pandas.NA,
             "municipality_name": names.get(u.municipality, pandas.NA) if u.municipality is not None else pandas.NA,
             "side": u.side.code, "administrator": u.administrator, "daily_digest": u.daily_digest,
             "memberships": ", ".join(f"{m.project}:{m.type.code}" for m in u.memberships)}
            for u in self.users(viewer, query, **filters)]
    frame = pandas.DataFrame(rows, columns=["user", "email", "full_name", "municipality", "municipality_name", "side",
                                            "administrator", "daily_digest", "memberships"])
    frame["municipality"] = frame["municipality"].astype("Int64")
    return frame


_klik.Store.status_frame = _status_frame
_klik.Store.phase_frame = _phase_frame
_klik.Store.projects_frame = _projects_frame
_klik.Store.users_frame = _users_frame


# ---- repr and HTML for notebooks -------------------------------------------------

def _list_repr(self) -> str:
    """TaskList(3 items: Task(...), ...), short enough for a console line."""
    name, n = type(self).__name__, len(self)
    if n <= 3:
        return f"{name}([{', '.join(repr(x) for x in self)}])"
    return f"{name}({n} items, the first {self[0]!r})"


for _name in dir(_klik):
    if _name.endswith("List") and hasattr(getattr(_klik, _name), "__len__"):
        getattr(_klik, _name).__repr__ = _list_repr

_klik.Store.__repr__ = lambda self: f"{type(self).__name__}(tasks={len(self)})"
_klik.ColourChangeSummary.__repr__ = lambda self: (
    f"ColourChangeSummary(today={self.today!r}, changed={self.changed}, previous={self.previous})")
for _name in ("Workflows", "Publishing", "Accounts"):
    # They hold a store and settings, nothing to print; the name says what it is.
    getattr(_klik, _name).__repr__ = (lambda n: lambda self: f"klik.{n}(...)")(_name)
_klik.Clock.__repr__ = lambda self: f"{type(self).__name__}(now={self.now()!r})"

# The KLIK colours (the portal's quick-status bar), always with their Danish label
# beside them: colour is never the only signal.
_HTML_COLOURS = {"green": "#3c9a3c", "yellow": "#e6b800", "red": "#c8102e", "grey": "#8c8c8c", "done": "#4a6fa5"}


def _swatch(colour) -> str:
    import html

    return (f'<span style="display:inline-block;width:0.8em;height:0.8em;border-radius:50%;'
            f'background:{_HTML_COLOURS.get(colour.code, "#000")};margin-right:0.3em" aria-hidden="true"></span>'
            f"{html.escape(colour.danish)}")


def _task_page_html(self) -> str:
    import html

    head = ("<tr><th>Opgave</th><th>Titel</th><th>Projekt</th><th>Status</th><th>Prioritet</th><th>Farve</th>"
            "<th>Slutdato</th></tr>")
    rows = "".join(
        f"<tr><td>{r.task}{'/' + str(r.local) if r.local is not None else ''}</td><td>{html.escape(r.title)}</td>"
        f"<td>{html.escape(r.project_name)}</td><td>{html.escape(r.status.danish)}</td>"
        f"<td>{html.escape(r.priority.danish)}</td><td>{_swatch(r.colour)}</td><td>{r.end.isoformat()}</td></tr>"
        for r in self.rows)
    more = f"{len(self.rows)} af {self.total} opgaver" + (" (flere sider)" if self.next_cursor else "")
    return f"<table><caption>{more}</caption>{head}{rows}</table>"


def _colour_counts_html(self) -> str:
    cells = "".join(f"<td>{_swatch(c)} {self[c]}</td>" for c in DeadlineColour.__members__.values())  # noqa: F405
    return f"<table><tr>{cells}<td>I alt {self.total}</td></tr></table>"


def _decision_html(self) -> str:
    import html

    nearest = f"<br>Nærmeste vej: {html.escape(self.nearest)}" if self.nearest else ""
    return (f"<p><b>{html.escape(self.outcome.name.lower().replace('_', ' '))}</b> "
            f"(<code>{html.escape(self.rule)}</code>): {html.escape(self.reason)}{nearest}</p>")


def _explanation_html(self) -> str:
    import html

    return f"<p>{_swatch(self.colour)}: {html.escape(self.text)}<br><small>{html.escape(self.rule)}</small></p>"


_klik.TaskPage._repr_html_ = _task_page_html
_klik.ColourCounts._repr_html_ = _colour_counts_html
_klik.Decision._repr_html_ = _decision_html
_klik.ColourExplanation._repr_html_ = _explanation_html

def __getattr__(name: str):
    """``klik.plot`` is imported on first use (it needs matplotlib; nothing else does)."""
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'klik' has no attribute {name!r}")


# `from klik import *` brings klik's names, but never one that would hide a built-in
# (klik.open stays klik.open).
import builtins as _builtins  # noqa: E402

__all__ = [n for n in dir(_klik) if not n.startswith("_") and not hasattr(_builtins, n)] + ["__version__"]

del _name, _fields, _dt, _builtins, _sys, _functools
