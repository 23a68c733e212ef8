"""Notifications as e-mail (docs/email.md), delivered to a real SMTP server on
loopback (aiosmtpd, started here) and read back with Python's email package."""
import datetime as dt
import email
import email.policy
import json
import os
import pathlib
import signal
import socket
import subprocess
import threading
import time

import pytest

import klik

try:
    from aiosmtpd.controller import Controller
except ImportError:  # pragma: no cover - scripts/setup installs it
    pytest.fail("aiosmtpd is missing: install python3-aiosmtpd (scripts/setup does)", pytrace=False)

NOW = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.timezone.utc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    """Keeps every mail; `reply` (e.g. "451 ...") refuses them instead; `on_mail` runs after each."""

    def __init__(self):
        self.mails = []  # (envelope recipients, parsed message)
        self.reply = None
        self.on_mail = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.reply:
            return self.reply
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.mails.append((list(envelope.rcpt_tos), message))
            count = len(self.mails)
        if self.on_mail:
            self.on_mail(count)
        return "250 OK"

    def ids(self):
        with self.lock:
            return [m["Message-ID"] for _, m in self.mails]


class Server:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture()
def smtp():
    server = Server()
    server.start()
    yield server
    server.stop()


def project_of(world, task):
    return next(t.project for t in world.templates if t.id == task.template)


def title_of(world, task):
    return next(t.title for t in world.templates if t.id == task.template)


@pytest.fixture(scope="module")
def world():
    """Two municipalities, one project: every event, a few hundred mails."""
    return klik.synthetic.generate(municipalities=2, scale=0.05, local_task_share=0.05)


def make_events(world):
    """A store whose outbox holds one or more entries of most events, made by the real workflows."""
    store = klik.MemoryStore(world)
    clock = klik.FixedClock(NOW)
    flows = klik.Workflows(store, clock=clock)
    kombit = next(u for u in world.users if u.administrator and u.municipality is None)
    task = next(t for t in world.tasks if t.status != klik.TaskStatus.NOT_ACTIVE and t.responsible)
    p = project_of(world, task)
    plus = next(u for u in world.users if u.municipality == task.municipality and u.type_on(p) == klik.UserType.PLUS)
    other = next(u for u in world.users if u.municipality == task.municipality and u.type_on(p) in
                 (klik.UserType.STANDARD, klik.UserType.LIGHT) and u.id not in (task.responsible, task.performer))
    flows.change_task(plus.id, task.id, performer=other.id)  # task.assigned
    flows.write_message(kombit.id, task.id, "Husk fristen – æøå ÆØÅ <b>vigtigt</b>")  # message.kombit_task
    flows.write_message(plus.id, task.id, "Vi er i gang")  # message.municipality_task (the mailbox)
    flows.broadcast(kombit.id, p, None, "Nyt om projektet")  # message.kombit_project
    store.sweep(dt.date(2025, 1, 1), now=clock)  # deadline.yellow, deadline.red (a few: an early day)
    admin = next(u for u in world.users if u.administrator and u.municipality == task.municipality)
    new = flows.create_user(admin.id, klik.User(id=0, email="ny.bruger@example.dk", full_name="Åse Ærø",
                                                municipality=task.municipality, side=klik.Side.MUNICIPALITY))
    flows.set_user_type(admin.id, new.id, p, klik.UserType.STANDARD)  # user.added_to_project
    accounts = klik.Accounts(store, clock=clock, policy=klik.AccountPolicy(hashing=klik.HashParameters.minimum()))
    accounts.send_reset_link(admin.id, plus.id)  # user.password_reset
    # KOMBIT's side: a new task, a task set not active and back, a wave moved and written to.
    kombit_flows = klik.Publishing(store, clock=clock)
    kombit_flows.publish_template(kombit.id, klik.TaskTemplate(id=0, project=p, title="Test af snitflade – øvelse",
                                                               phase=1, theme=1, end=dt.date(2026, 3, 13),
                                                               duration_workdays=10))
    kombit_flows.set_not_active(kombit.id, task.id, True)
    kombit_flows.set_not_active(kombit.id, task.id, False)
    wave = next(w for w in world.waves if w.project == p and task.municipality in w.members)
    kombit_flows.set_wave_shift(kombit.id, wave.id, 5)
    flows.broadcast(kombit.id, p, wave.id, "Til bølgen")
    return store, task, plus, other


