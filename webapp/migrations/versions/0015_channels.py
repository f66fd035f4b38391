"""A community's channels (issue 17): SMS gateways, group robots, SMTP and Web Push, secrets sealed.

Revision ID: 0015_channels
Revises: 0014_providers
Create Date: 2026-12-05 07:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_channels"
down_revision: str | Sequence[str] | None = "0014_providers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secrets_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_channel_setting_community_id_community"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_setting")),
        sa.UniqueConstraint("community_id", "label", name=op.f("uq_channel_setting_community_id_label")),
    )
    with op.batch_alter_table("channel_setting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_setting_community_id"), ["community_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("channel_setting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_setting_community_id"))
    op.drop_table("channel_setting")
