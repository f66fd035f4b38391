"""A busy Monday morning on one box: 30 kiosks and 300 signed-in phones against gunicorn on SQLite.

Mixed load, about one request in five writing: kiosks show their screens, beat every few seconds, and
residents scan their cards (a visit: identify, home, finish); phones read home, notices, events and their
requests (which marks news seen) and send requests through the wizard. Locust drives it headless, as a
library, on loopback only. Prints requests, 5xx (goal 0), "database is locked" lines in the server log
(goal 0) and p50/p90/p99 per kind of request.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/lobby_load.py [--seconds 60] [--kiosks 30] [--phones 300]
        [--workers 2] [--threads 4] [--cpus 0]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = "482915"
WIZARD = "repair-lift"


def setup(database_url: str, kiosks: int, phones: int, base: str) -> None:
    """Add kiosks (paired) and residents (card + PIN) to the demo database; print their tokens."""
    sys.path.insert(0, str(ROOT))
    from datetime import date

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from webapp.domain.identity.cards import issue_card
    from webapp.domain.identity.pins import set_pin
    from webapp.domain.kiosk.devices import pair, start_pairing
    from webapp.domain.privacy.audit import SYSTEM
    from webapp.infra.db import make_engine
    from webapp.models import Building, Community, Household, Kiosk, Resident

    engine = make_engine(database_url)
    with Session(engine) as s:
        community = s.scalar(select(Community).where(Community.slug == "guihua"))
        building = s.scalar(select(Building).where(Building.community_id == community.id))
        households = s.scalars(select(Household).where(Household.building_id == building.id)).all()
        tokens = []
        for n in range(kiosks):
            kiosk = Kiosk(community=community, name=f"Bench kiosk {n}", place=f"Lobby {n}")
            s.add(kiosk)
            s.flush()
            _kiosk, token = pair(s, start_pairing(s, SYSTEM, kiosk))
            tokens.append(token)
        first = None
        cards = []
        for n in range(phones + kiosks * 4):  # phones, and residents who scan at kiosks
            resident = Resident(
                community=community,
                household=households[n % len(households)],
                name=f"测试{n:03d}",
                birth_date=date(1940 + n % 40, 1 + n % 12, 1 + n % 28),
            )
            s.add(resident)
            s.flush()
            if first is None:
                set_pin(s, SYSTEM, resident, PIN)
                first = resident.pin_hash
            resident.pin_hash = first  # one argon2 hash for all: set_pin for 420 people takes half a minute
            cards.append(issue_card(s, SYSTEM, resident).token)
        s.commit()
    engine.dispose()
    for token in tokens:
        print(f"kiosk {token}")
    for token in cards:
        print(f"card {token}")


def _setup_main() -> None:
    _flag, url, kiosks, phones, base = sys.argv[1:6]
    setup(url, int(kiosks), int(phones), base)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--setup":
    _setup_main()
    sys.exit(0)

# Locust patches the standard library with gevent: import it before anything that opens sockets.
import locust  # noqa: E402, F401  (gevent's monkey-patching happens on import)

# isort: split
import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, between, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from serve import as_deployed  # noqa: E402 (benchmarks/ is on the path: the script's own folder)

BIN = Path(sys.executable).parent
CSRF = re.compile(r'(?:name="csrf_token"[^>]*value|data-csrf)="([^"]+)"')
KIOSK_TOKENS: list[str] = []
CARDS: list[str] = []
FIVE_XX: Counter[str] = Counter()
FIVE_XX_WARMUP: Counter[str] = Counter()
SIGNED_IN: Counter[str] = Counter()


def csrf(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


class Kiosk(HttpUser):
    """A lobby kiosk: its screens, its heartbeat, and now and then a resident's visit."""

    fixed_count = 30
    wait_time = between(1, 4)

    def on_start(self) -> None:
        self.client.cookies.set("linli_kiosk", KIOSK_TOKENS.pop())
        self.token = csrf(self.client.get("/kiosk/", name="kiosk: attract").text)

    @task(6)
    def screens(self) -> None:
        page = random.choice(["/kiosk/", "/kiosk/help", "/kiosk/notices", "/kiosk/events"])
        self.client.get(page, name="kiosk: screen (read)")

    @task(1)
    def heartbeat(self) -> None:
        self.client.post(
            "/kiosk/heartbeat",
            json={"version": "bench", "devices": {"bridge": "ok"}},
            headers={"X-CSRFToken": self.token},
            name="kiosk: heartbeat (write)",
        )

    @task(1)
    def visit(self) -> None:
        """A resident scans a card, looks at the home screen and their requests, and finishes."""
        card = random.choice(CARDS[-120:])
        scan = self.client.post(
            "/kiosk/identify",
            data={"csrf_token": self.token, "scan": f"{self.host}/c/{card}"},
            headers={"Accept": "application/json"},
            name="kiosk: card scan (write)",
        )
        if scan.status_code != 200:
            return
        self.client.get("/kiosk/home", name="kiosk: visit page (write)")
        self.client.get("/kiosk/tickets", name="kiosk: visit page (write)")
        self.client.post("/kiosk/finish", data={"csrf_token": self.token}, name="kiosk: finish (write)")
        self.token = csrf(self.client.get("/kiosk/", name="kiosk: screen (read)").text)  # a visit renews it


