"""Wording an office edits, notice templates, staff e-mail and digest choice, backup runs (issues 16, 17, 20)

Revision ID: 0021_office
Revises: 0020_webhooks
Create Date: 2026-12-05 10:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_office"
down_revision: str | Sequence[str] | None = "0020_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_wording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_message_wording_community_id_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_user.id"],
            name=op.f("fk_message_wording_updated_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_wording")),
        sa.UniqueConstraint(
            "community_id", "kind", "locale", name=op.f("uq_message_wording_community_id_kind_locale")
        ),
    )
    op.create_index(
        op.f("ix_message_wording_community_id"), "message_wording", ["community_id"], unique=False
    )
    op.create_table(
        "notice_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("bodies", sa.JSON(), nullable=False),
        sa.Column("summaries", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_notice_template_community_id_community"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_template")),
        sa.UniqueConstraint("community_id", "name", name=op.f("uq_notice_template_community_id_name")),
    )
    op.create_index(
        op.f("ix_notice_template_community_id"), "notice_template", ["community_id"], unique=False
    )
    op.create_table(
        "backup_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("archive", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_run")),
    )
    op.create_index(op.f("ix_backup_run_started_at"), "backup_run", ["started_at"], unique=False)
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(sa.Column("email_cipher", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("wants_digest", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("staff_invitation") as batch:
        batch.add_column(sa.Column("email_cipher", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_invitation") as batch:
        batch.drop_column("email_cipher")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("wants_digest")
        batch.drop_column("email_cipher")
    op.drop_index(op.f("ix_backup_run_started_at"), table_name="backup_run")
    op.drop_table("backup_run")
    op.drop_index(op.f("ix_notice_template_community_id"), table_name="notice_template")
    op.drop_table("notice_template")
    op.drop_index(op.f("ix_message_wording_community_id"), table_name="message_wording")
    op.drop_table("message_wording")
