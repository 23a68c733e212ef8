import datetime as dt

import pytest

import klik


@pytest.fixture()
def kombit(small_world):
    store = klik.MemoryStore(small_world)
    return small_world, store, klik.Publishing(store, clock=klik.FixedClock(dt.date(2025, 9, 1)))


def admin_of(world):
    return next(u for u in world.users if u.email == "klik@kombit.dk")


def manager_of(world, project):
    return next(u for u in world.users if u.email == f"implementering.{project}@kombit.dk")


def template(project):
    return klik.TaskTemplate(id=0, project=project, title="Test af snitflade", phase=1, theme=1,
                             end=dt.date(2026, 3, 13), duration_workdays=10)


def test_publish_creates_a_task_per_participant_and_notifies(kombit):
    world, store, flows = kombit
    project = world.projects[0]
    before = len(store)
    published = flows.publish_template(manager_of(world, project.id).id, template(project.id))
    assert published.id == len(world.templates) + 1
    assert len(store) == before + len(project.participants)
    assert [n["event"] for n in store.outbox()] == ["template.published"]


def test_a_waves_shift_moves_its_tasks_end_dates(kombit):
    world, store, flows = kombit
    admin = admin_of(world)
    wave = next(w for w in world.waves if w.members and w.shift_workdays == 0)
    member = wave.members[0]
    tpl = {t.id: t for t in world.templates}
    plain = [t for t in world.tasks if t.municipality == member and tpl[t.template].project == wave.project
             and t.end_override is None and t.latest_start_override is None]
    flows.set_wave_shift(admin.id, wave.id, 10)
    cal = klik.Calendars().effective(member, wave.project)
    columns = store.columns(admin, today=dt.date(2025, 9, 1))
    ends = {int(t): e.astype(object) for t, e in zip(columns["task"], columns["end"])}
    assert len(plain) > 5
    for t in plain:
        expected = cal.add_workdays(tpl[t.template].end, 10)
        assert klik.effective_schedule(tpl[t.template], t, 10, cal).end == expected
        assert ends[t.id] == expected  # the store's list shows the shifted date
    dataset = store.export()
    assert klik.wave_shift(dataset.waves, wave.project, member) == 10


def test_refusals(kombit):
    world, store, flows = kombit
    project = world.projects[0]
    plus = next(u for u in world.users
                if u.municipality in project.participants and u.type_on(project.id) == klik.UserType.PLUS)
    with pytest.raises(klik.PermissionDenied) as e:
        flows.publish_template(plus.id, template(project.id))
    assert e.value.rule == "default_deny"
    other = manager_of(world, world.projects[1].id)
    with pytest.raises(klik.PermissionDenied):
        flows.set_wave_shift(other.id, next(w.id for w in world.waves if w.project == project.id), 3)
    with pytest.raises(klik.NotFound, match="rollout wave not found"):
        flows.set_wave_shift(admin_of(world).id, 9999, 3)
    with pytest.raises(klik.ValidationError, match="assigned by klik"):
        flows.publish_template(admin_of(world).id, klik.TaskTemplate(
            id=7, project=project.id, title="X", end=dt.date(2026, 1, 2), duration_workdays=1))
    assert store.outbox() == []
