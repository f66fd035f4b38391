"""The district rig: real processes on loopback, a district's data, kill -9 and the count afterwards.

PostgreSQL (a database of its own, dropped at the end), Redis (one database number, flushed before and after),
nginx running the deploy site (deploy/nginx/linli.conf with ports, paths and a self-signed certificate put
in), N gunicorn app servers (each deploy/gunicorn.conf.py on its own port, LINLI_PROXY_HOPS=1,
LINLI_THROTTLE_STORE=redis) and, where a worker command exists, job workers. An app server is killed the way a
box loses power: SIGKILL to its whole process group (master and workers), then started again.

No Locust here: benchmarks/district.py drives the rig with Locust, tests/integration/test_district_kill.py
with a few threads, on the locked dependencies only."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "district-password-1"  # noqa: S105 (a throwaway database)
PIN = "482915"
KEY = bytes(range(32))
SECRET = "district-secret-key-for-a-throwaway-database"  # noqa: S105
MARK = "district-"  # every submission the load makes carries MARK + its idempotency key as its place
SEALED_POOL = 2000  # distinct sealed ID and phone numbers; residents reuse their ciphertexts
PG = os.environ.get("LINLI_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("LINLI_DISTRICT_REDIS", "redis://127.0.0.1:6379/8")


def new_key() -> str:
    """A fresh idempotency key of letters only. It is also the ticket's place, and the core masks what
    in a place looks like a mobile or ID number (a run of digits in a hex key can): the marker would hide."""
    return uuid.uuid4().hex.translate(LETTERS)


LETTERS = str.maketrans("0123456789", "ghijklmnop")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 60, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port} within {timeout} s")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


# ---------------------------------------------------------------------------------------------- seeding


def seed(url: str, communities: int, residents: int, tickets: int, kiosks: int, cards: int) -> dict[str, Any]:
    """Migrate, seed the demo, add communities, buildings, households, residents and tickets by COPY, and the
    load's own kiosks (paired) and card holders (PIN set) in the demo community. Returns their tokens."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import inspect, select, text
    from sqlalchemy.orm import Session

    from webapp import migrations
    from webapp.content.demo import seed_demo
    from webapp.domain.desk.tickets import NUMBER_LETTERS
    from webapp.domain.identity.api_keys import make_key
    from webapp.domain.identity.cards import issue_card
    from webapp.domain.identity.pins import set_pin
    from webapp.domain.identity.vault import Vault
    from webapp.domain.kiosk.devices import pair, start_pairing
    from webapp.domain.privacy.audit import SYSTEM
    from webapp.domain.register.residents import ID_KIND, PHONE_KIND
    from webapp.domain.register.setup import create_community
    from webapp.infra.db import make_engine
    from webapp.models import (
        Building,
        Community,
        Household,
        Kiosk,
        MessagePreference,
        Resident,
        ServiceType,
        Status,
    )

    t0 = time.perf_counter()
    engine = make_engine(url)
    migrations.upgrade(engine)
    vault = Vault.from_master(KEY)
    rng = random.Random(7)  # noqa: S311 (figures, not secrets)
    with Session(engine) as s:
        seed_demo(s, PASSWORD, date.today(), vault, PIN)
        s.commit()
        home = s.scalar(select(Community).order_by(Community.id))
        assert home is not None  # noqa: S101
        # The district's own dashboard: one key for the whole region, reading what changed and filing tickets.
        api_key = make_key(
            s, SYSTEM, "district dashboard", ["tickets:read", "tickets:write"], region_id=home.region_id
        ).secret
        copied = [a.key for a in inspect(ServiceType).column_attrs if a.key not in ("id", "community_id")]
        catalogue = s.scalars(select(ServiceType).where(ServiceType.community_id == home.id)).all()
        made = [home]
        slugs = [home.slug] + [f"district-{n}" for n in range(1, communities)]
        for n in range(1, communities):
            names = {"zh_Hans": f"第{n}社区", "zh_Hant": f"第{n}社區", "en": f"Community {n}"}
            community = create_community(s, SYSTEM, home.region, names, slug=f"district-{n}")
            for service in catalogue:
                s.add(ServiceType(community_id=community.id, **{k: getattr(service, k) for k in copied}))
            made.append(community)
        s.flush()
        per_building: dict[int, list[int]] = {}
        for community in made:
            for number in range(101, 121):
                names = {"zh_Hans": f"{number}号楼", "zh_Hant": f"{number}號樓", "en": f"Building {number}"}
                building = Building(community_id=community.id, number=number, names=names)
                s.add(building)
                s.flush()
                per_building.setdefault(community.id, []).append(building.id)
        services = [
            (st.id, st.community_id, NUMBER_LETTERS[st.category], st.deadline_hours)
            for st in s.scalars(select(ServiceType))
        ]
        # The load's own people: kiosks in the demo community and residents with a card and the PIN.
        load_households = s.scalars(
            select(Household).join(Building).where(Building.community_id == home.id)
        ).all()
        kiosk_tokens = []
        for n in range(kiosks):
            kiosk = Kiosk(community=home, name=f"District kiosk {n}", place=f"Lobby {n}")
            s.add(kiosk)
            s.flush()
            kiosk_tokens.append(pair(s, start_pairing(s, SYSTEM, kiosk))[1])
        card_tokens = []
        shared_pin = None
        for n in range(cards):
            resident = Resident(
                community=home,
                household=load_households[n % len(load_households)],
                name=f"测试{n:04d}",
                birth_date=date(1940 + n % 40, 1 + n % 12, 1 + n % 28),
            )
            s.add(resident)
            s.flush()
            if shared_pin is None:
                set_pin(s, SYSTEM, resident, PIN)
                shared_pin = resident.pin_hash
            resident.pin_hash = shared_pin  # one argon2 hash for all: hashing each takes minutes
            # No quiet hours: a run at night would otherwise hold their texts until 08:00 and count none.
            s.add(MessagePreference(resident_id=resident.id, quiet_start=0, quiet_end=0))
            card_tokens.append(issue_card(s, SYSTEM, resident).token)
        s.commit()
        made_ids = [c.id for c in made]
    by_community: dict[int, list[tuple[int, int, int]]] = {}
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection  # psycopg: COPY is what makes millions of rows take a minute
        cur = pg.cursor()  # type: ignore[union-attr]

        def next_id(table: str) -> int:
            cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (our table names)
            return int(cur.fetchone()[0])

        # Loading, not serving: the rows are consistent by construction, so foreign-key triggers are skipped
        # and the plain indexes are built once after the load instead of row by row (unique ones stay).
        cur.execute("SET session_replication_role = replica")
        rebuild = []
        for table in ("household", "resident", "service_request"):
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
                " AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                (table,),
            )
            for name, definition in cur.fetchall():
                cur.execute(f'DROP INDEX "{name}"')
                rebuild.append(definition)
        household_id = next_id("household")
        households: list[tuple[int, int, int]] = []  # (household, building, community)
        per_community = max(residents // max(communities, 1), 1)
        with cur.copy("COPY household (id, building_id, unit, room, label) FROM STDIN") as copy:
            for community_id in made_ids:
                buildings = per_building[community_id]
                for n in range((per_community + 1) // 2):  # two residents a household, on average
                    building = buildings[n % len(buildings)]
                    unit, room = 1 + (n // len(buildings)) % 4, f"{1 + n // 80}{n % 20:02d}"
                    copy.write_row((household_id, building, unit, room, f"{unit}-{room}"))
                    households.append((household_id, building, community_id))
                    household_id += 1
        pool = []
        for n in range(SEALED_POOL):
            id_number = f"110101{1930 + n % 70}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}X"
            phone = f"139{n:08d}"
            pool.append(
                (
                    vault.index(ID_KIND, id_number),
                    vault.encrypt(ID_KIND, id_number),
                    id_number[-4:],
                    vault.index(PHONE_KIND, phone),
                    vault.encrypt(PHONE_KIND, phone),
                    phone[-4:],
                )
            )
        resident_id = next_id("resident")
        now = datetime.now(UTC)
        columns = (
            "id, community_id, household_id, name, birth_date, lives_alone, has_disability, id_number_index,"
            " id_number_cipher, id_number_last4, phone_index, phone_cipher, phone_last4, pin_failures,"
            " auth_version, created_at"
        )
        with cur.copy(f"COPY resident ({columns}) FROM STDIN") as copy:
            for n in range(residents):
                household, building, community_id = households[(n // 2) % len(households)]
                sealed = pool[n % SEALED_POOL]
                # The unique look-up index must differ per person: past the pool it is a keyed hash of
                # nothing a person could type, so no search finds it (the ciphertext is the pool's).
                index = sealed[0] if n < SEALED_POOL else hashlib.sha256(f"district:{n}".encode()).hexdigest()
                birth = date(1930 + rng.randrange(75), 1 + rng.randrange(12), 1 + rng.randrange(28))
                copy.write_row(
                    (
                        resident_id,
                        community_id,
                        household,
                        f"居民{n:06d}",
                        birth,
                        n % 9 == 0,
                        n % 23 == 0,
                        index,
                        sealed[1],
                        sealed[2],
                        sealed[3],
                        sealed[4],
                        sealed[5],
                        0,
                        1,
                        now,
                    )
                )
                by_community.setdefault(community_id, []).append((resident_id, household, building))
                resident_id += 1
        old = [st for st, w in OLD for _ in range(w)]
        recent = [st for st, w in RECENT for _ in range(w)]
        by_service = {c: [sv for sv in services if sv[1] == c] for c in by_community}
        ticket_id = next_id("service_request")
        columns = (
            "id, number, community_id, service_type_id, resident_id, household_id, building_id, answers,"
            " urgent, status, channel, submitted_at, due_at, resolved_at, resolve_minutes, closed_at, rating,"
            " public_token_hash, updated_at"
        )
        community_ids = list(by_community)
        with cur.copy(f"COPY service_request ({columns}) FROM STDIN") as copy:
            for _ in range(tickets):
                community_id = community_ids[rng.randrange(len(community_ids))]
                person, household, building = rng.choice(by_community[community_id])
                service_id, _c, letter, deadline = rng.choice(by_service[community_id])
                submitted = now - timedelta(minutes=rng.randint(10, 365 * 24 * 60))
                status = rng.choice(recent if now - submitted < timedelta(days=14) else old)
                resolved = (
                    submitted + timedelta(hours=rng.uniform(1, 2 * deadline))
                    if status in (Status.RESOLVED, Status.CLOSED)
                    else None
                )
                copy.write_row(
                    (
                        ticket_id,
                        f"{letter}-{ticket_id:04d}",
                        community_id,
                        service_id,
                        person,
                        household,
                        building,
                        "{}",
                        False,
                        status.value,
                        rng.choice(("kiosk:1", "phone", "staff")),
                        submitted,
                        submitted + timedelta(hours=deadline),
                        resolved,
                        int((resolved - submitted).total_seconds() // 60) if resolved else None,
                        resolved if status == Status.CLOSED else None,
                        rng.choice((None, 3, 4, 5, 5)) if resolved else None,
                        f"{rng.getrandbits(256):064x}",
                        resolved or submitted,  # the time of its last change (the API's updated_since)
                    )
                )
                ticket_id += 1
        for definition in rebuild:
            cur.execute(definition)
        cur.execute("SET session_replication_role = origin")
        for table in ("household", "resident", "service_request"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            )
        pg.commit()  # type: ignore[union-attr]
    finally:
        raw.close()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        counts = {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
            for table in ("community", "household", "resident", "service_request")
        }
    engine.dispose()
    return {
        "kiosks": kiosk_tokens,
        "cards": card_tokens,
        "staff": ["worker", PASSWORD],
        "api_key": api_key,
        "slugs": slugs,
        "counts": counts,
        "seconds": round(time.perf_counter() - t0, 1),
    }


# Like a desk that keeps up (as benchmarks/desk.py): old tickets mostly finished, recent ones busy.
OLD = [("closed", 62), ("resolved", 15), ("rejected", 8), ("cancelled", 8), ("in_progress", 2)]
RECENT = [
    ("submitted", 25),
    ("accepted", 20),
    ("in_progress", 20),
    ("resolved", 25),
    ("closed", 5),
    ("cancelled", 5),
]


def _status_lists() -> None:
    """Turn the status names into the model's enum once the app is importable (in the seeding process)."""
    from webapp.models import Status

    OLD[:] = [(Status(s), w) for s, w in OLD]  # type: ignore[misc]
    RECENT[:] = [(Status(s), w) for s, w in RECENT]  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------- processes


@dataclass
class Server:
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None


@dataclass
class District:
    """The processes and the database of one run; use as a context manager (everything stops and goes)."""

    app_servers: int = 3
    app_workers: int = 2
    worker_cmd: list[str] | None = None
    workers: int = 2
    pg: str = PG
    redis_url: str = REDIS
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="linli-district-")))
    servers: list[Server] = field(default_factory=list)
    job_workers: list[Server] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None
    port: int = 0
    database_url: str = ""

    def __enter__(self) -> District:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        base = make_url(self.pg)
        self.db_name = f"linli_district_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        admin.dispose()
        self.database_url = base.set(database=self.db_name).render_as_string(hide_password=False)
        self._flush_redis()
        self.port = free_port()
        return self

    def __exit__(self, *_exc: object) -> None:
        for server in [*self.job_workers, *self.servers]:
            self._stop(server)
        if self.nginx is not None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin = create_engine(make_url(self.pg).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        admin.dispose()
        self._flush_redis()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _flush_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        client.flushdb()  # this run's database number only
        client.close()

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "LINLI_INSTANCE_PATH": str(self.tmp / "instance"),
            "LINLI_SECRET_KEY": SECRET,
            "LINLI_ENCRYPTION_KEY": KEY.hex(),
            "LINLI_PROXY_HOPS": "1",
            "LINLI_THROTTLE_STORE": "redis",
            "LINLI_REDIS_URL": self.redis_url,
            "LINLI_QUEUE_URL": self.redis_url,
            "LINLI_SECURE_COOKIES": "1",
            "LINLI_BASE_URL": self.base,
            "LINLI_WORKERS": str(self.app_workers),
        }

    def seed(self, communities: int, residents: int, tickets: int, kiosks: int, cards: int) -> dict[str, Any]:
        """Seed in a child process (no gevent there, and the load's process stays small)."""
        args = json.dumps([self.database_url, communities, residents, tickets, kiosks, cards])
        done = subprocess.run(
            [sys.executable, __file__, "--seed", args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"seeding failed:\n{done.stderr[-3000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    def start(self) -> None:
        """App servers, then nginx in front of them, then the workers (if a worker command is given)."""
        for n in range(self.app_servers):
            server = Server(free_port(), self.tmp / f"app{n}.log")
            self.servers.append(server)
            self.start_app(n, wait=False)
        for n, server in enumerate(self.servers):
            assert server.proc is not None  # noqa: S101
            wait_port(server.port, 90, server.proc)
            self._wait_ready(n)
        self._start_nginx()
        if self.worker_cmd:
            for n in range(self.workers):
                self.job_workers.append(Server(0, self.tmp / f"worker{n}.log"))
                self.start_worker(n)

    def start_app(self, n: int, wait: bool = True) -> float:
        """Start app server *n* (again); with *wait*, return when it answers /readyz (time.time())."""
        server = self.servers[n]
        env = {**self.env(), "LINLI_BIND": f"127.0.0.1:{server.port}"}
        env["PROMETHEUS_MULTIPROC_DIR"] = str(self.tmp / f"metrics{n}")
        with server.log.open("ab") as log:
            server.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group: kill -9 takes master and workers together
            )
        if wait:
            wait_port(server.port, 90, server.proc)
            self._wait_ready(n)
        return time.time()

    def _wait_ready(self, n: int) -> None:
        import http.client

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.servers[n].port, timeout=5)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"app server {n} never became ready; see {self.servers[n].log}")

    def kill_app(self, n: int) -> float:
        """kill -9 the whole app server (master and workers), as a power cut would; returns time.time()."""
        proc = self.servers[n].proc
        assert proc is not None  # noqa: S101
        at = time.time()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return at

    def start_worker(self, n: int) -> None:
        worker = self.job_workers[n]
        assert self.worker_cmd  # noqa: S101
        with worker.log.open("ab") as log:
            worker.proc = subprocess.Popen(
                self.worker_cmd, cwd=ROOT, env=self.env(), stdout=log, stderr=log, start_new_session=True
            )

    def kill_worker(self, n: int) -> float:
        proc = self.job_workers[n].proc
        assert proc is not None  # noqa: S101
        at = time.time()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return at

    def _stop(self, server: Server) -> None:
        if server.proc is None or server.proc.poll() is not None:
            return
        os.killpg(server.proc.pid, signal.SIGTERM)
        try:
            server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait()

    def _start_nginx(self) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            + ["-keyout", str(self.tmp / "privkey.pem"), "-out", str(self.tmp / "fullchain.pem")]
            + ["-days", "2", "-subj", "/CN=127.0.0.1"],
            check=True,
            capture_output=True,
        )
        # On port 443 $host is the whole authority; on a loopback port the port must stay in Host and
        # X-Forwarded-Host (the app checks a form's Referer against it on HTTPS), which $http_host keeps.
        params = (ROOT / "deploy/nginx/linli_proxy_params").read_text()
        (self.tmp / "linli_proxy_params").write_text(params.replace("$host", "$http_host"))
        (self.tmp / "linli.conf").write_text(nginx_site(self.tmp, self.port, [s.port for s in self.servers]))
        (self.tmp / "nginx.conf").write_text(nginx_main(self.tmp))
        self.nginx = subprocess.Popen(
            [binary, "-e", str(self.tmp / "nginx-error.log"), "-p", str(self.tmp), "-c", "nginx.conf"],
            cwd=self.tmp,
        )
        wait_port(self.port, 30, self.nginx)

    # ------------------------------------------------------------------------------------------ counting

    def submissions(self) -> dict[str, int]:
        """How many tickets carry each load submission's marker (its idempotency key), from the database."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT place, count(*) FROM service_request WHERE place LIKE :mark GROUP BY place"),
                {"mark": MARK + "%"},
            ).all()
        engine.dispose()
        return {str(place)[len(MARK) :]: int(n) for place, n in rows}

    def keys_stored(self, keys: list[str]) -> dict[str, Any]:
        """What the database holds for these idempotency keys: the stored answer, and the ticket it names
        (its place and status), to tell a lost ticket from a ticket stored without its marker."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        found: dict[str, Any] = {}
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT key, status_code, response FROM idempotency_key WHERE key = ANY(:keys)"),
                {"keys": keys},
            ).all()
            for key, status, response in rows:
                number = json.loads(response).get("number")
                ticket = conn.execute(
                    text("SELECT id, place, status, submitted_at FROM service_request WHERE number = :n"),
                    {"n": number},
                ).first()
                found[str(key)] = (status, number, tuple(ticket) if ticket else None)
        engine.dispose()
        return found

    def jobs(self) -> dict[str, int]:
        """What the job workers did, counted where it can be seen twice: each outbox message's lines in the
        demo's SMS file (the receiving end; its key is the message's idempotency key), the outbox rows
        delivered, and the periodic rounds claimed (one row per round and period, whichever worker ran it)."""
        from collections import Counter

        from sqlalchemy import create_engine, text

        path = self.tmp / "instance" / "sms-outbox.jsonl"
        keys: Counter[str] = Counter()
        for line in path.read_text().splitlines() if path.exists() else []:
            with contextlib.suppress(ValueError):
                keys[str(json.loads(line).get("key"))] += 1
        engine = create_engine(self.database_url)
        with engine.connect() as conn:
            delivered = conn.execute(
                text("SELECT count(*) FROM outbox_message WHERE status = 'delivered'")
            ).scalar_one()
            rounds = conn.execute(text("SELECT count(*) FROM job_period")).scalar_one()
            rerun = conn.execute(
                text(
                    "SELECT count(*) FROM"
                    " (SELECT 1 FROM job_period GROUP BY name, period HAVING count(*) > 1) AS twice"
                )
            ).scalar_one()
        engine.dispose()
        return {
            "sms_lines": sum(keys.values()),
            "sms_messages": len(keys),
            "sms_sent_twice": sum(1 for n in keys.values() if n > 1),
            "outbox_delivered": int(delivered),
            "rounds": int(rounds),
            "rounds_run_twice": int(rerun),
        }

    def upstream_log(self) -> list[tuple[float, int, str]]:
        """(time, status, upstream addresses) per request nginx proxied, from its access log."""
        rows = []
        path = self.tmp / "nginx-access.log"
        for line in path.read_text().splitlines() if path.exists() else []:
            parts = line.split(" ", 3)
            if len(parts) >= 3:
                rows.append((float(parts[0]), int(parts[1]), parts[2]))
        return rows


