"""What Python hands to klik at its boundary (issue 9): enums, text, dates, and the
structured detail of klik's exceptions coming back."""

import datetime as dt
import pickle

import numpy as np
import pandas  # python3-pandas: scripts/setup installs it
import pytest

import klik

ALL_ENUMS = [klik.TaskStatus, klik.Priority, klik.UserType, klik.DeadlineColour, klik.Side, klik.HolidayCategory,
             klik.CalendarProfile, klik.TaskColumn, klik.FilterField, klik.Action, klik.Outcome,
             klik.AdminViolationKind]


@pytest.fixture(scope="module")
def world():
    return klik.synthetic.generate(municipalities=2, scale=0.1, local_task_share=0.05)


@pytest.fixture()
def store(world):
    return klik.MemoryStore(world)


# ---- enums ----------------------------------------------------------------

@pytest.mark.parametrize("enum", ALL_ENUMS, ids=lambda e: e.__name__)
def test_enum_numbers_outside_the_enum_are_validation_errors(enum):
    n = len(enum.__members__)
    for bad in (n, 255, -1, 10**6):
        with pytest.raises(klik.ValidationError, match=f"{enum.__name__} has no value {bad}") as e:
            enum(bad)
        assert e.value.where == "value"
    for member in enum.__members__.values():
        assert enum(int(member)) == member
        assert pickle.loads(pickle.dumps(member)) == member
    with pytest.raises(klik.ValidationError):
        enum.__new__(enum).__setstate__(n)  # unpickling is checked the same way
    with pytest.raises(TypeError):
        enum(1.5)


def test_the_audited_enum_crashes_are_refused():
    with pytest.raises(klik.ValidationError, match="TaskStatus has no value 4"):
        klik.TaskStatus(4).code
    with pytest.raises(klik.ValidationError, match="Side has no value 255"):
        klik.User(id=1, email="a@b.dk", full_name="A", side=klik.Side(255))
    # The first value past the last action (manage_project is 26).
    with pytest.raises(klik.ValidationError, match="Action has no value 27"):
        klik.Rights.default().decide(klik.User(id=1, email="a@b.dk", full_name="A"), klik.Action(27))


def test_enums_are_taken_as_their_code_english_or_danish_name(store, world):
    assert klik.User(id=1, email="a@b.dk", full_name="A", side="kombit").side == klik.Side.KOMBIT
    assert klik.Task(id=1, template=1, municipality=101, status="Påbegyndt").status == klik.TaskStatus.STARTED
    assert klik.Task(id=1, template=1, municipality=101, status="Completed").status == klik.TaskStatus.COMPLETED
    assert klik.TaskStatus("not_started") == klik.TaskStatus.NOT_STARTED
    task = world.tasks[0]
    assert store.update_task(task.id, status="started").status == klik.TaskStatus.STARTED
    with pytest.raises(klik.ValidationError, match="status: unknown TaskStatus") as e:
        store.update_task(task.id, status="runny")
    assert e.value.where == "status"
    with pytest.raises(TypeError, match="status: expected klik.TaskStatus"):
        store.update_task(task.id, status=2)


def test_change_task_takes_a_status_string(store, world):
    flows = klik.Workflows(store, clock=klik.FixedClock(dt.date(2026, 3, 2)))
    task = next(t for t in world.tasks if t.status != klik.TaskStatus.STARTED)
    project = next(t.project for t in world.templates if t.id == task.template)
    plus = next(u for u in world.users if u.municipality == task.municipality and u.type_on(project) == klik.UserType.PLUS)
    assert flows.change_task(plus.id, task.id, status="started").status == klik.TaskStatus.STARTED
    with pytest.raises(TypeError, match="status"):
        flows.change_task(plus.id, task.id, status=object())


# ---- text -------------------------------------------------------------------

def test_bytes_are_not_text():
    with pytest.raises(TypeError, match="klik text must be str, got bytes"):
        klik.User(id=1, email=b"a@b.dk", full_name="A")
    with pytest.raises(TypeError, match="got bytes"):
        klik.TaskQuery.parse(b"status:started")
    with pytest.raises(TypeError, match="got bytearray"):
        klik.Dataset.from_json(bytearray(b"{}"))
    with pytest.raises(TypeError, match="got bytes"):
        klik.normalise_email(b"A@B.DK")


def test_text_that_is_not_unicode_is_refused():
    with pytest.raises(klik.ValidationError, match="lone surrogate at character 1"):
        klik.User(id=1, email="a\udcff@b.dk", full_name="A")
    with pytest.raises(klik.ValidationError, match="lone surrogate"):
        klik.TaskQuery.parse("status:" + b"\xff".decode("utf-8", "surrogateescape"))


def test_an_error_quoting_invalid_utf8_keeps_its_message(tmp_path):
    # the file's bytes are not UTF-8; the error about them must still say something
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"format": "klik-dataset", "version": 1, "municipalities": [{"id": 101, "name": "\xff\xfe"}]}')
    with klik.open(tmp_path / "k.sqlite") as s:
        with pytest.raises(klik.Error) as e:
            s.import_json(bad)
    assert str(e.value).strip() != ""


# ---- dates -----------------------------------------------------------------

class Stamp(dt.datetime):
    """What pandas.Timestamp is to klik: a datetime subclass."""


