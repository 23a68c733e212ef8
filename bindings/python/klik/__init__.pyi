"""Type stubs for the klik package (hand-written; the compiled core is klik._klik)."""

from __future__ import annotations

import datetime
import os
import enum
from typing import Any, Iterator, Optional, Sequence, overload

__version__: str

_DateLike = datetime.date | str
"""A date as klik takes it: datetime.date, datetime.datetime (its Copenhagen date; naive = Copenhagen local),
an ISO 'YYYY-MM-DD' str; at run time also numpy.datetime64 (pandas.Timestamp is a datetime)."""

# ---- errors -------------------------------------------------------------

class Error(Exception): ...
class ValidationError(Error, ValueError):
    where: str
    """The field, parameter or JSON path at fault; '' when unknown."""
class NotFound(Error, LookupError): ...
class AlreadyExists(Error): ...
class PermissionDenied(Error, PermissionError):
    rule: str
    reason: str
    nearest: str
    decision: Optional[Decision]
class FailedPrecondition(Error): ...
class Conflict(Error):
    changed_fields: list[str]
    """The fields changed since the version the writer read."""
class StorageError(Error, OSError): ...

# ---- enumerations -------------------------------------------------------

class _KlikEnum:
    def __init__(self, value: int | str) -> None:
        """The member with this number, code, English or Danish name; klik.ValidationError otherwise."""
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
    def parse(text: str) -> TaskStatus: """Code, English name or Danish label, in any letter case ("ikke påbegyndt")."""

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
    def __init__(self, id: int, name: str, deadline: _DateLike, period_start: _DateLike,
                 period_end: _DateLike, description: str = "", kombit_contact: str = "",
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
    def __init__(self, id: int, project: int, title: str, end: _DateLike,
                 latest_start: Optional[_DateLike] = None, duration_workdays: Optional[int] = None,
                 phase: int = 1, theme: int = 1, priority: Priority | str = ..., goal: str = "",
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
    def __init__(self, id: int, template: int, municipality: int, status: TaskStatus | str = ...,
                 responsible: Optional[int] = None, performer: Optional[int] = None,
                 end_override: Optional[_DateLike] = None,
                 latest_start_override: Optional[_DateLike] = None, version: int = 1) -> None: ...
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
    def __init__(self, id: int, parent: int, municipality: int, title: str, end: _DateLike,
                 status: TaskStatus | str = ..., responsible: Optional[int] = None,
                 performer: Optional[int] = None, description: str = "", version: int = 1) -> None: ...
    @staticmethod
    def from_json(text: str) -> LocalTask: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> LocalTask: ...

class Membership:
    project: int
    type: UserType
    def __init__(self, project: int, type: UserType | str) -> None: ...

class User(_Entity):
    id: int
    email: str
    full_name: str
    organisation: str
    side: Side
    municipality: Optional[int]
    administrator: bool
    memberships: list[Membership]
    version: int
    def __init__(self, id: int, email: str, full_name: str, municipality: Optional[int] = None,
                 organisation: str = "", side: Side | str = ..., administrator: bool = False,
                 memberships: Sequence[Membership] = ..., version: int = 1) -> None: ...
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
                 project: Optional[int] = None, wave: Optional[int] = None, author_side: Side | str = ...) -> None: ...
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
    @property
    def credentials(self) -> list[Credentials]:
        """Account records: only in a backup, store.export(with_credentials=True)."""
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

class HolidayCategory:
    """Why a day is closed."""
    STATUTORY: HolidayCategory
    GRUNDLOVSDAG: HolidayCategory
    JULEAFTENSDAG: HolidayCategory
    NYTAARSAFTENSDAG: HolidayCategory
    EXTRA: HolidayCategory
    @property
    def code(self) -> str: """Stable code, e.g. 'statutory'."""
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...
    def __int__(self) -> int: ...

class CalendarProfile:
    """Named sets of closing days."""
    MUNICIPAL: CalendarProfile
    STATUTORY: CalendarProfile
    @property
    def code(self) -> str: """'municipal' or 'statutory'."""
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...
    def __int__(self) -> int: ...

class Holiday:
    """A named closed day of one calendar in one year."""
    def __init__(self, date: _DateLike, name: str, english_name: str,
                 category: HolidayCategory | str = ...) -> None: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def name(self) -> str: """Danish name, e.g. '2. påskedag'; 'Lukkedag' for extra closing days."""
    @property
    def english_name(self) -> str: ...
    @property
    def category(self) -> HolidayCategory: ...

class Calendar:
    """A Danish working-day calendar (immutable). Calendar() is the municipal calendar."""
    def __init__(self) -> None: ...
    @staticmethod
    def danish(profile: str | CalendarProfile = "municipal", grundlovsdag: Optional[bool] = None,
               juleaftensdag: Optional[bool] = None, nytaarsaftensdag: Optional[bool] = None,
               extra_closed: Sequence[_DateLike] = ..., extra_open: Sequence[_DateLike] = ...) -> Calendar:
        """A Danish calendar: 'municipal' (default) or 'statutory', each closing day switchable, extra days."""
    def is_workday(self, date: _DateLike) -> bool: ...
    def is_holiday(self, date: _DateLike) -> bool: ...
    def add_workdays(self, date: _DateLike, n: int) -> datetime.date:
        """n > 0: n-th working day after; n < 0: |n|-th before; 0: date or the next working day."""
    def workdays_between(self, start: _DateLike, end: _DateLike) -> int:
        """Working days w with start <= w < end (negative when end < start)."""
    def next_workday(self, date: _DateLike) -> datetime.date: ...
    def previous_workday(self, date: _DateLike) -> datetime.date: ...
    def next_workday_or_same(self, date: _DateLike) -> datetime.date: ...
    def holidays(self, year: int) -> list[Holiday]: ...
    def with_closed(self, dates: Sequence[_DateLike]) -> Calendar: ...
    def with_open(self, dates: Sequence[_DateLike]) -> Calendar: ...
    def is_workday_array(self, days: Any) -> Any:
        """Vectorised is_workday over int64 days since 1970-01-01 (numpy bool array)."""
    @property
    def profile(self) -> CalendarProfile: ...
    @property
    def grundlovsdag(self) -> bool: ...
    @property
    def juleaftensdag(self) -> bool: ...
    @property
    def nytaarsaftensdag(self) -> bool: ...
    @property
    def extra_closed(self) -> list[datetime.date]: ...
    @property
    def extra_open(self) -> list[datetime.date]: ...

class Calendars:
    """Layered calendars: national, a municipality's closing days, a project's exceptions."""
    @overload
    def __init__(self) -> None: ...
    @overload
    def __init__(self, national: Calendar) -> None: ...
    def set_municipality_closed(self, municipality: int, closed: Sequence[_DateLike]) -> None: ...
    def set_project_exceptions(self, project: int, closed: Sequence[_DateLike],
                               open: Sequence[_DateLike] = ...) -> None: ...
    @property
    def national(self) -> Calendar: ...
    def for_municipality(self, municipality: int) -> Calendar: ...
    def effective(self, municipality: int, project: int) -> Calendar: ...

def easter_sunday(year: int) -> datetime.date: ...
def danish_holiday_rules() -> list[dict[str, Any]]: ...

class Clock:
    def now(self) -> datetime.datetime: ...
    def today(self) -> datetime.date: """Today's date in Europe/Copenhagen."""
class SystemClock(Clock):
    def __init__(self) -> None: ...
class FixedClock(Clock):
    @overload
    def __init__(self, instant: datetime.datetime) -> None: ...
    @overload
    def __init__(self, date: _DateLike) -> None: ...
    def set(self, instant: datetime.datetime) -> None:
        """Moves the clock to an aware datetime (stepping through time)."""

def today_in_copenhagen(clock: Clock) -> datetime.date: ...
def copenhagen_date(instant: datetime.datetime) -> datetime.date: ...

class Schedule:
    end: datetime.date
    latest_start: Optional[datetime.date]
    duration_workdays: Optional[int]
    def __init__(self, end: _DateLike, latest_start: Optional[_DateLike] = None,
                 duration_workdays: Optional[int] = None) -> None: ...

class DeadlineDates:
    def __init__(self, yellow_if_not_started: _DateLike, latest_start: _DateLike,
                 end: _DateLike) -> None: ...
    @property
    def yellow_if_not_started(self) -> datetime.date: ...
    @property
    def latest_start(self) -> datetime.date: ...
    @property
    def end(self) -> datetime.date: ...

class ColourChange:
    @property
    def date(self) -> datetime.date: ...
    @property
    def from_colour(self) -> DeadlineColour: ...
    @property
    def to(self) -> DeadlineColour: ...

class ColourExplanation:
    @property
    def colour(self) -> DeadlineColour: ...
    @property
    def status(self) -> TaskStatus: ...
    @property
    def today(self) -> datetime.date: ...
    @property
    def dates(self) -> DeadlineDates: ...
    @property
    def workdays_to_latest_start(self) -> int: ...
    @property
    def workdays_to_end(self) -> int: ...
    @property
    def next_change(self) -> Optional[ColourChange]: ...
    @property
    def rule(self) -> str: ...
    @property
    def text(self) -> str: """The Danish hover text."""

def schedule_of(template: TaskTemplate, task: Task) -> Schedule: ...
def shift_schedule(schedule: Schedule, workdays: int, calendar: Calendar) -> Schedule: ...
def effective_schedule(template: TaskTemplate, task: Task, shift: int, calendar: Calendar) -> Schedule: ...
def wave_shift(waves: Sequence[RolloutWave], project: int, municipality: int) -> int: ...
def validate_schedule(schedule: Schedule) -> None: ...
def validate_template(template: TaskTemplate) -> None: ...
def deadline_dates(schedule: Schedule, calendar: Calendar = ...) -> DeadlineDates: ...
def colour_on(status: TaskStatus | str, dates: DeadlineDates, today: _DateLike) -> DeadlineColour: ...
@overload
def colour(status: TaskStatus | str, schedule: Schedule, calendar: Calendar, today: _DateLike) -> DeadlineColour: ...
@overload
def colour(template: TaskTemplate, task: Task, calendar: Calendar, today: _DateLike) -> DeadlineColour: ...
def colours(dataset: Dataset, today: _DateLike, calendars: Optional[Calendars] = None) -> Any:
    """numpy uint8 array of int(DeadlineColour), aligned with dataset.tasks."""
@overload
def colour_timeline(status: TaskStatus | str, dates: DeadlineDates) -> list[ColourChange]: ...
@overload
def colour_timeline(template: TaskTemplate, task: Task, calendar: Calendar = ...) -> list[ColourChange]: ...
@overload
def explain_colour(status: TaskStatus | str, dates: DeadlineDates, calendar: Calendar,
                   today: _DateLike) -> ColourExplanation: ...
@overload
def explain_colour(template: TaskTemplate, task: Task, calendar: Calendar,
                   today: _DateLike) -> ColourExplanation: ...
def danish_date(date: _DateLike) -> str: ...

class DeadlineEvent:
    @property
    def task(self) -> int: ...
    @property
    def local_task(self) -> Optional[int]: ...
    @property
    def municipality(self) -> int: ...
    @property
    def project(self) -> int: ...
    @property
    def priority(self) -> Priority: ...
    @property
    def old_colour(self) -> Optional[DeadlineColour]: ...
    @property
    def new_colour(self) -> DeadlineColour: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def reached_on(self) -> datetime.date: ...
    @property
    def idempotency_key(self) -> int: ...
    @property
    def key(self) -> str: ...

class SweepResult:
    @property
    def events(self) -> list[DeadlineEvent]: ...
    @property
    def notified(self) -> list[Optional[DeadlineColour]]: ...
    def __len__(self) -> int: ...
    def to_columns(self) -> dict[str, Any]:
        """The events as numpy arrays: pandas.DataFrame(result.to_columns())."""

def sweep(dataset: Dataset, day: _DateLike, last_notified: Optional[Sequence[Optional[DeadlineColour | str]]] = None,
          calendars: Optional[Calendars] = None) -> SweepResult:
    """The daily deadline sweep: events for tasks that rose to yellow or red, and the new notified colours."""
def sweep_key(task: int, colour: DeadlineColour | str, reached_on: _DateLike, local_task: Optional[int] = None) -> int: ...

class NotifiedChange:
    """A row whose last-notified colour a sweep would change: stored -> colour."""
    @property
    def task(self) -> int: ...
    @property
    def local_task(self) -> Optional[int]: ...
    @property
    def stored(self) -> Optional[DeadlineColour]: ...
    @property
    def colour(self) -> DeadlineColour: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class StoreSweep:
    """What the daily sweep of a store finds, without writing (klik.sweep_store)."""
    @property
    def tasks(self) -> int: ...
    @property
    def events(self) -> list[DeadlineEvent]: ...
    @property
    def changes(self) -> list[NotifiedChange]: ...
    def __len__(self) -> int: ...

def sweep_store(store: Store, day: _DateLike, *, threads: int = 1) -> StoreSweep:
    """The daily sweep of a store against its stored last-notified colours, without writing: the events
    Store.sweep would record and every stored -> new colour transition (one pass under one snapshot)."""

class SweepTransitions:
    """How many rows the daily sweep on a day would move from each stored last-notified colour to each
    colour (klik.sweep_transitions)."""
    @property
    def changes(self) -> int: ...
    @property
    def rises(self) -> int: ...
    def count(self, stored: Optional[DeadlineColour], now: DeadlineColour) -> int: ...
    def items(self) -> list[tuple[Optional[DeadlineColour], DeadlineColour, int]]: ...
    def __eq__(self, other: object) -> bool: ...

def sweep_transitions(store: Store, day: _DateLike) -> SweepTransitions:
    """The transitions sweep_store would find on `day`, counted without reading the rows."""

# ---- rights (rights issue) ------------------------------------------------

class Action:
    """Everything a rights rule can allow (one action per editable task field)."""
    VIEW_TASK: Action
    EXPORT_TASK: Action
    VIEW_INTERNAL_NOTES: Action
    EDIT_INTERNAL_NOTES: Action
    BE_ASSIGNED: Action
    EDIT_RESPONSIBLE: Action
    EDIT_PERFORMER: Action
    EDIT_STATUS: Action
    SET_NOT_ACTIVE: Action
    ADD_FILE: Action
    DELETE_FILE: Action
    WRITE_MESSAGE: Action
    CREATE_LOCAL_TASK: Action
    EDIT_LOCAL_TASK: Action
    VIEW_TASK_LIST: Action
    VIEW_PROJECT_LIST: Action
    VIEW_USER_MANAGEMENT: Action
    OWN_PROFILE: Action
    VIEW_USER: Action
    CREATE_USER: Action
    DELETE_USER: Action
    EDIT_USER: Action
    ASSIGN_USER_TYPE: Action
    GRANT_ADMINISTRATOR: Action
    RESET_PASSWORD: Action
    CREATE_PROJECT: Action
    MANAGE_PROJECT: Action
    @property
    def code(self) -> str: """Stable code, e.g. 'view_task'."""
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...
    def __int__(self) -> int: ...
    @staticmethod
    def parse(text: str) -> Action: """Parses a code; raises klik.ValidationError otherwise."""

class Outcome:
    """How a rights decision came out."""
    ALLOWED: Outcome
    DENIED: Outcome
    NOT_FOUND: Outcome
    @property
    def code(self) -> str: """Stable code, e.g. 'allowed'."""
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...
    def __int__(self) -> int: ...
    @staticmethod
    def parse(text: str) -> Outcome: """Parses a code; raises klik.ValidationError otherwise."""

class AdminViolationKind:
    """What kind of rule a user-administration change breaks."""
    NOT_PERMITTED: AdminViolationKind
    NOT_FOUND: AdminViolationKind
    EMAIL_TAKEN: AdminViolationKind
    INVALID_EMAIL: AdminViolationKind
    PROJECT_NOT_HELD: AdminViolationKind
    LAST_ADMINISTRATOR: AdminViolationKind
    LAST_PLUSBRUGER: AdminViolationKind
    INVALID_CHANGE: AdminViolationKind
    @property
    def code(self) -> str: """Stable code, e.g. 'not_permitted'."""
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...
    def __int__(self) -> int: ...
    @staticmethod
    def parse(text: str) -> AdminViolationKind: """Parses a code; raises klik.ValidationError otherwise."""

class TaskFacts:
    """The facts about a task (or local task) that rights depend on."""
    id: int
    municipality: int
    project: int
    responsible: Optional[int]
    performer: Optional[int]
    status: TaskStatus
    local: bool
    local_id: int
    parent_responsible: Optional[int]
    parent_performer: Optional[int]
    def __init__(self, id: int, municipality: int, project: int, responsible: Optional[int] = None,
                 performer: Optional[int] = None, status: TaskStatus | str = ..., local: bool = False,
                 local_id: int = 0, parent_responsible: Optional[int] = None,
                 parent_performer: Optional[int] = None) -> None: ...
    @staticmethod
    def from_task(task: Task, project: int) -> TaskFacts: """Facts of a klik.Task whose template belongs to `project`."""
    @staticmethod
    def from_dataset(dataset: Dataset, task_id: Optional[int] = None,
                     local_task_id: Optional[int] = None) -> TaskFacts: """Facts of a task of a dataset (linear look-up)."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class FactIndex:
    """Look-ups from a Dataset to facts, built once (keeps the dataset alive)."""
    def __init__(self, dataset: Dataset) -> None: ...
    def task(self, id: int) -> TaskFacts: """Facts of a task; raises klik.NotFound if there is none."""
    def local_task(self, id: int) -> TaskFacts: """Facts of a local task; raises klik.NotFound."""
    def user(self, id: int) -> User: """A user; raises klik.NotFound."""
    def project_of(self, template: int) -> int: """The project of a template."""
    def all_tasks(self) -> list[TaskFacts]: """Facts of every task and local task (tasks first)."""

class Decision:
    """A rights decision with its explanation (rule, reason, nearest way)."""
    def __init__(self, outcome: Outcome | str, rule: str = "", reason: str = "", nearest: str = "",
                 nearest_rule: str = "") -> None: ...
    @property
    def outcome(self) -> Outcome: ...
    @property
    def allowed(self) -> bool: """True when a rule allows it."""
    @property
    def visible(self) -> bool: """False when the target is 'not found' to the actor."""
    @property
    def rule(self) -> str: """The deciding rule's id (or default_deny, not_visible, kombit_boundary)."""
    @property
    def reason(self) -> str: """Readable English with the Danish user-type names."""
    @property
    def nearest(self) -> str: """For denials: the nearest way it would be allowed ('' if none)."""
    @property
    def nearest_rule(self) -> str: ...
    def __bool__(self) -> bool: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

def require(decision: Decision) -> None:
    """Raises klik.NotFound (not visible) or klik.PermissionDenied (denied, with .decision) unless allowed."""

class Grant:
    """One user who may do something, and why."""
    @property
    def user(self) -> int: ...
    @property
    def rule(self) -> str: ...
    @property
    def reason(self) -> str: ...

class Capabilities:
    """The menus and global actions of one user."""
    task_list: bool
    project_list: bool
    user_management: bool
    own_profile: bool
    create_users: bool
    delete_users: bool
    grant_administrator: bool
    assign_in_all_projects: bool
    assign_projects: list[int]
    local_task_projects: list[int]
    not_active_projects: list[int]
    not_active_all_projects: bool
    all_municipalities: bool

class TaskScope:
    """The part of the task list a viewer may see, in a form an index answers."""
    side: Side
    municipality: Optional[int]
    all_tasks: list[int]
    assigned_only: list[int]
    all_projects: bool
    local_tasks: bool
    def contains(self, task: TaskFacts, viewer: int) -> bool: """Whether a task is in the scope."""

class FieldRights:
    """The padlocks of one task for one user."""
    task: int
    local: bool
    local_id: int
    visible: bool
    mask: int
    def can(self, action: Action | str) -> bool: """Whether the padlock of `action` is open."""
    def allowed_actions(self) -> list[Action]: """The open padlocks, as actions."""

class RuleInfo:
    """One rule of a rights model, as loaded."""
    id: str
    actions: list[Action]
    party: Side
    who: list[str]
    conditions: list[str]
    description: str

class AdminViolation:
    """One broken rule of a proposed user-administration change."""
    kind: AdminViolationKind
    field: str
    message: str

class ClearedAssignment:
    """A responsible/performer assignment a change clears."""
    task: int
    local: bool
    local_id: int
    responsible: bool
    performer: bool

class Rights:
    """A compiled, immutable rights model and its evaluator (the manual's Tabel 2). Thread-safe."""
    @staticmethod
    def default() -> Rights: """The default model (the manual's Tabel 2), compiled into the library."""
    @staticmethod
    def from_json(text: str) -> Rights: """Loads and validates a model; raises klik.ValidationError naming the problem."""
    @staticmethod
    def condition_codes() -> list[str]: """The condition codes a rule may use."""
    @property
    def name(self) -> str: ...
    @property
    def rules(self) -> list[RuleInfo]: """The rules in the model's order."""
    def to_json(self, indent: int = 2) -> str: """The model as JSON."""
    def decide(self, actor: User, action: Action | str, *, task: TaskFacts | Task | None = None, user: Optional[User] = None,
               project: Optional[int] = None, dataset: Optional[Dataset] = None, task_id: Optional[int] = None,
               local_task_id: Optional[int] = None, projects: Optional[Sequence[Project]] = None) -> Decision:
        """Whether `actor` may do `action`, with the rule, the reason and the nearest way."""
    def allows(self, actor: User, action: Action | str, *, task: TaskFacts | Task | None = None,
               user: Optional[User] = None, project: Optional[int] = None, dataset: Optional[Dataset] = None,
               task_id: Optional[int] = None, local_task_id: Optional[int] = None) -> bool:
        """Only whether it is allowed (the fast check)."""
    def who_can(self, action: Action | str, users: Optional[Sequence[User]] = None, *, task: TaskFacts | Task | None = None,
                user: Optional[User] = None, project: Optional[int] = None, dataset: Optional[Dataset] = None,
                task_id: Optional[int] = None, local_task_id: Optional[int] = None,
                projects: Optional[Sequence[Project]] = None) -> list[Grant]:
        """The users who may do `action` to the target, each with the reason."""
    def capabilities(self, user: User) -> Capabilities: """The menus and global actions of `user`."""
    def task_scope(self, viewer: User) -> TaskScope: """The tasks `viewer` may see, as a scope an index answers."""
    def field_rights(self, user: User, tasks: Sequence[TaskFacts]) -> list[FieldRights]:
        """The padlocks of a page of tasks."""
    def visible_tasks(self, viewer: User, tasks: Sequence[TaskFacts]) -> list[int]:
        """The ids of the tasks among `tasks` that `viewer` may see."""
    def validate_user_change(self, actor: User, before: Optional[User], after: Optional[User],
                             users: Sequence[User], projects: Optional[Sequence[Project]] = None) -> list[AdminViolation]:
        """Every violation of changing `before` into `after` (None before: create; None after: delete)."""
    def validate_create_user(self, actor: User, proposed: User, users: Sequence[User],
                             projects: Optional[Sequence[Project]] = None) -> list[AdminViolation]: ...
    def validate_delete_user(self, actor: User, target: User, users: Sequence[User],
                             projects: Optional[Sequence[Project]] = None) -> list[AdminViolation]: ...

class NotificationRouting:
    """Who is told about what (the manual's Tabel 3 and 4) as data: every notification event mapped to a
    set of audiences. Immutable. Whatever it names, only users who may see the object are told (docs/notifications.md)."""
    @staticmethod
    def default() -> NotificationRouting: """The default routing (the manual's Tabel 3 and Tabel 4), compiled into the library."""
    @staticmethod
    def from_json(text: str) -> NotificationRouting:
        """Loads and validates a routing; raises klik.ValidationError naming the problem and its JSON path."""
    @staticmethod
    def event_codes() -> list[str]: """Every notification event's code ("deadline.red", ...)."""
    @staticmethod
    def audience_codes() -> list[str]: """Every audience's code ("plus", ..., "contact_mailbox"); no Reader audience."""
    @staticmethod
    def describe_event(event: str) -> str: ...
    @staticmethod
    def describe_audience(audience: str) -> str: ...
    @staticmethod
    def scope(event: str) -> str: """What the event is about: 'task', 'project' or 'user'."""
    @staticmethod
    def can_route(event: str, audience: str) -> bool: """Whether a routing may name `audience` for `event`."""
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> int: ...
    def audiences(self, event: str) -> list[str]: """The audiences of `event`, as codes."""
    def note(self, event: str) -> str: """Where the event's row comes from."""
    def table(self) -> dict[str, list[str]]: """{event: [audience, ...]} for every event."""
    def with_route(self, event: str, audiences: Sequence[str]) -> NotificationRouting:
        """A copy in which `event` goes to `audiences`; klik.ValidationError for one it cannot take."""
    def to_json(self, indent: int = 2) -> str: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...
    def validate_edit_details(self, actor: User, target: User, full_name: str, organisation: str, email: str,
                              users: Sequence[User], projects: Optional[Sequence[Project]] = None) -> list[AdminViolation]: ...
    def validate_set_user_type(self, actor: User, target: User, project: int, type: UserType | str, users: Sequence[User],
                               projects: Optional[Sequence[Project]] = None) -> list[AdminViolation]: ...
    def validate_remove_project(self, actor: User, target: User, project: int, users: Sequence[User],
                                projects: Optional[Sequence[Project]] = None) -> list[AdminViolation]: ...
    def validate_set_administrator(self, actor: User, target: User, administrator: bool, users: Sequence[User],
                                   projects: Optional[Sequence[Project]] = None) -> list[AdminViolation]: ...
    def validate_reset_password(self, actor: User, target: User,
                                projects: Optional[Sequence[Project]] = None) -> list[AdminViolation]: ...

def throw_if_any(violations: Sequence[AdminViolation]) -> None:
    """Raises for the first violation, with every message in the text."""
def cleared_assignments(before: Optional[User], after: Optional[User],
                        tasks: Dataset | Sequence[TaskFacts]) -> list[ClearedAssignment]:
    """The responsible/performer assignments cleared when `before` becomes `after` (None: deleted)."""


# ---- stores and queries (store/query issues) --------------------------------

class TaskColumn:
    """A column of the task list, usable as a sort key."""
    PROJECT: TaskColumn
    TITLE: TaskColumn
    PHASE: TaskColumn
    THEME: TaskColumn
    DEADLINE: TaskColumn
    PRIORITY: TaskColumn
    STATUS: TaskColumn
    END_DATE: TaskColumn
    MUNICIPALITY: TaskColumn
    ID: TaskColumn
    @property
    def code(self) -> str: """Stable code, e.g. 'end_date'."""
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...
    def __int__(self) -> int: ...
    @staticmethod
    def parse(text: str) -> TaskColumn: """Code ('end_date') or English name ('End date')."""

class FilterField:
    """One applied filter of the task list (a chip in 'Anvendte filtre')."""
    PROJECT: FilterField
    PHASE: FilterField
    THEME: FilterField
    STATUS: FilterField
    PRIORITY: FilterField
    COLOUR: FilterField
    RESPONSIBLE: FilterField
    PERFORMER: FilterField
    TITLE: FilterField
    END_FROM: FilterField
    END_TO: FilterField
    @property
    def code(self) -> str: """Stable code, e.g. 'end_from'."""
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...
    def __int__(self) -> int: ...
    @staticmethod
    def parse(text: str) -> FilterField: ...

class NotSetType:
    """The type of klik.NOT_SET."""

NOT_SET: NotSetType
"""The value 'not set' (Ikke påført) of responsible and performer."""

_UserValue = int | str | NotSetType | None

class PersonFilter:
    """Responsible/performer filter: users and/or 'not set'; negated is the exact complement."""
    def __init__(self, users: _UserValue | Sequence[_UserValue] = None, not_set: bool = False,
                 negated: bool = False) -> None: ...
    @property
    def users(self) -> list[int | str]: ...
    @property
    def not_set(self) -> bool: ...
    @property
    def negated(self) -> bool: ...
    @property
    def active(self) -> bool: ...
    def __invert__(self) -> PersonFilter: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class SortKey:
    """One sort key: a column, ascending or descending (ties always by task id)."""
    def __init__(self, column: TaskColumn | str, descending: bool = False) -> None: ...
    @property
    def column(self) -> TaskColumn: ...
    @property
    def descending(self) -> bool: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

_SortItem = SortKey | TaskColumn | str | tuple[TaskColumn | str, str | bool]

class TaskQuery:
    """The task list's filters, sort and page as a canonical, checked value (docs/query.md)."""
    def __init__(self, *, projects: int | str | Sequence[int | str] | None = None,
                 phases: int | Sequence[int] | None = None, themes: int | Sequence[int] | None = None,
                 statuses: TaskStatus | str | Sequence[TaskStatus | str] | None = None,
                 priorities: Priority | str | Sequence[Priority | str] | None = None,
                 colours: DeadlineColour | str | Sequence[DeadlineColour | str] | None = None,
                 responsible: PersonFilter | _UserValue | Sequence[_UserValue] = None,
                 performer: PersonFilter | _UserValue | Sequence[_UserValue] = None,
                 title_contains: str = "", end_from: _DateLike | None = None,
                 end_to: _DateLike | None = None, sort: _SortItem | Sequence[_SortItem] | None = None,
                 offset: int = 0, limit: int = 50, cursor: str = "") -> None: ...
    @staticmethod
    def parse(text: str) -> TaskQuery: """Parses the text syntax; errors name the position."""
    def to_text(self) -> str: """The canonical text form."""
    def to_json(self, indent: int = -1) -> str: ...
    @staticmethod
    def from_json(text: str) -> TaskQuery: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> TaskQuery: ...
    def applied_filters(self) -> list[FilterField]: """The chips, in the filter panel's order."""
    def filter_count(self) -> int: ...
    def without(self, field: FilterField | str) -> TaskQuery: ...
    def reset_filters(self) -> TaskQuery: ...
    def check(self) -> None: ...
    @property
    def projects(self) -> list[int | str]: ...
    @property
    def phases(self) -> list[int]: ...
    @property
    def themes(self) -> list[int]: ...
    @property
    def statuses(self) -> list[TaskStatus]: ...
    @property
    def priorities(self) -> list[Priority]: ...
    @property
    def colours(self) -> list[DeadlineColour]: ...
    @property
    def responsible(self) -> PersonFilter: ...
    @property
    def performer(self) -> PersonFilter: ...
    @property
    def title_contains(self) -> str: ...
    @property
    def end_from(self) -> Optional[datetime.date]: ...
    @property
    def end_to(self) -> Optional[datetime.date]: ...
    @property
    def sort(self) -> list[SortKey]: ...
    @property
    def offset(self) -> int: ...
    @property
    def limit(self) -> int: ...
    @property
    def cursor(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class TaskRow:
    """One row of the task list (owns its data)."""
    task: int
    local: Optional[int]
    project: int
    project_name: str
    viewer_type: Optional[UserType]
    municipality: int
    title: str
    phase: int
    theme: int
    colour: DeadlineColour
    priority: Priority
    status: TaskStatus
    end: datetime.date
    responsible: Optional[int]
    performer: Optional[int]
    version: int

class TaskPage:
    """One page: rows, total matches, and the cursor that continues after it ('' on the last page)."""
    rows: list[TaskRow]
    total: int
    next_cursor: str
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[TaskRow]: ...
    def __getitem__(self, i: int) -> TaskRow: ...

class ColourCounts:
    """Counts by deadline colour (quick status)."""
    def __getitem__(self, colour: DeadlineColour | str) -> int: ...
    @property
    def total(self) -> int: ...
    def to_dict(self) -> dict[str, int]: ...

class MunicipalityStatus:
    municipality: int
    def count(self, colour: DeadlineColour | str, priority: Priority | str) -> int: ...
    @property
    def red_followed_up(self) -> int: """Red critical-path plus red mandatory tasks."""

class PhaseProgress:
    phase: int
    name: str
    def count(self, status: TaskStatus | str) -> int: ...
    @property
    def completed_share(self) -> float: ...

class ColourChangeSummary:
    today: ColourCounts
    changed: int
    previous: datetime.date

class ProjectRow:
    project: int
    name: str
    viewer_type: Optional[UserType]
    deadline: datetime.date
    period_start: datetime.date
    period_end: datetime.date
    kombit_contact: str
    contact_mail: str

_Viewer = Any  # klik.User, a user id or an email
_Query = Any   # klik.TaskQuery, its text form, or None

class Store:
    """A KLIK world in a store, and the task list on it. Many readers, one writer."""
    def __len__(self) -> int: ...
    def import_json(self, source: str | os.PathLike[str]) -> None:
        """Replaces the world with a dataset JSON document (a path, or the JSON text), in one transaction."""
    def export_json(self, path: Optional[str | os.PathLike[str]] = None, indent: int = -1,
                    with_credentials: bool = False) -> Optional[str]:
        """The world as dataset JSON; password hashes only with with_credentials=True (a backup)."""
    def outbox(self) -> list[dict[str, Any]]: ...
    def sweep(self, day: Optional[_DateLike] = None, notifications: Optional[str | os.PathLike[str]] = None, *,
              now: Optional[datetime.datetime | Clock] = None, rights: Optional[Rights] = None,
              routing: Optional[NotificationRouting] = None) -> dict[str, int]:
        """The deadline sweep through the outbox; delivers what is due at `now` (default: the real current time)
        to a JSON-lines file when one is named. `routing` and `rights` decide who is told (default: the manual's Tabel 3 and Tabel 4)."""
    def refresh(self) -> int:
        """Applies the changes other processes committed since this store last looked; returns how many."""
    def journal(self, kind: Optional[str] = None, id: int = 0, after: Optional[datetime.datetime] = None,
                limit: Optional[int] = None) -> list[JournalEntry]:
        """Journal entries, newest first: all, those touching one object, those after an instant."""
    def prune_journal(self, before: datetime.datetime) -> int:
        """Deletes the journal entries older than `before`; returns how many."""
    def as_of(self, when: datetime.datetime) -> Store:
        """The world as it was at `when`: a read-only store."""
    @property
    def sequence(self) -> int:
        """The number of the last committed change this store has applied."""
    def tasks(self, viewer: _Viewer, query: _Query = None, today: Optional[_DateLike] = None,
              rights: Optional[Any] = None) -> TaskPage:
        """A page of the viewer's task list; colours judged on `today` (default: today in Copenhagen)."""
    def quick_status(self, viewer: _Viewer, query: _Query = None, today: Optional[_DateLike] = None,
                     apply_filters: bool = True, rights: Optional[Any] = None) -> ColourCounts: ...
    def columns(self, viewer: _Viewer, query: _Query = None, today: Optional[_DateLike] = None,
                rights: Optional[Any] = None) -> dict[str, Any]:
        """Every matching row as numpy arrays (int64 ids, datetime64[D] end, uint8 codes)."""
    def dataframe(self, viewer: _Viewer, query: _Query = None, today: Optional[_DateLike] = None,
                  rights: Optional[Any] = None) -> Any:
        """The same as a pandas DataFrame (needs pandas)."""
    def status_by_municipality(self, viewer: _Viewer, project: int,
                               today: Optional[_DateLike] = None) -> list[MunicipalityStatus]: ...
    def progress_by_phase(self, viewer: _Viewer, project: int) -> list[PhaseProgress]: ...
    def municipalities_without_plus(self, project: int) -> list[int]: ...
    def colours_with_changes(self, today: Optional[_DateLike] = None) -> ColourChangeSummary:
        """Colours of every KLIK task on `today` and how many differ from their colour on the previous national
        working day, both judged by the tasks' statuses now: the change the calendar alone made. Not the
        stored last-notified colours the sweep compares with (for those: klik.sweep_store)."""
    def projects(self, viewer: _Viewer, query: Optional[ProjectQuery] = None, name_contains: str = "",
                 user_types: Sequence[UserType | str] = ...) -> list[ProjectRow]: ...
    def users(self, viewer: _Viewer, query: Optional[UserQuery] = None, projects: Sequence[int] = ...,
              user_types: Sequence[UserType | str] = ...,
              administrator: Optional[bool] = None, text: str = "") -> list[User]: ...
    def task(self, id: int) -> Optional[Task]: ...
    def user(self, id_or_email: int | str) -> Optional[User]: ...
    def template(self, id: int) -> Optional[TaskTemplate]: ...
    def export(self, with_credentials: bool = False) -> Dataset:
        """The whole world; account records (password hashes) only with with_credentials=True."""
    def credentials(self, user: int) -> Credentials:
        """The user's account record (docs/accounts.md); klik.NotFound for an unknown user."""
    def import_dataset(self, dataset: Dataset) -> None: ...
    def update_task(self, task: int, **fields: Any) -> Task: ...
    def create_user(self, user: User) -> User:
        """Adds a new user; id 0 is assigned by the store."""
    def put_user(self, user: User, expected_version: int = 0) -> User:
        """Changes an existing user (klik.NotFound when there is none)."""
    def remove_user(self, user: int) -> None: ...

def MemoryStore(dataset: Optional[Dataset] = None, calendars: Optional[Any] = None) -> Store: ...
def visibility_sql(viewer: User, rights: Optional[Any] = None) -> tuple[str, list[int]]: ...

# ---- SQLite store (issue 6) -------------------------------------------------

class SqliteStore(Store):
    """A klik.Store kept in a SQLite file; every change is committed before it is visible."""
    @property
    def path(self) -> str: ...
    @property
    def schema_version(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def integrity_check(self) -> str: ...
    def close(self) -> None: ...
    def __enter__(self) -> SqliteStore: ...
    def __exit__(self, *exc: Any) -> bool: ...

class PostgresStore(Store):
    """A klik.Store kept in a PostgreSQL database, shared with other processes (it catches up with their commits)."""
    @property
    def server(self) -> str:
        """'user@host:port/db', never the password."""
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> PostgresStore: ...
    def __exit__(self, *exc: Any) -> bool: ...

@overload
def open(path: os.PathLike[str], *, create: bool = True, read_only: bool = False,
         durability: str = "full", calendars: Optional[Any] = None, follow_interval_ms: int = 0,
         connect_timeout: int = 10) -> SqliteStore:
    """Opens (creating when absent) the klik store in a SQLite file."""
@overload
def open(path: str, *, create: bool = True, read_only: bool = False,
         durability: str = "full", calendars: Optional[Any] = None, follow_interval_ms: int = 0,
         connect_timeout: int = 10) -> SqliteStore | PostgresStore:
    """Opens a klik store: a 'postgresql://' or 'postgres://' URL in PostgreSQL (a PostgresStore), anything
    else in a SQLite file, created when absent (a SqliteStore)."""

def salvage_sqlite(path: str | os.PathLike[str]) -> tuple[Dataset, list[dict[str, Any]]]:
    """The good rows of a klik SQLite file that open refuses, and what was dropped or cleared (file unchanged)."""

# ---- workflows ----------------------------------------------------------------

def find_cpr_number(text: str) -> Optional[int]:
    """Byte position of a Danish CPR number (DDMMYY-SSSS with a real date), or None."""

class Workflows:
    """Rights-checked, notified changes (the manual's Tabel 2, Tabel 3 and Tabel 4). Refusals: klik.NotFound, klik.PermissionDenied."""
    def __init__(self, store: Store, clock: Optional[Any] = None, rights: Optional[Any] = None,
                 routing: Optional[NotificationRouting] = None) -> None: ...
    def change_task(self, actor: int, task: int, *, status: TaskStatus | str = ..., responsible: Optional[int] = ...,
                    performer: Optional[int] = ..., expected_version: int = ...) -> Task: ...
    def write_message(self, actor: int, task: int, text: str) -> Message: ...
    def broadcast(self, actor: int, project: int, wave: Optional[int] = None, *, text: str) -> Message: ...
    def internal_notes(self, actor: int, task: int) -> str: ...
    def set_internal_notes(self, actor: int, task: int, text: str) -> None: ...
    def add_file(self, actor: int, task: int, file_name: str, content: bytes,
                 media_type: str = "application/octet-stream") -> Attachment: ...
    def create_local_task(self, actor: int, task: LocalTask) -> LocalTask: ...
    def create_user(self, actor: int, user: User) -> User: ...
    def set_user_type(self, actor: int, user: int, project: int, type: Optional[UserType | str]) -> User: ...
    def delete_user(self, actor: int, user: int) -> None: ...
    def messages(self, actor: int, task: int, offset: int = 0, limit: int = 50) -> MessagePage: ...
    def files(self, actor: int, task: int) -> list[Attachment]: ...
    def read_file(self, actor: int, file: int) -> bytes: ...
    def delete_file(self, actor: int, file: int) -> None: ...
    def change_local_task(self, actor: int, task: int, *, title: str = ..., description: str = ...,
                          end: datetime.date | str = ..., status: TaskStatus | str = ...,
                          responsible: Optional[int] = ..., performer: Optional[int] = ...,
                          expected_version: int = ...) -> LocalTask: ...
    def delete_local_task(self, actor: int, task: int, expected_version: int = 0) -> None: ...
    def edit_user(self, actor: int, user: int, *, full_name: str = ..., email: str = ..., organisation: str = ...,
                  expected_version: int = ...) -> User: ...
    def set_administrator(self, actor: int, user: int, administrator: bool) -> User: ...
    def task_history(self, actor: int, task: int, limit: int = 100) -> list[JournalEntry]: ...
    def user_history(self, actor: int, user: int, limit: int = 100) -> list[JournalEntry]: ...

class ObjectDelta:
    """One object as a journaled change found and left it (None where it did not exist)."""
    @property
    def kind(self) -> str: ...
    @property
    def id(self) -> int: ...
    @property
    def before(self) -> Optional[dict[str, Any]]: ...
    @property
    def after(self) -> Optional[dict[str, Any]]: ...
    @property
    def fields(self) -> list[str]: ...

class JournalEntry:
    """One journaled write: who, when, which operation, what it changed."""
    @property
    def sequence(self) -> int: ...
    @property
    def at(self) -> datetime.datetime: ...
    @property
    def actor(self) -> Optional[int]: ...
    @property
    def operation(self) -> str: ...
    @property
    def objects(self) -> list[ObjectDelta]: ...
    def to_json(self) -> str: ...

class MessagePage:
    """One page of a task's message thread, oldest first."""
    @property
    def messages(self) -> list[Message]: ...
    @property
    def offset(self) -> int: ...
    @property
    def total(self) -> int: ...
    def __len__(self) -> int: ...

class LoginOutcome:
    """How a login attempt came out (klik.Accounts.login)."""
    SUCCESS: LoginOutcome
    REFUSED: LoginOutcome
    THROTTLED: LoginOutcome
    def __init__(self, value: int | str) -> None: ...
    @property
    def code(self) -> str: ...
    @property
    def value(self) -> int: ...
    @property
    def name(self) -> str: ...
    @staticmethod
    def parse(text: str) -> LoginOutcome: ...
    def __int__(self) -> int: ...
    def __index__(self) -> int: ...

class Credentials:
    """A user's account record (read-only); its repr never shows the hash."""
    @property
    def user(self) -> int: ...
    @property
    def password_hash(self) -> str:
        """libsodium's argon2id string; '' when no password is set. Never the password."""
    @property
    def reset_token_hash(self) -> str: ...
    @property
    def reset_expires(self) -> datetime.datetime: ...
    @property
    def failed_logins(self) -> int: ...
    @property
    def throttled_until(self) -> datetime.datetime: ...
    @property
    def has_password(self) -> bool: ...

class HashParameters:
    """argon2id's cost: opslimit passes over memlimit bytes."""
    opslimit: int
    memlimit: int
    def __init__(self, opslimit: int = 3, memlimit: int = 67108864) -> None: ...
    @staticmethod
    def standard() -> HashParameters: ...
    @staticmethod
    def minimum() -> HashParameters:
        """libsodium's minimum: for tests only."""

class AccountPolicy:
    """Hashing cost, reset-link lifetime, throttling and password length (docs/accounts.md)."""
    hashing: HashParameters
    reset_link_seconds: int
    free_failures: int
    base_delay_seconds: int
    max_delay_seconds: int
    min_length: int
    def __init__(self, hashing: Optional[HashParameters] = None, reset_link_seconds: int = 86400,
                 free_failures: int = 5, base_delay_seconds: int = 1, max_delay_seconds: int = 900,
                 min_length: int = 12) -> None: ...

class LoginResult:
    """How a login came out; truthy on success."""
    @property
    def outcome(self) -> LoginOutcome: ...
    @property
    def user(self) -> Optional[int]: ...
    @property
    def retry_after(self) -> datetime.datetime: ...
    def __bool__(self) -> bool: ...

def hash_password(password: str, parameters: HashParameters = ...) -> str:
    """An argon2id hash of the password (libsodium's string form)."""
def verify_password(hash: str, password: str) -> bool:
    """Whether the password matches the hash (constant-time)."""
def needs_rehash(hash: str, parameters: HashParameters = ...) -> bool: ...
def password_problems(password: str, email: str, policy: AccountPolicy = ...) -> list[str]:
    """What is wrong with the password as a new one for this email; [] when nothing."""
def is_common_password(password: str) -> bool: ...
def throttle_seconds(failures: int, policy: AccountPolicy = ...) -> int: ...
def reset_token_hash(token: str) -> str: ...

class Accounts:
    """Logins, password changes and reset links (docs/accounts.md)."""
    def __init__(self, store: Store, clock: Optional[Clock] = None, policy: Optional[AccountPolicy] = None,
                 rights: Optional[Rights] = None, routing: Optional[NotificationRouting] = None) -> None: ...
    def login(self, email: str, password: str) -> LoginResult: ...
    def change_password(self, actor: int, old_password: str, new_password: str) -> None: ...
    def send_reset_link(self, actor: int, target: int) -> None: ...
    def set_password_with_token(self, user: int, token: str, new_password: str) -> None: ...

class Publishing:
    """KOMBIT's side: projects, rollout waves, templates (rights-checked, notified). Refusals: klik.NotFound,
    klik.PermissionDenied."""
    def __init__(self, store: Store, clock: Optional[Any] = None, rights: Optional[Any] = None,
                 routing: Optional[NotificationRouting] = None) -> None: ...
    def create_project(self, actor: int, project: Project) -> Project: ...
    def edit_project(self, actor: int, project: Project) -> Project: ...
    def join_project(self, actor: int, project: int, municipality: int) -> Project: ...
    def leave_project(self, actor: int, project: int, municipality: int) -> Project: ...
    def create_wave(self, actor: int, wave: RolloutWave) -> RolloutWave: ...
    def edit_wave(self, actor: int, wave: RolloutWave) -> RolloutWave: ...
    def set_wave_shift(self, actor: int, wave: int, shift_workdays: int) -> RolloutWave: ...
    def publish_template(self, actor: int, template: TaskTemplate) -> TaskTemplate: ...
    def edit_template(self, actor: int, template: TaskTemplate) -> TaskTemplate: ...
    def withdraw_template(self, actor: int, template: int) -> list[Task]: ...
    def set_not_active(self, actor: int, task: int, not_active: bool) -> Task: ...
    def simulate(self, actor: int, scenario: Scenario, on: Optional[_DateLike] = None) -> Simulation:
        """What `scenario` would change today (the clock's date) and on `on`, without writing anything.
        Rights as the real calls: manage_project for wave and template changes, view_task and edit_status
        for statuses (klik.PermissionDenied, klik.NotFound)."""

class Scenario:
    """Hypothetical changes for Publishing.simulate, applied in order; the methods chain."""
    def __init__(self) -> None: ...
    def set_wave_shift(self, wave: int, workdays: int) -> Scenario:
        """The wave's working-day shift becomes `workdays`."""
    def shift_wave(self, wave: int, workdays: int) -> Scenario:
        """The wave's shift moves by `workdays` working days (negative: earlier)."""
    def move_template(self, template: int, *, end: Optional[_DateLike] = None,
                      latest_start: Optional[_DateLike] = None,
                      duration_workdays: Optional[int] = None) -> Scenario:
        """The template's end and/or latest start, or its duration (not both)."""
    def set_status(self, tasks: Sequence[int], status: TaskStatus | str) -> Scenario:
        """The status of each task id in `tasks`."""
    def __len__(self) -> int: ...

class ColourComparison:
    """Colour counts of the same tasks without and with a scenario."""
    @property
    def before(self) -> ColourCounts: ...
    @property
    def after(self) -> ColourCounts: ...
    def change(self, colour: DeadlineColour | str) -> int:
        """after - before for one colour."""

class SimulatedGroup:
    """The affected tasks of one municipality and priority."""
    @property
    def municipality(self) -> int: ...
    @property
    def priority(self) -> Priority: ...
    @property
    def today(self) -> ColourComparison: ...
    @property
    def on(self) -> Optional[ColourComparison]: ...

class SimulatedTask:
    """A task that would be red and is not without the scenario."""
    @property
    def task(self) -> int: ...
    @property
    def municipality(self) -> int: ...
    @property
    def project(self) -> int: ...
    @property
    def priority(self) -> Priority: ...
    @property
    def before(self) -> DeadlineColour: ...
    @property
    def after(self) -> DeadlineColour: ...
    @property
    def red_from(self) -> datetime.date: ...

class Simulation:
    """What a scenario would change, over the affected tasks (dates or status differ)."""
    @property
    def today(self) -> datetime.date: ...
    @property
    def on(self) -> Optional[datetime.date]: ...
    @property
    def affected(self) -> int: ...
    @property
    def changed_today(self) -> int: ...
    @property
    def changed_on(self) -> int: ...
    @property
    def today_total(self) -> ColourComparison: ...
    @property
    def on_total(self) -> Optional[ColourComparison]: ...
    @property
    def by_municipality(self) -> list[SimulatedGroup]: ...
    @property
    def red_today(self) -> list[SimulatedTask]: ...
    @property
    def red_on(self) -> list[SimulatedTask]: ...
    @property
    def sweep_events(self) -> list[DeadlineEvent]: ...
    @property
    def sweep_events_without(self) -> list[DeadlineEvent]: ...

class ProjectQuery:
    """Filters of the project list; chips and JSON like TaskQuery's."""
    name_contains: str
    user_types: list[UserType]
    def __init__(self, name_contains: str = "", user_types: Sequence[UserType | str] = ...) -> None: ...
    def applied_filters(self) -> list[str]: ...
    def without(self, filter: str) -> ProjectQuery: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> ProjectQuery: ...

class UserQuery:
    """Filters of the user list; chips and JSON like TaskQuery's."""
    user_types: list[UserType]
    administrator: Optional[bool]
    text: str
    def __init__(self, projects: Sequence[int | str] = ..., user_types: Sequence[UserType | str] = ...,
                 administrator: Optional[bool] = None, text: str = "") -> None: ...
    def applied_filters(self) -> list[str]: ...
    def without(self, filter: str) -> UserQuery: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> UserQuery: ...
