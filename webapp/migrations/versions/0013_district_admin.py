"""Regions and communities run by the office (issue 16): a district administrator per region, and a
community's address, office hours, kiosk language and archiving.

Revision ID: 0013_district_admin
Revises: 0012_staff_invitations
Create Date: 2026-12-05 04:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_district_admin"
down_revision: str | Sequence[str] | None = "0012_staff_invitations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("office_hours", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("default_locale", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "staff_region_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_region_role_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
            name=op.f("fk_staff_region_role_region_id_region"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_region_role")),
        sa.UniqueConstraint(
            "staff_user_id",
            "region_id",
            "role",
            name=op.f("uq_staff_region_role_staff_user_id_region_id_role"),
        ),
    )
    with op.batch_alter_table("staff_region_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_region_role_region_id"), ["region_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_staff_region_role_staff_user_id"), ["staff_user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_region_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_region_role_staff_user_id"))
        batch_op.drop_index(batch_op.f("ix_staff_region_role_region_id"))
    op.drop_table("staff_region_role")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("default_locale")
        batch_op.drop_column("office_hours")
        batch_op.drop_column("address")
