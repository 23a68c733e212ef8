import copy
import datetime as dt
import json
import pickle
import runpy
import subprocess
import sys

import pytest

import klik


def test_enums_are_python_enums_with_three_spellings():
    s = klik.TaskStatus.NOT_STARTED
    assert s.code == "not_started"
    assert s.english == "Not started"
    assert s.danish == "Ikke påbegyndt"
    assert repr(s) == "TaskStatus.NOT_STARTED"
    assert klik.TaskStatus.parse("Ikke påbegyndt") == s
    assert klik.TaskStatus.parse("not_started") == s
    assert klik.Priority.parse("Obligatorisk på kritisk vej") == klik.Priority.CRITICAL_PATH
    assert klik.UserType.parse("Læser") == klik.UserType.READER
    assert [c.code for c in klik.DeadlineColour.__members__.values()] == ["green", "yellow", "red", "grey", "done"]


def test_bad_enum_value_raises_validation_error_naming_it():
    with pytest.raises(klik.ValidationError, match='unknown TaskStatus "ikke pabegyndt"'):
        klik.TaskStatus.parse("ikke pabegyndt")  # any case, but the letters exact: a is not å
    # ValidationError is also a ValueError, and a klik.Error
    with pytest.raises(ValueError):
        klik.Priority.parse("urgent")
    assert issubclass(klik.ValidationError, klik.Error)
    assert issubclass(klik.NotFound, LookupError)
    assert issubclass(klik.PermissionDenied, PermissionError)


def test_entities_keyword_construction_repr_eq():
    t = klik.Task(id=42, template=7, municipality=851, status=klik.TaskStatus.STARTED)
    assert t.responsible is None and t.performer is None
    assert repr(t) == ("Task(id=42, template=7, municipality=851, status=TaskStatus.STARTED, "
                       "responsible=None, performer=None)")
    u = klik.Task(id=42, template=7, municipality=851, status=klik.TaskStatus.STARTED)
    assert t == u
    u.responsible = 5
    assert t != u
    assert copy.copy(u) == u and pickle.loads(pickle.dumps(u)) == u


def test_dates_are_datetime_date():
    tpl = klik.TaskTemplate(id=1, project=1, title="Udpeg ansvarlig", end=dt.date(2025, 6, 5), duration_workdays=3)
    assert tpl.end == dt.date(2025, 6, 5)
    assert isinstance(tpl.end, dt.date)
    assert tpl.latest_start is None
    with pytest.raises(klik.ValidationError, match="exactly one"):
        klik.TaskTemplate(id=1, project=1, title="x", end=dt.date(2025, 6, 5))
    # an ISO string is a date too (issue 9); a number is not
    assert klik.TaskTemplate(id=1, project=1, title="x", end="2025-06-05", duration_workdays=1).end == dt.date(2025, 6, 5)
    with pytest.raises(TypeError):
        klik.TaskTemplate(id=1, project=1, title="x", end=20250605, duration_workdays=1)


def test_timestamps_are_aware_utc_datetimes():
    when = dt.datetime(2026, 11, 28, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    m = klik.Message(id=1, author=2, time=when, text="Hej", task=3)
    assert m.time == when
    assert m.time.tzinfo is not None and m.time.utcoffset() == dt.timedelta(0)
    # a naive datetime is Copenhagen local time (UTC+1 in January)
    naive = klik.Message(id=1, author=2, time=dt.datetime(2026, 1, 1), text="x", task=3)
    assert naive.time == dt.datetime(2025, 12, 31, 23, 0, tzinfo=dt.timezone.utc)


def test_dict_and_json_round_trip(small_world):
    for t in list(small_world.tasks)[:50]:
        assert klik.Task.from_dict(t.to_dict()) == t
        assert klik.Task.from_json(t.to_json()) == t
    d = small_world.users[0].to_dict()
    assert d["email"].endswith(".dk") and isinstance(d["memberships"], list)
    assert klik.User.from_dict(d) == small_world.users[0]


def test_json_errors_name_the_path():
    with pytest.raises(klik.ValidationError, match=r"/status: unknown TaskStatus"):
        klik.Task.from_dict({"id": 1, "template": 2, "municipality": 101, "status": "paused"})
    with pytest.raises(klik.ValidationError, match=r"/colour: unknown field"):
        klik.Task.from_dict({"id": 1, "template": 2, "municipality": 101, "status": "started", "colour": "red"})


def test_dataset_round_trip_and_validation(small_world):
    text = small_world.to_json()
    back = klik.Dataset.from_json(text)
    assert back == small_world
    assert small_world.validate() == []
    doc = json.loads(text)
    doc["tasks"][0]["template"] = 10**6
    with pytest.raises(klik.ValidationError, match=r"/tasks/0/template: unknown template"):
        klik.Dataset.from_dict(doc)


def test_dataset_collections_are_views_not_copies(small_world):
    d = klik.Dataset.from_json(small_world.to_json())
    d.tasks[0].status = klik.TaskStatus.COMPLETED
    assert d.tasks[0].status == klik.TaskStatus.COMPLETED
    assert len(d.tasks) == len(small_world.tasks)


def test_generator_is_deterministic_and_national_by_default():
    a = klik.synthetic.generate(municipalities=2, scale=0.2)
    b = klik.synthetic.generate(municipalities=2, scale=0.2)
    assert a == b
    assert klik.synthetic.generate(municipalities=2, scale=0.2, seed=1) != a
    with pytest.raises(klik.ValidationError):
        klik.synthetic.generate(municipalities=0)


def test_municipalities_list():
    ms = klik.danish_municipalities()
    assert len(ms) == 98
    assert (ms[0].id, ms[0].name) == (101, "København")
    assert {m.id: m.name for m in ms}[851] == "Aalborg"


def test_json_schema_accepts_generated_dataset(small_world, source_dir):
    import jsonschema  # python3-jsonschema: scripts/setup installs it
    schema = json.loads((source_dir / "docs" / "dataset.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.loads(small_world.to_json())
    jsonschema.validate(doc, schema)
    doc["tasks"][0]["status"] = "paused"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_readme_python_example_runs(source_dir):
    out = subprocess.run([sys.executable, str(source_dir / "examples" / "readme.py")],
                         capture_output=True, text=True, check=True)
    assert "tasks; the first is" in out.stdout
