"""The layout's rules, read from the imports so that they hold without anyone watching (issue 15).

- Faces (kiosk, phone, console, lobby display, command line, later the API) meet only in the core or in
  `webapp.shared`: no face imports another.
- The core (`webapp.domain`, `webapp.models`) imports no face, no shared helper, not `webapp.auth`, nothing of
  Flask's request world, and of the infrastructure only the clock, the number parsing and the box's slots for
  heavy work (none touches Flask): it runs in a worker, a script or a unit test without an application.
- Each area of the core uses only the areas its docstring names (`AREAS` below says the same as data).
- The shared helpers and sign-in (`webapp.auth`) import no face; the infrastructure imports no face, no helper
  and no rule; the hardware bridge (`hardware/`, alone on the kiosk box) imports nothing of the app.

Imports under `if TYPE_CHECKING:` are for type hints only and do not count.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("webapp", "kiosk", "hardware")

FACES = (
    "kiosk",
    "webapp.resident",
    "webapp.staff",
    "webapp.display",
    "webapp.cli",
    "webapp.api",
    "webapp.jobs",
)
CORE = ("webapp.domain", "webapp.models")
REQUEST_WORLD = ("flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug", "wtforms", "jinja2")
CORE_MAY_USE_INFRA = ("webapp.infra.clock", "webapp.infra.numbers", "webapp.infra.heavy")

# What each area of the core may use besides itself, the package root (DomainError), models and the infra
# clock; privacy.audit (the Actor and the audit trail) is the base every area may use.
AREAS: dict[str, set[str]] = {
    "identity": {"privacy.audit"},
    "register": {"identity", "privacy.audit"},
    "privacy": {"identity", "register"},
    "desk": {"identity", "privacy.audit"},
    "kiosk": {"identity", "register", "privacy.audit"},
    "life": {"register", "privacy.audit"},
    "training": {"life", "privacy.audit"},
    "messages": {"identity", "register", "privacy.audit"},
    "webhooks": {"identity", "desk", "privacy.audit"},
    "family": {"identity", "register", "desk", "life", "training", "messages", "privacy.audit"},
    "safety": {"identity", "register", "messages", "kiosk", "webhooks", "privacy.audit"},
}


@dataclass(frozen=True)
class Arrow:
    source: str  # the importing module, dotted
    target: str  # what it imports, dotted
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def arrows_of(path: Path, root: Path) -> list[Arrow]:
    """Every import in the file, module level or inside a function, with `from x import y` read as x.y when y
    is a module (so `from webapp.domain import tickets` counts as importing the module tickets)."""
    source = module_name(path, root)
    found: list[Arrow] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                continue
            if isinstance(child, ast.Import):
                found.extend(Arrow(source, alias.name, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                for alias in child.names:
                    candidate = f"{child.module}.{alias.name}"
                    is_module = (root / (candidate.replace(".", "/") + ".py")).exists() or (
                        root / candidate.replace(".", "/") / "__init__.py"
                    ).exists()
                    found.append(Arrow(source, candidate if is_module else child.module, child.lineno))
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def face_of(name: str) -> str | None:
    return next((face for face in FACES if within(name, face)), None)


def area_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["webapp", "domain"] else None


def broken_rule(arrow: Arrow) -> str | None:
    """Why this arrow is not allowed, or None."""
    source, target = arrow.source, arrow.target
    if within(source, "hardware") and (within(target, "webapp") or within(target, "kiosk")):
        return "the hardware bridge imports the app: it runs alone on the kiosk box"
    source_face, target_face = face_of(source), face_of(target)
    if source_face and target_face and source_face != target_face:
        return f"face {source_face} imports face {target_face}"
    if any(within(source, c) for c in CORE):
        if any(within(target, r) for r in REQUEST_WORLD):
            return "the core imports Flask's request world"
        if target_face or within(target, "webapp.shared") or within(target, "webapp.auth"):
            return "the core imports a face, a shared helper or sign-in"
        if within(target, "webapp.infra") and not any(within(target, m) for m in CORE_MAY_USE_INFRA):
            return "the core imports infrastructure other than the clock, numbers and heavy-work slots"
        if target == "webapp":
            return "the core imports the application factory"
    if within(source, "webapp.models") and (
        within(target, "webapp.domain") or within(target, "webapp.content")
    ):
        return "a model imports the core's rules or content"
    source_area, target_area = area_of(source), area_of(target)
    if source_area and target_area and source_area != target_area:
        allowed = AREAS.get(source_area, set())
        target_module = ".".join(target.split(".")[2:4])
        if target_area not in allowed and target_module not in allowed:
            return f"area {source_area} may not use {target_module or target_area}"
    if (within(source, "webapp.shared") or within(source, "webapp.auth")) and target_face:
        return "a shared helper or sign-in imports a face"
    if within(source, "webapp.infra") and (
        target_face
        or any(within(target, p) for p in ("webapp.shared", "webapp.auth", "webapp.domain", "webapp.content"))
    ):
        return "infrastructure imports a face, a helper or a rule"
    return None


def violations(root: Path) -> list[str]:
    found = []
    for top in SOURCES:
        for path in sorted((root / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for arrow in arrows_of(path, root):
                why = broken_rule(arrow)
                if why:
                    found.append(f"{path.relative_to(root)}:{arrow.line}: {arrow.target} ({why})")
    return found


def test_the_code_keeps_the_layout_rules():
    assert violations(ROOT) == []


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in path.relative_to(root).parents:
        if str(parent) != ".":
            (root / parent / "__init__.py").touch()
    path.write_text(text)


def test_an_arrow_added_on_purpose_is_caught(tmp_path):
    """A small tree with one allowed import and five forbidden ones: each forbidden one is reported, by line."""
    _write(tmp_path, "webapp/resident/account.py", "def pin_message():\n    pass\n")
    _write(tmp_path, "webapp/domain/life/events.py", "X = 1\n")
    _write(tmp_path, "webapp/domain/desk/tickets.py", "Y = 2\n")
    _write(tmp_path, "webapp/shared/pins.py", "from webapp.domain.life import events\n")  # allowed
    _write(tmp_path, "kiosk/routes.py", "from webapp.resident.account import pin_message\n")
    _write(
        tmp_path,
        "webapp/domain/desk/bad.py",
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from webapp.shared import pins  # type hints only: allowed\n"
        "from flask import request\n"
        "def later():\n"
        "    from webapp.shared import pins\n"
        "from webapp.domain.life import events\n",
    )
    _write(tmp_path, "webapp/domain/life/worse.py", "import webapp.infra.db\n")
    _write(tmp_path, "webapp/infra/deep.py", "from webapp.domain.desk import tickets\n")
    _write(tmp_path, "hardware/printer.py", "from webapp.shared import pins\n")

    found = sorted(violations(tmp_path))

    assert found == [
        "hardware/printer.py:1: webapp.shared.pins (the hardware bridge imports the app: it runs alone on the kiosk box)",
        "kiosk/routes.py:1: webapp.resident.account (face kiosk imports face webapp.resident)",
        "webapp/domain/desk/bad.py:4: flask (the core imports Flask's request world)",
        "webapp/domain/desk/bad.py:6: webapp.shared.pins (the core imports a face, a shared helper or sign-in)",
        "webapp/domain/desk/bad.py:7: webapp.domain.life.events (area desk may not use life.events)",
        "webapp/domain/life/worse.py:1: webapp.infra.db "
        "(the core imports infrastructure other than the clock, numbers and heavy-work slots)",
        "webapp/infra/deep.py:1: webapp.domain.desk.tickets (infrastructure imports a face, a helper or a rule)",
    ]


def test_every_area_of_the_core_says_what_it_owns_and_may_use():
    for area in AREAS:
        doc = ast.get_docstring(ast.parse((ROOT / "webapp/domain" / area / "__init__.py").read_text()))
        assert doc, area
        assert "May use" in doc, area


def test_no_module_of_the_core_is_over_400_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "webapp/domain").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def test_only_the_units_of_work_commit():
    """Views and the core never commit: the request's (and job's) unit of work does, as do the command line
    and the migrations (issue 22). A savepoint is left with `with session.begin_nested():`."""
    allowed = {"webapp/infra/unit_of_work.py", "webapp/cli/commands.py"}
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("webapp", "kiosk", "hardware")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and str(path.relative_to(ROOT)) not in allowed
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\.commit\(\)", line.split("#")[0])
    ]
    assert found == []
