"""Exactly once: the same Idempotency-Key twice in a row, concurrently, and after the server died between
commit and response always yields one ticket, on SQLite and on PostgreSQL (real commits, own database)."""

import contextlib
import re
import socket
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PIN, TEST_KEY
from webapp import create_app
from webapp.infra.db import database, make_engine
from webapp.models import Ticket
from webapp.resident import pwa

ROOT = Path(__file__).resolve().parents[2]
BODY = {"a_urgent": "yes", "a_details": "", "where": "home"}


@pytest.fixture(scope="module")
def world(databases, tmp_path_factory):
    """A copy of the demo with real commits (what two requests write must be there for a third connection)."""
    url = databases.seeded("outbox")
    assert databases.demo is not None
    folder = tmp_path_factory.mktemp("outbox-instance")
    return {
        "url": url,
        "card": databases.demo.card_token,
        "resident": databases.demo.resident_id,
        "instance": folder,
    }


def signed_in(client, card):
    client.get(f"/c/{card}")
    page = client.get("/c").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/c", data={"csrf_token": csrf, "pin": DEMO_PIN}).status_code == 303
    return re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/me").get_data(as_text=True)
    ).group(1)


def owner(client):
    """The signed-in resident's outbox tag, as the service worker asks for it before sending."""
    return client.get("/outbox/token").get_json()["owner"]


def tickets(url, resident_id):
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.scalar(
            select(func.count(Ticket.id)).where(Ticket.resident_id == resident_id, Ticket.channel == "phone")
        )
    engine.dispose()
    return count


def test_twice_in_a_row_and_concurrently_one_ticket(world):
    app = create_app(
        {"database_url": world["url"], "instance_path": world["instance"], "encryption_key": TEST_KEY}
    )
    client = app.test_client()
    csrf = signed_in(client, world["card"])
    before = tickets(world["url"], world["resident"])
    key = str(uuid.uuid4())
    tag = owner(client)
    headers = {"Idempotency-Key": key, "Outbox-Owner": tag, "Accept": "application/json"}
    first = client.post("/ask/repair-lift/review", data={**BODY, "csrf_token": csrf}, headers=headers)
    assert first.status_code == 201
    again = client.post("/ask/repair-lift/review", data={**BODY, "csrf_token": csrf}, headers=headers)
    assert again.status_code == 201
    assert again.get_json()["number"] == first.get_json()["number"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other_body = client.post(
        "/ask/repair-lift/review", data={**BODY, "a_urgent": "no", "csrf_token": csrf}, headers=headers
    )
    assert other_body.status_code == 422
    assert tickets(world["url"], world["resident"]) == before + 1

    # Six copies of one submission at the same moment, each on its own connection.
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key, "Outbox-Owner": tag, "Accept": "application/json"}
    start = threading.Barrier(6)
    answers: list[tuple[int, str]] = []

    def send():
        start.wait(timeout=30)
        response = client.post("/ask/repair-lift/review", data={**BODY, "csrf_token": csrf}, headers=headers)
        answers.append((response.status_code, (response.get_json() or {}).get("number", "")))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 6
    assert {status for status, _ in answers} == {201}
    assert len({number for _, number in answers}) == 1
    assert tickets(world["url"], world["resident"]) == before + 2
    database(app).engine.dispose()


def test_an_outbox_entry_is_delivered_only_for_its_author(world):
    """An entry left on a shared phone by another resident (or with no author) is refused, never filed under the
    person signed in now; the author's own delivery of the same body goes through."""
    app = create_app(
        {"database_url": world["url"], "instance_path": world["instance"], "encryption_key": TEST_KEY}
    )
    client = app.test_client()
    client.set_cookie("linli_locale", "en")
    csrf = signed_in(client, world["card"])
    with app.app_context():
        neighbour = pwa.owner_tag(world["resident"] + 1)
    before = tickets(world["url"], world["resident"])
    for author in ({"Outbox-Owner": neighbour}, {}):
        headers = {"Idempotency-Key": str(uuid.uuid4()), "Accept": "application/json", **author}
        refused = client.post("/ask/repair-lift/review", data={**BODY, "csrf_token": csrf}, headers=headers)
        assert refused.status_code == 403, author
        assert refused.get_json()["error"] == "This entry was written by someone else on this phone."
    assert tickets(world["url"], world["resident"]) == before
    headers = {
        "Idempotency-Key": str(uuid.uuid4()),
        "Outbox-Owner": owner(client),
        "Accept": "application/json",
    }
    assert (
        client.post("/ask/repair-lift/review", data={**BODY, "csrf_token": csrf}, headers=headers).status_code
        == 201
    )
    assert tickets(world["url"], world["resident"]) == before + 1
    database(app).engine.dispose()


