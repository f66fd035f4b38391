"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`.

Served (gunicorn, any WSGI server), the app refuses to start against a database whose schema is not this
version's: half-migrated, it would answer with errors in odd places instead of one clear message at start. The
`flask` commands (among them `db upgrade`, which fixes it) load this file too and are let through.
"""

import os
import sys

from webapp import create_app

app = create_app()

if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    from webapp.infra.db import database
    from webapp.infra.schema import pending

    with database(app).engine.connect() as connection:
        problem = pending(connection)
    if problem:
        print(f"Linli will not start: {problem}", file=sys.stderr)
        raise SystemExit(3)
