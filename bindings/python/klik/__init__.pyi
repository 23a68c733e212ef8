"""Type stubs for the klik package (hand-written; the compiled core is klik._klik)."""

from __future__ import annotations

import datetime
import enum
from typing import Any, Iterator, Optional, Sequence, overload

__version__: str

# ---- errors -------------------------------------------------------------

class Error(Exception): ...
class ValidationError(Error, ValueError): ...
class NotFound(Error, LookupError): ...
class AlreadyExists(Error): ...
class PermissionDenied(Error, PermissionError): ...
class FailedPrecondition(Error): ...
class Conflict(Error): ...
class StorageError(Error, OSError): ...

# ---- enumerations -------------------------------------------------------

class _KlikEnum:
    @property
    def code(self) -> str: """Stable JSON code, e.g. 'not_started'."""
    @property
    def english(self) -> str: """English name."""
    @property
    def danish(self) -> str: """The Danish label of KOMBIT's manual."""
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...
    def __int__(self) -> int: ...

class TaskStatus(_KlikEnum):
    NOT_ACTIVE: TaskStatus
    NOT_STARTED: TaskStatus
    STARTED: TaskStatus
    COMPLETED: TaskStatus
    @staticmethod
    def parse(text: str) -> TaskStatus: """Code, English name or Danish label, exactly."""

class Priority(_KlikEnum):
    CRITICAL_PATH: Priority
    MANDATORY: Priority
    RECOMMENDED: Priority
    LOCAL: Priority
    @staticmethod
    def parse(text: str) -> Priority: ...

class UserType(_KlikEnum):
    PLUS: UserType
    STANDARD: UserType
    LIGHT: UserType
    READER: UserType
    @staticmethod
    def parse(text: str) -> UserType: ...

class DeadlineColour(_KlikEnum):
    GREEN: DeadlineColour
    YELLOW: DeadlineColour
    RED: DeadlineColour
    GREY: DeadlineColour
    DONE: DeadlineColour
    @staticmethod
    def parse(text: str) -> DeadlineColour: ...

class Side(_KlikEnum):
    MUNICIPALITY: Side
    KOMBIT: Side
    @staticmethod
    def parse(text: str) -> Side: ...

# ---- entities -----------------------------------------------------------

class _Entity:
    def to_json(self, indent: int = -1) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...

class Municipality(_Entity):
    id: int
    name: str
    def __init__(self, id: int, name: str) -> None: ...
    @staticmethod
    def from_json(text: str) -> Municipality: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Municipality: ...

class Project(_Entity):
    id: int
    name: str
    description: str
    deadline: datetime.date
    period_start: datetime.date
    period_end: datetime.date
    kombit_contact: str
    contact_mail: str
    phases: list[str]
    themes: list[str]
    participants: list[int]
    def __init__(self, id: int, name: str, deadline: datetime.date, period_start: datetime.date,
                 period_end: datetime.date, description: str = "", kombit_contact: str = "",
                 contact_mail: str = "", phases: Sequence[str] = ..., themes: Sequence[str] = ...,
                 participants: Sequence[int] = ...) -> None: ...
    @staticmethod
    def from_json(text: str) -> Project: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Project: ...

class RolloutWave(_Entity):
    id: int
    project: int
    name: str
    members: list[int]
    shift_workdays: int
    def __init__(self, id: int, project: int, name: str, members: Sequence[int] = ...,
                 shift_workdays: int = 0) -> None: ...
    @staticmethod
    def from_json(text: str) -> RolloutWave: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> RolloutWave: ...

class TaskTemplate(_Entity):
    id: int
    project: int
    title: str
    phase: int
    theme: int
    priority: Priority
    goal: str
    description: str
    method: str
    result: str
    end: datetime.date
    latest_start: Optional[datetime.date]
    duration_workdays: Optional[int]
    documentation_required: bool
    def __init__(self, id: int, project: int, title: str, end: datetime.date,
                 latest_start: Optional[datetime.date] = None, duration_workdays: Optional[int] = None,
                 phase: int = 1, theme: int = 1, priority: Priority = ..., goal: str = "",
                 description: str = "", method: str = "", result: str = "",
                 documentation_required: bool = False) -> None: ...
    @staticmethod
    def from_json(text: str) -> TaskTemplate: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> TaskTemplate: ...

