"""First run without the demo (issue 16): `flask setup` creates the region, the community and its
administrator once, takes the password only from standard input or a prompt, and a second run changes nothing."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.unit.test_demo import snapshot
from webapp import create_app
from webapp.domain.identity.staff import authenticate
from webapp.infra.db import database
from webapp.models import AuditEntry, Community, Role, StaffUser

PASSWORD = "a-long-office-password"


def test_setup_from_scripts_then_twice_changes_nothing(databases, tmp_path):
    app = create_app({"database_url": databases.new("setup"), "instance_path": tmp_path})
    runner = app.test_cli_runner()
    args = ["setup", "--region", "翠苑街道", "--community", "梅花社区", "--admin-username", "Wang.Li"]

    first = runner.invoke(args=args, input=PASSWORD + "\n")
    assert first.exit_code == 0, first.output
    assert "梅花社区" in first.output
    assert "/staff/sign-in" in first.output
    assert PASSWORD not in first.output
    engine = database(app).engine
    with Session(engine) as session:
        community = session.scalar(select(Community))
        assert community.name("en") == "梅花社区"
        assert community.region.name("zh_Hans") == "翠苑街道"
        assert community.timezone == "Asia/Shanghai"
        admin = authenticate(session, "wang.li", PASSWORD)
        assert admin is not None
        assert [(r.community_id, r.role) for r in admin.roles] == [(community.id, Role.ADMIN)]
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"region.create", "community.create", "staff.create"} <= actions
    before = snapshot(engine)

    second = runner.invoke(args=["setup", "--region", "x", "--community", "y", "--admin-username", "other"])
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output
    assert snapshot(engine) == before
    engine.dispose()


def test_setup_refuses_a_short_password_and_a_bad_username(databases, tmp_path):
    app = create_app({"database_url": databases.new("setup"), "instance_path": tmp_path})
    runner = app.test_cli_runner()
    args = ["setup", "--region", "翠苑街道", "--community", "梅花社区", "--admin-username"]
    short = runner.invoke(args=[*args, "admin"], input="short\n")
    assert short.exit_code != 0
    assert "at least 10" in short.output
    bad = runner.invoke(args=[*args, "a b"], input=PASSWORD + "\n")
    assert bad.exit_code != 0
    assert "letters, digits" in bad.output
    with Session(database(app).engine) as session:
        assert session.scalar(select(Community)) is None
        assert session.scalar(select(StaffUser)) is None
    database(app).engine.dispose()


def test_setup_has_no_password_option(app):
    from webapp.cli.commands import setup

    assert not any("password" in name for p in setup.params for name in p.opts)


def test_setup_asks_when_run_by_a_person(databases, tmp_path):
    app = create_app({"database_url": databases.new("setup"), "instance_path": tmp_path})
    runner = app.test_cli_runner()
    # click's runner is not a terminal: the password comes from the input's fourth line, after the prompts.
    answers = "翠苑街道\n梅花社区\nadmin\n" + PASSWORD + "\n"
    result = runner.invoke(args=["setup"], input=answers)
    assert result.exit_code == 0, result.output
    assert "Street office or district" in result.output
    with Session(database(app).engine) as session:
        assert authenticate(session, "admin", PASSWORD) is not None
    database(app).engine.dispose()