class Phone(HttpUser):
    """A resident's phone, signed in with card + PIN, reading and now and then asking for a service."""

    fixed_count = 300
    wait_time = between(2, 8)

    def on_start(self) -> None:
        card = CARDS.pop(0)
        self.client.get(f"/c/{card}", name="phone: card link", allow_redirects=False)
        token = csrf(self.client.get("/c", name="phone: sign in (read)").text)
        self.client.post("/c", data={"csrf_token": token, "pin": PIN}, name="phone: PIN (write)")
        SIGNED_IN["phones"] += 1
        self.token = csrf(self.client.get("/me", name="phone: page (read)").text)

    @task(16)
    def read(self) -> None:
        page = random.choice(["/", "/me", "/notices", "/me/events", "/learn", "/directory"])
        self.client.get(page, name="phone: page (read)")

    @task(2)
    def my_tickets(self) -> None:
        self.client.get("/tickets", name="phone: my requests (marks news seen)")

    @task(1)
    def ask(self) -> None:
        self.client.post(
            f"/ask/{WIZARD}/1",
            data={"csrf_token": self.token, "answer": "yes"},
            name="phone: ask step (write)",
        )
        self.client.post(
            f"/ask/{WIZARD}/review",
            data={"csrf_token": self.token, "where": "common", "place": "Lift B"},
            name="phone: send request (write)",
        )


