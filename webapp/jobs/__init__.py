"""The worker face: the job queue's tasks and schedules, calling the core like any other face.

`flask --app wsgi worker` runs the consumer; the web app only wakes it after a commit
(`webapp.infra.queue`), so a slow or failing gateway never holds a request.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from huey import Huey

    from webapp.jobs.tasks import Tasks


class LazyTasks:
    """The app's queue and its tasks, made on first use rather than when the app is created.

    Importing Huey imports Redis's and psycopg's clients too (its storage module tries every backend): about
    19 MiB and 170 modules in each web worker, for the few requests that commit a message and wake the worker
    (docs/performance.md, "Start-up and memory"). The consumer (`flask worker`) makes them at its start.
    """

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._tasks: Tasks | None = None
        self._lock = threading.Lock()

    def tasks(self) -> Tasks:
        if self._tasks is None:
            with self._lock:
                if self._tasks is None:
                    from webapp.infra.queue import make_huey
                    from webapp.jobs.tasks import register

                    self._tasks = register(make_huey(self._app.config["LINLI"]), self._app)
        return self._tasks

    @property
    def huey(self) -> Huey:
        return self.tasks().huey

    def wake(self, outbox: bool = True, webhooks: bool = False) -> None:
        self.tasks().wake(outbox=outbox, webhooks=webhooks)

    def __getattr__(self, name: str) -> Any:
        """The tasks themselves (`sweep`, `deliver`, …), as on `Tasks`."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.tasks(), name)


def init_app(app: Flask) -> None:
    from webapp.infra.queue import EXTENSION, install_wake_on_commit
    from webapp.jobs import worker

    app.extensions[EXTENSION] = LazyTasks(app)
    app.cli.add_command(worker.worker_command)
    app.cli.add_command(worker.deliver_command)
    install_wake_on_commit()
