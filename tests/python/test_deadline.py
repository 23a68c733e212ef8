"""Deadline colours, timelines, explanations, clocks and the sweep from Python."""

import datetime as dt

import numpy as np
import pytest

import klik

D = dt.date
C = klik.DeadlineColour
S = klik.TaskStatus


def test_dates_and_colours_around_pinse_2025():
    cal = klik.Calendar()
    s = klik.Schedule(end=D(2025, 6, 14), latest_start=D(2025, 6, 7))
    d = klik.deadline_dates(s, cal)
    assert d == klik.DeadlineDates(D(2025, 5, 30), D(2025, 6, 10), D(2025, 6, 16))
    assert repr(s) == "Schedule(end=datetime.date(2025, 6, 14), latest_start=datetime.date(2025, 6, 7))"
    assert klik.colour(S.STARTED, s, cal, D(2025, 6, 9)) == C.GREEN
    assert klik.colour(S.STARTED, s, cal, D(2025, 6, 10)) == C.YELLOW
    assert klik.colour(S.STARTED, s, cal, D(2025, 6, 15)) == C.YELLOW
    assert klik.colour(S.STARTED, s, cal, D(2025, 6, 16)) == C.RED
    assert klik.colour_on(S.NOT_STARTED, d, D(2025, 5, 29)) == C.GREEN
    assert klik.colour_on(S.NOT_STARTED, d, D(2025, 5, 30)) == C.YELLOW
    assert klik.colour_on(S.NOT_STARTED, d, D(2025, 6, 10)) == C.RED
    assert klik.colour_on(S.NOT_ACTIVE, d, D(2025, 6, 10)) == C.GREY
    assert klik.colour_on(S.COMPLETED, d, D(2025, 6, 10)) == C.DONE


def test_duration_zero_and_invalid():
    cal = klik.Calendar()
    d = klik.deadline_dates(klik.Schedule(D(2025, 6, 13), duration_workdays=0), cal)
    assert d.latest_start == d.end == D(2025, 6, 13)
    assert klik.colour_timeline(S.STARTED, d) == [klik.colour_timeline(S.STARTED, d)[0]]
    assert klik.colour_timeline(S.STARTED, d)[0].to == C.RED
    with pytest.raises(klik.ValidationError, match="is after the end date"):
        klik.deadline_dates(klik.Schedule(D(2025, 6, 10), latest_start=D(2025, 6, 11)), cal)
    with pytest.raises(ValueError):
        klik.validate_schedule(klik.Schedule(D(2025, 6, 10), duration_workdays=-1))


def test_timeline_and_explanation():
    cal = klik.Calendar()
    d = klik.DeadlineDates(D(2025, 5, 30), D(2025, 6, 10), D(2025, 6, 20))
    tl = klik.colour_timeline(S.NOT_STARTED, d)
    assert [(c.date, c.from_colour, c.to) for c in tl] == [
        (D(2025, 5, 30), C.GREEN, C.YELLOW), (D(2025, 6, 10), C.YELLOW, C.RED)]
    x = klik.explain_colour(S.NOT_STARTED, d, cal, D(2025, 6, 2))
    assert x.colour == C.YELLOW
    assert x.workdays_to_latest_start == 4
    assert x.workdays_to_end == 12
    assert x.next_change.date == D(2025, 6, 10)
    assert "rød fra seneste start tirsdag 10. juni 2025" in str(x)
    assert klik.danish_date(D(2025, 6, 7)) == "lørdag 7. juni 2025"


def test_template_and_task(small_world):
    cal = klik.Calendar()
    task = small_world.tasks[0]
    tpl = small_world.templates[task.template - 1]
    sched = klik.schedule_of(tpl, task)
    assert sched.end == tpl.end
    today = tpl.end
    assert klik.colour(tpl, task, cal, today) == klik.colour(task.status, sched, cal, today)
    assert isinstance(klik.colour_timeline(tpl, task, cal), list)
    assert klik.explain_colour(tpl, task, cal, today).colour == klik.colour(tpl, task, cal, today)


def test_vectorised_colours(small_world):
    cal = klik.Calendar()
    today = small_world.templates[0].end
    cols = klik.colours(small_world, today)
    assert cols.dtype == np.uint8 and len(cols) == len(small_world.tasks)
    for i in range(0, len(small_world.tasks), 97):
        task = small_world.tasks[i]
        tpl = small_world.templates[task.template - 1]
        assert C(int(cols[i])) == klik.colour(tpl, task, cal, today)


def test_clocks():
    fixed = klik.FixedClock(D(2025, 6, 7))
    assert klik.today_in_copenhagen(fixed) == D(2025, 6, 7)
    assert fixed.today() == D(2025, 6, 7)
    late = klik.FixedClock(dt.datetime(2025, 6, 30, 22, 0, tzinfo=dt.timezone.utc))
    assert late.today() == D(2025, 7, 1)
    assert klik.copenhagen_date(dt.datetime(2025, 12, 31, 22, 59, 59, tzinfo=dt.timezone.utc)) == D(2025, 12, 31)
    assert klik.SystemClock().today() >= D(2024, 1, 1)
    assert repr(late) == "FixedClock('2025-06-30T22:00:00Z')"


def test_sweep_idempotent_and_catch_up(small_world):
    day = small_world.templates[0].end
    first = klik.sweep(small_world, day)
    assert len(first.notified) == len(small_world.tasks)
    assert len(first.events) > 0
    assert all(e.new_colour in (C.YELLOW, C.RED) and e.old_colour is None for e in first.events)
    again = klik.sweep(small_world, day, last_notified=first.notified)
    assert len(again.events) == 0
    e = first.events[0]
    assert e.key == f"deadline/{e.task}/{e.new_colour.code}/{e.reached_on.isoformat()}"
    assert e.date == day and e.reached_on <= day
    assert repr(first).startswith("SweepResult(events=")
    # Catch-up after ten days: at most one event per task.
    later = klik.sweep(small_world, day + dt.timedelta(days=10), last_notified=first.notified)
    tasks = [ev.task for ev in later.events]
    assert len(tasks) == len(set(tasks))
    with pytest.raises(klik.ValidationError):
        klik.sweep(small_world, day, last_notified=[None])


def test_sweep_to_columns(small_world):
    day = small_world.templates[0].end
    r = klik.sweep(small_world, day)
    cols = r.to_columns()
    assert set(cols) == {"task", "municipality", "project", "priority", "old_colour", "new_colour", "date",
                         "reached_on", "idempotency_key"}
    assert cols["date"].dtype == np.dtype("datetime64[D]")
    assert cols["task"].dtype == np.int64 and cols["idempotency_key"].dtype == np.uint64
    assert len(cols["task"]) == len(r.events)
    e = r.events[0]
    assert cols["task"][0] == e.task
    assert cols["reached_on"][0] == np.datetime64(e.reached_on)
    assert cols["old_colour"][0] == -1
    assert klik.DeadlineColour(int(cols["new_colour"][0])) == e.new_colour
    assert int(cols["idempotency_key"][0]) == e.idempotency_key == klik.sweep_key(e.task, e.new_colour, e.reached_on)


def test_shift_schedule():
    s = klik.Schedule(D(2025, 6, 13), latest_start=D(2025, 6, 4))
    assert klik.shift_schedule(s, 2, klik.Calendar()) == klik.Schedule(D(2025, 6, 17), latest_start=D(2025, 6, 10))