def test_every_event_reaches_its_recipients_in_danish(world, smtp):
    store, task, plus, other = make_events(world)
    outbox = store.outbox()
    events = {n["event"] for n in outbox}
    assert {"task.assigned", "message.kombit_task", "message.municipality_task", "message.kombit_project",
            "message.kombit_wave", "deadline.red", "deadline.yellow", "user.created", "user.added_to_project",
            "user.password_reset", "template.published", "task.not_active", "task.reactivated",
            "wave.changed"} <= events
    notifier = klik.SmtpNotifier(store, smtp.url, sender="klik@kombit.dk", portal_url="https://klik.example",
                                 starttls="never")
    dispatcher = klik.Dispatcher(store, notifier, batch=100)
    delivered = dispatcher.drain(NOW)
    assert delivered == len(outbox)
    assert all(n["delivered"] for n in store.outbox())

    expected = {}  # Message-ID -> the mail klik composed for that recipient
    for n in outbox:
        for mail in klik.compose_emails(store, n["id"], sender="klik@kombit.dk", portal_url="https://klik.example"):
            expected["<" + mail["message_id"] + ">"] = (n, mail)
    received = {m["Message-ID"]: (rcpt, m) for rcpt, m in smtp.handler.mails}
    assert len(smtp.handler.mails) == len(expected) == notifier.sent
    assert set(received) == set(expected)
    users = {u.id: u for u in store.export().users}
    for mid, (n, mail) in expected.items():
        rcpt, m = received[mid]
        assert rcpt == [mail["to_address"]]
        # The recipients are the entry's users (and its mailbox), each once.
        assert mail["to_address"] in [users[r].email for r in n["recipients"]] + [n["mailbox"]]
        assert str(m["Subject"]) == mail["subject"]  # RFC 2047 decodes back to the exact Danish text
        assert m["From"].addresses[0].addr_spec == "klik@kombit.dk"
        sender = n["sender"].split(" <")[0]
        shown = m["From"].addresses[0].display_name
        assert shown == (sender if sender.startswith("KOMBIT KLIK") else sender + " via KLIK"), n["sender"]
        assert m.get_content_type() == "multipart/alternative"
        text = m.get_body(("plain",)).get_content()
        html = m.get_body(("html",)).get_content()
        assert text.replace("\r\n", "\n") == mail["text"]
        assert "https://klik.example" + n["link"] in text or n["event"] == "deadline.digest"
        assert "Du får denne mail, fordi" in text and "fordi" in html
        assert m["X-KLIK-Event"] == n["event"]

    # Independently of the templates' code path: what a Danish reader sees.
    title = title_of(world, task)
    subjects = {(str(m["Subject"]), m["To"].addresses[0].addr_spec) for _, m in smtp.handler.mails}
    assert (f"Ny besked fra KOMBIT om opgaven '{title}'", plus.email) in subjects
    assert (f"Du er blevet udfører på opgaven '{title}'", other.email) in subjects
    assert ("Du er oprettet som bruger i KLIK", "ny.bruger@example.dk") in subjects
    assert ("Nulstil din adgangskode til KLIK", plus.email) in subjects
    project = next(x.name for x in world.projects if x.id == project_of(world, task))
    assert any(sub == f"Ny opgave i projektet {project}: 'Test af snitflade – øvelse'" for sub, _ in subjects)
    assert any(sub == f"Opgaven '{title}' er sat til ikke aktiv" for sub, _ in subjects)
    assert any(sub.startswith("Ny besked fra KOMBIT til udrulningsbølgen ") for sub, _ in subjects)
    red = [m for _, m in smtp.handler.mails if m["X-KLIK-Event"] == "deadline.red"]
    assert red and all(str(m["Subject"]).startswith("Opgaven '") and str(m["Subject"]).endswith("' er blevet rød")
                       for m in red)
    created = next(m for _, m in smtp.handler.mails if m["To"].addresses[0].addr_spec == "ny.bruger@example.dk")
    assert created["To"].addresses[0].display_name == "Åse Ærø"
    kombit_msg = next(m for _, m in smtp.handler.mails if m["X-KLIK-Event"] == "message.kombit_task")
    assert "Husk fristen – æøå ÆØÅ <b>vigtigt</b>" in kombit_msg.get_body(("plain",)).get_content()
    assert "&lt;b&gt;vigtigt&lt;/b&gt;" in kombit_msg.get_body(("html",)).get_content()
    assigned = next(m for _, m in smtp.handler.mails if m["X-KLIK-Event"] == "task.assigned")
    assert assigned["From"].addresses[0].display_name == plus.full_name + " via KLIK"  # who caused it


