import datetime as dt
import json

import pytest

import klik

GOOD = "Blå hest løber langsomt"


@pytest.fixture()
def setup(small_world):
    store = klik.MemoryStore(small_world)
    clock = klik.FixedClock(dt.date(2026, 3, 2))
    policy = klik.AccountPolicy(hashing=klik.HashParameters.minimum())
    return small_world, store, klik.Accounts(store, clock=clock, policy=policy), klik.Workflows(store, clock=clock)


def admin_of(world, m):
    return next(u for u in world.users if u.municipality == m and u.administrator)


def test_functions_and_types():
    h = klik.hash_password("correct horse battery", klik.HashParameters.minimum())
    assert h.startswith("$argon2id$") and "correct" not in h
    assert klik.verify_password(h, "correct horse battery")
    assert not klik.verify_password(h, "wrong")
    assert klik.needs_rehash(h, klik.HashParameters.standard())
    assert klik.HashParameters.standard() == klik.HashParameters(3, 64 << 20)
    assert klik.password_problems(GOOD, "anne@kommune.dk") == []
    assert any("12 characters" in p for p in klik.password_problems("kort", "anne@kommune.dk"))
    assert klik.is_common_password("Sommer2024!")
    assert [klik.throttle_seconds(n) for n in (5, 6, 7, 16)] == [0, 1, 2, 900]
    assert len(klik.reset_token_hash("x")) == 64
    assert klik.LoginOutcome.parse("throttled") == klik.LoginOutcome.THROTTLED
    assert "password_hash" not in klik.User(id=1, email="a@b.dk", full_name="A").to_json()
    with pytest.raises(TypeError):
        klik.User(id=1, email="a@b.dk", full_name="A", password_hash="x")


def test_created_user_sets_password_by_link_and_logs_in(setup):
    world, store, accounts, flows = setup
    admin = admin_of(world, world.municipalities[0].id)
    anne = flows.create_user(admin.id, klik.User(id=0, email="anne.ny@kommune.dk", full_name="Anne Ny",
                                                 municipality=admin.municipality))
    told = store.outbox()[-1]
    assert told["event"] == "user.created"
    token = told["link"].split("token=")[1]
    creds = store.credentials(anne.id)
    assert creds.reset_token_hash == klik.reset_token_hash(token)
    assert not creds.has_password
    assert "hash" not in repr(creds) and "$argon2" not in repr(creds)
    with pytest.raises(klik.ValidationError):
        accounts.set_password_with_token(anne.id, token, "sommer2024")
    accounts.set_password_with_token(anne.id, token, GOOD)
    with pytest.raises(klik.Error):
        accounts.set_password_with_token(anne.id, token, GOOD)  # single use
    ok = accounts.login("Anne.Ny@kommune.dk", GOOD)
    assert ok and ok.outcome == klik.LoginOutcome.SUCCESS and ok.user == anne.id
    wrong = accounts.login(anne.email, "nope")
    unknown = accounts.login("ghost@kommune.dk", "nope")
    assert not wrong and wrong == unknown
    # The hash stays out of ordinary exports; a backup keeps it.
    h = store.credentials(anne.id).password_hash
    assert h not in store.export_json()
    backup = store.export_json(with_credentials=True)
    assert h in backup
    assert [c["user"] for c in json.loads(backup)["credentials"]] == [anne.id]
    assert store.export(with_credentials=True).to_json() == backup
    assert store.export().credentials == []
    assert [c.user for c in store.export(with_credentials=True).credentials] == [anne.id]


def test_a_backup_matches_the_dataset_schema(setup, source_dir):
    import jsonschema
    world, store, accounts, flows = setup
    admin = admin_of(world, world.municipalities[0].id)
    flows.create_user(admin.id, klik.User(id=0, email="bo@kommune.dk", full_name="Bo", municipality=admin.municipality))
    schema = json.loads((source_dir / "docs" / "dataset.schema.json").read_text())
    doc = json.loads(store.export_json(with_credentials=True))
    assert len(doc["credentials"]) == 1
    jsonschema.validate(doc, schema)
    doc["credentials"][0]["reset_token_hash"] = "not hex"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_reset_link_rights_and_tenancy(setup):
    world, store, accounts, _ = setup
    m0, m1 = world.municipalities[0].id, world.municipalities[1].id
    target = next(u for u in world.users if u.municipality == m0 and not u.administrator)
    with pytest.raises(klik.NotFound) as other:
        accounts.send_reset_link(admin_of(world, m1).id, target.id)
    with pytest.raises(klik.NotFound) as missing:
        accounts.send_reset_link(admin_of(world, m1).id, 999999)
    assert str(other.value) == str(missing.value)
    plain = next(u for u in world.users if u.municipality == m0 and u.id != target.id and not u.administrator
                 and all(m.type != klik.UserType.PLUS for m in u.memberships))
    with pytest.raises(klik.PermissionDenied):
        accounts.send_reset_link(plain.id, target.id)
    accounts.send_reset_link(admin_of(world, m0).id, target.id)
    assert store.outbox()[-1]["event"] == "user.password_reset"
    assert store.outbox()[-1]["recipients"] == [target.id]
    with pytest.raises(klik.PermissionDenied):
        accounts.change_password(target.id, "not set", GOOD)
