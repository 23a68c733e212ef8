"""A task as a PDF file (docs/pdf.md): klik.task_pdf, `klik export-pdf` and the portal's
GET /api/tasks/{id}.pdf, read back with poppler-utils (pdftotext, pdftoppm, pdfinfo) as
the partner who gets the file would read it. The poppler tools run without the
sanitizer runtime scripts/test preloads into the interpreter (test_cli.ENV)."""
import datetime
import json
import re
import shutil
import subprocess
import threading

import pytest
import requests

import klik

from test_cli import ENV, run
from test_serve import DAY as SERVE_DAY
from test_serve import Server, error_of, session

DAY = datetime.date(2026, 3, 2)
DANISH = "Æbleø på Åen: æøå ÆØÅ – kvalitetssikring før go-live"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (scripts/setup)")


def text_of(pdf: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *pages, "-", "-"], input=pdf, capture_output=True,
                          check=True, env=ENV).stdout.decode()


def pages_of(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True, env=ENV).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def flat(text: str) -> str:
    """pdftotext breaks lines where the page wraps them: compare with whitespace as single spaces."""
    return " ".join(text.split())


def model_without(action: str) -> "klik.Rights":
    model = json.loads(klik.Rights.default().to_json())
    for rule in model["rules"]:
        rule["actions"] = [a for a in rule["actions"] if a != action]
    model["rules"] = [r for r in model["rules"] if r["actions"]]
    return klik.Rights.from_json(json.dumps(model))


class World:
    """A small world in memory with one task of a municipality and its Plusbruger."""

    def __init__(self, data: "klik.Dataset"):
        self.data = data
        self.task = data.tasks[0]
        template = next(t for t in data.templates if t.id == self.task.template)
        self.template = template
        self.plus = next(u for u in data.users if u.municipality == self.task.municipality
                         and u.type_on(template.project) == klik.UserType.PLUS)
        self.other = next(t for t in data.tasks if t.municipality != self.task.municipality)
        self.kombit = next(u for u in data.users if u.side == klik.Side.KOMBIT and u.administrator)
        self.store = klik.MemoryStore(data)
        self.flows = klik.Workflows(self.store, clock=klik.FixedClock(DAY))

    def pdf(self, viewer=None, task=None, **kw) -> bytes:
        return klik.task_pdf(self.store, viewer or self.plus.id, task or self.task.id, today=DAY, **kw)


@pytest.fixture
def world(small_world) -> World:
    data = klik.Dataset.from_json(small_world.to_json())  # a copy: the texts below are this test's
    task = data.tasks[0]
    templates = data.templates
    for t in templates:
        if t.id == task.template:
            t.goal = "Målet: " + DANISH
            t.description = "Beskrivelse med ÆØÅ. " + "Lang tekst der ombrydes. " * 30
            t.method = "Metode: brug fremgangsmåden i håndbogen."
            t.result = "Resultatet er en godkendt løsning."
    data.templates = templates
    return World(data)


def test_the_texts_are_in_the_file_exactly_with_danish_letters(world):
    world.flows.write_message(world.plus.id, world.task.id, DANISH)
    pdf = world.pdf()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = flat(text_of(pdf))
    for expected in (world.template.title, "Målet: " + DANISH, "Metode: brug fremgangsmåden i håndbogen.",
                     "Resultatet er en godkendt løsning.", DANISH, world.plus.full_name,
                     "Eksporteret mandag 2. marts 2026", "Ansvarlig", "Udfører", "Slutdato", "Beskeder"):
        assert expected in text, expected
    assert flat("Beskrivelse med ÆØÅ. " + "Lang tekst der ombrydes. " * 30) in text
    explained = world.store.explain_colour(world.task.id, DAY)
    assert flat(explained.text) in text
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True, env=ENV).stdout.decode()
    assert "DejaVuSans" in fonts and re.search(r"DejaVuSans\S*\s.*\byes\s+yes\b", fonts), fonts  # embedded, subset


def test_page_one_is_not_blank(world, tmp_path):
    (tmp_path / "t.pdf").write_bytes(world.pdf())
    subprocess.run(["pdftoppm", "-gray", "-r", "50", "-f", "1", "-l", "1", str(tmp_path / "t.pdf"),
                    str(tmp_path / "page")], check=True, env=ENV)
    (image,) = tmp_path.glob("page*.pgm")
    data = image.read_bytes()
    # P5 header: magic, width, height, maxval, each followed by one whitespace byte.
    magic, width, height, maxval, pixels = data.split(maxsplit=4)
    assert magic == b"P5" and int(maxval) == 255
    assert abs(int(width) - 413) <= 1 and abs(int(height) - 585) <= 1  # A4 at 50 dpi
    dark = sum(1 for b in pixels[:int(width) * int(height)] if b < 128)
    assert dark > 2000, dark  # text, not an empty page


def test_two_hundred_messages_paginate_with_their_page_numbers(world):
    for i in range(200):
        world.flows.write_message(world.plus.id, world.task.id, f"Besked nummer {i:03d}: " + "ærlig snak " * 12)
    pdf = world.pdf()
    total = pages_of(pdf)
    assert total >= 8
    seen = []
    for n in range(1, total + 1):
        page = text_of(pdf, n)
        assert re.findall(r"Side \d+ af \d+", page) == [f"Side {n} af {total}"], n
        assert "Eksporteret mandag 2. marts 2026" in page
        seen += re.findall(r"Besked nummer (\d{3}):", page)
    assert seen == [f"{i:03d}" for i in range(200)]  # every message once, in order