def test_a_451_is_retried_later(world, smtp):
    store, *_ = make_events(world)
    total = len(store.outbox())
    notifier = klik.SmtpNotifier(store, smtp.url, starttls="never")
    dispatcher = klik.Dispatcher(store, notifier, batch=1000, first_retry=60)
    smtp.handler.reply = "451 4.3.0 Try again later"
    assert dispatcher.run_once(NOW) == 0
    pending = store.outbox()
    assert all(not n["delivered"] and n["attempts"] == 1 and "451" in n["last_error"] for n in pending)
    smtp.handler.reply = None
    assert dispatcher.run_once(NOW + dt.timedelta(seconds=30)) == 0  # not due yet: back-off
    assert smtp.handler.mails == []
    assert dispatcher.drain(NOW + dt.timedelta(seconds=61)) == total
    assert all(n["delivered"] for n in store.outbox())


def test_the_server_down_loses_nothing(world):
    server = Server()  # not started: the port refuses connections
    store, *_ = make_events(world)
    total = len(store.outbox())
    notifier = klik.SmtpNotifier(store, server.url, starttls="never", timeout=5)
    dispatcher = klik.Dispatcher(store, notifier, batch=1000, first_retry=10)
    assert dispatcher.run_once(NOW) == 0
    assert all(not n["delivered"] and n["attempts"] == 1 and n["last_error"] for n in store.outbox())
    server.start()
    try:
        assert dispatcher.drain(NOW + dt.timedelta(seconds=11)) == total
        expected = {"<" + mail["message_id"] + ">" for n in store.outbox() for mail in klik.compose_emails(store, n["id"])}
        assert sorted(server.handler.ids()) == sorted(expected)
    finally:
        server.stop()


def test_bad_settings_are_refused_and_credentials_never_shown(world):
    store = klik.MemoryStore(world)
    with pytest.raises(klik.ValidationError, match="smtp:// or smtps://"):
        klik.SmtpNotifier(store, "http://example.dk")
    with pytest.raises(klik.ValidationError, match="credentials"):
        klik.SmtpNotifier(store, "smtp://user:hemmelig@127.0.0.1:25")
    with pytest.raises(klik.ValidationError, match="starttls"):
        klik.SmtpNotifier(store, "smtp://127.0.0.1:25", starttls="sometimes")
    # A failed login names the server, never the password.
    server = Server()
    notifier = klik.SmtpNotifier(store, server.url, username="u", password="hemmelig-kode", starttls="never",
                                 timeout=2)
    flows = klik.Workflows(store, clock=klik.FixedClock(NOW))
    kombit = next(u for u in world.users if u.administrator and u.municipality is None)
    flows.broadcast(kombit.id, world.projects[0].id, None, "Hej")
    dispatcher = klik.Dispatcher(store, notifier)
    assert dispatcher.run_once(NOW) == 0
    errors = [n["last_error"] for n in store.outbox()]
    assert errors and all("127.0.0.1" in e and "hemmelig" not in e for e in errors)


def test_templates_are_data_checked_at_load(source_dir):
    t = klik.MailTemplates.default()
    assert "deadline.digest" in t.events() and "task.title" in t.placeholders("deadline.red")
    doc = json.loads((source_dir / "src/data/mail_templates.json").read_text(encoding="utf-8"))
    doc["events"]["deadline.red"]["subject"] = "Opgaven {{opgave}} er rød"
    with pytest.raises(klik.ValidationError) as e:
        klik.MailTemplates.from_json(json.dumps(doc))
    assert "deadline.red.subject" in str(e.value) and "{{opgave}}" in str(e.value)
    doc["events"]["deadline.red"]["subject"] = "RØD: {{task.title}}"
    own = klik.MailTemplates.from_json(json.dumps(doc))
    assert own.name == t.name


# ---- the command: `klik dispatch --smtp` as a service, killed mid-batch ----

def _binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("KLIK_CLI", pathlib.Path(klik.__file__).resolve().parents[2] / "apps" / "klik"))
    if not path.is_file():
        pytest.fail(f"the klik command is not built at {path}")
    return path


ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


@pytest.fixture()
def swept_db(tmp_path):
    db = tmp_path / "w.sqlite"
    subprocess.run([_binary(), "generate", "--db", db, "--municipalities", "2", "--scale", "0.05"], check=True,
                   env=ENV, capture_output=True)
    subprocess.run([_binary(), "sweep", "--db", db, "--date", "2025-06-01"], check=True, env=ENV,
                   capture_output=True)
    return db


