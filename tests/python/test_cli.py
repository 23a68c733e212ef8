"""The `klik` command (apps/klik, docs/cli.md), run as a user runs it and checked
against the library's own answers through the Python module."""
import csv
import io
import json
import os
import pathlib
import re
import sqlite3
import subprocess

import pytest

import klik

DAY = "2026-12-01"


def _binary() -> pathlib.Path:
    # build/python/klik/__init__.py -> build/apps/klik
    path = pathlib.Path(os.environ.get("KLIK_CLI", pathlib.Path(klik.__file__).resolve().parents[2] / "apps" / "klik"))
    if not path.is_file():
        pytest.fail(f"the klik command is not built at {path} (scripts/build builds it; KLIK_CLI names another)")
    return path


# The command is a program of its own: under scripts/test's ASan run it carries its own
# sanitizer runtime, and the one preloaded into the interpreter must not be loaded again.
ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


def run(*args, ok=True):
    result = subprocess.run([str(_binary()), *map(str, args)], capture_output=True, text=True, timeout=300, env=ENV)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("cli") / "world.sqlite"
    done = run("generate", "--db", path, "--municipalities", 2, "--scale", 0.25, "--seed", 11)
    assert "tasks" in done.stderr
    return path


@pytest.fixture(scope="module")
def store(db):
    return klik.open(str(db), read_only=True, create=False)


def dataset(store) -> "klik.Dataset":
    return klik.Dataset.from_json(store.export_json())


def plusbruger(store) -> str:
    users = dataset(store).users
    return next(u.email for u in users if u.memberships and u.memberships[0].type == klik.UserType.PLUS)


def test_every_command_has_help():
    commands = ["generate", "import", "export", "query", "quick-status", "explain colour", "explain right", "sweep",
                "dispatch", "migrate", "check", "serve"]
    for command in commands:
        result = run(*command.split(), "--help")
        assert "Usage:" in result.stdout and "--help" in result.stdout, command
    assert all(c.split()[0] in run("--help").stdout for c in commands)
    assert run("--version").stdout.strip() == klik.__version__


def test_usage_errors_are_one_line_naming_the_command_and_exit_2():
    for args, named in [(["query", "--db", "x.sqlite"], "klik query: --as is required"),
                        (["frobnicate"], "klik: "),
                        (["explain", "right", "--db", "x"], "klik explain right: --as is required")]:
        result = run(*args, ok=False)
        assert result.returncode == 2, args
        assert result.stderr.startswith(named), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr


def test_query_lists_exactly_what_the_library_lists(db, store):
    viewer = plusbruger(store)
    text = "status in (not_started, started) and colour in (yellow, red)"
    want = store.columns(viewer, text, today=DAY)
    rows = list(csv.DictReader(io.StringIO(run("query", "--db", db, "--as", viewer, "--date", DAY, text, "--csv").stdout)))
    assert len(rows) == len(want["task"]) > 0
    assert [int(r["task"]) for r in rows] == [int(t) for t in want["task"]]
    assert {r["colour"] for r in rows} <= {"yellow", "red"}
    lines = run("query", "--db", db, "--as", viewer, "--date", DAY, text, "--json", "--limit", 5).stdout.splitlines()
    assert [json.loads(line)["task"] for line in lines] == [int(t) for t in want["task"][:5]]
    table = run("query", "--db", db, "--as", viewer, "--date", DAY, text, "--limit", 3)
    assert len(table.stdout.splitlines()) == 3 and f"3 of {len(rows)} tasks" in table.stderr


def test_quick_status_equals_the_library(db, store):
    viewer = plusbruger(store)
    got = json.loads(run("quick-status", "--db", db, "--as", viewer, "--date", DAY, "--json").stdout)
    want = store.quick_status(viewer, today=DAY)
    assert got == {**want.to_dict(), "total": want.total}


def test_another_municipality_s_task_is_not_found_exactly_like_a_missing_one(db, store):
    data = dataset(store)
    viewer = next(u for u in data.users if u.memberships and u.municipality is not None)
    foreign = next(t.id for t in data.tasks if t.municipality != viewer.municipality)
    missing = max(t.id for t in data.tasks) + 1000
    a = run("explain", "right", "--db", db, "--as", viewer.email, "edit_status", foreign, ok=False)
    b = run("explain", "right", "--db", db, "--as", viewer.email, "edit_status", missing, ok=False)
    assert a.returncode == b.returncode == 11  # 10 + ErrorCode.NotFound
    assert (a.stdout, a.stderr) == (b.stdout, b.stderr)
    assert a.stderr == "klik explain right: task not found\n"


