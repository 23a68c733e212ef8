"""The Python surface of the rights area: names, enums, decisions, errors, batch forms."""

import json

import pytest

import klik

P, Q = 1, 2
HOME, OTHER = 101, 851


def user(uid, type_on_p=None, admin=False, municipality=HOME, project=P, side=klik.Side.MUNICIPALITY):
    ms = [klik.Membership(project=project, type=type_on_p)] if type_on_p is not None else []
    return klik.User(
        id=uid,
        email=f"u{uid}@kommune.dk",
        full_name=f"User {uid}",
        municipality=municipality if side == klik.Side.MUNICIPALITY else None,
        side=side,
        administrator=admin,
        memberships=ms,
    )


PROJECTS = [
    klik.Project(id=P, name="Ydelsesrefusion", deadline=__import__("datetime").date(2026, 12, 1),
                 period_start=__import__("datetime").date(2026, 1, 1),
                 period_end=__import__("datetime").date(2026, 12, 31)),
]


def task(responsible=None, municipality=HOME, status=klik.TaskStatus.NOT_STARTED):
    return klik.TaskFacts(id=500, municipality=municipality, project=P, responsible=responsible, status=status)


@pytest.fixture(scope="module")
def rights():
    return klik.Rights.default()


def test_action_enum_is_upper_case_with_codes():
    assert klik.Action.EDIT_STATUS.code == "edit_status"
    assert klik.Action.parse("set_not_active") == klik.Action.SET_NOT_ACTIVE
    assert repr(klik.Action.VIEW_TASK) == "Action.VIEW_TASK"
    with pytest.raises(klik.ValidationError):
        klik.Action.parse("fly")


def test_decide_grant_has_rule_and_reason(rights):
    d = rights.decide(user(10, klik.UserType.LIGHT), klik.Action.EDIT_STATUS, task=task(responsible=10),
                      projects=PROJECTS)
    assert d.allowed and bool(d)
    assert d.outcome == klik.Outcome.ALLOWED
    assert d.rule == "assigned_edit_status"
    assert d.reason.startswith("Light-bruger on project Ydelsesrefusion may change status")
    assert "Decision(outcome=Outcome.ALLOWED" in repr(d)


def test_decide_denial_names_nearest_way(rights):
    d = rights.decide(user(10, klik.UserType.READER), klik.Action.EDIT_STATUS, task=task(), projects=PROJECTS)
    assert not d.allowed and d.visible
    assert d.nearest == "allowed as Plusbruger"
    assert d.reason == "Læser on project Ydelsesrefusion may not change status; allowed as Plusbruger"


def test_other_municipality_is_not_found(rights):
    d = rights.decide(user(10, klik.UserType.PLUS), klik.Action.VIEW_TASK, task=task(municipality=OTHER))
    assert d.outcome == klik.Outcome.NOT_FOUND and not d.visible
    assert d.reason == "task not found"
    with pytest.raises(klik.NotFound):
        klik.require(d)


def test_require_raises_permission_denied_with_decision(rights):
    d = rights.decide(user(10, klik.UserType.READER), klik.Action.WRITE_MESSAGE, task=task())
    with pytest.raises(klik.PermissionDenied) as info:
        klik.require(d)
    assert isinstance(info.value, PermissionError)
    assert info.value.rule == "default_deny"
    assert info.value.nearest == "allowed as Plusbruger"
    assert info.value.decision.outcome == klik.Outcome.DENIED
    assert info.value.decision.reason == d.reason


def test_decide_from_dataset(rights, small_world):
    t = small_world.tasks[0]
    plus = next(u for u in small_world.users
                if u.municipality == t.municipality and any(m.type == klik.UserType.PLUS for m in u.memberships))
    index = klik.FactIndex(small_world)
    facts = index.task(t.id)
    assert klik.TaskFacts.from_dataset(small_world, task_id=t.id) == facts
    by_id = rights.decide(plus, klik.Action.VIEW_TASK, dataset=small_world, task_id=t.id)
    by_task = rights.decide(plus, klik.Action.VIEW_TASK, task=t, dataset=small_world)
    by_facts = rights.decide(plus, klik.Action.VIEW_TASK, task=facts, projects=small_world.projects)
    assert by_id == by_task == by_facts
    assert rights.allows(plus, klik.Action.VIEW_TASK, task=facts) == by_id.allowed


