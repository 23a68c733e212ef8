"""klik: the rules of KOMBIT KLIK -- tasks, working days, deadline colours, rights.

The compiled core lives in ``klik._klik``; this package re-exports it and adds
the small pieces that read better in Python (``__repr__`` of the entities).
"""

from __future__ import annotations

import datetime as _dt

from . import _klik
from ._klik import *  # noqa: F401,F403
from ._klik import synthetic  # noqa: F401

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


def _dataframe(self, viewer, query=None, today=None, rights=None):
    """The rows of ``query`` as a pandas DataFrame (pandas must be installed).

    Built from :meth:`Store.columns` without a Python object per task; colour,
    priority and status become ordered categoricals of their codes.
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
    return frame


_klik.Store.dataframe = _dataframe

__all__ = [n for n in dir(_klik) if not n.startswith("_")] + ["__version__"]

del _name, _fields, _dt
