"""klik.TaskQuery as a Python user sees it: construction, text, JSON, chips, errors."""

import copy
import datetime
import json
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import klik

ISSUE_TEXT = (
    'project = "Ydelsesrefusion" and status in (not_started, started) and responsible is empty order by end_date'
)


def test_parse_and_keywords_build_the_same_query():
    parsed = klik.TaskQuery.parse(ISSUE_TEXT)
    built = klik.TaskQuery(
        projects="Ydelsesrefusion",
        statuses=[klik.TaskStatus.STARTED, "Ikke påbegyndt"],
        responsible=klik.NOT_SET,
        sort="end_date",
    )
    assert parsed == built
    assert hash(parsed) == hash(built)
    assert str(built) == ISSUE_TEXT
    assert built.to_text() == ISSUE_TEXT
    assert repr(built) == f"TaskQuery.parse('{ISSUE_TEXT}')"
    assert repr(klik.TaskQuery()) == "TaskQuery()"


def test_properties_are_canonical():
    q = klik.TaskQuery(
        projects=["B", 9, "A", 2, 9],
        phases=[3, 1],
        themes=2,
        statuses=["completed", klik.TaskStatus.NOT_ACTIVE],
        priorities=["Obligatorisk", klik.Priority.CRITICAL_PATH],
        colours=["Rød", "green"],
        title_contains="Æble",
        end_from=datetime.date(2025, 1, 1),
        end_to="2025-12-31",
        sort=[("title", "desc"), klik.SortKey(klik.TaskColumn.ID), "status"],
        offset=10,
        limit=20,
        cursor="c",
    )
    assert q.projects == [2, 9, "B", "A"]
    assert q.phases == [1, 3]
    assert q.themes == [2]
    assert q.statuses == [klik.TaskStatus.NOT_ACTIVE, klik.TaskStatus.COMPLETED]
    assert q.priorities == [klik.Priority.CRITICAL_PATH, klik.Priority.MANDATORY]
    assert q.colours == [klik.DeadlineColour.GREEN, klik.DeadlineColour.RED]
    assert q.title_contains == "Æble"
    assert q.end_from == datetime.date(2025, 1, 1)
    assert q.end_to == datetime.date(2025, 12, 31)
    assert q.sort == [
        klik.SortKey("title", descending=True),
        klik.SortKey(klik.TaskColumn.ID),
        klik.SortKey(klik.TaskColumn.STATUS),
    ]
    assert (q.offset, q.limit, q.cursor) == (10, 20, "c")
    assert str(q) == (
        'project in (2, 9, "B", "A") and phase in (1, 3) and theme = 2 and status in (not_active, completed) '
        "and priority in (critical_path, mandatory) and colour in (green, red) and title ~ \"Æble\" "
        "and end >= 2025-01-01 and end <= 2025-12-31 order by title desc, id, status limit 20 offset 10 "
        'after "c"'
    )


def test_person_filters_and_not_set():
    q = klik.TaskQuery(responsible=[17, "anne@x.dk", None], performer=klik.PersonFilter([3], negated=True))
    assert q.responsible == klik.PersonFilter([17, "anne@x.dk"], not_set=True)
    assert q.responsible.users == [17, "anne@x.dk"]
    assert q.responsible.not_set and not q.responsible.negated
    assert q.performer.negated
    assert str(q) == 'responsible in (17, "anne@x.dk", empty) and performer != 3'
    assert klik.TaskQuery(responsible=[klik.NOT_SET]) == klik.TaskQuery.parse("responsible is empty")
    assert klik.TaskQuery(responsible=~klik.PersonFilter(not_set=True)) == klik.TaskQuery.parse(
        "responsible is not empty"
    )
    # None (the default) is no filter; NOT_SET or None inside a list means "not set"
    assert klik.TaskQuery(responsible=None).filter_count() == 0
    assert repr(klik.NOT_SET) == "klik.NOT_SET"
    assert repr(klik.PersonFilter([5], not_set=True, negated=True)) == (
        "PersonFilter(users=[5], not_set=True, negated=True)"
    )
    assert not klik.PersonFilter().active


def test_chips_without_and_reset():
    q = klik.TaskQuery.parse(
        "project = 1 and phase = 2 and status = started and performer is empty order by title limit 20 offset 40"
    )
    assert q.applied_filters() == [
        klik.FilterField.PROJECT,
        klik.FilterField.PHASE,
        klik.FilterField.STATUS,
        klik.FilterField.PERFORMER,
    ]
    assert q.filter_count() == 4
    assert str(q.without("status")) == "project = 1 and phase = 2 and performer is empty order by title limit 20"
    assert q.without(klik.FilterField.PROJECT).applied_filters() == [
        klik.FilterField.STATUS,
        klik.FilterField.PERFORMER,
    ]
    assert q.without(klik.FilterField.TITLE) == q
    assert str(q.reset_filters()) == "order by title limit 20"
    with pytest.raises(klik.ValidationError):
        q.without("sort")


