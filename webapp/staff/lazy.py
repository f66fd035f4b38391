"""The staff console's addresses, registered when the app is made; its views are imported at the first staff
request.

Every worker serves the lobby and the phones; the console's 36 view modules, and the parts of the core only
they use, are about 2 MiB of each worker (issue 21; docs/performance.md, "Start-up and memory"). Flask takes
no new address after the first request and `url_for` must know every address from the start, so the addresses
come from a table (`table.py`, written from the declared views by `python -m webapp.staff.lazy`) and a
stand-in answers for each view until the first staff request imports them all. A stand-in carries what the app
reads of a view before calling it (`linli_writes`: its transaction takes the write lock; `linli_background`)
and the view's name. `tests/web/test_staff_console_lazy.py` holds the table equal to the declared views.

The console's app-wide hooks (the work bar's counts and the navigation) are here, so that they are in place
before the views are imported.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, request

from webapp.staff.table import ROUTES

TABLE = Path(__file__).with_name("table.py")
MARKS = ("linli_writes", "linli_background")  # what the app reads of a view before calling it

console = Blueprint("staff", __name__, url_prefix="/staff")
_lock = threading.Lock()


class StandIn:
    """Answers for a console view not yet imported: imports them all, puts each in its place in this app, and
    calls its own."""

    def __init__(self, endpoint: str, module: str, marks: tuple[str, ...]) -> None:
        self.endpoint = endpoint
        self.__name__ = self.__qualname__ = endpoint
        self.__module__ = module
        for mark in marks:
            setattr(self, mark, True)

    def __call__(self, **kwargs: Any) -> Any:
        return views_of(current_app._get_current_object())[self.endpoint](**kwargs)  # type: ignore[attr-defined]


def views_of(app: Flask) -> dict[str, Callable[..., Any]]:
    """The console's views, imported once a process; each put in this app's place for it, once an app."""
    with _lock:
        import_module("webapp.staff.views")
        from webapp.staff.blueprint import bp

        for endpoint, view in bp.views.items():
            if isinstance(app.view_functions.get(f"staff.{endpoint}"), StandIn):
                app.view_functions[f"staff.{endpoint}"] = view
        return bp.views


_stand_ins: dict[str, StandIn] = {}
for _rule, _endpoint, _module, _options, _marks in ROUTES:  # one stand-in a view, whatever its addresses
    _view = _stand_ins.setdefault(_endpoint, StandIn(_endpoint, _module, _marks))
    console.add_url_rule(_rule, _endpoint, _view, **_options)


def init_app(app: Flask) -> None:
    app.register_blueprint(console)

    @app.context_processor
    def work_bar() -> dict[str, Any]:
        """The console's work bar, counted before a page renders (templates read nothing: issue 22, defect 5);
        None for someone whose role handles no tickets, or no one signed in. Every page under /staff: the
        console's own, its error pages (a 404 reaches no blueprint) and the sign-in pages' (another
        blueprint)."""
        if not request.path.startswith(console.url_prefix or "/staff"):
            return {}
        from webapp.auth.policy import Permission, can
        from webapp.auth.principals import signed_in_staff

        staff = signed_in_staff()
        if staff is None or not can(staff, Permission.HANDLE_TICKETS):
            return {"work_bar": None}
        from webapp.staff.routes import work_counts

        return {"work_bar": work_counts()}

    @app.template_global()
    def staff_navigation() -> list[tuple[str, list[str]]]:
        from flask_login import current_user

        from webapp.auth.policy import navigation

        return navigation(current_user.staff)


Route = tuple[str, str, str, dict[str, Any], tuple[str, ...]]


def declared_routes() -> tuple[Route, ...]:
    """The addresses as the view modules declare them: (rule, endpoint, module, options, marks)."""
    import_module("webapp.staff.views")
    from webapp.staff.blueprint import bp

    routes = []
    for rule, endpoint, options in bp.addresses:
        view = bp.views[endpoint]
        marks = tuple(mark for mark in MARKS if getattr(view, mark, False))
        unknown = sorted(name for name in vars(view) if name.startswith("linli_") and name not in marks)
        if unknown:
            raise ValueError(f"staff.{endpoint} carries {unknown}: add them to MARKS if the app reads them")
        routes.append((rule, endpoint, view.__module__, options, marks))
    return tuple(sorted(routes, key=lambda route: route[2]))  # by module (imports vary), each in its order


def write_table() -> None:
    rows = "\n".join(f"    {route!r}," for route in declared_routes())
    TABLE.write_text(
        '"""The staff console\'s addresses: (rule, endpoint, module, options, marks). Written by\n'
        "`python -m webapp.staff.lazy` from the declared views;\ntests/web/test_staff_console_lazy.py holds "
        'it equal to them."""\n\nfrom typing import Any\n\n'
        f"ROUTES: tuple[tuple[str, str, str, dict[str, Any], tuple[str, ...]], ...] = (\n{rows}\n)\n",
        encoding="utf-8",
    )
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(TABLE)], check=False)  # noqa: S603


if __name__ == "__main__":  # pragma: no cover - a developer's command
    write_table()
    print(f"wrote {TABLE}", file=sys.stderr)
