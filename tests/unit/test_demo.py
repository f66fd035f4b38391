"""`flask demo` seeds a realistic community and is idempotent."""

from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

import webapp.models  # noqa: F401
from webapp import create_app
from webapp.domain.register.community import summarise
from webapp.infra.db import database
from webapp.models import Building, Community, Kiosk, Resident, Role, StaffUser
from webapp.models.base import Base


def snapshot(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {table.name}"))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def test_demo_twice_changes_nothing(databases, tmp_path, monkeypatch):
    monkeypatch.setenv("LINLI_DEMO_PASSWORD", "a-demo-password")
    app = create_app({"database_url": databases.new("demo"), "instance_path": tmp_path})
    runner = app.test_cli_runner()

    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Seeded" in first.output
    assert "a-demo-password" in first.output
    for username in ("admin", "worker", "property", "provider", "volunteer", "district"):
        assert username in first.output
    engine = database(app).engine
    before = snapshot(engine)

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "Already seeded" in second.output
    assert snapshot(engine) == before

    with Session(engine) as session:
        community = session.scalar(select(Community))
        assert community.name("zh_Hans") == "桂花社区"
        assert community.region.parent.name("zh_Hans") == "西湖区"  # district → street → community
        assert session.query(Building).count() == 2
        residents = session.scalars(select(Resident)).all()
        assert 35 <= len(residents) <= 45
        assert all(1 < len(r.name) <= 4 for r in residents)
        figures = summarise(session, community, date.today())
        assert figures.aged_80_plus >= 5
        assert figures.living_alone >= 3
        assert sum(r.has_disability for r in residents) == 1
        roles = {r.role for u in session.scalars(select(StaffUser)) for r in [*u.roles, *u.region_roles]}
        assert roles == set(Role)
        assert session.query(Kiosk).count() == 1
    engine.dispose()


def test_create_admin_command(databases, tmp_path):
    app = create_app({"database_url": databases.new("adm"), "instance_path": tmp_path})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(
        args=["create-admin", "--username", "Boss", "--name", "Boss", "--password", "long-enough-pw"]
    )
    assert result.exit_code == 0, result.output
    short = runner.invoke(args=["create-admin", "--username", "x", "--name", "x", "--password", "short"])
    assert short.exit_code != 0
    assert "at least" in short.output
    taken = runner.invoke(
        args=["create-admin", "--username", "boss", "--name", "B", "--password", "long-enough-pw"]
    )
    assert taken.exit_code != 0
    assert "taken" in taken.output
    with Session(database(app).engine) as session:
        boss = session.scalar(select(StaffUser).where(StaffUser.username == "boss"))
        assert [r.role for r in boss.roles] == [Role.ADMIN]
    database(app).engine.dispose()


def test_demo_residents_share_the_demo_pin(session, demo_community):
    """Anyone at the demo can sign in as any demo resident with the PIN `make demo` prints."""
    from tests.conftest import DEMO_PIN
    from webapp.domain.identity.pins import PinOutcome, card_key_for, device_key, verify_pin
    from webapp.domain.privacy.audit import SYSTEM

    someone = session.query(Resident).filter_by(community_id=demo_community.id).first()
    result = verify_pin(
        session,
        SYSTEM,
        someone,
        DEMO_PIN,
        card_key_for(someone, "demo"),
        device_key("kiosk", "kiosk-1"),
        end_transaction=session.commit,
    )
    assert result.outcome == PinOutcome.OK


def test_the_demo_is_seeded_through_the_consoles_own_functions(session):
    """Its buildings come from one description, as the console's buildings in bulk make them, and its
    street office's district administrator is granted as the console grants one: both in the audit trail."""
    from webapp.content.demo import DEMO_COMPOUND
    from webapp.models import AuditEntry, Household, StaffRegionRole

    community = session.scalar(select(Community).where(Community.slug == "guihua"))
    bulk = session.scalar(select(AuditEntry).where(AuditEntry.action == "building.bulk_create"))
    assert bulk.community_id == community.id
    assert bulk.detail == {"buildings": 2, "households": 48}
    assert DEMO_COMPOUND == "幢 1-2, 每幢 2 个单元, 6 层, 每层 2 户"
    labels = sorted(session.scalars(select(Household.label)))
    assert labels[:3] == ["1-1-101", "1-1-102", "1-1-201"]
    assert len(labels) == 48
    assert labels[-1] == "2-2-602"
    district = session.scalar(select(StaffUser).where(StaffUser.username == "district"))
    assert [(r.region_id, r.role) for r in session.scalars(select(StaffRegionRole))] == [
        (community.region_id, Role.DISTRICT_ADMIN)
    ]
    grant = session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.region_grant"))
    assert (grant.subject_id, grant.community_id, grant.actor_type) == (district.id, community.id, "system")


def test_port_8000_make_demo_prints_its_links_on_8000(databases, tmp_path, monkeypatch):
    """`PORT=8000 make demo`: the Makefile's own demo line gives `flask demo` the base URL of port 8000, and
    the card, pairing and sign-in links it prints name that port (they said 5000)."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("LINLI_BASE_URL", "PORT", "MAKEFLAGS")}
    recipe = subprocess.run(
        ["make", "-n", "--no-print-directory", "demo", "PORT=8000"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (line,) = [x for x in recipe.splitlines() if x.endswith("flask --app wsgi demo")]
    assert "--port 8000" in recipe  # the server it starts listens there too
    shown = subprocess.run(  # noqa: S602 (the Makefile's own line, run as make would)
        line.replace(".venv/bin/flask --app wsgi demo", "printenv LINLI_BASE_URL"),
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert shown == "http://127.0.0.1:8000"
    monkeypatch.setenv("LINLI_BASE_URL", shown)
    app = create_app({"database_url": databases.new("port"), "instance_path": tmp_path})
    printed = app.test_cli_runner().invoke(args=["demo"])
    assert printed.exit_code == 0, printed.output
    for link in ("/staff/sign-in", "/c/", "/kiosk/pair", "/kiosk "):
        assert f"http://127.0.0.1:8000{link}" in printed.output, link
    assert ":5000" not in printed.output
    database(app).engine.dispose()
