"""The outbox from Python on the memory and the SQLite store (issue 14): pending entries,
dead letters, counts by state, an operator's requeue."""

import datetime as dt

import pytest

import klik

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path, small_world):
    if request.param == "memory":
        yield klik.MemoryStore(small_world)
    else:
        with klik.open(tmp_path / "klik.sqlite", durability="normal") as s:
            s.import_dataset(small_world)
            yield s


def test_dead_letters_are_listed_counted_and_requeued(store, small_world):
    task = next(t for t in small_world.tasks if t.responsible is not None)
    klik.Workflows(store, clock=klik.FixedClock(NOON)).write_message(task.responsible, task.id, "Vi er i gang")
    box = store.outbox()
    n = len(box)
    assert n > 0 and not any(x["dead_letter"] or x["delivered"] for x in box)
    assert store.outbox_counts(NOON) == {"pending": n, "due": n, "dead": 0, "delivered": 0}
    assert store.outbox_counts(klik.FixedClock(NOON - dt.timedelta(seconds=1)))["due"] == 0
    assert [x["id"] for x in store.pending_notifications(NOON, limit=n)] == [x["id"] for x in box]
    assert store.dead_letters() == []

    first = box[0]["id"]
    with pytest.raises(klik.FailedPrecondition, match="not a dead letter"):
        store.requeue([first])
    store.give_up(first, "550 mailbox unavailable")
    dead = store.dead_letters()
    assert [d["id"] for d in dead] == [first]
    assert dead[0]["last_error"] == "550 mailbox unavailable" and dead[0]["attempts"] == 1
    assert first not in [x["id"] for x in store.pending_notifications(NOON, limit=n)]
    assert store.outbox_counts(NOON) == {"pending": n - 1, "due": n - 1, "dead": 1, "delivered": 0}
    with pytest.raises(klik.NotFound):
        store.requeue([first, 4_000_000_000])
    assert store.dead_letters()[0]["id"] == first, "all or none"
    with pytest.raises(klik.NotFound):
        store.give_up(4_000_000_000, "x")

    later = NOON + dt.timedelta(hours=1)
    store.requeue([first], at=later)
    again = store.outbox()[0]
    assert not again["dead_letter"] and again["attempts"] == 0
    assert again["next_attempt"] == "2026-03-02T13:00:00Z"
    assert again["last_error"] == "550 mailbox unavailable"  # kept until the next failure
    assert store.outbox_counts(NOON)["due"] == n - 1 and store.outbox_counts(later)["due"] == n
    with pytest.raises(TypeError, match="now must be"):
        store.outbox_counts("noon")