class Task(_Entity):
    id: int
    template: int
    municipality: int
    status: TaskStatus
    responsible: Optional[int]
    performer: Optional[int]
    end_override: Optional[datetime.date]
    latest_start_override: Optional[datetime.date]
    version: int
    def __init__(self, id: int, template: int, municipality: int, status: TaskStatus = ...,
                 responsible: Optional[int] = None, performer: Optional[int] = None,
                 end_override: Optional[datetime.date] = None,
                 latest_start_override: Optional[datetime.date] = None, version: int = 1) -> None: ...
    @staticmethod
    def from_json(text: str) -> Task: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Task: ...

class LocalTask(_Entity):
    id: int
    parent: int
    municipality: int
    title: str
    responsible: Optional[int]
    performer: Optional[int]
    status: TaskStatus
    end: datetime.date
    description: str
    version: int
    @property
    def priority(self) -> Priority: """Always Priority.LOCAL."""
    def __init__(self, id: int, parent: int, municipality: int, title: str, end: datetime.date,
                 status: TaskStatus = ..., responsible: Optional[int] = None,
                 performer: Optional[int] = None, description: str = "", version: int = 1) -> None: ...
    @staticmethod
    def from_json(text: str) -> LocalTask: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> LocalTask: ...

class Membership:
    project: int
    type: UserType
    def __init__(self, project: int, type: UserType) -> None: ...

class User(_Entity):
    id: int
    email: str
    full_name: str
    organisation: str
    side: Side
    municipality: Optional[int]
    administrator: bool
    memberships: list[Membership]
    password_hash: str
    version: int
    def __init__(self, id: int, email: str, full_name: str, municipality: Optional[int] = None,
                 organisation: str = "", side: Side = ..., administrator: bool = False,
                 memberships: Sequence[Membership] = ..., password_hash: str = "", version: int = 1) -> None: ...
    def type_on(self, project: int) -> Optional[UserType]: ...
    @staticmethod
    def from_json(text: str) -> User: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> User: ...

class Message(_Entity):
    id: int
    task: Optional[int]
    project: Optional[int]
    wave: Optional[int]
    author: int
    author_side: Side
    time: datetime.datetime
    text: str
    def __init__(self, id: int, author: int, time: datetime.datetime, text: str, task: Optional[int] = None,
                 project: Optional[int] = None, wave: Optional[int] = None, author_side: Side = ...) -> None: ...
    @staticmethod
    def from_json(text: str) -> Message: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Message: ...

class Attachment(_Entity):
    id: int
    task: int
    file_name: str
    media_type: str
    size: int
    uploaded_by: int
    time: datetime.datetime
    content: bytes
    def __init__(self, id: int, task: int, file_name: str, uploaded_by: int, time: datetime.datetime,
                 content: bytes = b"", media_type: str = "application/octet-stream") -> None: ...
    @staticmethod
    def from_json(text: str) -> Attachment: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Attachment: ...

class InternalNote(_Entity):
    task: int
    text: str
    def __init__(self, task: int, text: str) -> None: ...
    @staticmethod
    def from_json(text: str) -> InternalNote: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> InternalNote: ...

class Violation:
    path: str
    message: str

class Dataset(_Entity):
    municipalities: Any
    projects: Any
    waves: Any
    templates: Any
    tasks: Any
    local_tasks: Any
    users: Any
    messages: Any
    attachments: Any
    internal_notes: Any
    def __init__(self) -> None: ...
    def validate(self) -> list[Violation]: ...
    @staticmethod
    def from_json(text: str) -> Dataset: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Dataset: ...

def danish_municipalities() -> list[Municipality]: ...
def normalise_email(email: str) -> str: ...

class synthetic:
    @staticmethod
    def generate(seed: int = ..., scale: float = 1.0, municipalities: int = 98, participation: float = 0.92,
                 local_task_share: float = 0.02, content: bool = True) -> Dataset: ...

# ---- calendar and deadlines (calendar/deadline issue) -----------------------

# ---- rights (rights issue) ------------------------------------------------

# ---- stores and queries (store/query issues) --------------------------------
