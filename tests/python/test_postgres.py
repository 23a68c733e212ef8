"""klik.open with a PostgreSQL URL: the PostgreSQL store from Python, on the
session's throwaway server (pg_cluster.py; fails, never skips, without PostgreSQL)."""

import time

import pytest

import klik


@pytest.fixture(scope="module")
def world():
    return klik.synthetic.generate(municipalities=2, scale=0.17)


def test_a_url_opens_a_postgres_store_and_a_path_still_sqlite(pg_url, tmp_path, world):
    with klik.open(pg_url) as store:
        assert isinstance(store, klik.Store)
        assert isinstance(store, klik.PostgresStore)
        assert len(store) == 0
        store.import_dataset(world)
        assert len(store) == len(world.tasks)
        assert store.server.startswith("klik@") and store.server.endswith("/" + pg_url.split("/")[3].split("?")[0])
        assert repr(store).startswith("PostgresStore('klik@")
    assert store.closed
    with pytest.raises(klik.FailedPrecondition):
        len(store)
    assert repr(store) == "PostgresStore(closed)"
    with klik.open(tmp_path / "x.sqlite") as sqlite:
        assert isinstance(sqlite, klik.SqliteStore)
    with klik.open(str(tmp_path / "y.sqlite")) as sqlite:
        assert isinstance(sqlite, klik.SqliteStore)


def test_changes_survive_reopening_and_reach_another_store(pg_url, world):
    task = world.tasks[3]
    with klik.open(pg_url) as a:
        a.import_dataset(world)
        with klik.open(pg_url) as b:
            stored = a.update_task(task.id, status=klik.TaskStatus.COMPLETED, expected_version=task.version)
            assert stored.version == task.version + 1
            # b's next read catches up (LISTEN/NOTIFY; the change log is the truth).
            deadline = time.monotonic() + 5
            while b.task(task.id).status != klik.TaskStatus.COMPLETED and time.monotonic() < deadline:
                time.sleep(0.001)
            assert b.task(task.id).version == task.version + 1
            assert b.sequence == a.sequence
            with pytest.raises(klik.Conflict):
                b.update_task(task.id, status=klik.TaskStatus.STARTED, expected_version=task.version)
    with klik.open(pg_url, create=False) as again:
        assert again.task(task.id).status == klik.TaskStatus.COMPLETED
        assert again.outbox() == []


def test_bad_urls_raise_storage_errors_without_the_password(pg_cluster):
    with pytest.raises(klik.StorageError) as e:
        klik.open("postgresql://klik:s3cret@127.0.0.1:1/klik", connect_timeout=2)
    assert "cannot connect to PostgreSQL klik@127.0.0.1:1/klik" in str(e.value)
    assert "s3cret" not in str(e.value)
    with pytest.raises(klik.StorageError, match="does not exist"):
        klik.open(pg_cluster.url("no_such_database"))
    with pytest.raises(klik.StorageError, match="holds no klik store"):
        klik.open(pg_cluster.create_database("empty_no_create"), create=False)
    with pytest.raises(klik.ValidationError, match="durability"):
        klik.open(pg_cluster.url(), durability="normal")