def test_a_dispatcher_killed_between_sending_and_marking_duplicates_at_most_once(swept_db, smtp):
    store = klik.open(swept_db)
    expected = [("<" + m["message_id"] + ">") for n in store.outbox() for m in klik.compose_emails(store, n["id"])]
    store.close()
    assert len(expected) > 300
    args = [_binary(), "dispatch", "--db", swept_db, "--smtp", smtp.url, "--starttls", "never", "--batch", "20"]
    proc = subprocess.Popen([*map(str, args), "--service", "--interval-ms", "50"], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = threading.Event()

    def kill_mid_batch(count):
        if count == 150 and not killed.is_set():  # inside a batch: sent, not yet marked
            os.kill(proc.pid, signal.SIGKILL)
            killed.set()

    smtp.handler.on_mail = kill_mid_batch
    proc.wait(timeout=120)
    assert killed.is_set() and proc.returncode == -signal.SIGKILL
    smtp.handler.on_mail = None
    before = len(smtp.handler.mails)
    # Restarted, as a service, and stopped with SIGTERM once everything is delivered.
    proc = subprocess.Popen([*map(str, args), "--service", "--interval-ms", "50"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(set(smtp.handler.ids())) < len(expected):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in out
    ids = smtp.handler.ids()
    assert set(ids) == set(expected)  # nothing lost
    duplicates = len(ids) - len(set(ids))
    assert 0 < duplicates <= 150  # only the batch in flight, once each, with the same Message-ID
    assert all(ids.count(i) <= 2 for i in set(ids))
    assert before >= 150
    store = klik.open(swept_db)
    assert all(n["delivered"] for n in store.outbox())
    store.close()


def test_klik_serve_delivers_the_outbox_when_told_where(swept_db, smtp):
    import requests

    store = klik.open(swept_db)
    expected = {("<" + m["message_id"] + ">") for n in store.outbox() for m in klik.compose_emails(store, n["id"])}
    store.close()
    proc = subprocess.Popen([str(_binary()), "serve", "--db", str(swept_db), "--port", "0", "--smtp", smtp.url,
                             "--starttls", "never", "--interval-ms", "50", "--portal-url", "https://klik.example"],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = json.loads(proc.stdout.readline())["listening"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and set(smtp.handler.ids()) != expected:
            time.sleep(0.1)
        assert set(smtp.handler.ids()) == expected and len(smtp.handler.ids()) == len(expected)
        metrics = requests.get(url + "/metrics", timeout=10).text
        assert f"klik_mail_sent_total {len(expected)}" in metrics
        assert "klik_mail_failures_total 0" in metrics
        link = smtp.handler.mails[0][1].get_body(("plain",)).get_content()
        assert "https://klik.example/tasks/" in link
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_a_refusal_is_a_dead_letter_at_once_and_repeated_failures_after_max_attempts(world, smtp):
    store, *_ = make_events(world)
    total = len(store.outbox())
    notifier = klik.SmtpNotifier(store, smtp.url, starttls="never")
    dispatcher = klik.Dispatcher(store, notifier, batch=1000, first_retry=1, max_retry=1, max_attempts=3)
    smtp.handler.reply = "451 4.3.0 Try again later"
    t = NOW
    for attempt in range(1, 3):
        assert dispatcher.run_once(t) == 0
        assert store.outbox_counts(t)["dead"] == 0
        t += dt.timedelta(seconds=2)
    assert dispatcher.run_once(t) == 0  # the third failure: given up
    dead = store.dead_letters(limit=10000)
    assert len(dead) == total and all(d["dead_letter"] and d["attempts"] == 3 and "451" in d["last_error"]
                                      for d in dead)
    assert store.pending_notifications(t + dt.timedelta(days=1), limit=10000) == []
    # Nothing is lost: requeued, they are delivered once the server takes mail again.
    smtp.handler.reply = None
    store.requeue([d["id"] for d in dead], at=t)
    assert dispatcher.drain(t) == total and store.outbox_counts(t)["dead"] == 0

    store2, *_ = make_events(world)
    dispatcher = klik.Dispatcher(store2, klik.SmtpNotifier(store2, smtp.url, starttls="never"), batch=1000)
    smtp.handler.reply = "550 5.1.1 No such mailbox"
    assert dispatcher.run_once(NOW) == 0
    dead = store2.dead_letters(limit=10000)
    assert len(dead) == len(store2.outbox()) and all(d["attempts"] == 1 and "550" in d["last_error"] for d in dead)


def test_a_digest_user_gets_one_mail_a_day_grouped_by_project(world, smtp):
    store = klik.MemoryStore(world)
    clock = klik.FixedClock(NOW)
    flows = klik.Workflows(store, clock=clock)
    # Everyone told about deadlines in the first sweep: who is told most often chooses the digest.
    probe = klik.MemoryStore(world)
    probe.sweep(dt.date(2025, 6, 1), now=clock)
    counts = {}
    for n in probe.outbox():
        for r in n["recipients"]:
            counts[r] = counts.get(r, 0) + 1
    reader, told = max(counts.items(), key=lambda kv: kv[1])
    assert told >= 2
    flows.set_daily_digest(reader, reader, True)
    store.sweep(dt.date(2025, 6, 1), now=clock)
    entries = store.outbox()
    digests = [n for n in entries if n["event"] == "deadline.digest"]
    assert len(digests) == 1 and digests[0]["recipients"] == [reader]
    assert all(reader not in n["recipients"] for n in entries if n["event"].startswith("deadline.")
               and n["event"] != "deadline.digest")
    assert len(json.loads(digests[0]["payload"])["items"]) == told
    notifier = klik.SmtpNotifier(store, smtp.url, starttls="never")
    klik.Dispatcher(store, notifier, batch=1000).drain(NOW)
    email_of = {u.id: u.email for u in world.users}
    theirs = [m for rcpt, m in smtp.handler.mails if rcpt == [email_of[reader]]]
    assert len(theirs) == 1
    mail = theirs[0]
    assert str(mail["Subject"]) == f"KLIK: {told} ændrede frister 1. juni 2025"
    text = mail.get_body(("plain",)).get_content()
    projects = {p.id: p.name for p in world.projects}
    for item in json.loads(digests[0]["payload"])["items"]:
        assert projects[item["project"]] in text
        assert f"http://localhost:8080/tasks/{item['task']}" in text
    assert text.count("/tasks/") == told  # a link per change (the frame links the list, "/tasks")
    # The same day swept again finds nothing new: no second digest.
    store.sweep(dt.date(2025, 6, 1), now=clock)
    assert len([n for n in store.outbox() if n["event"] == "deadline.digest"]) == 1


def test_klik_dispatch_requeues_dead_letters_when_told(swept_db, smtp):
    args = [str(_binary()), "dispatch", "--db", str(swept_db), "--smtp", smtp.url, "--starttls", "never"]
    smtp.handler.reply = "550 5.1.1 No such mailbox"
    refused = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "550" in refused.stderr
    store = klik.open(swept_db)
    entries = len(store.outbox())
    assert store.outbox_counts()["dead"] == entries
    store.close()
    assert f"0 waiting to be retried, {entries} dead letters" in refused.stdout
    smtp.handler.reply = None
    again = subprocess.run(args + ["--requeue-dead"], env=ENV, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"{entries} dead letters requeued" in again.stdout and f"{entries} delivered" in again.stdout


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a loopback test server, no TLS
def test_smtp_authentication_with_the_right_and_a_wrong_password(world):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"klik" and auth_data.password == b"r\xc3\xb8d-42"
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself

    server = Server()
    server.controller = Controller(server.handler, hostname="127.0.0.1", port=server.port, authenticator=authenticator,
                                   auth_required=True, auth_require_tls=False)
    server.controller.start()
    try:
        store, *_ = make_events(world)
        wrong = klik.SmtpNotifier(store, server.url, username="klik", password="forkert", starttls="never")
        assert klik.Dispatcher(store, wrong, batch=1000).run_once(NOW) == 0
        dead = store.dead_letters(limit=10000)
        assert dead and all("535" in d["last_error"] and "forkert" not in d["last_error"] for d in dead)
        assert server.handler.mails == []
        store.requeue([d["id"] for d in dead], at=NOW)
        right = klik.SmtpNotifier(store, server.url, username="klik", password="rød-42", starttls="never")
        assert klik.Dispatcher(store, right, batch=1000).drain(NOW) == len(store.outbox())
        assert len(server.handler.mails) == right.sent > 0
    finally:
        server.stop()


def test_a_memory_notifier_holds_what_the_outbox_shows(world):
    store, *_ = make_events(world)
    memory = klik.MemoryNotifier()
    assert klik.Dispatcher(store, memory, batch=1000).drain(NOW) == len(store.outbox())
    delivered = {d["id"]: d for d in memory.delivered}
    for entry in store.outbox():
        # The same dict, as it was handed over: before the dispatcher marked it delivered.
        assert delivered[entry["id"]] == {**entry, "delivered": False}
