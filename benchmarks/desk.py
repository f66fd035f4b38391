"""The services desk as history grows: render times of the busiest pages at 100,000 and 1,000,000 tickets.

Seeds a fresh database per size (SQLite file, and PostgreSQL unless --pg "") with the demo community plus a
busy desk's history: 100,000 tickets a year (one community, about 270 a day), so 1,000,000 tickets are ten
years. The last two weeks are busy, the rest of the last year mostly finished, and anything older than a year
is finished (a desk that keeps up closes what it opens). Then renders through the real app (Flask test client,
no network) and prints p50/p95 per page and size side by side: the staff queue unfiltered and filtered, a list
of every status 40 pages back, the figures dashboard and a resident's "My requests". Flat in history means the
two sizes' columns match (issue 21).

    .venv/bin/python benchmarks/desk.py [--tickets 100000,1000000] [--runs 40] [--pg postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp import create_app, migrations  # noqa: E402
from webapp.content.demo import seed_demo  # noqa: E402
from webapp.domain.desk.tickets import NUMBER_LETTERS  # noqa: E402
from webapp.domain.identity.vault import Vault  # noqa: E402
from webapp.infra.db import database, make_engine  # noqa: E402
from webapp.models import Resident, ServiceType, Status, Ticket  # noqa: E402

PASSWORD = "benchmark-password-1"  # noqa: S105 (a throwaway database)
PIN = "246810"
KEY = bytes(range(32))
# Like a desk that keeps up: older tickets are mostly finished (a few stay open), recent ones are busy.
OLD = [
    (Status.CLOSED, 62),
    (Status.RESOLVED, 15),
    (Status.REJECTED, 8),
    (Status.CANCELLED, 8),
    (Status.IN_PROGRESS, 2),
]
RECENT = [
    (Status.SUBMITTED, 25),
    (Status.ACCEPTED, 20),
    (Status.IN_PROGRESS, 20),
    (Status.RESOLVED, 25),
    (Status.CLOSED, 5),
    (Status.CANCELLED, 5),
]


PER_YEAR = 100_000


def seed(url: str, tickets: int) -> tuple[str, int]:
    """Create the demo and *tickets* tickets; returns (sample card token, sample resident id)."""
    engine = make_engine(url)
    migrations.upgrade(engine)
    rng = random.Random(7)  # noqa: S311 (figures, not secrets)
    with Session(engine) as session:
        demo = seed_demo(session, PASSWORD, date.today(), Vault.from_master(KEY), PIN)
        session.commit()
        token, sample = demo.sample_card.token, demo.sample_resident.id
        services = session.scalars(select(ServiceType)).all()
        people = session.execute(select(Resident.id, Resident.household_id)).all()
        households = dict(
            session.execute(text("SELECT id, building_id FROM household")).all()  # type: ignore[arg-type]
        )
        start = session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM service_request")) or 0
    now = datetime.now(UTC)
    span = max(365 * 24 * 60, int(tickets / PER_YEAR * 365 * 24 * 60))  # minutes of history
    finished = [s for s, w in OLD if s != Status.IN_PROGRESS for _ in range(w)]
    old = [s for s, w in OLD for _ in range(w)]
    recent = [s for s, w in RECENT for _ in range(w)]
    batch: list[dict[str, object]] = []
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for n in range(tickets):
            service = rng.choice(services)
            person, household = (sample, None) if n % 2500 == 0 else rng.choice(people)
            if person == sample:
                household = next(h for p, h in people if p == sample)
            submitted = now - timedelta(minutes=rng.randint(10, span))
            age = now - submitted
            status = rng.choice(
                recent if age < timedelta(days=14) else old if age < timedelta(days=365) else finished
            )
            resolved = (
                submitted + timedelta(hours=rng.uniform(1, 2 * service.deadline_hours))
                if status in (Status.RESOLVED, Status.CLOSED)
                else None
            )
            batch.append(
                {
                    "id": start + n + 1,
                    "number": f"{NUMBER_LETTERS[service.category]}-{start + n + 1:06d}",
                    "community_id": service.community_id,
                    "service_type_id": service.id,
                    "resident_id": person,
                    "household_id": household,
                    "building_id": households.get(household),
                    "answers": {},
                    "status": status,
                    "channel": rng.choice(("kiosk:1", "phone", "staff")),
                    "submitted_at": submitted,
                    "due_at": submitted + timedelta(hours=service.deadline_hours),
                    "resolved_at": resolved,
                    "resolve_minutes": int((resolved - submitted).total_seconds() // 60)
                    if resolved
                    else None,
                    "closed_at": resolved if status == Status.CLOSED else None,
                    "rating": rng.choice((None, 3, 4, 5, 5)) if resolved else None,
                    "public_token_hash": secrets.token_hex(32),
                }
            )
            if len(batch) == 5000:
                conn.execute(insert(Ticket), batch)
                batch = []
        if batch:
            conn.execute(insert(Ticket), batch)
        if conn.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval('service_request_id_seq', (SELECT MAX(id) FROM service_request))")
            )
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    print(f"  seeded {tickets} tickets in {time.perf_counter() - t0:.1f} s", flush=True)
    engine.dispose()
    return token, sample


def timed(client, path: str, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs + 3):
        t = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - t) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        times.append(elapsed)
    times = sorted(times[3:])  # the first renders warm caches and templates
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def measure(url: str, tickets: int, runs: int) -> list[tuple[str, float, float]]:
    token, _sample = seed(url, tickets)
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    app = create_app({"database_url": url, "instance_path": folder, "encryption_key": KEY})
    staff = app.test_client()
    page = staff.get("/staff/sign-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    staff.post("/staff/sign-in", data={"username": "worker", "password": PASSWORD, "csrf_token": csrf})
    resident = app.test_client()
    resident.get(f"/c/{token}")
    page = resident.get("/c").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resident.post("/c", data={"csrf_token": csrf, "pin": PIN})
    # Forty pages back in a list of every status: the cursor a person reaches by "Next page" forty times.
    with database(app).engine.connect() as conn:
        deep = conn.execute(
            text("SELECT id FROM service_request ORDER BY id DESC LIMIT 1 OFFSET 2000")
        ).scalar()
    rows = []
    for label, client, path in (
        ("staff queue, unfiltered", staff, "/staff/tickets"),
        ("staff queue, status=all 40 pages back", staff, f"/staff/tickets?status=all&before={deep}"),
        ("staff queue, overdue repairs", staff, "/staff/tickets?overdue=1&category=repair"),
        ("staff queue, one building", staff, "/staff/tickets?building=1&status=all"),
        ("dashboard (figures)", staff, "/staff/desk"),
        ("resident My requests", resident, "/tickets"),
    ):
        p50, p95 = timed(client, path, runs)
        rows.append((label, p50, p95))
    database(app).engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", default="100000,1000000", help="sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--pg", default=os.environ.get("LINLI_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    args = parser.parse_args()
    sizes = [int(n) for n in str(args.tickets).split(",") if n.strip()]
    results: dict[str, list[tuple[str, float, float]]] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"SQLite, {size} tickets:", flush=True)
            results[f"SQLite {size:,}"] = measure(f"sqlite:///{tmp}/bench.db", size, args.runs)
        if args.pg:
            pg = on_postgres(args.pg, size, args.runs)
            if pg is not None:
                results[f"PostgreSQL {size:,}"] = pg
    print(f"\n{args.runs} renders each (in-process, no network), milliseconds, p50 / p95:\n")
    print(f"| page | {' | '.join(results)} |")
    print(f"| --- | {' | '.join('---:' for _ in results)} |")
    labels = [label for label, _, _ in next(iter(results.values()))]
    for i, label in enumerate(labels):
        cells = [f"{rows[i][1]:.1f} / {rows[i][2]:.1f}" for rows in results.values()]
        print(f"| {label} | {' | '.join(cells)} |")


def on_postgres(url: str, size: int, runs: int) -> list[tuple[str, float, float]] | None:
    base = make_url(url)
    name = f"linli_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 (no server: report SQLite only)
        print(f"PostgreSQL not available ({type(exc).__name__}); SQLite only")
        return None
    try:
        print(f"PostgreSQL, {size} tickets:", flush=True)
        return measure(base.set(database=name).render_as_string(hide_password=False), size, runs)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
