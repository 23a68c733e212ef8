import datetime as dt

import numpy as np
import pytest

import klik

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def store(small_world):
    return klik.MemoryStore(small_world)


def first_user(world, type_):
    for u in world.users:
        if u.side == klik.Side.MUNICIPALITY and any(m.type == type_ for m in u.memberships):
            return u
    raise AssertionError(f"no {type_} in the world")


def kombit_admin(world):
    return next(u for u in world.users if u.side == klik.Side.KOMBIT and u.administrator)


def test_page_rows_total_and_cursor(store, small_world):
    plus = first_user(small_world, klik.UserType.PLUS)
    page = store.tasks(plus, "status in (not_started, started) order by end_date limit 10", today=TODAY)
    assert isinstance(page, klik.TaskPage)
    assert len(page) == 10 and page.total >= 10
    assert all(r.status in (klik.TaskStatus.NOT_STARTED, klik.TaskStatus.STARTED) for r in page)
    ends = [r.end for r in page]
    assert ends == sorted(ends) and isinstance(ends[0], dt.date)
    assert all(r.municipality == plus.municipality for r in page)
    # the cursor continues exactly after the page
    nxt = store.tasks(plus, f'status in (not_started, started) order by end_date limit 10 after "{page.next_cursor}"',
                      today=TODAY)
    both = store.tasks(plus, "status in (not_started, started) order by end_date limit 20", today=TODAY)
    assert [r.task for r in page] + [r.task for r in nxt] == [r.task for r in both]


def test_viewer_by_id_or_email(store, small_world):
    plus = first_user(small_world, klik.UserType.PLUS)
    a = store.tasks(plus.id, today=TODAY)
    b = store.tasks(plus.email.upper(), today=TODAY)
    assert [r.task for r in a] == [r.task for r in b]
    with pytest.raises(klik.NotFound):
        store.tasks("nobody@nowhere.dk", today=TODAY)


def test_light_user_sees_only_their_tasks(store, small_world):
    light = None
    for u in small_world.users:
        if u.side == klik.Side.MUNICIPALITY and u.memberships and all(m.type == klik.UserType.LIGHT for m in u.memberships):
            light = u
            break
    assert light is not None
    page = store.tasks(light, "limit 10000", today=TODAY)
    parents = {t.id: t for t in small_world.tasks}
    for r in page:
        if r.local is None:
            assert light.id in (r.responsible, r.performer)


def test_quick_status_counts(store, small_world):
    plus = first_user(small_world, klik.UserType.PLUS)
    counts = store.quick_status(plus, today=TODAY)
    everything = store.tasks(plus, "limit 10000", today=TODAY)
    assert counts.total == everything.total
    assert counts[klik.DeadlineColour.RED] == sum(1 for r in everything if r.colour == klik.DeadlineColour.RED)
    assert set(counts.to_dict()) == {"green", "yellow", "red", "grey", "done"}


def test_columns_are_numpy_without_row_objects(store, small_world):
    admin = kombit_admin(small_world)
    cols = store.columns(admin, "priority = critical_path", today=TODAY)
    assert cols["task"].dtype == np.int64
    assert cols["end"].dtype == np.dtype("datetime64[D]")
    assert cols["colour"].dtype == np.uint8
    assert len(cols["task"]) == len(cols["title"]) > 0
    # each title is its own task's (one buffer in C++, a str per row here)
    title_of = {t.id: small_world.templates[t.template - 1].title for t in small_world.tasks}
    assert [str(t) for t in cols["title"]] == [title_of[int(t)] for t in cols["task"]]
    assert (cols["priority"] == int(klik.Priority.CRITICAL_PATH)).all()
    assert (cols["local_task"] == 0).all()  # KOMBIT never sees local tasks


