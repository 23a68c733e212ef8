"""Python that feels like Python: pandas' NA for "not set", names beside ids, the
manual's words in any case, no shadowed built-ins, a useful repr on every class and
HTML for notebooks."""
import builtins
import inspect
from html import escape as html_escape

import pytest

import klik

TODAY = "2026-12-01"


@pytest.fixture(scope="module")
def world():
    return klik.synthetic.generate(municipalities=2, scale=0.25, local_task_share=0.2)


@pytest.fixture(scope="module")
def store(world):
    return klik.MemoryStore(world)


def plusbruger(world):
    return next(u for u in world.users if u.memberships and u.memberships[0].type == klik.UserType.PLUS)


def test_dataframe_not_set_is_na_and_names_stand_beside_ids(store, world):
    import pandas  # python3-pandas: scripts/setup installs it
    plus = plusbruger(world)
    frame = store.dataframe(plus.id, today=TODAY)
    cols = store.columns(plus.id, today=TODAY)
    assert len(frame) == len(cols["task"]) > 0
    for name in ("local_task", "responsible", "performer"):
        assert str(frame[name].dtype) == "Int64"
        assert frame[name].isna().sum() == (cols[name] == 0).sum() > 0, name
        assert (frame[name].dropna().to_numpy() == cols[name][cols[name] != 0]).all()
    assert frame["local_task"].notna().any()
    names = {m.id: m.name for m in world.municipalities}
    assert list(frame["municipality_name"]) == [names[m] for m in cols["municipality"]]
    projects = {p.id: p.name for p in world.projects}
    assert list(frame["project_name"]) == [projects[p] for p in cols["project"]]
    assert frame.columns.get_loc("project_name") == frame.columns.get_loc("project") + 1
    assert isinstance(frame["status"].dtype, pandas.CategoricalDtype)


def test_the_manual_s_words_in_any_case(store, world):
    plus = plusbruger(world)
    danish = store.quick_status(plus.id, "farve = rød and status in (påbegyndt, \"IKKE PÅBEGYNDT\")", today=TODAY)
    english = store.quick_status(plus.id, "colour = red and status in (started, not_started)", today=TODAY)
    assert danish == english and danish.total > 0
    assert klik.TaskQuery.parse("ansvarlig = \"ikke påført\"") == klik.TaskQuery.parse("responsible is empty")
    assert klik.TaskStatus.parse("fuldført") == klik.TaskStatus.COMPLETED
    assert klik.DeadlineColour.parse("GRÅ") == klik.DeadlineColour.GREY
    with pytest.raises(klik.ValidationError, match="rod"):
        klik.TaskQuery.parse("farve = rod")


def test_star_import_shadows_no_built_in():
    names = {}
    exec("from klik import *", names)
    assert [n for n in names if n != "__builtins__" and hasattr(builtins, n)] == []
    assert "MemoryStore" in names and "TaskQuery" in names
    assert callable(klik.open)  # still there as klik.open


def test_every_class_has_a_repr_of_its_own(store, world):
    bare = [n for n in klik.__all__ if inspect.isclass(getattr(klik, n)) and getattr(klik, n).__repr__ is object.__repr__]
    assert bare == []
    assert repr(store) == f"Store(tasks={len(store)})"
    assert repr(world.municipalities).startswith("MunicipalityList([Municipality(id=")
    assert repr(world.tasks).startswith(f"TaskList({len(world.tasks)} items, the first Task(id=")
    summary = store.colours_with_changes(TODAY)
    assert repr(summary).startswith("ColourChangeSummary(today=ColourCounts(")
    for value in (store, world.tasks, summary, klik.Workflows(store), klik.SystemClock()):
        assert " object at 0x" not in repr(value)


def test_notebook_html(store, world):
    plus = plusbruger(world)
    page = store.tasks(plus.id, "limit 3", today=TODAY)
    html = page._repr_html_()
    assert html.count("<tr>") == 4 and f"3 af {page.total} opgaver" in html
    assert all(r.colour.danish in html for r in page.rows)  # the colour's name, not only its swatch
    counts = store.quick_status(plus.id, today=TODAY)._repr_html_()
    assert "Rød" in counts and "I alt" in counts
    decision = klik.Decision("denied", "default_deny", "no rule <allows> it", "allowed as Plusbruger")._repr_html_()
    assert "&lt;allows&gt;" in decision and "Plusbruger" in decision
    task = world.tasks[0]
    template = next(t for t in world.templates if t.id == task.template)
    explanation = klik.explain_colour(template, task, klik.Calendar.danish(), TODAY)
    assert html_escape(explanation.text) in explanation._repr_html_() and explanation.text


def test_a_row_s_colour_explained_on_the_list_s_own_dates(store, world):
    plus = plusbruger(world)
    page = store.tasks(plus.id, "limit 200", today=TODAY)
    assert any(r.local is not None for r in page.rows)
    for r in page.rows:
        e = store.explain_colour(r.task, TODAY, r.local)
        assert e is not None and e.colour == r.colour and e.text, r
    assert store.explain_colour(10**8, TODAY) is None
    local = next(r for r in page.rows if r.local is not None)
    assert store.explain_colour(local.task + 1, TODAY, local.local) is None  # not that task's local task


def test_columns_refuse_a_query_that_pages_rather_than_ignore_it(store, world):
    plus = plusbruger(world)
    for query in ["limit 5", "status = started order by end_date offset 2", "LIMIT 10",
                  klik.TaskQuery.parse("limit 7")]:
        with pytest.raises(klik.ValidationError, match="every matching row"):
            store.columns(plus.id, query, today=TODAY)
        with pytest.raises(klik.ValidationError, match="every matching row"):
            store.dataframe(plus.id, query, today=TODAY)
    # The words inside a title search are not paging.
    assert len(store.columns(plus.id, 'title ~ "limit"', today=TODAY)["task"]) == 0
    assert len(store.columns(plus.id, "status = started", today=TODAY)["task"]) == \
        store.quick_status(plus.id, "status = started", today=TODAY).total


def test_national_views_and_lists_as_data_frames(store, world):
    kombit = next(u for u in world.users if u.side == klik.Side.KOMBIT and u.administrator)
    project = world.projects[0].id
    frame = store.status_frame(kombit.id, project, today=TODAY)
    rows = store.status_by_municipality(kombit.id, project, today=TODAY)
    assert list(frame["municipality"]) == [r.municipality for r in rows]
    for r, (_, f) in zip(rows, frame.iterrows()):
        assert f["red_critical_path"] == r.count("red", "critical_path")
        assert f["yellow_mandatory"] == r.count("yellow", "mandatory")
        assert f["red_followed_up"] == r.red_followed_up
    phases = store.phase_frame(kombit.id, project)
    assert list(phases["completed"]) == [p.count("completed") for p in store.progress_by_phase(kombit.id, project)]
    projects = store.projects_frame(kombit.id)
    assert sorted(projects["project"]) == sorted(p.project for p in store.projects(kombit.id))
    admin = next(u for u in world.users if u.side == klik.Side.MUNICIPALITY and u.administrator)
    users = store.users_frame(admin.id)
    listed = store.users(admin.id)
    assert list(users["email"]) == [u.email for u in listed] and len(listed) > 0
    names = {m.id: m.name for m in world.municipalities}
    assert set(users["municipality_name"]) == {names[admin.municipality]}