def test_who_can_matches_decide(rights, small_world):
    facts = klik.FactIndex(small_world).task(small_world.tasks[3].id)
    grants = rights.who_can(klik.Action.BE_ASSIGNED, small_world.users, task=facts)
    expected = [u.id for u in small_world.users if rights.decide(u, klik.Action.BE_ASSIGNED, task=facts).allowed]
    assert [g.user for g in grants] == expected
    assert all(g.reason for g in grants)


def test_task_scope_and_visible_tasks(rights, small_world):
    facts = klik.FactIndex(small_world).all_tasks()
    viewer = next(u for u in small_world.users if u.side == klik.Side.MUNICIPALITY and u.memberships)
    scope = rights.task_scope(viewer)
    assert scope.municipality == viewer.municipality
    visible = rights.visible_tasks(viewer, facts)
    assert visible == [f.id for f in facts if rights.decide(viewer, klik.Action.VIEW_TASK, task=f).allowed]
    assert all(scope.contains(f, viewer.id) == (f.id in visible and not f.local) for f in facts if not f.local)
    kombit = next(u for u in small_world.users if u.side == klik.Side.KOMBIT)
    assert rights.task_scope(kombit).all_projects
    assert not rights.task_scope(kombit).local_tasks


def test_field_rights_padlocks(rights):
    pads = rights.field_rights(user(10, klik.UserType.STANDARD), [task(responsible=10), task()])
    assert pads[0].can(klik.Action.EDIT_STATUS)
    assert not pads[1].can(klik.Action.EDIT_STATUS)
    assert klik.Action.EDIT_INTERNAL_NOTES in pads[1].allowed_actions()
    assert "visible=True" in repr(pads[0])


def test_capabilities(rights):
    caps = rights.capabilities(user(1, admin=True))
    assert caps.create_users and caps.delete_users and caps.grant_administrator and caps.assign_in_all_projects
    light = rights.capabilities(user(2, klik.UserType.LIGHT))
    assert light.project_list and not light.create_users


def test_loading_a_changed_model():
    model = {
        "name": "test", "version": 2,
        "rules": [{"id": "reader_view", "actions": ["view_task"], "party": "municipality", "who": ["reader"]},
                  {"id": "reader_messages", "actions": ["write_message"], "party": "municipality",
                   "who": ["reader"], "conditions": ["not_local_task"]}],
    }
    r = klik.Rights.from_json(json.dumps(model))
    assert r.name == "test" and [x.id for x in r.rules] == ["reader_view", "reader_messages"]
    assert r.decide(user(10, klik.UserType.READER), klik.Action.WRITE_MESSAGE, task=task()).allowed
    model["rules"][1]["conditions"] = ["full_moon"]
    with pytest.raises(klik.ValidationError, match='unknown condition "full_moon"'):
        klik.Rights.from_json(json.dumps(model))
    assert klik.Rights.from_json(klik.Rights.default().to_json()).rules == klik.Rights.default().rules
    assert "same_municipality" in klik.Rights.condition_codes()


def test_user_admin_validators(rights):
    admin = user(1, admin=True)
    plus = user(2, klik.UserType.PLUS)
    users = [admin, plus]
    v = rights.validate_set_administrator(admin, admin, False, users)
    assert [x.kind for x in v] == [klik.AdminViolationKind.LAST_ADMINISTRATOR]
    assert "last Administrator of municipality 101" in v[0].message
    with pytest.raises(klik.FailedPrecondition):
        klik.throw_if_any(v)
    dup = klik.User(id=3, email=" U2@Kommune.dk", full_name="Dup", municipality=HOME)
    v = rights.validate_create_user(admin, dup, klik.UserList(users))
    assert v[0].kind == klik.AdminViolationKind.EMAIL_TAKEN
    with pytest.raises(klik.AlreadyExists):
        klik.throw_if_any(v)
    assert rights.validate_remove_project(admin, plus, P, users)[0].kind == klik.AdminViolationKind.LAST_PLUSBRUGER


def test_cleared_assignments():
    lise = user(4, klik.UserType.LIGHT)
    tasks = [task(responsible=4), task(responsible=5)]
    cleared = klik.cleared_assignments(lise, None, tasks)
    assert len(cleared) == 1 and cleared[0].responsible and not cleared[0].performer
    assert repr(cleared[0]) == "ClearedAssignment(task=500, responsible=True, performer=False)"
