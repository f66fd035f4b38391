"""Fixtures: one real database per test run (SQLite, or PostgreSQL when DATABASE_URL says so), migrated
by Alembic and seeded with the demo once; each test runs in a transaction that is rolled back.

A module that needs a demo database of its own (real commits, other connections) gets a copy of the one seeded
database (`databases.seeded(label)`): migrating and seeding again costs seconds of argon2 and inserts, a copy
milliseconds. A test that needs a row or two builds them with tests/factories.py instead."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from webapp import create_app, migrations
from webapp.config import normalise_database_url
from webapp.content.demo import seed_demo
from webapp.domain.identity.staff import create_staff
from webapp.domain.identity.vault import Vault
from webapp.domain.messages import outbox as _outbox  # noqa: F401 (its flush hook, as create_app installs it)
from webapp.infra import clock
from webapp.infra.db import database, make_engine
from webapp.infra.page_cache import cache_of
from webapp.models import Community, Household, Resident, Role, StaffUser

# No per-example deadline: the properties check answers, not speed, and a loaded CI machine's pause of a
# quarter second would fail an example that takes a millisecond ("Unreliable test timings").
hypothesis_settings.register_profile("linli", deadline=None)
hypothesis_settings.load_profile("linli")

DEMO_PASSWORD = "demo-password-for-tests"
DEMO_PIN = "246810"
TEST_KEY = bytes(range(32))
VAULT = Vault.from_master(TEST_KEY)
TODAY = date(2026, 11, 29)


def seed_day() -> date:
    """The day a test demo is seeded for: the real day in the demo's time zone, never before TODAY.

    Tests run on the real clock, and a demo seeded on a fixed day runs out of upcoming classes, events and
    bookable times a week or two later (CI on 2026-12-06 found no class left to book)."""
    return max(TODAY, datetime.now(ZoneInfo("Asia/Shanghai")).date())


def _server_url(url: URL) -> URL:
    return url.set(database="postgres")


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file through SQLite's backup API (a WAL file beside the source is included)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


@dataclass(frozen=True)
class DemoFacts:
    """What a test of a seeded copy needs to know about the demo (every copy holds the same rows)."""

    card_token: str
    resident_id: int


class DatabaseFactory:
    """Makes fresh databases of the run's kind (empty, or a copy of the seeded demo) and removes them at the end."""

    def __init__(self, tmp: Path) -> None:
        configured = os.environ.get("DATABASE_URL")
        self.base = make_url(normalise_database_url(configured)) if configured else None
        self.tmp = tmp
        self.made: list[URL] = []
        self.template: str | None = None
        self.demo: DemoFacts | None = None

    @property
    def is_postgres(self) -> bool:
        return self.base is not None and self.base.get_backend_name() == "postgresql"

    def new(self, label: str = "run", template: str | None = None) -> str:
        """An empty database, or on PostgreSQL a copy of *template* (a database no one is connected to)."""
        if not self.is_postgres:
            return f"sqlite:///{self.tmp / f'{label}-{uuid.uuid4().hex[:8]}.db'}"
        assert self.base is not None
        name = f"linli_{label}_{uuid.uuid4().hex[:10]}"
        copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
        admin = create_engine(_server_url(self.base), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        admin.dispose()
        url = self.base.set(database=name)
        self.made.append(url)
        return url.render_as_string(hide_password=False)

    def seeded(self, label: str = "run") -> str:
        """A new database holding the migrated demo of seed_day(): the first call migrates and seeds a template, every
        call copies it (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL)."""
        if self.template is None:
            template = self.new("template")
            engine = make_engine(template)
            migrations.upgrade(engine)
            with Session(engine) as session:
                demo = seed_demo(session, DEMO_PASSWORD, seed_day(), VAULT, DEMO_PIN)
                session.commit()
                assert demo.sample_card is not None
                assert demo.sample_resident is not None
                self.demo = DemoFacts(demo.sample_card.token, demo.sample_resident.id)
            engine.dispose()  # PostgreSQL copies a template only while no one is connected to it
            self.template = template
        url = self.new(label, template=self.template)
        if not self.is_postgres:
            copy_database(Path(make_url(self.template).database or ""), Path(make_url(url).database or ""))
        return url

    def drop_all(self) -> None:
        if not self.made:
            return
        assert self.base is not None
        admin = create_engine(_server_url(self.base), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for url in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a PostgreSQL run, leave out the tests that reach no database of the run's kind.

    Every database a test touches comes through the `databases` fixture (the app, the engine, the sessions and
    the seeded copies all start there, and the tests that start servers hand them its URLs). A test without it
    in its fixtures checks something no database changes (a scanner's frames, a template's words, a config
    parser), and CI has run it in the SQLite pass already: running it again on PostgreSQL spent minutes of
    CI's forty and could not fail differently. A test that needs both passes while reaching PostgreSQL another
    way says so with `@pytest.mark.every_database`."""
    if not DatabaseFactory(Path()).is_postgres:
        return
    kept, left = [], []
    for item in items:
        reaches = "databases" in getattr(item, "fixturenames", ()) or item.get_closest_marker(
            "every_database"
        )
        (kept if reaches else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: DatabaseFactory) -> str:
    """The run's database: migrated and seeded with the demo of seed_day()."""
    return databases.seeded("test")


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def app(engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    application = create_app(
        {
            "database_url": database_url,
            "testing": True,
            "instance_path": tmp_path_factory.mktemp("instance"),
            "encryption_key": TEST_KEY,
        }
    )
    database(application).engine.dispose()
    database(application).engine = engine
    return application


@pytest.fixture
def _connection(engine: Engine) -> Iterator[Connection]:
    """One connection whose outer transaction is rolled back after the test: what a test writes never stays."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield connection
    finally:
        outer.rollback()
        connection.close()


def _sessionmaker(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test with the app: bind the app's sessions to the test's connection (rolled back afterwards)."""
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    db = database(application)
    original = db.sessionmaker
    cache_of(application).clear()  # shared pages rendered in another test's (rolled back) data
    application.extensions.pop("linli_known_kiosks", None)  # and kiosks remembered under its version token
    db.sessionmaker = _sessionmaker(request.getfixturevalue("_connection"))
    try:
        yield
    finally:
        db.sessionmaker = original


@pytest.fixture
def session(_connection: Connection) -> Iterator[Session]:
    """A session on the test's transaction, for arranging data and checking results. It needs no app: a test of
    the core boots none (one that also asks for `app` or `client` shares this transaction with its requests).

    No app context is pushed here: requests would reuse it and share `g` across requests.
    """
    s = _sessionmaker(_connection)()
    yield s
    s.close()


@pytest.fixture(scope="session")
def blank_engine(databases: DatabaseFactory) -> Iterator[Engine]:
    """A migrated database with no rows at all, for tests that build the two rows they need (tests/factories.py)."""
    eng = make_engine(databases.new("blank"))
    migrations.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def blank_session(blank_engine: Engine) -> Iterator[Session]:
    """A session on the blank database in a transaction rolled back after the test (its commits are savepoints).
    It boots no app and seeds no demo: a core test that asks only for this never pays for either."""
    connection = blank_engine.connect()
    outer = connection.begin()
    s = _sessionmaker(connection)()
    try:
        yield s
    finally:
        s.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def demo_community(session: Session) -> Community:
    community = session.scalar(select(Community).where(Community.slug == "guihua"))
    assert community is not None
    return community


@pytest.fixture
def make_resident(session: Session, demo_community: Community) -> Callable[..., Resident]:
    def make(name: str = "王秀英", age: int = 82, lives_alone: bool = False, **extra: Any) -> Resident:
        household = session.query(Household).first()
        resident = Resident(
            community=demo_community,
            household=household,
            name=name,
            birth_date=date(TODAY.year - age, 1, 15),
            lives_alone=lives_alone,
            **extra,
        )
        session.add(resident)
        session.commit()
        return resident

    return make


@pytest.fixture
def make_staff(session: Session, demo_community: Community) -> Callable[..., StaffUser]:
    def make(
        username: str = "tester", role: Role = Role.COMMUNITY_WORKER, community: Community | None = None
    ) -> StaffUser:
        user = create_staff(
            session, username, f"Tester {username}", DEMO_PASSWORD, [((community or demo_community).id, role)]
        )
        session.commit()
        return user

    return make


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def refused_as_forged(response: Any) -> bool:
    """The CSRF check refused the request (its answer says so in a header, in every language). A fuzz test
    asserts that none of its requests was: one that only ever met that refusal would pass and test nothing."""
    return response.status_code == 400 and response.headers.get("X-Linli-Refused") == "csrf"


def refused_in_words(response: Any) -> bool:
    """A 400 that reached its view and says what is wrong: the error summary the pages render
    (templates/components/forms.html, or a page's own `error-summary`), not the CSRF refusal."""
    return (
        response.status_code == 400
        and not refused_as_forged(response)
        and '<div class="error-summary" role="alert"' in response.get_data(as_text=True)
    )


def once_per_test(session: Any) -> bool:
    """True the first time a test asks (its session is its own): a hypothesis test runs its control request
    with its first example, not with each of them."""
    first = not session.info.get("linli_controlled")
    session.info["linli_controlled"] = True
    return first


def kept_in_form(response: Any, typed: str) -> bool:
    """What was typed is shown again in the form, escaped as the templates escape it."""
    from markupsafe import escape

    return str(escape(typed)) in response.get_data(as_text=True)


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> Any:
        token = csrf_token(self.client, "/staff/sign-in")
        return self.client.post(
            "/staff/sign-in", data={"username": username, "password": password, "csrf_token": token}
        )

    def sign_out(self) -> Any:
        token = csrf_token(self.client, "/staff/")
        return self.client.post("/staff/sign-out", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


class FrozenClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        clock.freeze(start)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
        clock.freeze(self.now)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fc = FrozenClock(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
    yield fc
    clock.freeze(None)


@pytest.fixture
def kiosk_token(session, demo_community) -> str:
    """Pair the demo kiosk (as staff would with a code) and return the device token its browser keeps."""
    from webapp.domain.kiosk.devices import pair, start_pairing
    from webapp.domain.privacy.audit import SYSTEM
    from webapp.models import Kiosk

    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))
    code = start_pairing(session, SYSTEM, kiosk)
    _kiosk, token = pair(session, code)
    session.commit()
    return token


@pytest.fixture
def kiosk_client(client, kiosk_token) -> FlaskClient:
    client.set_cookie("linli_kiosk", kiosk_token)
    return client
