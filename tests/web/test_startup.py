"""A web worker imports what serving pages needs, and no more (issue 21).

Each module here is imported where it is used, not when the app is made: every gunicorn worker would otherwise
carry it (Huey with Redis's and psycopg's clients about 19 MiB, py_webauthn with pyOpenSSL about 15 MiB, the
JSON API's pydantic shapes about 11 MiB, cryptography's Rust library about 8 MiB; docs/performance.md,
"Start-up and memory"). A top-level import
added anywhere on the way from `wsgi` would bring them back without anyone noticing: this test notices.
The app is made in a fresh process, as a worker makes it, and serves one page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from webapp.domain.identity.passkeys import credential_label
from webapp.models import PasskeyCredential

ROOT = Path(__file__).resolve().parents[2]

NOT_AT_START = {
    "huey": "the job queue: made when a commit first wakes the worker (webapp.jobs.LazyTasks)",
    "redis": "Huey's Redis storage, imported by Huey",
    "webauthn": "passkeys: imported by a ceremony (webapp.domain.identity.passkeys)",
    "OpenSSL": "pyOpenSSL, imported by py_webauthn",
    "cryptography": "the vault's AES-GCM and HKDF, imported when a value is sealed or opened",
    "qrcode": "imported when a QR code is drawn (webapp.shared.qr)",
    "PIL": "Pillow: the first photo a resident attaches (webapp.domain.desk.photos), or a QR code drawn",
    "pydantic": "the JSON API's shapes: its views are imported at their first call (webapp.api.routes)",
    "spectree": "the JSON API's validation and document, with its views",
    "alembic": "migrations: only the db and demo commands",
    "xml": "Open311's XML answers and errors (webapp.api.open311, webapp.api.problems)",
    "tarfile": "backup archives: the backup and restore commands and the backup job (webapp.infra.backup)",
    "pywebpush": "Web Push: the worker's task",
    "openpyxl": "spreadsheet import: its page",
    "locust": "a benchmark's load generator, never part of the app",
    "escpos": "the kiosk box's printer driver (hardware/)",
    "serial": "the kiosk box's scanner driver (hardware/)",
    "evdev": "the kiosk box's scanner driver (hardware/)",
}


def as_a_worker(script: str, tmp_path: Path, database_url: str, *flags: str) -> str:
    """Run `script` in a fresh Python process, as a gunicorn worker starts (served: the schema check at start
    runs too), and return what it printed."""
    env = {**os.environ, "DATABASE_URL": database_url, "LINLI_INSTANCE_PATH": str(tmp_path)}
    env.pop("FLASK_RUN_FROM_CLI", None)
    done = subprocess.run(
        [sys.executable, *flags, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_serving_a_page_imports_no_module_that_pages_do_not_need(tmp_path: Path, database_url: str) -> None:
    script = (
        "import sys, wsgi\n"
        "assert wsgi.app.test_client().get('/').status_code == 200\n"  # the seeded demo's home page
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    loaded = set(as_a_worker(script, tmp_path, database_url).split())
    unwanted = dict(NOT_AT_START)
    if database_url.startswith("sqlite"):
        unwanted["psycopg"] = "PostgreSQL's driver, imported by Huey (on PostgreSQL the engine needs it)"
    assert {name: why for name, why in unwanted.items() if name in loaded} == {}


def test_a_passkey_is_labelled_as_py_webauthn_would() -> None:
    from webauthn.helpers import bytes_to_base64url

    for raw in (b"\x00", b"\xfb\xff\xfe" * 7, bytes(range(64))):
        unnamed = PasskeyCredential(credential_id=raw, label=None)
        assert credential_label(unnamed) == bytes_to_base64url(raw)[:8]
    assert credential_label(PasskeyCredential(credential_id=b"x", label="Phone")) == "Phone"


def test_the_queue_is_made_when_first_woken(tmp_path: Path, database_url: str) -> None:
    """Made on first use, it is the queue the worker consumes: the same storage and every task registered."""
    from webapp import create_app
    from webapp.infra.db import database
    from webapp.infra.queue import queue_of
    from webapp.jobs import LazyTasks

    app = create_app({"database_url": database_url, "instance_path": tmp_path, "encryption_key": b"k" * 32})
    lazy = queue_of(app)
    assert isinstance(lazy, LazyTasks)
    assert lazy._tasks is None
    assert not (tmp_path / "queue.db").exists()
    lazy.wake(outbox=True, webhooks=True)
    assert lazy.tasks() is lazy._tasks
    assert lazy.huey.pending_count() == 2  # sweep (Web Push too: it is in the outbox), webhook_sweep
    assert (tmp_path / "queue.db").exists()
    assert {"deliver", "sweep", "desk_round", "care_sweep"} <= {
        name.split(".")[-1] for name in lazy.huey._registry._registry
    }
    assert lazy.deliver is lazy.tasks().deliver
    lazy.huey.flush()
    database(app).engine.dispose()


def test_the_web_service_runs_under_python_OO_as_deployed(tmp_path: Path, database_url: str) -> None:
    """deploy/systemd/linli-web.service runs gunicorn with PYTHONOPTIMIZE=2, which drops every docstring and
    assert (about 5 MiB a worker). Pages must not notice, and the API's document, whose summaries SpecTree reads
    from the views' docstrings, must still name every operation in words (webapp.api.spec._summarise)."""
    script = (
        "import json, sys, wsgi\n"
        "client = wsgi.app.test_client()\n"
        "answers = {path: client.get(path).status_code for path in ('/', '/kiosk/', '/staff/sign-in', '/api/docs')}\n"
        "document = client.get('/api/openapi.json').get_json()\n"
        "words = {f'{m.upper()} {p}': [op.get('summary'), op.get('description', '')]"
        " for p, ms in document['paths'].items() for m, op in ms.items()}\n"
        "flags = [sys.flags.optimize, wsgi.__doc__]\n"
        "shapes = {name: s.get('description') for name, s in document['components']['schemas'].items()}\n"
        "print(json.dumps({'answers': answers, 'words': words, 'flags': flags, 'shapes': shapes}))\n"
    )
    found = json.loads(as_a_worker(script, tmp_path, database_url, "-OO").splitlines()[-1])
    assert found["flags"] == [2, None]  # really without docstrings (an assert would be dropped there)
    assert found["answers"] == {"/": 200, "/kiosk/": 302, "/staff/sign-in": 200, "/api/docs": 200}
    # pydantic takes a schema's description from its class docstring too: those the document has are given
    assert found["shapes"]["Problem"].startswith("An error, RFC 9457 problem details")
    assert found["shapes"]["Titles"] == "A text in each of Linli's languages."
    from webapp.api.docs import WORDS

    # Outside any request the words are their English msgids, as the document gives them.
    assert found["words"] == {
        f"{method} {path}": [str(summary), str(description) if description else ""]
        for (method, path), (summary, description) in WORDS.items()
    }
