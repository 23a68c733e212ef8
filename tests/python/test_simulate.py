"""What-if (Publishing.simulate): the answer equals what really happens, and nothing is written."""
import datetime as dt

import pytest

import klik

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def world():
    return klik.synthetic.generate(municipalities=5, scale=0.25, content=False)


def admin_of(world):
    return next(u for u in world.users if u.email == "klik@kombit.dk")


def largest_wave(world):
    project_of = {t.id: t.project for t in world.templates}
    def size(w):
        return sum(1 for t in world.tasks if project_of[t.template] == w.project and t.municipality in w.members)
    return max(world.waves, key=size)


def swept_store(world):
    """A store with the world whose last-notified colours come from a sweep two weeks ago."""
    store = klik.MemoryStore(world)
    store.sweep(TODAY - dt.timedelta(days=14), now=klik.FixedClock(TODAY - dt.timedelta(days=14)))
    return store


def judged(dataset):
    """Per task id: (status, deadline dates) computed from an exported world, on the default calendars."""
    templates = {t.id: t for t in dataset.templates}
    cals = klik.Calendars()
    out = {}
    for t in dataset.tasks:
        tpl = templates[t.template]
        cal = cals.effective(t.municipality, tpl.project)
        schedule = klik.effective_schedule(tpl, t, klik.wave_shift(dataset.waves, tpl.project, t.municipality), cal)
        out[t.id] = (t.status, klik.deadline_dates(schedule, cal))
    return out


def deadline_keys(store, start):
    return {n["key"] for n in store.outbox()[start:] if n["event"].startswith("deadline.")}


def test_a_wave_shift_is_what_really_happens(world):
    wave = largest_wave(world)
    admin = admin_of(world)
    on = TODAY + dt.timedelta(days=21)
    simulating, real, untouched = swept_store(world), swept_store(world), swept_store(world)
    before_json = simulating.export_json()
    outbox_before = len(simulating.outbox())

    scenario = klik.Scenario().shift_wave(wave.id, -15)
    sim = klik.Publishing(simulating, clock=klik.FixedClock(TODAY)).simulate(admin.id, scenario, on=on)
    assert simulating.export_json() == before_json and len(simulating.outbox()) == outbox_before

    was = judged(real.export())
    klik.Publishing(real, clock=klik.FixedClock(TODAY)).set_wave_shift(admin.id, wave.id, wave.shift_workdays - 15)
    now = judged(real.export())
    affected = {i for i in now if now[i] != was[i]}
    assert sim.affected == len(affected) > 20

    red = klik.DeadlineColour.RED
    def colours(state, day):
        return {i: klik.colour_on(state[i][0], state[i][1], day) for i in affected}
    for day, total, turning in ((TODAY, sim.today_total, sim.red_today), (on, sim.on_total, sim.red_on)):
        b, a = colours(was, day), colours(now, day)
        for c in klik.DeadlineColour.__members__.values():
            assert total.before[c] == sum(1 for v in b.values() if v == c)
            assert total.after[c] == sum(1 for v in a.values() if v == c)
        assert [t.task for t in turning] == sorted(i for i in affected if a[i] == red and b[i] != red)
    assert sim.today_total.change(red) > 0 and sim.red_today
    assert sum(g.today.after[red] for g in sim.by_municipality) == sim.today_total.after[red]
    assert {g.municipality for g in sim.by_municipality} <= set(wave.members)

    # Today's real sweep: the simulated events for the affected tasks, the untouched store's for the rest.
    start_real, start_untouched = len(real.outbox()), len(untouched.outbox())
    real.sweep(TODAY, now=klik.FixedClock(TODAY))
    untouched.sweep(TODAY, now=klik.FixedClock(TODAY))
    def task_of(key):
        return int(key.split("/")[1]) if not key.startswith("deadline/local/") else 0
    rest = {k for k in deadline_keys(untouched, start_untouched) if task_of(k) not in affected}
    assert deadline_keys(real, start_real) == rest | {e.key for e in sim.sweep_events}
    assert {e.key for e in sim.sweep_events_without} == \
        {k for k in deadline_keys(untouched, start_untouched) if task_of(k) in affected}
    assert sim.sweep_events


