"""The API at district scale: p95 of GET …/tickets?updated_since=… at 100,000 tickets.

Seeds a fresh database the way benchmarks/desk.py does (SQLite file, and PostgreSQL when --pg is given or
reachable), gives each ticket a time of last change (its closing, resolution or submission), makes an API key
through the core, then calls the real app (Flask test client, no network) with the key and prints p50/p95:
what a dashboard polling "what changed since" asks (the last hour, the last day, the last 30 days, and the
whole year paged), each call including the key check and the per-key call count the API writes.

    .venv/bin/python benchmarks/api.py [--tickets 100000] [--runs 60] [--pg postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from desk import KEY, seed  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.domain.identity.api_keys import make_key  # noqa: E402
from webapp.domain.privacy.audit import SYSTEM  # noqa: E402
from webapp.infra.db import database, make_engine  # noqa: E402
from webapp.models import Community  # noqa: E402


def prepare(url: str, tickets: int) -> tuple[str, str]:
    """Seed, date each ticket's last change, make a key; returns (community slug, key secret)."""
    seed(url, tickets)
    engine = make_engine(url)
    with engine.begin() as conn:
        # The last change: closing, resolution or submission, never later than now (the seed resolves ahead).
        conn.execute(
            text(
                "UPDATE service_request SET updated_at = CASE"
                " WHEN COALESCE(closed_at, resolved_at, submitted_at) > :now THEN submitted_at"
                " ELSE COALESCE(closed_at, resolved_at, submitted_at) END"
            ),
            {"now": datetime.now(UTC)},
        )
        conn.execute(text("ANALYZE"))
    with Session(engine) as session:
        community = session.scalars(select(Community).order_by(Community.id)).first()
        if community is None:
            raise SystemExit("the demo seeded no community")
        made = make_key(session, SYSTEM, "benchmark", ["tickets:read"], community_id=community.id)
        session.commit()
        slug = community.slug
    engine.dispose()
    return slug, made.secret


def timed(client, path: str, headers: dict[str, str], runs: int) -> tuple[float, float, int]:
    times = []
    count = 0
    for _ in range(runs + 3):
        t = time.perf_counter()
        response = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - t) * 1000
        if response.status_code != 200:
            raise SystemExit(
                f"{path} answered {response.status_code}: {response.get_data(as_text=True)[:200]}"
            )
        count = len(response.get_json()["items"])
        times.append(elapsed)
    times = sorted(times[3:])  # the first calls warm caches
    return statistics.median(times), times[int(len(times) * 0.95) - 1], count


def measure(url: str, tickets: int, runs: int) -> list[tuple[str, float, float, int]]:
    slug, secret = prepare(url, tickets)
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    app = create_app(
        {
            "database_url": url,
            "instance_path": folder,
            "encryption_key": KEY,
            "api_calls_per_minute": 1_000_000,
        }
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    now = datetime.now(UTC)
    base = f"/api/v1/communities/{slug}/tickets"
    rows = []
    for label, since, extra in (
        ("changed in the last hour", now - timedelta(hours=1), ""),
        ("changed in the last day", now - timedelta(days=1), ""),
        ("changed in the last 30 days, page 1 of 50", now - timedelta(days=30), ""),
        ("changed in the last 30 days, 200 a page", now - timedelta(days=30), "&per_page=200"),
        ("the whole year, page 20 of 50", now - timedelta(days=400), "&page=20"),
    ):
        path = f"{base}?updated_since={quote(since.isoformat())}{extra}"
        p50, p95, count = timed(client, path, headers, runs)
        rows.append((label, p50, p95, count))
    database(app).engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument(
        "--pg", default=os.environ.get("LINLI_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    args = parser.parse_args()
    results: dict[str, list[tuple[str, float, float, int]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite:", flush=True)
        results["SQLite"] = measure(f"sqlite:///{tmp}/bench.db", args.tickets, args.runs)
    if args.pg:
        base = make_url(args.pg)
        name = f"linli_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001 (no server: report SQLite only)
            print(f"PostgreSQL not available ({type(exc).__name__}); SQLite only")
        else:
            try:
                print("PostgreSQL:", flush=True)
                results["PostgreSQL"] = measure(
                    base.set(database=name).render_as_string(hide_password=False), args.tickets, args.runs
                )
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"\n{args.tickets} tickets, {args.runs} calls each (in-process, no network, key checked), ms:\n")
    print(f"| GET …/tickets?updated_since=… | tickets | {' | '.join(f'{db} p50 / p95' for db in results)} |")
    print(f"| --- | ---: | {' | '.join('---:' for _ in results)} |")
    first = next(iter(results.values()))
    for i, (label, _p50, _p95, count) in enumerate(first):
        cells = [f"{rows[i][1]:.1f} / {rows[i][2]:.1f}" for rows in results.values()]
        print(f"| {label} | {count} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
