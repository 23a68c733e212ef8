"""klik.open: the SQLite store from Python (issue 6)."""

import collections
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
        assert store.schema_version == 7  # dead letters and the daily digest (docs/store.md)
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


# ---- issue 9: the clock, damaged files, readers without write access -----------

def test_sweep_delivers_notifications_made_later_that_day(tmp_path, world):
    day = dt.date(2026, 3, 2)
    afternoon = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.timezone.utc)
    task = next(t for t in world.tasks if t.responsible is not None)
    for now in (dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc), None):
        lines = tmp_path / f"notifications-{now is None}.jsonl"
        with klik.open(tmp_path / f"klik-{now is None}.sqlite", durability="normal") as store:
            store.import_dataset(world)
            klik.Workflows(store, clock=klik.FixedClock(afternoon)).write_message(task.responsible, task.id, "Vi er i gang")
            made = [n for n in store.outbox() if n["created"] == "2026-03-02T14:30:00Z"]
            assert made, "the message notified nobody"
            # now=None: the real current time, long after 14:30 that day.
            result = store.sweep(day, notifications=lines, now=now) if now else store.sweep(day, notifications=lines)
            assert result["delivered"] == result["events"] + len(made)
            assert all(n["delivered"] for n in store.outbox())
            if now:
                assert {n["created"] for n in store.outbox()} == {"2026-03-02T14:30:00Z", "2026-03-02T15:00:00Z"}
        delivered = [json.loads(line)["id"] for line in lines.read_text().splitlines()]
        assert all(n["id"] in delivered for n in made)


def test_sweep_takes_a_clock_and_defaults_the_day_to_today(tmp_path, world):
    with klik.open(tmp_path / "klik.sqlite", durability="normal") as store:
        store.import_dataset(world)
        clock = klik.FixedClock(dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.timezone.utc))  # 2 March in Copenhagen
        first = store.sweep(now=clock)
        assert first["events"] > 0
        assert store.sweep(dt.date(2026, 3, 2), now=clock)["events"] == 0  # the same day: nothing new
        with pytest.raises(TypeError, match="now must be"):
            store.sweep(dt.date(2026, 3, 2), now="14:00")


def test_a_damaged_file_is_refused_unchanged_and_salvaged(tmp_path, world):
    import sqlite3

    path = tmp_path / "klik.sqlite"
    with klik.open(path) as store:
        store.import_dataset(world)
    user = next(t.responsible for t in world.tasks if t.responsible is not None)
    con = sqlite3.connect(path)
    con.execute("UPDATE user SET side = 99 WHERE id = ?", (user,))
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(klik.StorageError, match=f"table user, id {user}, column side: 99 is not a Side"):
        klik.open(path)
    assert path.read_bytes() == before
    data, dropped = klik.salvage_sqlite(path)
    assert path.read_bytes() == before
    assert {"table": "user", "id": user, "column": "side", "cleared": False} in [
        {k: d[k] for k in ("table", "id", "column", "cleared")} for d in dropped]
    assert any(d["cleared"] and d["column"] == "responsible" for d in dropped)
    assert len(data.users) == len(world.users) - 1
    assert len(data.tasks) == len(world.tasks)
    with klik.open(tmp_path / "fresh.sqlite") as fresh:
        fresh.import_dataset(data)
        assert len(fresh) == len(world.tasks)


def test_a_reader_that_cannot_write_the_folder_opens_read_only(world):
    import os
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="klik-ro-")  # directly under /tmp: reachable by an unprivileged user
    try:
        path = os.path.join(folder, "klik.sqlite")
        with klik.open(path) as store:
            store.import_dataset(world)
        os.chmod(path, 0o644)
        os.chmod(folder, 0o755 if os.geteuid() == 0 else 0o555)
        pid = os.fork()
        if pid == 0:  # the child: drop root, then open
            code = 1
            try:
                if os.geteuid() == 0:
                    os.setgid(65534)
                    os.setuid(65534)
                if os.access(folder, os.W_OK):
                    code = 2  # would prove nothing
                else:
                    with klik.open(path, read_only=True) as ro:
                        code = 0 if len(ro) == len(world.tasks) else 3
            except BaseException as e:  # noqa: BLE001 - reported through the exit code
                print("child:", e)
                code = 4
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        assert not os.path.exists(path + "-shm")
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


