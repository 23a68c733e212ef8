"""The audit journal from Python: entries with who, when and what, histories
shown as the rights model allows, as-of views, pruning (docs/journal.md)."""
import datetime as dt
import json

import pytest

import klik

UTC = dt.timezone.utc


def project_of(world, task):
    return next(t.project for t in world.templates if t.id == task.template)


def another(status):
    return klik.TaskStatus.COMPLETED if status == klik.TaskStatus.STARTED else klik.TaskStatus.STARTED


@pytest.fixture()
def setting(small_world):
    store = klik.MemoryStore(small_world)
    clock = klik.FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    flows = klik.Workflows(store, clock=clock)
    task = next(t for t in small_world.tasks
                if any(u.municipality == t.municipality and u.type_on(project_of(small_world, t)) == klik.UserType.PLUS
                       for u in small_world.users))
    plus = next(u for u in small_world.users
                if u.municipality == task.municipality and u.type_on(project_of(small_world, task)) == klik.UserType.PLUS)
    stranger = next(u for u in small_world.users if u.municipality not in (None, task.municipality))
    return store, clock, flows, task, plus, stranger


def test_a_workflow_call_is_journaled_with_who_when_and_the_fields_it_changed(setting):
    store, _, flows, task, plus, _ = setting
    flows.change_task(plus.id, task.id, status=another(task.status))
    entry = store.journal(limit=1)[0]
    assert isinstance(entry, klik.JournalEntry)
    assert entry.actor == plus.id
    assert entry.operation == "change_task"
    assert entry.at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    (delta,) = entry.objects
    assert delta.kind == "task" and delta.id == task.id
    assert delta.fields == ["status"]
    assert delta.before["status"] != delta.after["status"]
    assert json.loads(entry.to_json())["operation"] == "change_task"
    assert "change_task" in repr(entry) and "status" in repr(delta)
    assert [e.sequence for e in store.journal(kind="task", id=task.id)] == [entry.sequence]
    with pytest.raises(klik.ValidationError, match="unknown object kind"):
        store.journal(kind="planet", id=1)


def test_a_history_is_for_those_who_see_the_task_and_foreign_is_missing(setting):
    _, clock, flows, task, plus, stranger = setting
    flows.change_task(plus.id, task.id, status=another(task.status))
    clock.set(dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    flows.set_internal_notes(plus.id, task.id, "Husk kontrakten")
    history = flows.task_history(plus.id, task.id)
    assert [e.operation for e in history] == ["set_internal_notes", "change_task"]
    with pytest.raises(klik.NotFound) as foreign:
        flows.task_history(stranger.id, task.id)
    with pytest.raises(klik.NotFound) as missing:
        flows.task_history(stranger.id, 9_999_999)
    assert str(foreign.value) == str(missing.value)
    with pytest.raises(klik.ValidationError):
        flows.task_history(plus.id, task.id, limit=0)


def test_an_as_of_view_is_the_world_then_and_pruning_cuts_it(setting):
    store, clock, flows, task, plus, _ = setting
    first = another(task.status)
    clock.set(dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    flows.change_task(plus.id, task.id, status=first)
    clock.set(dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    flows.change_task(plus.id, task.id, status=another(first))
    view = store.as_of(dt.datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
    assert isinstance(view, klik.Store)
    assert view.task(task.id).status == first
    with pytest.raises(klik.FailedPrecondition, match="read-only"):
        view.update_task(task.id, status=task.status)
    assert store.prune_journal(dt.datetime(2026, 3, 2, 11, 0, tzinfo=UTC)) == 1  # the 10:00 change
    assert len(store.journal(kind="task", id=task.id)) == 1
    with pytest.raises(klik.FailedPrecondition, match="pruned"):
        store.as_of(dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
