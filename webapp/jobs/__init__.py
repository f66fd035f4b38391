"""The worker face: the job queue's tasks and schedules, calling the core like any other face.

`flask --app wsgi worker` runs the consumer; the web app only wakes it after a commit
(`webapp.infra.queue`), so a slow or failing gateway never holds a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.infra.queue import EXTENSION, install_wake_on_commit, make_huey
    from webapp.jobs import tasks, worker

    app.extensions[EXTENSION] = tasks.register(make_huey(app.config["LINLI"]), app)
    app.cli.add_command(worker.worker_command)
    app.cli.add_command(worker.deliver_command)
    install_wake_on_commit()
