"""Service providers as records of their own (issue 16, item 5): a provider per community with its contact,
the service types routed to it and its staff. Existing provider names (on service types, staff roles and
invitations) become records; the name columns go. And settings an office changes itself (item 7): holidays
and the defaults a new kiosk starts with.

Revision ID: 0014_providers
Revises: 0013_district_admin
Create Date: 2026-12-05 07:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_providers"
down_revision: str | Sequence[str] | None = "0013_district_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, old name column, new id column, ON DELETE)
LINKS = (
    ("service_type", "provider_name", "provider_id", "SET NULL"),
    ("staff_role", "provider", "provider_id", "CASCADE"),
    ("staff_invitation", "provider", "provider_id", "CASCADE"),
)
KIND_WORDS = (
    ("property", ("物业",)),
    ("clinic", ("卫生", "医", "诊")),
    ("canteen", ("食堂", "餐")),
    ("repair", ("维修", "修")),
    ("care", ("养老", "护理")),
)


def _kind(name: str) -> str:
    return next((kind for kind, words in KIND_WORDS if any(w in name for w in words)), "other")


def upgrade() -> None:
    op.create_table(
        "service_provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("contact_name", sa.String(length=64), nullable=True),
        sa.Column("phone_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("phone_last4", sa.String(length=4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_service_provider_community_id_community"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_provider")),
        sa.UniqueConstraint("community_id", "name", name=op.f("uq_service_provider_community_id_name")),
    )
    with op.batch_alter_table("service_provider", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_provider_community_id"), ["community_id"], unique=False)
    for table, _old, new, ondelete in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(new, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_{new}_service_provider"),
                "service_provider",
                [new],
                ["id"],
                ondelete=ondelete,
            )
            if table != "staff_invitation":
                batch_op.create_index(batch_op.f(f"ix_{table}_{new}"), [new], unique=False)
    _names_to_records()
    op.create_table(
        "kiosk_uptime",
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosk.id"], name=op.f("fk_kiosk_uptime_kiosk_id_kiosk"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("kiosk_id", "hour", name=op.f("pk_kiosk_uptime")),
    )
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holidays", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("kiosk_idle_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kiosk_scanner_place", sa.String(length=16), nullable=True))
    for table, old, _new, _ondelete in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(old)


def _names_to_records() -> None:
    """Every provider named anywhere becomes one record in its community, and the rows point at it."""
    bind = op.get_bind()
    provider = sa.table(
        "service_provider",
        sa.column("id", sa.Integer),
        sa.column("community_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("kind", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    ids: dict[tuple[int, str], int] = {}
    for table, old, new, _ondelete in LINKS:
        rows = bind.execute(
            sa.text(f"SELECT DISTINCT community_id, {old} FROM {table} WHERE {old} IS NOT NULL")  # noqa: S608
        ).all()
        for community_id, name in rows:
            if community_id is None or not name:
                continue
            key = (community_id, name[:80])
            if key not in ids:
                bind.execute(
                    provider.insert().values(
                        community_id=community_id,
                        name=key[1],
                        kind=_kind(key[1]),
                        created_at=sa.func.now(),
                    )
                )
                ids[key] = bind.execute(
                    sa.select(provider.c.id).where(
                        provider.c.community_id == community_id, provider.c.name == key[1]
                    )
                ).scalar_one()
            bind.execute(
                sa.text(
                    f"UPDATE {table} SET {new} = :pid WHERE community_id = :cid AND {old} = :name"  # noqa: S608
                ),
                {"pid": ids[key], "cid": community_id, "name": name},
            )


def downgrade() -> None:
    op.drop_table("kiosk_uptime")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("kiosk_scanner_place")
        batch_op.drop_column("kiosk_idle_seconds")
        batch_op.drop_column("holidays")
    for table, old, new, _ondelete in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(old, sa.String(length=80), nullable=True))
        op.execute(
            f"UPDATE {table} SET {old} = (SELECT name FROM service_provider"  # noqa: S608
            f" WHERE service_provider.id = {table}.{new})"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table != "staff_invitation":
                batch_op.drop_index(batch_op.f(f"ix_{table}_{new}"))
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_{new}_service_provider"), type_="foreignkey")
            batch_op.drop_column(new)
    with op.batch_alter_table("service_provider", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_provider_community_id"))
    op.drop_table("service_provider")
