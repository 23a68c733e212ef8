"""`klik serve` (apps/klik/serve.cpp, docs/portal.md): the portal's HTTP JSON API,
started on loopback on a generated world and driven with requests as a portal or an
attacker would, each answer checked against the library's own through Python."""
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


class Server:
    def __init__(self, db: pathlib.Path):
        self.proc = subprocess.Popen(
            [str(_binary()), "serve", "--db", str(db), "--port", "0", "--demo", "--date", DAY, "--threads", "32",
             "--max-body", str(MAX_BODY)],
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
    assert set(server.logins) == {"plusbruger", "light-bruger", "læser", "plusbruger i en anden kommune", "kombit"}


def test_every_documented_route_exists_and_wants_a_session(server):
    spec = requests.get(server.url + "/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            r = requests.request(method.upper(), server.url + path.replace("{id}", "1"))
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


def test_health_and_metrics(server):
    assert requests.get(server.url + "/healthz").json()["status"] == "ok"
    session(server, "plusbruger").get(server.url + "/api/tasks")
    text = requests.get(server.url + "/metrics").text
    m = re.search(r'klik_http_requests_total\{method="GET",route="/api/tasks",status="2xx"\} (\d+)', text)
    assert m and int(m.group(1)) >= 1
    assert re.search(r'klik_http_request_seconds_bucket\{method="GET",route="/api/tasks",le="\+Inf"\} [1-9]', text)
    assert re.search(r"^klik_outbox_pending \d+$", text, re.M) and re.search(r"^klik_store_tasks [1-9]\d*$", text, re.M)
