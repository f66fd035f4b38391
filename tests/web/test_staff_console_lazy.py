"""The staff console's views are imported at the first staff request, not by every worker (issue 21: about
2 MiB a worker serving the lobby and the phones). The addresses are registered from a table from the start;
a stand-in answers until the views are imported. What could go wrong: the table no longer matching the views,
a hook declared on the views' blueprint and silently lost, a stand-in missing what the app reads of a view
before calling it, or the console being imported anyway."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint

from tests.web.test_startup import as_a_worker
from webapp.staff import lazy
from webapp.staff.blueprint import bp
from webapp.staff.table import ROUTES


def test_the_table_is_the_declared_views() -> None:
    assert lazy.declared_routes() == ROUTES, "run `.venv/bin/python -m webapp.staff.lazy` to write it again"
    assert len({endpoint for _rule, endpoint, *_rest in ROUTES}) > 100  # the whole console, not a part
    assert ("/tickets/<int:ticket_id>", "ticket_detail") in {
        (rule, endpoint) for rule, endpoint, *_ in ROUTES
    }


def test_the_views_blueprint_holds_no_hook_that_would_be_lost() -> None:
    """It is never registered: a `before_request` or an error handler declared on it would never run."""
    lazy.declared_routes()  # every view module imported
    fresh = Blueprint("fresh", __name__)
    hooks = (
        "before_request_funcs",
        "after_request_funcs",
        "teardown_request_funcs",
        "template_context_processors",
        "url_value_preprocessors",
        "url_default_functions",
        "error_handler_spec",
        "deferred_functions",  # app_* hooks and template globals
    )

    def declared(blueprint: Blueprint, name: str) -> object:
        found = getattr(blueprint, name)
        return {key: value for key, value in found.items() if value} if isinstance(found, dict) else found

    assert {name: declared(bp, name) for name in hooks} == {name: declared(fresh, name) for name in hooks}


def test_a_view_that_writes_takes_the_write_path_at_its_first_call(app, client, auth, monkeypatch) -> None:
    """The app reads `linli_writes` before calling a view, to give its transaction the write lock; at the first
    call that is the stand-in's. The deliveries page writes an audit entry on GET: without the mark its first
    call would fail as an undeclared write."""
    stand_in = lazy._stand_ins["deliveries"]
    assert stand_in.linli_writes is True
    monkeypatch.setitem(app.view_functions, "staff.deliveries", stand_in)  # as a fresh worker has it
    auth.sign_in("admin")
    assert client.get("/staff/deliveries").status_code == 200
    from webapp.staff.deliveries import deliveries

    assert app.view_functions["staff.deliveries"] is deliveries  # the stand-in gave its place to the view
    assert f"{stand_in.__module__}.{stand_in.__name__}" == f"{deliveries.__module__}.{deliveries.__name__}"
    background = {
        endpoint for _rule, endpoint, _module, _options, marks in ROUTES if "linli_background" in marks
    }
    assert "work_now" in background


def test_a_worker_serving_the_lobby_never_imports_the_console(tmp_path: Path, database_url: str) -> None:
    """A fresh process, as a gunicorn worker: the lobby's and phones' pages leave the console unimported; the
    first staff request imports it and is answered by the real view (a GET that writes an audit entry, on its
    first call); the next apps made in the process get the views too."""
    script = (
        "import json, re, sys, wsgi\n"
        "from webapp import create_app\n"
        "client = wsgi.app.test_client()\n"
        "answers = {p: client.get(p).status_code for p in ('/', '/notices', '/kiosk/', '/staff/sign-in')}\n"
        "console = sorted(m for m in sys.modules if m.startswith('webapp.staff.'))\n"
        "first = client.get('/staff/tickets')\n"  # not signed in: the real view's guard sends to sign-in
        "after = sorted(m for m in sys.modules if m.startswith('webapp.staff.'))\n"
        "again = create_app().test_client().get('/staff/tickets')\n"
        "print(json.dumps({'answers': answers, 'console': console, 'after': len(after),\n"
        "    'first': [first.status_code, first.headers.get('Location')],\n"
        "    'again': [again.status_code, again.headers.get('Location')]}))\n"
    )
    found = json.loads(as_a_worker(script, tmp_path, database_url).splitlines()[-1])
    assert found["answers"] == {"/": 200, "/notices": 200, "/kiosk/": 302, "/staff/sign-in": 200}
    assert found["console"] == ["webapp.staff.lazy", "webapp.staff.table"]
    assert found["after"] > 36
    assert found["first"][0] == found["again"][0] == 302
    assert "/staff/sign-in" in found["first"][1]
    assert found["first"] == found["again"]