def nginx_site(tmp: Path, port: int, upstreams: list[int]) -> str:
    """The deploy site with this run's ports and paths. Every simulated device sends its own X-Bench-Device
    header and the request limits key on it: on loopback all devices share one address, and a district's
    devices do not (the limits stay in the path, with the site's rates)."""
    site = (ROOT / "deploy/nginx/linli.conf").read_text()
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=5s;" for p in upstreams)
    swaps = [
        ("$binary_remote_addr", "$http_x_bench_device"),
        ("    server 127.0.0.1:8000 max_fails=2 fail_timeout=5s;", servers),
        ("listen 80;", f"listen 127.0.0.1:{free_port()};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;"),
        ("/etc/ssl/linli", str(tmp)),
        ("/opt/linli/src", str(ROOT)),
        ("/etc/nginx/linli_proxy_params", str(tmp / "linli_proxy_params")),
    ]
    for old, new in swaps:
        if old not in site:
            raise RuntimeError(f"deploy/nginx/linli.conf changed: {old!r} is gone; update district_rig.py")
        site = site.replace(old, new)
    return "\n".join(line for line in site.splitlines() if "listen [::]" not in line) + "\n"


def nginx_main(tmp: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers as this script's user (reads the checkout)
    temp = "".join(
        f"    {kind}_temp_path {tmp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes auto;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'nginx-error.log'} warn;\n"
        "daemon off;\nevents { worker_connections 4096; }\nhttp {\n"
        "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        "    log_format district '$msec $status $upstream_addr $request_method $uri';\n"
        f"    access_log {tmp / 'nginx-access.log'} district;\n{temp}"
        f"    include {tmp / 'linli.conf'};\n}}\n"
    )


def _seed_main() -> None:
    url, communities, residents, tickets, kiosks, cards = json.loads(sys.argv[2])
    sys.path.insert(0, str(ROOT))
    _status_lists()
    print(json.dumps(seed(url, communities, residents, tickets, kiosks, cards)))


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--seed":
    _seed_main()
