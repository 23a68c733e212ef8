"""klik.open: the SQLite store from Python (issue 6)."""

import datetime as dt
import json

import pytest

import klik


@pytest.fixture(scope="module")
def world():
    return klik.synthetic.generate(municipalities=2, scale=0.17)


def test_open_creates_the_file_and_is_a_store(tmp_path, world):
    path = tmp_path / "klik.sqlite"
    with klik.open(path) as store:
        assert isinstance(store, klik.Store)
        assert isinstance(store, klik.SqliteStore)
        assert len(store) == 0
        store.import_dataset(world)
        assert len(store) == len(world.tasks)
        assert store.schema_version == 2
        assert store.integrity_check() == "ok"
    assert path.exists()
    assert store.closed
    with pytest.raises(klik.FailedPrecondition):
        len(store)
    assert repr(store) == "SqliteStore(closed)"


def test_changes_survive_reopening(tmp_path, world):
    path = str(tmp_path / "klik.sqlite")
    task = world.tasks[3]
    with klik.open(path) as store:
        store.import_dataset(world)
        stored = store.update_task(task.id, status=klik.TaskStatus.COMPLETED, expected_version=task.version)
        assert stored.version == task.version + 1
    with klik.open(path, create=False) as store:
        again = store.task(task.id)
        assert again.status == klik.TaskStatus.COMPLETED
        assert again.version == task.version + 1
        with pytest.raises(klik.Conflict):
            store.update_task(task.id, status=klik.TaskStatus.STARTED, expected_version=task.version)


def test_import_and_export_json(tmp_path, world):
    doc = tmp_path / "world.json"
    with klik.open(tmp_path / "a.sqlite") as a:
        a.import_dataset(world)
        a.export_json(doc, indent=1)
        text = a.export_json()
    assert json.loads(text)["format"] == "klik-dataset/1"
    with klik.open(tmp_path / "b.sqlite") as b:
        b.import_json(doc)
        assert b.export() == world
    with klik.open(tmp_path / "c.sqlite") as c:
        c.import_json(text)
        assert len(c) == len(world.tasks)
        with pytest.raises(klik.ValidationError):
            c.import_json('{"format": "klik-dataset/1", "tasks": 7}')
        assert len(c) == len(world.tasks)  # nothing changed


def test_sweep_goes_through_the_outbox_to_a_json_lines_file(tmp_path, world):
    lines = tmp_path / "notifications.jsonl"
    with klik.open(tmp_path / "klik.sqlite", durability="normal") as store:
        store.import_dataset(world)
        first = store.sweep(dt.date(2026, 3, 2), notifications=lines)
        assert first["events"] > 0
        assert first["delivered"] == first["events"]
        assert store.sweep(dt.date(2026, 3, 2), notifications=lines)["events"] == 0
        outbox = store.outbox()
        assert len(outbox) == first["events"]
        assert all(n["delivered"] for n in outbox)
    records = [json.loads(line) for line in lines.read_text().splitlines()]
    assert len(records) == first["events"]
    assert records[0]["event"] in ("deadline.yellow", "deadline.red")
    assert records[0]["key"].startswith("deadline/")


def test_bad_files_raise_storage_errors(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all " * 200)
    with pytest.raises(klik.StorageError, match="not a klik SQLite database"):
        klik.open(junk)
    with pytest.raises(klik.StorageError, match="no such file"):
        klik.open(tmp_path / "absent.sqlite", create=False)
    with pytest.raises(klik.ValidationError):
        klik.open(tmp_path / "x.sqlite", durability="sometimes")


def test_read_only_store_refuses_writes(tmp_path, world):
    path = tmp_path / "klik.sqlite"
    with klik.open(path) as store:
        store.import_dataset(world)
    with klik.open(path, read_only=True) as ro:
        assert len(ro) == len(world.tasks)
        with pytest.raises(klik.StorageError, match="read-only"):
            ro.update_task(world.tasks[0].id, status=klik.TaskStatus.STARTED)


def test_sweep_delivers_what_workflows_notified_later_that_day(tmp_path, world):
    # issue 9: sweep used a fixed 06:00 UTC as "now", so an assignment notified at 15:00 was never delivered
    lines = tmp_path / "notifications.jsonl"
    afternoon = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)
    with klik.open(tmp_path / "klik.sqlite", durability="normal") as store:
        store.import_dataset(world)
        flows = klik.Workflows(store, clock=klik.FixedClock(afternoon))
        task = world.tasks[3]
        project = next(t.project for t in world.templates if t.id == task.template)
        plus = next(u for u in world.users
                    if u.municipality == task.municipality and u.type_on(project) == klik.UserType.PLUS)
        light = next(u for u in world.users if u.municipality == task.municipality
                     and u.type_on(project) == klik.UserType.LIGHT and u.id != task.performer)
        flows.change_task(plus.id, task.id, performer=light.id)
        r = store.sweep(dt.date(2026, 3, 2), notifications=lines,
                        clock=klik.FixedClock(afternoon + dt.timedelta(hours=1)))
        assert r["delivered"] == r["events"] + 1
        assert all(n["delivered"] for n in store.outbox())
    assert any(json.loads(line)["event"] == "task.assigned" for line in lines.read_text().splitlines())
    with pytest.raises(TypeError, match="clock must be"):
        klik.open(tmp_path / "x.sqlite").sweep(dt.date(2026, 3, 2), clock="now")