@pytest.mark.parametrize("value", [
    dt.date(2026, 3, 2),
    "2026-03-02",
    dt.datetime(2026, 3, 2, 23, 59),  # naive: Copenhagen local time
    dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.timezone.utc),  # 00:30 on 2 March in Copenhagen
    dt.datetime(2026, 3, 2, 22, 59, tzinfo=dt.timezone.utc),  # 23:59 in Copenhagen
    Stamp(2026, 3, 2, 8, 0),
    np.datetime64("2026-03-02"),
    np.datetime64("2026-03-02T23:00:00.000000000"),
    pandas.Timestamp("2026-03-02 08:00"),  # naive: Copenhagen local time
    pandas.Timestamp("2026-03-02 21:00", tz="UTC"),
], ids=repr)
def test_every_form_of_a_date_is_a_date(value):
    cal = klik.Calendar()
    assert cal.next_workday_or_same(value) == dt.date(2026, 3, 2)
    assert klik.FixedClock(value).today() == dt.date(2026, 3, 2)


def test_dates_in_lists_options_and_keywords(store, world):
    assert not klik.Calendar.danish(extra_closed=["2026-03-02"]).is_workday(dt.date(2026, 3, 2))
    task = world.tasks[0]
    assert store.update_task(task.id, end_override="2026-05-01").end_override == dt.date(2026, 5, 1)
    viewer = world.users[0].id
    assert list(store.tasks(viewer, today="2026-03-02")) == list(store.tasks(viewer, today=dt.date(2026, 3, 2)))
    assert store.quick_status(viewer, today=np.datetime64("2026-03-02")) == store.quick_status(viewer, today=dt.date(2026, 3, 2))


def test_bad_dates_and_wrong_types_name_the_parameter(store, world):
    task = world.tasks[0]
    with pytest.raises(klik.ValidationError, match="2026-02-30"):
        klik.Calendar().is_workday("2026-02-30")
    with pytest.raises(klik.ValidationError, match="NaT"):
        klik.Calendar().is_workday(np.datetime64("NaT"))
    with pytest.raises(TypeError):
        klik.Calendar().is_workday(20260302)
    with pytest.raises(TypeError, match="end_override: expected a date"):
        store.update_task(task.id, end_override=3.5)
    with pytest.raises(klik.ValidationError, match="end_override") as e:
        store.update_task(task.id, end_override="March")
    assert e.value.where == "end_override"
    with pytest.raises(TypeError, match="today: expected a date"):
        store.tasks(world.users[0].id, today=[2026, 3, 2])
    with pytest.raises(TypeError, match="viewer must be"):
        store.tasks(1.5)
    with pytest.raises(TypeError, match="query must be"):
        store.tasks(world.users[0].id, query=42)


# ---- exceptions carry their detail -----------------------------------------------

def test_conflict_names_the_changed_fields(store, world):
    # A real change (a change with no effect is no write, so it could not conflict).
    task = next(t for t in world.tasks if t.status != klik.TaskStatus.COMPLETED)
    read = store.task(task.id).version
    store.update_task(task.id, status="completed", expected_version=read)
    with pytest.raises(klik.Conflict) as e:
        store.update_task(task.id, status="started", expected_version=read)
    assert e.value.changed_fields == ["status"]
    assert "changed: status" in str(e.value)


def test_validation_errors_say_where(world):
    with pytest.raises(klik.ValidationError) as e:
        klik.Dataset.from_json('{"format": "klik-dataset", "version": 1, "municipalities": 5}')
    assert e.value.where != ""
    with pytest.raises(klik.ValidationError) as e:
        klik.TaskQuery.parse("status:runny")
    assert isinstance(e.value.where, str)


def test_permission_denied_has_rule_reason_nearest(store, world):
    flows = klik.Workflows(store, clock=klik.FixedClock(dt.date(2026, 3, 2)))
    task = world.tasks[3]
    project = next(t.project for t in world.templates if t.id == task.template)
    reader = next(u for u in world.users
                  if u.municipality == task.municipality and u.type_on(project) == klik.UserType.READER)
    with pytest.raises(klik.PermissionDenied) as e:
        flows.change_task(reader.id, task.id, status="completed" if task.status != klik.TaskStatus.COMPLETED else "started")
    assert e.value.reason == str(e.value)
    assert isinstance(e.value.rule, str) and isinstance(e.value.nearest, str)


def test_rights_arguments_of_the_wrong_type_name_the_parameter(world):
    rights = klik.Rights.default()
    actor = world.users[0]
    task = world.tasks[0]
    assert rights.decide(actor, "view_task", dataset=world, task_id=task.id) == \
        rights.decide(actor, klik.Action.VIEW_TASK, dataset=world, task_id=task.id)
    with pytest.raises(TypeError, match="task: expected a klik.TaskFacts or a klik.Task, got int"):
        rights.decide(actor, "view_task", task=5)
    with pytest.raises(TypeError, match="task_id: expected"):
        rights.decide(actor, "view_task", dataset=world, task_id="seven")
    with pytest.raises(TypeError, match="dataset: expected a klik.Dataset"):
        rights.decide(actor, "view_task", dataset=[1], task_id=task.id)
    with pytest.raises(klik.ValidationError, match="no_such_action"):
        rights.decide(actor, "no_such_action", dataset=world, task_id=task.id)