def test_internal_notes_only_for_viewers_with_the_right(world):
    world.flows.set_internal_notes(world.plus.id, world.task.id, "Intern note: Økonomiudvalget må vente.")
    assert "Intern note: Økonomiudvalget må vente." in flat(text_of(world.pdf()))
    # KOMBIT never reads internal notes; nor does anyone under a model without the right.
    for pdf in (world.pdf(viewer=world.kombit.id), world.pdf(rights=model_without("view_internal_notes"))):
        text = text_of(pdf)
        assert "Økonomiudvalget" not in text and "Interne noter" not in text


def test_another_municipality_s_task_is_not_found_like_a_missing_one(world):
    with pytest.raises(klik.NotFound) as hidden:
        world.pdf(task=world.other.id)
    with pytest.raises(klik.NotFound) as missing:
        world.pdf(task=4_000_000)
    assert str(hidden.value) == str(missing.value) == "task not found"
    with pytest.raises(klik.NotFound):
        world.pdf(viewer=999_999)
    with pytest.raises(klik.PermissionDenied):
        world.pdf(rights=model_without("export_task"))
    with pytest.raises(TypeError):
        klik.task_pdf(world.store, world.plus.id, world.task.id, rights="all")


def test_threads_render_at_once_without_the_gil(world):
    expected = world.pdf()
    results = []

    def export():
        for _ in range(5):
            results.append(world.pdf())

    threads = [threading.Thread(target=export) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 10


# ---- the command and the portal ----------------------------------------------------


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "world.sqlite"
    run("generate", "--db", path, "--municipalities", 3, "--scale", 0.25, "--seed", 5)
    return path


def test_klik_export_pdf(db, tmp_path):
    store = klik.open(str(db), read_only=True, create=False)
    data = klik.Dataset.from_json(store.export_json())
    task = data.tasks[0]
    title = next(t.title for t in data.templates if t.id == task.template)
    plus = next(u for u in data.users if u.municipality == task.municipality and u.memberships
                and any(m.type == klik.UserType.PLUS for m in u.memberships))
    by_email = tmp_path / "a.pdf"
    run("export-pdf", "--db", db, "--viewer", plus.email, "--task", task.id, "-o", by_email, "--date", "2026-12-01")
    by_id = tmp_path / "b.pdf"
    run("export-pdf", "--db", db, "--as", plus.id, "--task", task.id, "-o", by_id, "--date", "2026-12-01")
    assert by_email.read_bytes() == by_id.read_bytes()
    assert by_email.read_bytes() == klik.task_pdf(store, plus.id, task.id, today="2026-12-01")
    assert title in flat(text_of(by_email.read_bytes()))
    other = next(t for t in data.tasks if t.municipality != task.municipality)
    hidden = run("export-pdf", "--db", db, "--viewer", plus.id, "--task", other.id, "-o", tmp_path / "c.pdf", ok=False)
    missing = run("export-pdf", "--db", db, "--viewer", plus.id, "--task", 4_000_000, "-o", tmp_path / "c.pdf",
                  ok=False)
    assert hidden.returncode == missing.returncode != 0
    assert hidden.stderr == missing.stderr == "klik export-pdf: task not found\n"
    assert not (tmp_path / "c.pdf").exists()


@pytest.fixture(scope="module")
def server(db):
    s = Server(db)
    yield s
    s.stop()


def test_portal_sends_the_task_as_a_pdf_attachment(server, db):
    plus = session(server, "plusbruger")
    rows = plus.get(server.url + "/api/tasks", params={"limit": 1}).json()["rows"]
    task = plus.get(f"{server.url}/api/tasks/{rows[0]['task']}").json()
    assert task["rights"]["export_task"]
    r = plus.get(f"{server.url}/api/tasks/{task['id']}.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == f'attachment; filename="opgave-{task["id"]}.pdf"'
    assert r.content.startswith(b"%PDF-")
    text = flat(text_of(r.content))
    assert flat(task["title"]) in text and task["municipality"]["name"] in text
    assert "Eksporteret tirsdag 1. december 2026" in text  # the server's --date
    store = klik.open(str(db), read_only=True, create=False)
    viewer = next(u for u in klik.Dataset.from_json(store.export_json()).users if u.email == plus.email)
    assert r.content == klik.task_pdf(store, viewer.id, task["id"], today=SERVE_DAY)

    # Internal notes: in the Plusbruger's file, never in KOMBIT's.
    note = "Portalens interne note: Åbningstid ændres."
    assert plus.put(f"{server.url}/api/tasks/{task['id']}/internal-notes", json={"text": note}).status_code == 200
    assert note in flat(text_of(plus.get(f"{server.url}/api/tasks/{task['id']}.pdf").content))
    kombit = session(server, "kombit").get(f"{server.url}/api/tasks/{task['id']}.pdf")
    assert kombit.status_code == 200 and "Åbningstid" not in text_of(kombit.content)

    # 404 exactly as GET /api/tasks/{id}; no session, 401.
    other = session(server, "plusbruger i en anden kommune")
    hidden = other.get(f"{server.url}/api/tasks/{task['id']}.pdf")
    missing = other.get(f"{server.url}/api/tasks/4000000000.pdf")
    error_of(hidden, 404, "not_found")
    assert hidden.content == missing.content == other.get(f"{server.url}/api/tasks/{task['id']}").content
    error_of(requests.get(f"{server.url}/api/tasks/{task['id']}.pdf"), 401, "unauthenticated")
    error_of(plus.get(f"{server.url}/api/tasks/{task['id']}xpdf"), 404, "not_found")