def test_explain_right_and_colour_give_the_library_s_reasons(db, store):
    data = dataset(store)
    viewer = next(u for u in data.users if u.memberships and u.memberships[0].type == klik.UserType.STANDARD)
    project = viewer.memberships[0].project
    templates = {t.id: t.project for t in data.templates}
    task = next(t for t in data.tasks if t.municipality == viewer.municipality and templates[t.template] == project
                and viewer.id not in (t.responsible, t.performer))
    got = json.loads(run("explain", "right", "--db", db, "--as", viewer.email, "edit_status", task.id, "--json").stdout)
    assert got["outcome"] == "denied" and got["nearest"], got
    colour = json.loads(run("explain", "colour", "--db", db, task.id, "--date", DAY, "--json").stdout)
    page = store.tasks(viewer.email, "limit 10000", today=DAY)
    row = next(r for r in page.rows if r.task == task.id and r.local is None)
    assert colour["colour"] == row.colour.code
    assert colour["text"]


def test_sweep_dry_run_counts_what_the_sweep_then_does_and_dispatch_delivers_it(tmp_path, db):
    copy = tmp_path / "w.sqlite"
    copy.write_bytes(db.read_bytes())
    dry = run("sweep", "--db", copy, "--date", DAY, "--dry-run").stdout
    done = run("sweep", "--db", copy, "--date", DAY).stdout
    changes, rises = map(int, re.search(r"(\d+) colours would change, (\d+) notifications", dry).groups())
    assert changes > 0 and rises > 0
    assert f"{changes} colours changed, {rises} notifications" in done
    assert "0 colours would change, 0 notifications" in run("sweep", "--db", copy, "--date", DAY, "--dry-run").stdout
    out = tmp_path / "out.jsonl"
    run("dispatch", "--db", copy, "--jsonl", out)
    assert len(out.read_text().splitlines()) == rises
    assert "0 delivered" in run("dispatch", "--db", copy, "--jsonl", out).stdout


def test_export_import_round_trip_and_check(tmp_path, db):
    first = run("export", "--db", db).stdout
    (tmp_path / "w.json").write_text(first)
    again = tmp_path / "again.sqlite"
    run("import", "--db", again, tmp_path / "w.json")
    assert run("export", "--db", again).stdout == first
    refused = run("import", "--db", again, tmp_path / "w.json", ok=False)
    assert refused.returncode == 2 and "--replace" in refused.stderr
    run("import", "--db", again, tmp_path / "w.json", "--replace")
    assert "0 problems" in run("check", "--db", again).stdout
    assert "schema version" in run("migrate", "--db", again).stdout


def test_check_reports_a_damaged_database_without_changing_it(tmp_path, db):
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(db.read_bytes())
    with sqlite3.connect(damaged) as con:
        con.execute("PRAGMA user_version = -1")
    before = damaged.read_bytes()
    result = run("check", "--db", damaged, ok=False)
    assert result.returncode == 16  # 10 + ErrorCode.Storage
    assert result.stderr.startswith("klik check: ") and result.stderr.count("\n") == 1
    assert damaged.read_bytes() == before
    missing = run("check", "--db", tmp_path / "nothing.sqlite", ok=False)
    assert missing.returncode == 16 and not (tmp_path / "nothing.sqlite").exists()


def test_bad_query_text_is_invalid_input(db, store):
    result = run("query", "--db", db, "--as", plusbruger(store), "colour = purple", ok=False)
    assert result.returncode == 10 and result.stderr.startswith("klik query: ")


def test_progress_on_a_terminal_and_quiet_otherwise(tmp_path):
    import pty

    main, secondary = pty.openpty()
    try:
        args = ["generate", "--json", tmp_path / "w.json", "--municipalities", 1, "--scale", 0.1]
        result = subprocess.run([str(_binary()), *map(str, args)], stdout=subprocess.PIPE, stderr=secondary,
                                timeout=300, env=ENV)
        assert result.returncode == 0
        os.close(secondary)
        secondary = -1
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main)
        if secondary != -1:
            os.close(secondary)
    text = shown.decode()
    assert "done generating 1 municipalities" in text and "done writing" in text and " s" in text
    quiet = run("generate", "--json", tmp_path / "v.json", "--municipalities", 1, "--scale", 0.1)
    assert "done" not in quiet.stderr and quiet.stderr.startswith("klik generate: ")