@events.request.add_listener
def _count_5xx(name: str, response: object, **_kwargs: object) -> None:
    status = getattr(response, "status_code", 0) or 0
    if status >= 500:
        FIVE_XX[name] += 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--kiosks", type=int, default=30)
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=4, help="more than 1: gthread (deploy/gunicorn.conf.py)"
    )
    parser.add_argument(
        "--cpus", default="", help="pin the server to these CPUs (taskset -c), e.g. 0 for one core"
    )
    args = parser.parse_args()
    Kiosk.fixed_count, Phone.fixed_count = args.kiosks, args.phones

    tmp = Path(tempfile.mkdtemp(prefix="linli-lobby-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"sqlite:///{tmp / 'bench.db'}"
    env = {
        **os.environ,
        "LINLI_INSTANCE_PATH": str(tmp),
        "DATABASE_URL": url,
        "LINLI_DEMO_PASSWORD": "bench-password",
        "LINLI_BASE_URL": base,
    }
    subprocess.run(
        [BIN / "flask", "--app", "wsgi", "demo"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    made = subprocess.run(
        [sys.executable, __file__, "--setup", url, str(args.kiosks), str(args.phones), base],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    KIOSK_TOKENS.extend(line.split()[1] for line in made if line.startswith("kiosk "))
    CARDS.extend(line.split()[1] for line in made if line.startswith("card "))
    log_path = tmp / "gunicorn.log"
    command = [BIN / "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}"]
    if args.threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(args.threads), "--keep-alive", "75"]
    if args.cpus:
        command = ["taskset", "-c", args.cpus, *command]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*command, "--log-level", "warning", "wsgi:app"],
            cwd=ROOT,
            env=as_deployed(env),
            stdout=log,
            stderr=log,
        )
        try:
            wait_for(port)
            stats = drive(base, args)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    lines = log_path.read_text().splitlines()
    locked = sum("database is locked" in line for line in lines)
    report(stats, args, locked)
    errors = [line for line in lines if "ERROR" in line or line.startswith(("sqlite3.", "sqlalchemy."))]
    for line in errors[:10]:
        print(f"server log: {line[:200]}")
    shutil.rmtree(tmp, ignore_errors=True)


def drive(base: str, args: argparse.Namespace) -> object:
    """Start everyone (300 PIN sign-ins), let it settle, then measure `--seconds` of steady load."""
    Kiosk.host = Phone.host = base
    environment = Environment(user_classes=[Kiosk, Phone], events=events)
    runner = environment.create_local_runner()
    started = time.monotonic()
    runner.start(args.kiosks + args.phones, spawn_rate=50)
    deadline = time.monotonic() + 300
    while SIGNED_IN["phones"] < args.phones and time.monotonic() < deadline:
        gevent.sleep(0.5)  # every phone has signed in (300 argon2 checks take a while on 2 cores)
    gevent.sleep(5)
    print(
        f"warm-up: {args.kiosks + args.phones} users started and signed in,"
        f" {time.monotonic() - started:.0f} s"
    )
    report_table(environment.stats, only="sign in|PIN|card link|attract")
    print()
    environment.stats.reset_all()
    FIVE_XX_WARMUP.update(FIVE_XX)
    FIVE_XX.clear()
    gevent.spawn_later(args.seconds, runner.quit)
    runner.greenlet.join()
    return environment.stats


def report(stats: object, args: argparse.Namespace, locked: int) -> None:
    total = stats.total  # type: ignore[attr-defined]
    print(
        f"steady load: {args.kiosks} kiosks + {args.phones} phones, {args.seconds} s, gunicorn "
        f"{args.workers} workers"
        + (f" x {args.threads} threads (gthread)" if args.threads > 1 else " (sync)")
        + (f" pinned to CPU {args.cpus}" if args.cpus else "")
        + ", SQLite (WAL), loopback"
    )
    writes = sum(
        e.num_requests for (name, _m), e in stats.entries.items() if "write" in name or "marks" in name
    )  # type: ignore[attr-defined]
    print(
        f"requests: {total.num_requests}  ({total.total_rps:.1f}/s; writes {writes} = "
        f"{100 * writes / max(total.num_requests, 1):.0f}%)  failures: {total.num_failures}  "
        f"5xx: {sum(FIVE_XX.values())}  'database is locked' in the log: {locked}"
    )
    report_table(stats)
    print(f"5xx during the warm-up: {sum(FIVE_XX_WARMUP.values())}")


def report_table(stats: object, only: str = "") -> None:
    print(f"{'kind of request':<42}{'count':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'5xx':>6}")
    for (name, _method), entry in sorted(stats.entries.items()):  # type: ignore[attr-defined]
        if only and not re.search(only, name):
            continue
        print(
            f"{name:<42}{entry.num_requests:>7}"
            f"{entry.get_response_time_percentile(0.5):>9.0f}"
            f"{entry.get_response_time_percentile(0.9):>9.0f}"
            f"{entry.get_response_time_percentile(0.99):>9.0f}"
            f"{FIVE_XX[name] + FIVE_XX_WARMUP[name] if only else FIVE_XX[name]:>6}"
        )
    if not only:
        total = stats.total  # type: ignore[attr-defined]
        print(
            f"{'all':<42}{total.num_requests:>7}{total.get_response_time_percentile(0.5):>9.0f}"
            f"{total.get_response_time_percentile(0.9):>9.0f}{total.get_response_time_percentile(0.99):>9.0f}"
            f"{sum(FIVE_XX.values()):>6}"
        )
    for error in stats.errors.values():  # type: ignore[attr-defined]
        print(f"error: {error.name}: {error.error} x{error.occurrences}")


if __name__ == "__main__":
    main()
