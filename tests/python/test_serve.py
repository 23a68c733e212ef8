"""`klik serve` (apps/klik/serve.cpp, docs/portal.md): the portal's HTTP JSON API,
started on loopback on a generated world and driven with requests as a portal or an
attacker would, each answer checked against the library's own through Python."""
import datetime
import json
import os
import pathlib
import re
import subprocess
import time

import pytest
import requests

import klik

from test_cli import ENV, _binary, run

DAY = "2026-12-01"
MAX_BODY = 200_000
GOOD = "Blå hest løber langsomt"  # a password the policy takes (docs/accounts.md)


class Server:
    def __init__(self, db: pathlib.Path, *options):
        self.proc = subprocess.Popen(
            [str(_binary()), "serve", "--db", str(db), "--port", "0", "--demo", "--date", DAY, "--threads", "32",
             "--max-body", str(MAX_BODY), *map(str, options)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        self.logins = {}
        self.url = None
        self.sessions = []  # closed when the server stops (an open socket left to the GC is a warning)
        deadline = time.monotonic() + 120
        while self.url is None:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"klik serve ended before listening: {self.proc.stderr.read()}")
            doc = json.loads(line)
            if "demo_logins" in doc:
                self.logins = {d["role"]: d for d in doc["demo_logins"]}
            if "listening" in doc:
                self.url = doc["listening"]
            assert time.monotonic() < deadline, "klik serve took over 120 s to start"

    def stop(self) -> str:
        for s in self.sessions:
            s.close()
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=60)
        return err


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("serve") / "world.sqlite"
    run("generate", "--db", path, "--municipalities", 3, "--scale", 0.25, "--seed", 5)
    return path


@pytest.fixture(scope="module")
def server(db):
    s = Server(db)
    yield s
    err = s.stop()
    assert s.proc.returncode == 0, err
    assert "stopped" in err


@pytest.fixture(scope="module")
def store(db, server):
    # The server holds the database; a second store follows its commits (SQLite WAL).
    return klik.open(str(db), create=False)


def session(server, role) -> requests.Session:
    s = requests.Session()
    server.sessions.append(s)
    login = server.logins[role]
    r = s.post(server.url + "/api/session", json={"email": login["email"], "password": login["password"]})
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    s.email = login["email"]
    return s


def error_of(r, status, code):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["error"] == code and isinstance(body["message"], str) and body["message"], body
    return body


def test_demo_logins_cover_the_roles(server):
    assert set(server.logins) == {"plusbruger", "light-bruger", "læser", "plusbruger i en anden kommune", "kombit",
                                  "administrator"}


