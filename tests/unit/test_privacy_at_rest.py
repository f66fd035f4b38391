"""After `demo`, no seeded ID number, phone number, card token or PIN is in the database file, a pg_dump,
or the application's logs: only keyed hashes, ciphertext and last-four digits are stored."""

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from webapp import create_app
from webapp.domain.identity.vault import Vault
from webapp.domain.register.residents import ID_KIND, PHONE_KIND, reveal
from webapp.infra.db import database
from webapp.models import Resident

KEY = bytes(range(32, 64))


@pytest.fixture
def demo_run(databases, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("LINLI_DEMO_PASSWORD", "a-demo-password")
    url = databases.new("privacy")
    app = create_app({"database_url": url, "instance_path": tmp_path, "encryption_key": KEY, "log_sql": True})
    caplog.set_level(logging.DEBUG)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    token = re.search(r"/c/([A-Za-z0-9_-]+)", result.output).group(1)
    pin = re.search(r"PIN for every demo resident: (\d{6})", result.output).group(1)
    # Use the secrets once more through the app, so that the logs see a sign-in too.
    client = app.test_client()
    client.get(f"/c/{token}")
    page = client.get("/c").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/c", data={"csrf_token": csrf, "pin": pin}).status_code == 303
    # Free text: a resident types a mobile and an ID number into a request (issue 14.5).
    typed = ["150 1234 5678", "15012345678", "44030119800101123X", "13612345678"]

    def post(url: str, **data: str) -> int:
        me = client.get("/me").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', me).group(1)
        return client.post(url, data={"csrf_token": token, **data}).status_code

    assert post("/ask/repair-lift/1", answer="yes") == 303
    assert post("/ask/repair-lift/2", answer=f"please call {typed[0]}, ID {typed[2]}") == 303
    assert post("/ask/repair-lift/review", where="common", place=f"Lobby, {typed[3]}") == 303
    vault = Vault.from_master(KEY)
    with Session(database(app).engine) as session:
        residents = session.scalars(select(Resident)).all()
        ids = [reveal(vault, r, ID_KIND) for r in residents]
        phones = [reveal(vault, r, PHONE_KIND) for r in residents]
    database(app).engine.dispose()
    secrets = [s for s in ids + phones if s] + [token, pin] + typed
    assert len(secrets) >= 80
    return url, secrets, caplog.text


def find(blob: bytes, secrets: list[str]) -> list[str]:
    found = []
    for secret in secrets:
        for encoding in ("utf-8", "utf-16-le"):
            if secret.encode(encoding) in blob:
                found.append(secret)
    return found


def test_database_and_logs_hold_no_secret_in_clear(demo_run):
    url, secrets, log_text = demo_run
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db_file = Path(parsed.database)
        blob = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))  # db, -wal, -shm
        assert len(blob) > 10_000
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.fail("pg_dump is needed for this test on PostgreSQL (apt-get install postgresql-client)")
        env = {**os.environ, "PGPASSWORD": parsed.password or ""}
        blob = subprocess.run(
            [
                pg_dump,
                "-h",
                parsed.host or "127.0.0.1",
                "-p",
                str(parsed.port or 5432),
                "-U",
                parsed.username or "postgres",
                "-d",
                parsed.database,
                "--data-only",
            ],
            capture_output=True,
            check=True,
            env=env,
        ).stdout
        assert b"COPY public.resident" in blob
    assert find(blob, secrets) == []
    assert "SELECT" in log_text  # the SQL log was on, parameters included
    assert find(log_text.encode(), secrets) == []


def test_the_search_would_find_a_secret_if_it_were_there(demo_run):
    """The check above can fail: the same search finds a secret written in clear."""
    _url, secrets, _log = demo_run
    assert find(f"xx{secrets[0]}yy".encode(), secrets) == [secrets[0]]