_OTHER_PROCESS = """
import sys, klik
path, task = sys.argv[1], int(sys.argv[2])
with klik.open(path) as store:
    store.update_task(task, status=klik.TaskStatus.COMPLETED)
    print(store.sequence)
"""


def test_a_change_committed_by_another_process_reaches_this_stores_lists(tmp_path, world):
    import subprocess
    import sys

    path = str(tmp_path / "shared.sqlite")
    task = next(t for t in world.tasks if t.status != klik.TaskStatus.COMPLETED)
    with klik.open(path) as store:
        store.import_dataset(world)
        before = store.sequence
        viewer = task.responsible or next(u.id for u in world.users if u.municipality == task.municipality)
        completed = store.tasks(viewer, "status = completed", today="2026-03-02").total
        done = subprocess.run([sys.executable, "-c", _OTHER_PROCESS, path, str(task.id)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert int(done.stdout) == before + 1
        # No reopen: the next read catches up with the other process's commit.
        assert store.task(task.id).status == klik.TaskStatus.COMPLETED
        assert store.sequence == before + 1
        assert store.refresh() == 0
        assert store.tasks(viewer, "status = completed", today="2026-03-02").total == completed + 1


def test_sweep_store_finds_what_the_sweep_records_without_writing(tmp_path, world):
    day = dt.date(2026, 3, 2)
    with klik.open(tmp_path / "klik.sqlite", durability="normal") as store:
        store.import_dataset(world)
        found = klik.sweep_store(store, day)
        assert isinstance(found, klik.StoreSweep)
        assert found.tasks == len(world.tasks) + len(world.local_tasks)
        assert len(found) == len(found.events) > 0
        assert len(found.changes) == found.tasks  # never swept: every row gets a colour
        assert all(c.stored is None for c in found.changes)
        assert all(isinstance(c, klik.NotifiedChange) for c in found.changes)
        assert store.outbox() == []  # nothing written
        assert klik.sweep_store(store, day, threads=2).events == found.events
        recorded = store.sweep(day)
        assert recorded["events"] == len(found.events)
        assert recorded["colour_changes"] == len(found.changes)
        assert [n["key"] for n in store.outbox()] == [e.key for e in found.events]
        again = klik.sweep_store(store, day)
        assert again.events == [] and again.changes == []
        change = found.changes[0]
        assert repr(change).startswith(f"NotifiedChange(task={change.task}")
        assert repr(again) == f"StoreSweep(tasks={found.tasks}, events=0, changes=0)"
        with pytest.raises(TypeError):
            klik.sweep_store(store, day, 2)  # threads is keyword-only


def test_sweep_transitions_count_what_sweep_store_finds(tmp_path, world):
    day = dt.date(2026, 3, 2)
    with klik.open(tmp_path / "klik.sqlite", durability="normal") as store:
        store.import_dataset(world)
        counted = klik.sweep_transitions(store, day)
        found = klik.sweep_store(store, day)
        assert isinstance(counted, klik.SweepTransitions)
        assert counted.changes == len(found.changes) and counted.rises == len(found.events) > 0
        want = collections.Counter((c.stored, c.colour) for c in found.changes)
        assert {(s, c): n for s, c, n in counted.items()} == dict(want)
        assert counted.count(None, klik.DeadlineColour.RED) == want[(None, klik.DeadlineColour.RED)] > 0
        store.sweep(day)
        later = day + dt.timedelta(days=7)
        after = klik.sweep_transitions(store, later)
        assert after.count(klik.DeadlineColour.GREEN, klik.DeadlineColour.GREEN) == 0  # no change
        assert after.changes == len(klik.sweep_store(store, later).changes)
        assert klik.sweep_transitions(store, day).changes == 0  # recorded: nothing left to change that day
        assert repr(after) == f"SweepTransitions(changes={after.changes}, rises={after.rises})"
        with pytest.raises(TypeError):
            klik.sweep_transitions(store, 3.5)


def test_colours_with_changes_compares_with_the_previous_working_day_not_the_stored_colours(tmp_path, world):
    day = dt.date(2026, 3, 2)
    with klik.open(tmp_path / "klik.sqlite", durability="normal") as store:
        store.import_dataset(world)
        before = store.colours_with_changes(day)
        store.sweep(day)
        after = store.colours_with_changes(day)
        assert after.changed == before.changed  # the recorded sweep does not move it
        assert after.previous == dt.date(2026, 2, 27)
        assert klik.sweep_store(store, day).changes == []