def test_status_changes_and_a_moved_template(world):
    admin = admin_of(world)
    store = swept_store(world)
    state = judged(world)
    tpl = next(t for t in world.templates if t.end > TODAY + dt.timedelta(days=30))
    plus = next(u for u in world.users if u.side == klik.Side.MUNICIPALITY and u.memberships
                and u.memberships[0].type == klik.UserType.PLUS)
    kombit = klik.Publishing(store, clock=klik.FixedClock(TODAY))
    # A Plusbruger completes not-started tasks of their project in their municipality.
    mine = [t.id for t in world.tasks if t.municipality == plus.municipality and
            next(x for x in world.templates if x.id == t.template).project == plus.memberships[0].project
            and state[t.id][0] == klik.TaskStatus.NOT_STARTED][:5]
    sim = kombit.simulate(plus.id, klik.Scenario().set_status(mine, klik.TaskStatus.COMPLETED))
    assert sim.affected == len(mine)
    assert sim.today_total.after[klik.DeadlineColour.DONE] == len(mine)
    assert sim.on is None and sim.on_total is None and sim.red_on == []
    # KOMBIT moves a template's end into the past: its not-started instances turn red.
    sim = kombit.simulate(admin.id, klik.Scenario().move_template(tpl.id, end=TODAY - dt.timedelta(days=1)))
    # (those of municipalities in no shifted wave, not red already)
    instances = [t for t in world.tasks if t.template == tpl.id and t.end_override is None
                 and t.latest_start_override is None and t.status == klik.TaskStatus.NOT_STARTED
                 and klik.wave_shift(world.waves, tpl.project, t.municipality) == 0
                 and klik.colour_on(t.status, state[t.id][1], TODAY) != klik.DeadlineColour.RED]
    assert instances
    assert {t.id for t in instances} <= {t.task for t in sim.red_today}
    assert all(t.project == tpl.project and t.red_from <= TODAY for t in sim.red_today)


def test_refusals_and_not_found(world):
    store = klik.MemoryStore(world)
    kombit = klik.Publishing(store, clock=klik.FixedClock(TODAY))
    wave = largest_wave(world)
    plus = next(u for u in world.users if u.side == klik.Side.MUNICIPALITY and u.type_on(wave.project) ==
                klik.UserType.PLUS)
    with pytest.raises(klik.PermissionDenied) as e:
        kombit.simulate(plus.id, klik.Scenario().shift_wave(wave.id, 5))
    assert e.value.rule == "default_deny"
    foreign = next(t for t in world.tasks if t.municipality != plus.municipality)
    with pytest.raises(klik.NotFound, match="^task not found$"):
        kombit.simulate(plus.id, klik.Scenario().set_status([foreign.id], "completed"))
    admin = admin_of(world)
    with pytest.raises(klik.NotFound, match="wave not found"):
        kombit.simulate(admin.id, klik.Scenario().shift_wave(99999, 1))
    with pytest.raises(klik.NotFound, match="template not found"):
        kombit.simulate(admin.id, klik.Scenario().move_template(99999, end=TODAY))
    with pytest.raises(klik.ValidationError, match="1000 working days"):
        kombit.simulate(admin.id, klik.Scenario().set_wave_shift(wave.id, 1001))
    with pytest.raises(klik.ValidationError):
        kombit.simulate(admin.id, klik.Scenario().move_template(world.templates[0].id, latest_start=TODAY,
                                                                 duration_workdays=3))


def test_scenario_reads_well():
    s = klik.Scenario()
    assert s.shift_wave(3, -10) is s
    s.move_template(7, end=dt.date(2026, 5, 29)).set_status([1, 2], "completed")
    assert len(s) == 3
    assert repr(s) == ("Scenario(shift_wave(wave=3, workdays=-10), move_template(template=7, "
                       "end=datetime.date(2026, 5, 29)), set_status(tasks=[1, 2], status=TaskStatus.COMPLETED))")
    assert s == klik.Scenario().shift_wave(3, -10).move_template(7, end=dt.date(2026, 5, 29)).set_status(
        [1, 2], klik.TaskStatus.COMPLETED)


def test_results_have_useful_reprs(world):
    store = klik.MemoryStore(world)
    wave = largest_wave(world)
    sim = klik.Publishing(store, clock=klik.FixedClock(TODAY)).simulate(
        admin_of(world).id, klik.Scenario().shift_wave(wave.id, -15), on="2026-03-30")
    assert sim.on == dt.date(2026, 3, 30)
    assert repr(sim).startswith("Simulation(today=datetime.date(2026, 3, 2), on=datetime.date(2026, 3, 30), affected=")
    assert "red=" in repr(sim.today_total) and "->" in repr(sim.today_total)
    assert repr(sim.by_municipality[0]).startswith("SimulatedGroup(municipality=")
    assert repr(sim.red_today[0]).startswith("SimulatedTask(task=")
    assert isinstance(sim.sweep_events[0], klik.DeadlineEvent)