def test_every_documented_route_exists_and_wants_a_session(server):
    spec = requests.get(server.url + "/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            r = requests.request(method.upper(), server.url + re.sub(r"\{[a-z_]+\}", "1", path))
            if "security" in op:
                error_of(r, 401, "unauthenticated")
            else:
                assert r.status_code != 404 or r.json()["error"] != "not_found", (method, path)
    error_of(requests.get(server.url + "/api/nothing-here"), 404, "not_found")
    error_of(requests.patch(server.url + "/api/tasks"), 404, "not_found")


def test_login_sets_a_strict_cookie_and_logout_ends_it(server):
    login = server.logins["plusbruger"]
    error_of(requests.post(server.url + "/api/session", json={"email": login["email"], "password": "wrong" * 3}), 401,
             "refused")
    s = requests.Session()
    server.sessions.append(s)
    r = s.post(server.url + "/api/session", json={"email": login["email"], "password": login["password"]})
    assert r.status_code == 200
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    me = s.get(server.url + "/api/me").json()
    assert me["user"]["email"] == login["email"] and me["capabilities"]["task_list"] is True
    assert me["csrf_token"] == r.json()["csrf_token"] and me["today"] == DAY
    # Logging out is a state change: it needs the CSRF token too.
    error_of(s.delete(server.url + "/api/session"), 403, "csrf")
    assert s.delete(server.url + "/api/session", headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 204
    error_of(s.get(server.url + "/api/me"), 401, "unauthenticated")


def test_an_idle_session_ends(tmp_path):
    path = tmp_path / "idle.sqlite"
    run("generate", "--db", path, "--municipalities", 2, "--scale", 0.05, "--seed", 3)
    short = Server(path, "--idle-minutes", 0.02)  # 1.2 s
    try:
        s = session(short, "plusbruger")
        for _ in range(3):  # each use keeps it alive
            time.sleep(0.5)
            assert s.get(short.url + "/api/me").status_code == 200
        time.sleep(2)
        error_of(s.get(short.url + "/api/me"), 401, "unauthenticated")
    finally:
        short.stop()


def test_login_is_throttled(server):
    for _ in range(6):
        error_of(requests.post(server.url + "/api/session", json={"email": "nobody@example.dk", "password": "x" * 12}),
                 401, "refused")
    r = requests.post(server.url + "/api/session", json={"email": "nobody@example.dk", "password": "x" * 12})
    error_of(r, 429, "throttled")
    assert int(r.headers["Retry-After"]) >= 1


def test_task_list_is_the_library_s(server, store):
    s = session(server, "plusbruger")
    text = 'status in (not_started, started) and colour in (red, yellow) order by end_date'
    first = s.get(server.url + "/api/tasks", params={"q": text, "limit": 20}).json()
    page = store.tasks(s.email, text + " limit 20", DAY)
    assert first["total"] == page.total > 20
    assert [r["task"] for r in first["rows"]] == [r.task for r in page.rows]
    assert {r["colour"]["code"] for r in first["rows"]} <= {"red", "yellow"}
    assert [c["field"] for c in first["chips"]] == ["status", "colour"]
    # The cursor walks the whole list once.
    seen = [r["task"] for r in first["rows"]]
    cursor = first["next_cursor"]
    while cursor:
        more = s.get(server.url + "/api/tasks", params={"q": text, "limit": 20, "cursor": cursor}).json()
        seen += [r["task"] for r in more["rows"]]
        cursor = more["next_cursor"]
    assert len(seen) == first["total"] == len(set(seen))
    counts = s.get(server.url + "/api/tasks/quick-status", params={"q": text}).json()
    assert counts == store.quick_status(s.email, text, DAY).to_dict() | {"total": first["total"]}


def test_bad_query_text_names_the_problem(server):
    s = session(server, "plusbruger")
    body = error_of(s.get(server.url + "/api/tasks", params={"q": "colour = purple"}), 400, "invalid_argument")
    assert "purple" in body["message"]
    error_of(s.get(server.url + "/api/tasks", params={"limit": "ten"}), 400, "invalid_argument")
    error_of(s.get(server.url + "/api/tasks", params={"sort": "shoe_size"}), 400, "invalid_argument")
    long = s.get(server.url + "/api/tasks", params={"q": "title ~ '" + "x" * 5000 + "'"})
    error_of(long, 400, "invalid_argument")
    assert len(long.text) < 600


def _first_task(s, server, query="") -> dict:
    rows = s.get(server.url + "/api/tasks", params={"q": query, "limit": 1}).json()["rows"]
    assert rows, query
    return s.get(f"{server.url}/api/tasks/{rows[0]['task']}").json()


def test_another_municipality_s_task_is_not_found_byte_for_byte(server):
    own = _first_task(session(server, "plusbruger"), server)
    other = session(server, "plusbruger i en anden kommune")
    hidden = other.get(f"{server.url}/api/tasks/{own['id']}")
    missing = other.get(f"{server.url}/api/tasks/4000000000")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert dict(hidden.headers, Date="") == dict(missing.headers, Date="")
    for sub in ("messages", "files", "history", "internal-notes"):
        a = other.get(f"{server.url}/api/tasks/{own['id']}/{sub}")
        b = other.get(f"{server.url}/api/tasks/4000000000/{sub}")
        assert a.status_code == b.status_code == 404 and a.content == b.content, sub


def test_task_page_shows_padlocks_and_the_colour_explained(server, store):
    plus = _first_task(session(server, "plusbruger"), server)
    assert plus["rights"]["edit_responsible"] and plus["rights"]["view_task"]
    assert plus["colour"]["text"] and plus["colour"]["code"] in ("green", "yellow", "red", "grey", "done")
    assert plus["colour"] == plus["colour"] | {"code": store.explain_colour(plus["id"], DAY).colour.code}
    assert "internal_notes" in plus
    reader = session(server, "læser")
    seen = _first_task(reader, server)
    assert seen["rights"]["view_task"] and not any(v for k, v in seen["rights"].items()
                                                   if k not in ("view_task", "export_task", "view_internal_notes"))


def test_patch_needs_the_version_and_answers_conflicts_and_denials(server, store):
    plus = session(server, "plusbruger")
    me = plus.get(server.url + "/api/me").json()["user"]
    # A task of the project the demo Læser reads too (403 for them, not 404).
    project = me["memberships"][0]["project_name"]
    task = _first_task(plus, server, f'project = "{project}" and responsible is empty')
    url = f"{server.url}/api/tasks/{task['id']}"
    error_of(plus.patch(url, json={"responsible": None}), 428, "precondition_required")
    before = len(store.outbox())
    r = plus.patch(url, json={"responsible": me["id"]}, headers={"If-Match": f'"{task["version"]}"'})
    assert r.status_code == 200, r.text
    assert r.json()["responsible"]["id"] == me["id"] and r.json()["version"] == task["version"] + 1
    assert r.headers["ETag"] == f'"{task["version"] + 1}"'
    store.refresh()
    assert store.outbox()[before:] and store.outbox()[-1]["event"] == "task.assigned"
    # The same change on the version read before: the other writer's fields are named.
    stale = plus.patch(url, json={"status": "started"}, headers={"If-Match": str(task["version"])})
    assert error_of(stale, 409, "conflict")["changed_fields"] == ["responsible"]
    denied = session(server, "læser").patch(url, json={"status": "started"},
                                           headers={"If-Match": str(task["version"] + 1)})
    body = error_of(denied, 403, "permission_denied")
    assert body["rule"] and body["nearest"]
    # If-Match: * writes on whatever version is current.
    same = plus.patch(url, json={"responsible": me["id"]}, headers={"If-Match": "*"})
    assert same.status_code == 200 and same.json()["version"] == task["version"] + 1  # no effect, no new version
    error_of(plus.patch(url, data="{not json", headers={"If-Match": "1", "Content-Type": "application/json"}), 400,
             "invalid_argument")
    error_of(plus.patch(url, json={"colour": "red"}, headers={"If-Match": "1"}), 400, "invalid_argument")
    error_of(plus.patch(url, json={"status": "started"}, headers={"If-Match": "1", "X-CSRF-Token": "x"}), 403, "csrf")


def test_light_user_sees_only_their_tasks(server, store):
    light = session(server, "light-bruger")
    me = light.get(server.url + "/api/me").json()["user"]
    # The projects where they are a Light-bruger (they may hold other types elsewhere).
    light_on = [m["project_name"] for m in me["memberships"] if m["type"]["code"] == "light"]
    text = "project in (" + ", ".join(f'"{p}"' for p in light_on) + ")"
    rows = light.get(server.url + "/api/tasks", params={"q": text, "limit": 1000}).json()
    assert rows["rows"] and rows["total"] == len(rows["rows"]) == store.tasks(light.email, text, DAY).total
    assert all(me["id"] in ((r["responsible"] or {}).get("id"), (r["performer"] or {}).get("id"))
               for r in rows["rows"])
    task = light.get(f"{server.url}/api/tasks/{rows['rows'][0]['task']}").json()
    # Theirs to work (people, status, files), not to extend or deactivate (the manual's Tabel 2).
    assert task["rights"]["edit_responsible"] and task["rights"]["edit_status"]
    assert not task["rights"]["create_local_task"] and not task["rights"]["set_not_active"]


def test_files_messages_and_notes(server):
    plus = session(server, "plusbruger")
    task = _first_task(plus, server)
    url = f"{server.url}/api/tasks/{task['id']}"
    r = plus.post(url + "/files", files={"file": ("../../etc/plan æøå.txt", b"Plan for udrulning\n", "text/plain")})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "plan æøå.txt"
    got = plus.get(server.url + r.json()["href"])
    assert got.content == b"Plan for udrulning\n"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in got.headers["Content-Security-Policy"]
    cpr = plus.post(url + "/files", files={"file": ("liste.txt", b"Borger 010203-1234 skal kontaktes", "text/plain")})
    assert "CPR" in error_of(cpr, 422, "invalid_argument")["message"]
    assert [f["name"] for f in plus.get(url + "/files").json()["files"]] == ["plan æøå.txt"]
    big = plus.post(url + "/files", files={"file": ("big.bin", b"0" * (MAX_BODY + 1), "application/octet-stream")})
    error_of(big, 413, "too_large")
    assert plus.post(url + "/messages", json={"text": "Hej fra kommunen"}).status_code == 201
    thread = plus.get(url + "/messages").json()
    assert thread["messages"][-1]["text"] == "Hej fra kommunen" and thread["total"] >= 1
    assert plus.put(url + "/internal-notes", json={"text": "Kun for os"}).json()["text"] == "Kun for os"
    assert plus.get(url + "/internal-notes").json() == {"text": "Kun for os"}
    history = plus.get(url + "/history").json()["entries"]
    assert history and history[0]["operation"]


def test_national_view_is_kombit_s(server):
    kombit = session(server, "kombit")
    projects = kombit.get(server.url + "/api/projects").json()["projects"]
    view = kombit.get(f"{server.url}/api/national/projects/{projects[0]['id']}").json()
    assert len(view["municipalities"]) >= 2 and view["phases"]
    error_of(session(server, "plusbruger").get(f"{server.url}/api/national/projects/{projects[0]['id']}"), 404,
             "not_found")


def test_hostile_requests_get_the_error_shape_and_no_internals(server):
    s = session(server, "plusbruger")
    answers = [
        s.get(server.url + "/api/tasks/99999999999"),  # beyond an id
        s.get(server.url + "/api/tasks/0"),
        s.post(server.url + "/api/session", data=b"\xff\xfe{", headers={"Content-Type": "application/json"}),
        s.post(server.url + "/api/session", json={"email": ["a"], "password": 1}),
        s.post(server.url + "/api/session", json={"email": "a@b.dk", "password": "p" * 5000}),
        s.post(f"{server.url}/api/tasks/1/messages", json={"txt": "no text field"}),
        s.get(server.url + "/api/users", params={"administrator": "maybe"}),
        s.get(server.url + "/api/projects", params={"type": "emperor"}),
        s.get(server.url + "/../../etc/passwd"),
        s.get(server.url + "/api/tasks", params={"q": "(" * 4000}),
    ]
    for r in answers:
        assert 400 <= r.status_code < 500, (r.url, r.status_code, r.text)
        body = r.json()
        assert set(body) >= {"error", "message"}
        assert not re.search(r"std::|what\(\)|json\.exception|\.cpp|Traceback", r.text), r.text
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_health_and_metrics(server, store):
    assert requests.get(server.url + "/healthz").json()["status"] == "ok"
    session(server, "plusbruger").get(server.url + "/api/tasks")
    text = requests.get(server.url + "/metrics").text
    m = re.search(r'klik_http_requests_total\{method="GET",route="/api/tasks",status="2xx"\} (\d+)', text)
    assert m and int(m.group(1)) >= 1
    assert re.search(r'klik_http_request_seconds_bucket\{method="GET",route="/api/tasks",le="\+Inf"\} [1-9]', text)
    assert re.search(r"^klik_outbox_pending \d+$", text, re.M) and re.search(r"^klik_store_tasks [1-9]\d*$", text, re.M)
    assert re.search(r"^# TYPE klik_outbox_due gauge$", text, re.M) and re.search(r"^klik_outbox_due \d+$", text, re.M)
    assert re.search(r"^# TYPE klik_outbox_dead gauge$", text, re.M)
    # A change committed by another store on the database is lag until the service applies it.
    sequence = int(re.search(r"^klik_store_sequence (\d+)$", text, re.M).group(1))
    rows = session(server, "plusbruger").get(server.url + "/api/tasks",
                                             params={"q": "status = not_started", "limit": 100}).json()["rows"]
    row = next(r for r in rows if r["local_task"] is None)
    store.update_task(row["task"], status=klik.TaskStatus.STARTED)
    text = requests.get(server.url + "/metrics").text
    assert int(re.search(r"^klik_changelog_lag (\d+)$", text, re.M).group(1)) >= 1
    assert int(re.search(r"^klik_store_sequence (\d+)$", text, re.M).group(1)) > sequence
    assert re.search(r"^klik_changelog_lag 0$", requests.get(server.url + "/metrics").text, re.M)


def test_local_tasks_have_their_own_page(server):
    plus = session(server, "plusbruger")
    rows = plus.get(server.url + "/api/tasks", params={"q": "priority = local", "limit": 1000}).json()["rows"]
    rows = [r for r in rows if r["local_task"]]  # (a KLIK template may be of local priority too)
    assert rows
    local = plus.get(f"{server.url}/api/local-tasks/{rows[0]['local_task']}").json()
    assert local["title"] == rows[0]["title"] and local["status"]["code"] == rows[0]["status"]["code"]
    assert local["parent"]["id"] == rows[0]["task"] and local["colour"]["code"] == rows[0]["colour"]["code"]
    other = session(server, "plusbruger i en anden kommune")
    hidden = other.get(f"{server.url}/api/local-tasks/{rows[0]['local_task']}")
    missing = other.get(f"{server.url}/api/local-tasks/4000000000")
    assert hidden.status_code == missing.status_code == 404 and hidden.content == missing.content


def _told(store, event):
    """The newest notification of `event` in the outbox (the server's commits, read here)."""
    store.refresh()
    return next(n for n in reversed(store.outbox()) if n["event"] == event)


def _new_user(server, store, admin, email):
    """A Light-bruger created by `admin` on their Plusbruger project, with a password set by
    the link the creation mailed: (user JSON, their logged-in session)."""
    me = admin.get(server.url + "/api/me").json()["user"]
    project = next(m["project"] for m in me["memberships"] if m["type"]["code"] == "plus")
    r = admin.post(server.url + "/api/users",
                   json={"email": email, "name": "Anne Ny", "memberships": [{"project": project, "type": "light"}]})
    assert r.status_code == 201, r.text
    user = r.json()
    assert r.headers["Location"] == f"/api/users/{user['id']}"
    assert user["municipality"]["id"] == me["municipality"]["id"]
    assert [(m["project"], m["type"]["code"]) for m in user["memberships"]] == [(project, "light")]
    token = _told(store, "user.created")["link"].split("token=")[1]
    assert requests.post(server.url + "/api/password-reset",
                         json={"user": user["id"], "token": token, "password": GOOD}).status_code == 204
    s = requests.Session()
    server.sessions.append(s)
    login = s.post(server.url + "/api/session", json={"email": email, "password": GOOD})
    assert login.status_code == 200, login.text
    s.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    return user, s


def test_user_administration_over_the_api(server, store):
    plus = session(server, "plusbruger")
    user, anne = _new_user(server, store, plus, "anne.ny@kommune-test.dk")
    url = f"{server.url}/api/users/{user['id']}"
    got = plus.get(url)
    assert got.json()["email"] == "anne.ny@kommune-test.dk" and got.headers["ETag"] == f'"{user["version"]}"'
    assert got.json()["rights"]["edit_user"] and got.json()["rights"]["reset_password"]
    # The same user twice is refused (the e-mail is the key); a Læser may not create users.
    error_of(plus.post(server.url + "/api/users", json={"email": "Anne.Ny@kommune-test.dk", "name": "Igen"}), 409,
             "already_exists")
    error_of(session(server, "læser").post(server.url + "/api/users", json={"email": "x@y.dk", "name": "X"}), 403,
             "permission_denied")
    # Details: with the version seen, a stale one names the changed fields.
    error_of(plus.patch(url, json={"name": "Anne Nyborg"}), 428, "precondition_required")
    r = plus.patch(url, json={"name": "Anne Nyborg"}, headers={"If-Match": str(user["version"])})
    assert r.status_code == 200 and r.json()["name"] == "Anne Nyborg", r.text
    stale = plus.patch(url, json={"organisation": "IT"}, headers={"If-Match": str(user["version"])})
    assert "full_name" in error_of(stale, 409, "conflict")["changed_fields"]
    # Types on projects: change, and take off.
    project = user["memberships"][0]["project"]
    r = plus.put(f"{url}/projects/{project}", json={"type": "reader"})
    assert r.status_code == 200 and r.json()["memberships"][0]["type"]["code"] == "reader", r.text
    error_of(plus.put(f"{url}/projects/{project}", json={"type": "emperor"}), 400, "invalid_argument")
    # Another municipality's user is a missing one, byte for byte.
    other = session(server, "plusbruger i en anden kommune")
    hidden, missing = other.get(url), other.get(f"{server.url}/api/users/4000000000")
    assert hidden.status_code == missing.status_code == 404 and hidden.content == missing.content
    assert other.delete(url).content == other.delete(f"{server.url}/api/users/4000000000").content
    # A reset link: sent by the Plusbruger to the user's mail, never shown to the sender.
    sent = plus.post(f"{url}/password-reset")
    assert sent.status_code == 202 and "token" not in sent.text
    token = _told(store, "user.password_reset")["link"].split("token=")[1]
    error_of(requests.post(server.url + "/api/password-reset",
                           json={"user": user["id"], "token": token, "password": "kort"}), 400, "invalid_argument")
    assert requests.post(server.url + "/api/password-reset",
                         json={"user": user["id"], "token": token, "password": GOOD + "!"}).status_code == 204
    error_of(requests.post(server.url + "/api/password-reset",
                           json={"user": user["id"], "token": token, "password": GOOD + "?"}), 409,
             "failed_precondition")  # once only
    assert plus.get(f"{url}/history").json()["entries"]
    # Deleting users is the Administrator's (the manual's Tabel 2); so is the flag.
    error_of(plus.delete(url), 403, "permission_denied")
    error_of(plus.patch(url, json={"administrator": True}, headers={"If-Match": "*"}), 403, "permission_denied")
    admin = session(server, "administrator")
    r = admin.patch(url, json={"administrator": True}, headers={"If-Match": "*"})
    assert r.status_code == 200 and r.json()["administrator"], r.text
    r = admin.delete(url)
    assert r.status_code == 204, r.text
    error_of(plus.get(url), 404, "not_found")
    # A deleted user's session has ended.
    error_of(anne.get(server.url + "/api/me"), 401, "unauthenticated")


def _gauge(server, name) -> int:
    return int(re.search(rf"^{name} (\d+)$", requests.get(server.url + "/metrics").text, re.M).group(1))


def test_outbox_gauges_count_pending_and_dead_letters(server, store):
    # A creation mails the new user (the service does not deliver here: the entry stays pending).
    _new_user(server, store, session(server, "plusbruger"), "dorte.ny@kommune-test.dk")
    store.refresh()
    counts = store.outbox_counts()
    assert _gauge(server, "klik_outbox_pending") == counts["pending"] > 0
    dead = _gauge(server, "klik_outbox_dead")
    # Given up by another process on the same database: the service counts it at once.
    entry = store.pending_notifications(limit=1)[0]["id"]
    store.give_up(entry, "550 mailbox unavailable")
    assert _gauge(server, "klik_outbox_dead") == dead + 1
    assert _gauge(server, "klik_outbox_pending") == counts["pending"] - 1
    store.requeue([entry])
    assert _gauge(server, "klik_outbox_dead") == dead


def test_the_daily_digest_is_chosen_on_one_s_own_profile(server, store):
    _, anne = _new_user(server, store, session(server, "plusbruger"), "eva.ny@kommune-test.dk")
    me = anne.get(server.url + "/api/me").json()["user"]
    assert me["daily_digest"] is False
    url = f"{server.url}/api/users/{me['id']}"
    r = anne.patch(url, json={"daily_digest": True}, headers={"If-Match": str(me["version"])})
    assert r.status_code == 200 and r.json()["daily_digest"] is True, r.text
    assert anne.get(server.url + "/api/me").json()["user"]["daily_digest"] is True
    store.refresh()
    assert store.user(me["id"]).daily_digest
    error_of(anne.patch(url, json={"daily_digest": "ja"}, headers={"If-Match": "*"}), 400, "invalid_argument")
    # Someone who may not edit her details may not choose for her either.
    error_of(session(server, "læser").patch(url, json={"daily_digest": False}, headers={"If-Match": "*"}), 403,
             "permission_denied")
    assert session(server, "administrator").patch(url, json={"daily_digest": False},
                                                  headers={"If-Match": "*"}).json()["daily_digest"] is False


def test_own_password_changes_with_the_old_one(server, store):
    _, anne = _new_user(server, store, session(server, "plusbruger"), "bo.ny@kommune-test.dk")
    error_of(anne.put(server.url + "/api/me/password", json={"old_password": "forkert", "new_password": GOOD + "2"}),
             403, "permission_denied")
    assert anne.put(server.url + "/api/me/password",
                    json={"old_password": GOOD, "new_password": GOOD + "2"}).status_code == 204
    s = requests.Session()
    server.sessions.append(s)
    assert s.post(server.url + "/api/session", json={"email": "bo.ny@kommune-test.dk",
                                                      "password": GOOD + "2"}).status_code == 200


def test_local_tasks_are_created_changed_and_deleted(server):
    plus = session(server, "plusbruger")
    me = plus.get(server.url + "/api/me").json()["user"]
    project = next(m["project_name"] for m in me["memberships"] if m["type"]["code"] == "plus")
    parent = _first_task(plus, server, f'project = "{project}"')
    r = plus.post(f"{server.url}/api/tasks/{parent['id']}/local-tasks",
                  json={"title": "Intern afklaring", "end": "2027-01-15", "responsible": me["id"]})
    assert r.status_code == 201, r.text
    local = r.json()
    url = server.url + r.headers["Location"]
    assert local["parent"]["id"] == parent["id"] and local["responsible"]["id"] == me["id"]
    assert local["status"]["code"] == "not_started" and local["end"] == "2027-01-15"
    error_of(plus.post(f"{server.url}/api/tasks/{parent['id']}/local-tasks", json={"title": "Uden dato"}), 400,
             "invalid_argument")
    changed = plus.patch(url, json={"title": "Afklaring med IT", "status": "started"},
                         headers={"If-Match": str(local["version"])})
    assert changed.status_code == 200 and changed.json()["title"] == "Afklaring med IT", changed.text
    error_of(plus.patch(url, json={"title": "Igen"}, headers={"If-Match": str(local["version"])}), 409, "conflict")
    other = session(server, "plusbruger i en anden kommune")
    assert other.get(url).content == other.get(f"{server.url}/api/local-tasks/4000000000").content
    error_of(other.post(f"{server.url}/api/tasks/{parent['id']}/local-tasks",
                        json={"title": "Nej", "end": "2027-01-15"}), 404, "not_found")
    error_of(session(server, "læser").delete(url), 403, "permission_denied")
    error_of(plus.delete(url, headers={"If-Match": str(local["version"])}), 409, "conflict")
    assert plus.delete(url, headers={"If-Match": str(changed.json()["version"])}).status_code == 204
    error_of(plus.get(url), 404, "not_found")


def test_kombit_broadcasts_and_asks_what_a_wave_shift_would_do(server, store):
    kombit = session(server, "kombit")
    plus = session(server, "plusbruger")
    me = plus.get(server.url + "/api/me").json()["user"]
    project = next(m for m in me["memberships"] if m["type"]["code"] == "plus")
    r = kombit.post(f"{server.url}/api/projects/{project['project']}/broadcasts", json={"text": "Ny version ude"})
    assert r.status_code == 201 and r.json()["broadcast"], r.text
    task = _first_task(plus, server, f'project = "{project["project_name"]}"')
    thread = plus.get(f"{server.url}/api/tasks/{task['id']}/messages", params={"limit": 1000}).json()["messages"]
    assert any(m["text"] == "Ny version ude" and m["broadcast"] for m in thread)
    error_of(plus.post(f"{server.url}/api/projects/{project['project']}/broadcasts", json={"text": "Hej alle"}), 403,
             "permission_denied")
    waves = kombit.get(f"{server.url}/api/national/projects/{project['project']}").json()["waves"]
    assert waves, "the generated world has rollout waves"
    wave = waves[0]["id"]
    r = kombit.post(server.url + "/api/national/what-if",
                    json={"waves": [{"wave": wave, "workdays": -40, "relative": True}], "on": "2027-03-01"})
    assert r.status_code == 200, r.text
    answer = r.json()
    publishing = klik.Publishing(store, clock=klik.FixedClock(DAY))
    expected = publishing.simulate(kombit.get(server.url + "/api/me").json()["user"]["id"],
                                   klik.Scenario().shift_wave(wave, -40), on=datetime.date(2027, 3, 1))
    assert answer["affected"] == expected.affected > 0
    assert answer["changed_today"] == expected.changed_today
    assert answer["red_today_total"] == len(expected.red_today)
    assert [t["task"] for t in answer["red_today"]] == [t.task for t in expected.red_today][:1000]
    assert answer["today_total"]["red"]["after"] == expected.today_total.after[klik.DeadlineColour.RED]
    error_of(plus.post(server.url + "/api/national/what-if", json={"waves": [{"wave": wave, "workdays": 5}]}), 403,
             "permission_denied")
    error_of(kombit.post(server.url + "/api/national/what-if", json={"waves": [{"wave": wave}]}), 400,
             "invalid_argument")
    error_of(kombit.post(server.url + "/api/national/what-if", json={"waves": [{"wave": 4000000, "workdays": 1}]}),
             404, "not_found")
