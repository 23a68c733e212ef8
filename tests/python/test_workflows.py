import datetime as dt

import pytest

import klik


@pytest.fixture()
def world_and_flows(small_world):
    store = klik.MemoryStore(small_world)
    clock = klik.FixedClock(dt.date(2026, 3, 2))
    return small_world, store, klik.Workflows(store, clock=clock)


def project_of(world, task):
    return next(t.project for t in world.templates if t.id == task.template)


def test_assignment_is_notified_and_refusals_raise(world_and_flows):
    world, store, flows = world_and_flows
    task = world.tasks[3]
    p = project_of(world, task)
    plus = next(u for u in world.users if u.municipality == task.municipality and u.type_on(p) == klik.UserType.PLUS)
    light = next(u for u in world.users
                 if u.municipality == task.municipality and u.type_on(p) == klik.UserType.LIGHT and u.id != task.performer)
    after = flows.change_task(plus.id, task.id, performer=light.id)
    assert after.performer == light.id
    with pytest.raises(klik.ValidationError, match="unknown task field"):
        flows.change_task(plus.id, task.id, colour="red")
    reader = next(u for u in world.users if u.municipality == task.municipality and u.type_on(p) == klik.UserType.READER)
    with pytest.raises(klik.PermissionDenied) as e:
        flows.change_task(reader.id, task.id, status=klik.TaskStatus.COMPLETED
                          if task.status != klik.TaskStatus.COMPLETED else klik.TaskStatus.STARTED)
    assert "Læser" in str(e.value)
    assert isinstance(e.value, PermissionError)


def test_cpr_numbers(world_and_flows):
    assert klik.find_cpr_number("cpr 010203-1234") == 4
    assert klik.find_cpr_number("310299-1234") is None
    world, store, flows = world_and_flows
    task = next(t for t in world.tasks if t.responsible is not None)
    with pytest.raises(klik.ValidationError, match="CPR"):
        flows.add_file(task.responsible, task.id, "a.txt", b"010203-1234", "text/plain")