def test_json_and_dict_round_trip():
    q = klik.TaskQuery.parse('project in (3, "Ydelsesrefusion") and responsible in (17, empty) and end >= 2025-01-01')
    assert json.loads(q.to_json()) == {
        "projects": [3, "Ydelsesrefusion"],
        "responsible": {"users": [17], "not_set": True, "negated": False},
        "end_from": "2025-01-01",
    }
    assert klik.TaskQuery.from_json(q.to_json(indent=2)) == q
    assert klik.TaskQuery.from_dict(q.to_dict()) == q
    assert klik.TaskQuery().to_dict() == {}
    assert pickle.loads(pickle.dumps(q)) == q
    assert copy.deepcopy(q) == q


def test_errors_are_validation_errors_naming_the_problem():
    with pytest.raises(klik.ValidationError, match="phases: phase needs a project: choose a project first"):
        klik.TaskQuery(phases=[1])
    with pytest.raises(klik.ValidationError, match=r'position 7: expected "in", "=", "!=" or "not in" after status'):
        klik.TaskQuery.parse("status is empty")
    with pytest.raises(klik.ValidationError, match='position 9: unknown status "done"'):
        klik.TaskQuery.parse("status = done")
    with pytest.raises(klik.ValidationError, match='statuses: unknown TaskStatus "x"'):
        klik.TaskQuery(statuses=["x"])
    with pytest.raises(klik.ValidationError, match="/statuses/0"):
        klik.TaskQuery.from_dict({"statuses": ["finished"]})
    with pytest.raises(klik.ValidationError, match='/colour: unknown field "colour"'):
        klik.TaskQuery.from_dict({"colour": ["red"]})
    with pytest.raises(klik.ValidationError, match="limit"):
        klik.TaskQuery(limit=0)
    with pytest.raises(klik.ValidationError, match="end_from"):
        klik.TaskQuery(end_from="2025-02-01", end_to="2025-01-01")
    with pytest.raises(TypeError, match="projects"):
        klik.TaskQuery(projects=[1.5])
    with pytest.raises(klik.ValidationError, match="asc"):
        klik.TaskQuery(sort=[("title", "down")])
    with pytest.raises(TypeError):
        klik.TaskQuery(["positional"])  # keyword-only


def test_enums():
    assert klik.TaskColumn.END_DATE.code == "end_date"
    assert klik.TaskColumn.parse("End date") == klik.TaskColumn.END_DATE
    assert klik.FilterField.END_FROM.code == "end_from"
    assert repr(klik.FilterField.COLOUR) == "FilterField.COLOUR"
    assert klik.FilterField.parse("responsible") == klik.FilterField.RESPONSIBLE
    assert len(klik.TaskColumn.__members__) == 10
    assert len(klik.FilterField.__members__) == 11


def test_scalars_are_one_value_lists():
    q = klik.TaskQuery(
        statuses=klik.TaskStatus.STARTED,
        projects=3,
        colours="Rød",
        responsible=17,
        performer="a@b.dk",
        sort=klik.TaskColumn.TITLE,
    )
    assert str(q) == (
        'project = 3 and status = started and colour = red and responsible = 17 and performer = "a@b.dk" '
        "order by title"
    )
    assert klik.TaskQuery(sort=("title", "desc")).sort == [klik.SortKey("title", True)]
    assert klik.TaskQuery(sort=("title", "status")).sort == [klik.SortKey("title"), klik.SortKey("status")]
    assert klik.TaskQuery(sort=[("title", True)]).sort == [klik.SortKey("title", True)]


_texts = st.lists(st.sampled_from(list('aZ0 "\\æØå@.-_(),~=') + ["and", "empty"]), max_size=8).map("".join)
_refs = st.lists(st.one_of(st.integers(0, 2**32 - 1), _texts.filter(bool)), max_size=4)
_people = st.one_of(
    st.none(),
    st.builds(klik.PersonFilter, _refs, st.booleans(), st.booleans()).filter(
        lambda f: not (f.negated and not f.users and not f.not_set)
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    projects=_refs,
    phases=st.lists(st.integers(1, 255), max_size=3),
    statuses=st.lists(st.sampled_from(list(klik.TaskStatus.__members__.values())), max_size=4),
    colours=st.lists(st.sampled_from(["green", "Gul", "Rød", "grey", "Flueben"]), max_size=5),
    responsible=_people,
    performer=_people,
    title=_texts,
    end=st.one_of(st.none(), st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 1, 1))),
    sort=st.lists(st.sampled_from(list(klik.TaskColumn.__members__.values())), unique=True, max_size=4),
    limit=st.integers(1, 10000),
)
def test_any_built_query_round_trips(projects, phases, statuses, colours, responsible, performer, title, end, sort,
                                     limit):
    q = klik.TaskQuery(
        projects=projects,
        phases=phases if projects else [],
        statuses=statuses,
        colours=colours,
        responsible=responsible,
        performer=performer,
        title_contains=title,
        end_to=end,
        sort=sort,
        limit=limit,
    )
    assert klik.TaskQuery.parse(str(q)) == q
    assert klik.TaskQuery.from_dict(q.to_dict()) == q
    assert str(klik.TaskQuery.parse(str(q))) == str(q)
    assert eval(repr(q), {"TaskQuery": klik.TaskQuery}) == q