SERVER = textwrap.dedent(
    """
    import sys
    from werkzeug.serving import make_server
    sys.path.insert(0, {root!r})
    from webapp import create_app
    app = create_app({{"database_url": {url!r}, "instance_path": {instance!r}, "encryption_key": {key!r}}})
    server = make_server("127.0.0.1", {port}, app, threaded=True)
    print("ready", flush=True)
    server.serve_forever()
    """
)


def start_server(world, port):
    code = SERVER.format(
        root=str(ROOT), url=world["url"], instance=str(world["instance"]), key=TEST_KEY, port=port
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdout.readline().strip() == b"ready"
    return process


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """Between the phone and the server. With `crash_on_answer` set, the server is killed the moment its
    answer starts (so it has committed) and the phone's connection is closed without the answer: what a
    phone sees when the server dies between commit and response. No hook in the application is needed."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.crash_on_answer = None
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, source, target, answers):
        try:
            while data := source.recv(65536):
                if answers and self.crash_on_answer is not None:
                    self.crash_on_answer.kill()
                    break
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def close(self):
        self.listener.close()


def test_server_killed_between_commit_and_response(world):
    import requests

    port = free_port()
    first = start_server(world, port)
    proxy = Proxy(port)
    base = f"http://127.0.0.1:{proxy.port}"
    phone = requests.Session()
    try:
        phone.get(f"{base}/c/{world['card']}", timeout=10)
        page = phone.get(f"{base}/c", timeout=10).text
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        phone.post(f"{base}/c", data={"csrf_token": csrf, "pin": DEMO_PIN}, timeout=10)
        csrf = re.search(
            r'name="csrf_token"[^>]*value="([^"]+)"', phone.get(f"{base}/me", timeout=10).text
        ).group(1)
        before = tickets(world["url"], world["resident"])
        tag = phone.get(f"{base}/outbox/token", timeout=10).json()["owner"]
        headers = {"Idempotency-Key": str(uuid.uuid4()), "Outbox-Owner": tag, "Accept": "application/json"}
        proxy.crash_on_answer = first
        with pytest.raises(requests.ConnectionError):
            phone.post(
                f"{base}/ask/repair-lift/review",
                data={**BODY, "csrf_token": csrf},
                headers=headers,
                timeout=10,
            )
        assert first.wait(10) != 0  # the server is gone; it had committed before it began to answer
        assert tickets(world["url"], world["resident"]) == before + 1
    finally:
        first.kill()
    proxy.crash_on_answer = None
    proxy.upstream = free_port()
    restarted = start_server(world, proxy.upstream)
    try:
        retry = phone.post(
            f"{base}/ask/repair-lift/review", data={**BODY, "csrf_token": csrf}, headers=headers, timeout=10
        )
        assert retry.status_code == 201
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert tickets(world["url"], world["resident"]) == before + 1
    finally:
        restarted.kill()
        proxy.close()


def test_no_process_exit_in_the_request_path():
    """A test hook that ends the process (os._exit) has no place in code a request runs."""
    found = [
        str(path.relative_to(ROOT))
        for folder in ("webapp", "kiosk")
        for path in (ROOT / folder).rglob("*.py")
        if "os._exit" in path.read_text(encoding="utf-8") or "fault_crash" in path.read_text(encoding="utf-8")
    ]
    assert found == []
