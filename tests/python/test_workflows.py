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


def _people(world, task):
    p = project_of(world, task)
    mine = [u for u in world.users if u.municipality == task.municipality]
    kind = lambda t: next(u for u in mine if u.type_on(p) == t and not u.administrator)  # noqa: E731
    stranger = next(u for u in world.users if u.municipality not in (None, task.municipality)
                    and u.type_on(p) == klik.UserType.PLUS)
    return kind(klik.UserType.PLUS), kind(klik.UserType.STANDARD), kind(klik.UserType.READER), stranger


def test_thread_files_local_tasks_and_users(world_and_flows):
    world, store, flows = world_and_flows
    task = next(t for t in world.tasks if t.status == klik.TaskStatus.NOT_STARTED)
    plus, standard, reader, stranger = _people(world, task)
    kombit = next(u for u in world.users if u.side == klik.Side.KOMBIT and u.administrator)

    # The thread: paged, oldest first, the same to every viewer; "not found" elsewhere.
    before = flows.messages(plus.id, task.id).total
    flows.write_message(plus.id, task.id, "Hvornår kommer testmiljøet?")
    flows.write_message(kombit.id, task.id, "I næste uge.")
    page = flows.messages(reader.id, task.id, offset=before, limit=10)
    assert [m.text for m in page.messages] == ["Hvornår kommer testmiljøet?", "I næste uge."]
    assert page.total == before + 2 and len(page) == 2
    with pytest.raises(klik.NotFound, match="^task not found$"):
        flows.messages(stranger.id, task.id)
    with pytest.raises(klik.ValidationError, match="limit"):
        flows.messages(plus.id, task.id, limit=0)

    # Files: listed and read by viewers, deleted by who may (not a Læser).
    f = flows.add_file(plus.id, task.id, "plan.txt", b"uge 12: test", "text/plain")
    assert [x.file_name for x in flows.files(reader.id, task.id)][-1] == "plan.txt"
    assert flows.read_file(reader.id, f.id) == b"uge 12: test"
    with pytest.raises(klik.NotFound) as missing:
        flows.read_file(stranger.id, 10**9)
    with pytest.raises(klik.NotFound) as foreign:
        flows.read_file(stranger.id, f.id)
    assert str(missing.value) == str(foreign.value) == "attachment not found"
    with pytest.raises(klik.PermissionDenied):
        flows.delete_file(reader.id, f.id)
    flows.delete_file(plus.id, f.id)
    assert f.id not in [x.id for x in flows.files(plus.id, task.id)]

    # A local task's life: edited, completed, deleted.
    local = flows.create_local_task(plus.id, klik.LocalTask(
        id=0, parent=task.id, municipality=task.municipality, title="Bestil kursus", end=dt.date(2026, 4, 30)))
    edited = flows.change_local_task(plus.id, local.id, title="Bestil kursus til 12", performer=standard.id,
                                     end="2026-05-15")
    assert (edited.title, edited.performer, edited.end, edited.version) == \
        ("Bestil kursus til 12", standard.id, dt.date(2026, 5, 15), local.version + 1)
    done = flows.change_local_task(standard.id, local.id, status=klik.TaskStatus.COMPLETED)
    assert done.status == klik.TaskStatus.COMPLETED
    with pytest.raises(klik.ValidationError, match="unknown local task field"):
        flows.change_local_task(plus.id, local.id, colour="red")
    with pytest.raises(klik.Conflict):
        flows.change_local_task(plus.id, local.id, title="gammel", expected_version=edited.version)
    with pytest.raises(klik.NotFound, match="^local task not found$"):
        flows.delete_local_task(stranger.id, local.id)
    flows.delete_local_task(plus.id, local.id)
    with pytest.raises(klik.NotFound):
        flows.change_local_task(plus.id, local.id, title="x")

    # Users: own details; the Administrator flag by an Administrator only.
    me = flows.edit_user(standard.id, standard.id, full_name="Sofie Kragh")
    assert me.full_name == "Sofie Kragh" and me.version == standard.version + 1
    with pytest.raises(klik.PermissionDenied):
        flows.edit_user(standard.id, reader.id, organisation="Andet sted")
    with pytest.raises(klik.PermissionDenied):
        flows.set_administrator(standard.id, reader.id, True)
    admin = next(u for u in world.users if u.municipality == task.municipality and u.administrator)
    assert flows.set_administrator(admin.id, standard.id, True).administrator
    assert not flows.set_administrator(admin.id, standard.id, False).administrator


def test_the_daily_digest_is_one_s_own_choice_or_an_editor_s(world_and_flows):
    """Issue 14: deadline changes as one mail a day; chosen by the user, or by whoever edits their details."""
    world, store, flows = world_and_flows
    task = world.tasks[3]
    p = project_of(world, task)
    rights = klik.Rights.default()
    standard = next(u for u in world.users if u.municipality == task.municipality and not u.administrator
                    and u.type_on(p) == klik.UserType.STANDARD
                    and all(m.type != klik.UserType.PLUS for m in u.memberships))
    other = next(u for u in world.users if u.municipality == task.municipality and u.id != standard.id
                 and not rights.decide(standard, klik.Action.EDIT_USER, user=u).allowed)
    admin = next(u for u in world.users if u.municipality == task.municipality and u.administrator)
    assert not standard.daily_digest
    assert flows.set_daily_digest(standard.id, standard.id, True).daily_digest
    assert store.user(standard.id).daily_digest
    with pytest.raises(klik.PermissionDenied):
        flows.set_daily_digest(standard.id, other.id, True)
    assert rights.validate_set_daily_digest(standard, other)[0].field == "daily_digest"
    assert rights.validate_set_daily_digest(admin, other) == []
    assert flows.set_daily_digest(admin.id, other.id, True).daily_digest
    # A User carries it through its constructor, JSON and the store's JSON export.
    u = klik.User(id=1, email="a@b.dk", full_name="A", daily_digest=True)
    assert u.daily_digest and klik.User.from_json(u.to_json()).daily_digest
    assert not klik.User.from_json('{"id": 1, "email": "a@b.dk", "full_name": "A"}').daily_digest
    assert '"daily_digest":true' in store.export_json().replace(" ", "")
