"""klik.plot: the bars and lines carry exactly the library's counts, in the KLIK colours,
with the Danish colour names in the legend."""
import datetime as dt
import sys

import matplotlib

matplotlib.use("Agg")  # no display: render to memory

import pytest  # noqa: E402

import klik  # noqa: E402

TODAY = dt.date(2025, 3, 14)


@pytest.fixture(scope="module")
def world():
    return klik.synthetic.generate(municipalities=4, scale=0.25)


@pytest.fixture(scope="module")
def store(world):
    return klik.MemoryStore(world)


def kombit(world):
    return next(u for u in world.users if u.side == klik.Side.KOMBIT and u.administrator)


def test_matplotlib_is_imported_only_by_a_plot():
    import subprocess

    code = "import sys, klik; assert 'matplotlib' not in sys.modules; klik.plot; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_quick_status_bars_are_the_national_view(store, world):
    project = world.projects[0].id
    ax = klik.plot.quick_status_by_municipality(store, kombit(world).id, project, today=TODAY)
    rows = {r.municipality: r for r in store.status_by_municipality(kombit(world).id, project, today=TODAY)}
    names = {m.id: m.name for m in world.municipalities}
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert sorted(labels) == sorted(names[m] for m in rows)
    colours = list(klik.DeadlineColour.__members__.values())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [c.danish for c in colours]
    by_name = {names[m]: r for m, r in rows.items()}
    for colour, bars in zip(colours, ax.containers):
        assert matplotlib.colors.to_hex(bars[0].get_facecolor()) == klik.plot.COLOURS[colour.code]
        for label, bar in zip(labels, bars):
            want = sum(by_name[label].count(colour, p) for p in klik.Priority.__members__.values())
            assert bar.get_height() == want
    reds = [sum(by_name[l].count("red", p) for p in klik.Priority.__members__.values()) for l in labels]
    assert reds == sorted(reds, reverse=True) and sum(reds) > 0


def test_colours_over_time_are_the_quick_status_of_each_day(store, world):
    viewer = kombit(world).id
    project = world.projects[0].id
    today = dt.datetime.now(dt.timezone.utc).date()
    days = [today + dt.timedelta(days=7 * i) for i in range(4)]
    ax = klik.plot.colours_over_time(store, viewer, project, days)
    red, yellow = ax.get_lines()
    for i, day in enumerate(days):
        counts = store.quick_status(viewer, f"project = {project}", today=day)
        assert red.get_ydata()[i] == counts["red"] and yellow.get_ydata()[i] == counts["yellow"]
    # Before the world was in the store, the journal cannot say what it was.
    with pytest.raises(klik.FailedPrecondition, match="journal"):
        klik.plot.colours_over_time(store, viewer, project, [today - dt.timedelta(days=30)])


def test_what_if_shows_before_and_after(store, world):
    publishing = klik.Publishing(store, clock=klik.FixedClock(TODAY))
    wave = world.waves[0]
    simulation = publishing.simulate(kombit(world).id, klik.Scenario().shift_wave(wave.id, -15),
                                     on=TODAY + dt.timedelta(days=28))
    ax = klik.plot.what_if(simulation)
    before, after = ax.containers
    colours = list(klik.DeadlineColour.__members__.values())
    assert [b.get_height() for b in before] == [simulation.today_total.before[c] for c in colours]
    assert [b.get_height() for b in after] == [simulation.today_total.after[c] for c in colours]
    assert simulation.today_total.before != simulation.today_total.after
    later = klik.plot.what_if(simulation, when="on")
    assert [b.get_height() for b in later.containers[1]] == [simulation.on_total.after[c] for c in colours]
