"""Migration 0014 turns the providers named on service types, staff roles and invitations into records, one
per name and community, and points every row at its record (a live community's data survives the upgrade)."""

from __future__ import annotations

from sqlalchemy import text

from webapp import migrations
from webapp.infra.db import make_engine


def test_named_providers_become_records_and_rows_point_at_them(databases):
    engine = make_engine(databases.new("providers"))
    try:
        migrations.upgrade(engine, "0013_district_admin")
        with engine.begin() as c:
            c.execute(text("INSERT INTO region (id, level, code, names) VALUES (1, 'street', 's', '{}')"))
            c.execute(
                text(
                    "INSERT INTO community (id, region_id, slug, names, timezone, care_check_time, created_at)"
                    " VALUES (1, 1, 'a', '{}', 'Asia/Shanghai', '10:00', CURRENT_TIMESTAMP),"
                    " (2, 1, 'b', '{}', 'Asia/Shanghai', '10:00', CURRENT_TIMESTAMP)"
                )
            )
            for n, (community, name) in enumerate(
                [(1, "桂花老年食堂"), (1, "桂花老年食堂"), (2, "桂花老年食堂")]
            ):
                c.execute(
                    text(
                        "INSERT INTO service_type (community_id, code, category, names, help, icon, handler,"
                        " provider_name, deadline_hours, urgent_deadline_hours, eligibility, channels, questions,"
                        " active, position) VALUES (:c, :code, 'elderly_care', '{}', '{}', 'heart', 'provider',"
                        " :name, 24, 4, 'everyone', '[]', '[]', true, 0)"
                    ),
                    {"c": community, "code": f"meal-{n}", "name": name},
                )
            c.execute(
                text(
                    "INSERT INTO staff_user (id, username, display_name, password_hash, is_active,"
                    " session_version, totp_enabled, created_at) VALUES (1, 'doc', '孙医生', 'x', true, 1, false,"
                    " CURRENT_TIMESTAMP)"
                )
            )
            c.execute(
                text(
                    "INSERT INTO staff_role (staff_user_id, community_id, role, provider)"
                    " VALUES (1, 1, 'service_provider', '翠苑社区卫生服务站')"
                )
            )
        migrations.upgrade(engine)
        with engine.connect() as c:
            records = c.execute(
                text("SELECT community_id, name, kind FROM service_provider ORDER BY community_id, name")
            ).all()
            assert [tuple(r) for r in records] == [
                (1, "桂花老年食堂", "canteen"),
                (1, "翠苑社区卫生服务站", "clinic"),
                (2, "桂花老年食堂", "canteen"),
            ]
            routed = c.execute(
                text(
                    "SELECT st.community_id, p.community_id FROM service_type st"
                    " JOIN service_provider p ON p.id = st.provider_id"
                )
            ).all()
            assert len(routed) == 3
            assert all(a == b for a, b in routed)  # each points at its own community's record
            role = c.execute(
                text("SELECT p.name FROM staff_role r JOIN service_provider p ON p.id = r.provider_id")
            ).scalar_one()
            assert role == "翠苑社区卫生服务站"
        migrations.downgrade(engine, "0013_district_admin")  # and back: the names return
        with engine.connect() as c:
            names = c.execute(text("SELECT provider_name FROM service_type")).scalars().all()
            assert names == ["桂花老年食堂"] * 3
    finally:
        engine.dispose()
