"""klik.NotificationRouting: who is told about what (the manual's Tabel 3 and Tabel 4) as data, through the real workflows."""
import datetime as dt
import json

import pytest

import klik

R = klik.NotificationRouting


def project_of(world, task):
    return next(t.project for t in world.templates if t.id == task.template)


@pytest.fixture()
def setup(small_world):
    store = klik.MemoryStore(small_world)
    clock = klik.FixedClock(dt.date(2026, 3, 2))
    kombit = next(u for u in small_world.users if u.administrator and u.municipality is None)
    return small_world, store, clock, kombit


def test_the_default_table_is_spec_section_5():
    d = R.default()
    assert d.audiences("deadline.red") == ["plus", "responsible", "performer"]
    assert d.audiences("message.kombit_task") == ["plus", "responsible", "performer"]
    assert d.audiences("message.municipality_task") == ["contact_mailbox"]
    assert d.audiences("message.kombit_wave") == ["plus", "standard"]
    assert d.audiences("task.assigned") == ["subject"]
    assert "Tabel 4" in d.note("message.kombit_task")
    table = d.table()
    assert list(table) == R.event_codes() and len(table) == 22
    assert "reader" not in R.audience_codes()
    assert R.scope("wave.changed") == "project" and R.scope("user.created") == "user"
    assert R.can_route("deadline.red", "administrators")
    assert not R.can_route("user.password_reset", "administrators")
    assert R.describe_audience("contact_mailbox").startswith("the project's KOMBIT")


def test_round_trip_and_overrides():
    d = R.default()
    assert R.from_json(d.to_json()) == d
    changed = d.with_route("deadline.red", ["plus", "administrators"])
    assert changed != d and changed.audiences("deadline.red") == ["plus", "administrators"]
    assert R.from_json(changed.to_json(indent=-1)) == changed
    assert hash(R.from_json(changed.to_json())) == hash(changed)
    with pytest.raises(klik.ValidationError, match="password link"):
        d.with_route("user.created", ["administrators"])
    with pytest.raises(klik.ValidationError, match="unknown audience"):
        d.with_route("deadline.red", ["reader"])


def test_bad_json_names_the_path():
    doc = json.loads(R.default().to_json())
    doc["routes"][1]["to"][0] = "everyone"
    with pytest.raises(klik.ValidationError) as e:
        R.from_json(json.dumps(doc))
    assert "/routes/1/to/0" in str(e.value) and "unknown audience" in str(e.value)
    doc = json.loads(R.default().to_json())
    del doc["routes"][5]
    with pytest.raises(klik.ValidationError, match="message.kombit_task"):
        R.from_json(json.dumps(doc))
    with pytest.raises(klik.ValidationError):
        R.from_json("[" * 100000)


def test_default_recipients_are_what_they_were(setup):
    world, store, clock, kombit = setup
    flows = klik.Workflows(store, clock=clock)
    task = next(t for t in world.tasks if t.status != klik.TaskStatus.NOT_ACTIVE and t.responsible)
    p = project_of(world, task)
    flows.write_message(kombit.id, task.id, "Hvordan går det?")
    expected = sorted({u.id for u in world.users if u.municipality == task.municipality and u.type_on(p) ==
                       klik.UserType.PLUS} | {h for h in (task.responsible, task.performer) if h is not None and next(
                           u for u in world.users if u.id == h).type_on(p) in (klik.UserType.STANDARD,
                                                                               klik.UserType.LIGHT)})
    assert store.outbox()[-1]["recipients"] == expected


def test_an_override_reaches_standard_users_but_never_those_who_may_not_see(setup):
    world, store, clock, kombit = setup
    routing = R.default().with_route("message.kombit_task",
                                     ["plus", "standard", "light", "administrators", "responsible", "performer"])
    flows = klik.Workflows(store, clock=clock, routing=routing)
    rights = klik.Rights.default()
    task = next(t for t in world.tasks if t.status != klik.TaskStatus.NOT_ACTIVE)
    p = project_of(world, task)
    flows.write_message(kombit.id, task.id, "Til alle")
    told = set(store.outbox()[-1]["recipients"])
    for u in world.users:
        if u.municipality != task.municipality:
            assert u.id not in told
            continue
        t = u.type_on(p)
        if t == klik.UserType.STANDARD:
            assert u.id in told
        if t == klik.UserType.READER:
            assert u.id not in told
        if u.id in told:
            assert rights.allows(u, klik.Action.VIEW_TASK, dataset=world, task_id=task.id)


def test_sweep_and_accounts_take_the_routing(setup):
    world, store, clock, kombit = setup
    wide = R.default().with_route("deadline.red", ["plus", "standard", "responsible", "performer"])
    store.sweep(dt.date(2026, 6, 1), now=clock, routing=wide, rights=klik.Rights.default())
    red = [n for n in store.outbox() if n["event"] == "deadline.red"]
    assert red
    standard_told = 0
    # (world.tasks and world.users convert the whole list at each access: once, here.)
    tasks = {t.id: t for t in world.tasks}
    project = {t.id: t.project for t in world.templates}
    standard_of = {}  # (municipality, project) -> the Standardbrugere there
    for u in world.users:
        for m in u.memberships:
            if m.type == klik.UserType.STANDARD and u.municipality is not None:
                standard_of.setdefault((u.municipality, m.project), set()).add(u.id)
    for n in red:
        payload = json.loads(n["payload"])
        if "local_task" in payload:
            continue
        task = tasks[payload["task"]]
        standard = standard_of.get((task.municipality, project[task.template]), set())
        assert standard <= set(n["recipients"])
        standard_told += len(standard)
    assert standard_told > 0
    quiet = R.default().with_route("user.password_reset", [])
    accounts = klik.Accounts(store, clock=clock, policy=klik.AccountPolicy(hashing=klik.HashParameters.minimum()),
                             routing=quiet)
    admin = next(u for u in world.users if u.administrator and u.municipality is not None)
    anne = next(u for u in world.users if u.municipality == admin.municipality and u.id != admin.id)
    before = len(store.outbox())
    accounts.send_reset_link(admin.id, anne.id)
    assert len(store.outbox()) == before  # routed to no one: nothing written



def test_publishing_takes_the_routing(setup):
    world, store, clock, kombit = setup
    publishing = klik.Publishing(store, clock=clock,
                                 routing=R.default().with_route("template.published", ["plus", "light"]))
    project = next(p for p in world.projects if p.participants)
    template = klik.TaskTemplate(id=0, project=project.id, title="Ny opgave", phase=1, theme=1,
                                 end=dt.date(2026, 9, 1), duration_workdays=5)
    publishing.publish_template(kombit.id, template)
    expected = sorted(u.id for u in world.users if u.municipality in project.participants and
                      u.type_on(project.id) in (klik.UserType.PLUS, klik.UserType.LIGHT))
    assert expected and store.outbox()[-1]["event"] == "template.published"
    assert store.outbox()[-1]["recipients"] == expected
