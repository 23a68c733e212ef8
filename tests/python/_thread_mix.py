"""Eight threads mixing every reader and writer of one store, for tests/python/test_threads.py.

Run as a child process: ``python _thread_mix.py memory|sqlite DIR``. A deadlocked process
cannot be stopped from inside Python (the stuck thread may hold the GIL), so faulthandler's
watchdog thread dumps every thread's stack to stderr and exits; the test fails with that dump.
"""

import datetime as dt
import faulthandler
import pathlib
import random
import sys
import threading
import time

import klik

THREADS = 8
SECONDS = 3.0
WATCHDOG_SECONDS = 45.0
DAY = dt.date(2026, 3, 2)


def _actors(world):
    task = next(t for t in world.tasks if t.responsible is not None)
    project = next(t.project for t in world.templates if t.id == task.template)
    plus = next(u for u in world.users
                if u.municipality == task.municipality and u.type_on(project) == klik.UserType.PLUS)
    admin = next(u for u in world.users if u.municipality == task.municipality and u.administrator)
    kombit = next(u for u in world.users if u.side == klik.Side.KOMBIT)
    return task, project, plus, admin, kombit


def _operations(store, world, sqlite, tmp_path):
    """(name, callable(rng, thread)) for every binding that reads or writes the store."""
    task, project, plus, admin, kombit = _actors(world)
    flows = klik.Workflows(store, clock=klik.FixedClock(DAY))
    tasks = [t.id for t in world.tasks[:50]]
    users = [u.id for u in world.users]
    statuses = [klik.TaskStatus.NOT_STARTED, klik.TaskStatus.STARTED]
    next_id = [10_000_000]

    def fresh_user(thread):
        next_id[0] += 1
        uid = next_id[0]
        return klik.User(id=uid, email=f"t{thread}-{uid}@example.dk", full_name="Tråd Test",
                         municipality=task.municipality)

    def put_and_remove_user(rng, thread):
        proposed = fresh_user(thread)
        proposed.id = 0  # the store assigns it
        u = store.create_user(proposed)
        store.remove_user(u.id)

    def create_and_delete_user(rng, thread):
        proposed = fresh_user(thread)
        proposed.id = 0
        proposed.memberships = [klik.Membership(project, klik.UserType.LIGHT)]
        made = flows.create_user(admin.id, proposed)
        flows.set_user_type(admin.id, made.id, project, klik.UserType.READER)
        flows.delete_user(admin.id, made.id)

    ops = [
        # readers
        ("len", lambda rng, th: len(store)),
        ("tasks", lambda rng, th: store.tasks(rng.choice(users), "status:started", today=DAY)),
        ("quick_status", lambda rng, th: store.quick_status(rng.choice(users), today=DAY)),
        ("columns", lambda rng, th: store.columns(rng.choice(users), today=DAY)),
        ("status_by_municipality", lambda rng, th: store.status_by_municipality(kombit.id, project, today=DAY)),
        ("progress_by_phase", lambda rng, th: store.progress_by_phase(kombit.id, project)),
        ("municipalities_without_plus", lambda rng, th: store.municipalities_without_plus(project)),
        ("colours_with_changes", lambda rng, th: store.colours_with_changes(today=DAY)),
        ("projects", lambda rng, th: store.projects(rng.choice(users))),
        ("users", lambda rng, th: store.users(admin.id)),
        ("task", lambda rng, th: store.task(rng.choice(tasks))),
        ("user", lambda rng, th: store.user(rng.choice(users))),
        ("template", lambda rng, th: store.template(world.templates[0].id)),
        ("export", lambda rng, th: store.export()),
        ("internal_notes", lambda rng, th: flows.internal_notes(plus.id, task.id)),
        # writers
        ("update_task", lambda rng, th: store.update_task(rng.choice(tasks), status=rng.choice(statuses))),
        ("put_remove_user", put_and_remove_user),
        ("change_task", lambda rng, th: flows.change_task(plus.id, task.id, status=rng.choice(statuses))),
        ("write_message", lambda rng, th: flows.write_message(plus.id, task.id, f"besked fra tråd {th}")),
        ("broadcast", lambda rng, th: flows.broadcast(kombit.id, project, None, "til alle")),
        ("set_internal_notes", lambda rng, th: flows.set_internal_notes(plus.id, task.id, f"note {th}")),
        ("add_file", lambda rng, th: flows.add_file(plus.id, task.id, "a.txt", b"hej", "text/plain")),
        ("create_local_task", lambda rng, th: flows.create_local_task(
            plus.id, klik.LocalTask(id=0, parent=task.id, municipality=task.municipality, title="lokal", end=DAY))),
        ("user_workflows", create_and_delete_user),
        # the outbox: its readers, a dispatcher round (marks entries delivered), a mail composed
        ("outbox_counts", lambda rng, th: store.outbox_counts()),
        ("pending_notifications", lambda rng, th: store.pending_notifications(limit=50)),
        ("dead_letters", lambda rng, th: store.dead_letters()),
        ("dispatch", lambda rng, th: klik.Dispatcher(store, klik.MemoryNotifier(), batch=20).run_once()),
        ("compose_emails", lambda rng, th: [klik.compose_emails(store, n["id"])
                                            for n in store.pending_notifications(limit=1)]),
    ]
    if sqlite:
        ops += [
            ("outbox", lambda rng, th: store.outbox()),
            ("integrity_check", lambda rng, th: store.integrity_check()),
            ("schema_version", lambda rng, th: store.schema_version),
            ("repr", lambda rng, th: repr(store)),
            ("export_json", lambda rng, th: store.export_json()),
            ("sweep", lambda rng, th: store.sweep(DAY, notifications=tmp_path / f"n{th}.jsonl")),
        ]
    else:
        ops += [("import_dataset", lambda rng, th: store.import_dataset(store.export()) if rng.random() < 0.1 else None)]
    return ops


def _hammer(ops):
    stop = time.monotonic() + SECONDS
    failures = []
    counts = {name: 0 for name, _ in ops}

    def worker(thread):
        rng = random.Random(thread)
        while time.monotonic() < stop and not failures:
            name, op = rng.choice(ops)
            try:
                op(rng, thread)
            except klik.Error:
                pass  # refusals and conflicts are answers, not failures
            except BaseException as e:  # noqa: BLE001 - reported below
                failures.append((name, repr(e)))
            counts[name] += 1

    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True, file=sys.__stderr__)
    try:
        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        faulthandler.cancel_dump_traceback_later()
    if failures:
        raise SystemExit(f"failures: {failures[:5]}")
    return counts


def main(kind, folder):
    world = klik.synthetic.generate(municipalities=2, scale=0.1, local_task_share=0.05)
    if kind == "memory":
        store = klik.MemoryStore(world)
        counts = _hammer(_operations(store, world, sqlite=False, tmp_path=folder))
    else:
        with klik.open(folder / "klik.sqlite", durability="normal") as store:
            store.import_dataset(world)
            counts = _hammer(_operations(store, world, sqlite=True, tmp_path=folder))
    idle = sorted(name for name, n in counts.items() if n == 0)
    if idle:
        raise SystemExit(f"operations never run: {idle}")
    print("calls:", sum(counts.values()))


if __name__ == "__main__":
    main(sys.argv[1], pathlib.Path(sys.argv[2]))
