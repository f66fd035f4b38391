"""`flask --app wsgi worker`: the consumer process (`make demo` starts one beside the web server)."""

from __future__ import annotations

import logging
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp.infra.queue import queue_of


@click.command("worker")
@click.option("--workers", type=int, default=None, help="Threads sending at once (LINLI_QUEUE_WORKERS).")
@click.option("--no-periodic", is_flag=True, help="Leave the schedules to another worker.")
@with_appcontext
def worker_command(workers: int | None, no_periodic: bool) -> None:
    """Run the job queue's worker: deliver messages and run the periodic rounds until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_worker(current_app._get_current_object(), workers, periodic=not no_periodic)  # type: ignore[attr-defined]


def run_worker(app: Flask, workers: int | None = None, periodic: bool = True) -> None:
    """Consume the queue until SIGTERM/SIGINT (Huey finishes the tasks in hand, then stops)."""
    from webapp.jobs import LazyTasks

    lazy = queue_of(app)
    assert isinstance(lazy, LazyTasks)  # noqa: S101 (registered by webapp.jobs.init_app)
    tasks = lazy.tasks()
    share_robot_limit(tasks.huey)
    # A worker that died may have left messages claimed or due: look for them first.
    tasks.sweep()
    tasks.webhook_sweep()
    consumer = tasks.huey.create_consumer(
        workers=workers or app.config["LINLI"].queue_workers,
        worker_type="thread",
        periodic=periodic,
        check_worker_health=True,
        scheduler_interval=1,
    )
    consumer.run()


def share_robot_limit(huey: Any) -> bool:
    """With the queue in Redis (a district's several workers), the robots' 20-a-minute limit is counted in the
    same Redis, so the workers together send 20 a minute to a robot rather than 20 each; on one box (SQLite)
    the one worker's own count is the limit. True when the shared limiter is in use."""
    from huey import RedisHuey

    from webapp.infra.channels.robots import RedisRateLimiter, use_limiter

    if not isinstance(huey, RedisHuey):
        return False
    use_limiter(RedisRateLimiter(huey.storage.conn))
    return True


@click.command("deliver-now")
@with_appcontext
def deliver_command() -> None:
    """Deliver every due message in this process now (what the worker does; for a box without one)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    from datetime import timedelta

    from webapp.domain.messages.outbox import due
    from webapp.infra.unit_of_work import job
    from webapp.jobs.tasks import deliver_one

    with job(app) as session:
        ids = due(session)
    lease = timedelta(seconds=app.config["LINLI"].queue_lease)
    outcomes = [deliver_one(app, message_id, lease) for message_id in ids]
    click.echo(", ".join(f"{o} {outcomes.count(o)}" for o in sorted(set(outcomes))) or "nothing due")