def test_kombit_views(store, small_world):
    admin = kombit_admin(small_world)
    project = small_world.projects[0].id
    per = store.status_by_municipality(admin, project, today=TODAY)
    assert {s.municipality for s in per} <= {m.id for m in small_world.municipalities}
    phases = store.progress_by_phase(admin, project)
    assert [p.phase for p in phases] == list(range(1, len(phases) + 1))
    assert store.municipalities_without_plus(project) == []
    with pytest.raises(klik.NotFound):
        store.status_by_municipality(first_user(small_world, klik.UserType.PLUS), project, today=TODAY)


def test_bad_query_errors(store, small_world):
    plus = first_user(small_world, klik.UserType.PLUS)
    with pytest.raises(klik.ValidationError, match="project"):
        store.tasks(plus, "phase = 1", today=TODAY)
    with pytest.raises(klik.ValidationError):
        store.tasks(plus, 'project = "No such project"', today=TODAY)


def test_update_task_and_conflict(small_world):
    s = klik.MemoryStore(small_world)
    # a task not yet completed: completing a completed task changes nothing (no new version)
    t = next(x for x in small_world.tasks if x.status != klik.TaskStatus.COMPLETED)
    stored = s.update_task(t.id, status=klik.TaskStatus.COMPLETED, expected_version=t.version)
    assert stored.status == klik.TaskStatus.COMPLETED and stored.version == t.version + 1
    with pytest.raises(klik.Conflict):
        s.update_task(t.id, status=klik.TaskStatus.STARTED, expected_version=t.version)
    with pytest.raises(klik.ValidationError, match="unknown task field"):
        s.update_task(t.id, colour="red")
    assert s.task(t.id).status == klik.TaskStatus.COMPLETED


def test_visibility_sql_shape(small_world):
    plus = first_user(small_world, klik.UserType.PLUS)
    where, params = klik.visibility_sql(plus)
    assert where.count("?") == len(params)
    assert params[0] == plus.municipality


def test_dataframe_when_pandas_is_installed(store, small_world):
    import pandas  # python3-pandas: scripts/setup installs it
    frame = store.dataframe(kombit_admin(small_world), "status = started", today=TODAY)
    assert list(frame["status"].unique()) == ["started"]
    assert len(frame) == store.quick_status(kombit_admin(small_world), "status = started", today=TODAY).total


def test_project_and_user_list_filters(store, small_world):
    plus = first_user(small_world, klik.UserType.PLUS)
    q = klik.ProjectQuery(user_types=[klik.UserType.PLUS])
    assert q.applied_filters() == ["user_types"]
    assert klik.ProjectQuery.from_json(q.to_json()) == q
    rows = store.projects(plus, q)
    assert rows and all(r.viewer_type == klik.UserType.PLUS for r in rows)
    uq = klik.UserQuery(projects=[plus.memberships[0].project], user_types=[klik.UserType.LIGHT])
    assert uq.applied_filters() == ["projects", "user_types"]
    assert uq.without("projects").applied_filters() == ["user_types"]
    users = store.users(plus, uq)
    assert all(u.type_on(plus.memberships[0].project) == klik.UserType.LIGHT for u in users)
    assert all(u.municipality == plus.municipality for u in users)
    with pytest.raises(klik.ValidationError, match="/user_types/0"):
        klik.UserQuery.from_json('{"user_types": ["boss"]}')


def test_every_store_imports_exports_and_sweeps_whatever_its_backend(tmp_path):
    # import_json, export_json, outbox and sweep are klik.Store's, not only the SQLite store's.
    world = klik.synthetic.generate(municipalities=1, scale=0.02)
    text = klik.MemoryStore(world).export_json()
    store = klik.MemoryStore()
    store.import_json(text)
    assert store.export_json() == text
    counts = store.sweep("2026-03-02", tmp_path / "out.jsonl", now=klik.FixedClock(dt.date(2026, 3, 2)))
    assert counts["tasks"] == len(world.tasks) + len(world.local_tasks)  # local tasks are swept too
    assert len(store.outbox()) == counts["events"]
    assert counts["delivered"] == counts["events"]
