"""Help calls, the duty roster and residents' emergency contacts (issue 18)

Revision ID: 0018_help_calls
Revises: 0017_outbox
Create Date: 2026-12-05 10:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018_help_calls"
down_revision: str | Sequence[str] | None = "0017_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(sa.Column("help_ack_minutes", sa.Integer(), server_default="3", nullable=False))

    op.create_table(
        "emergency_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("phone_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("phone_last4", sa.String(length=4), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_emergency_contact_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_contact")),
    )
    with op.batch_alter_table("emergency_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_emergency_contact_resident_id"), ["resident_id"], unique=False)

    op.create_table(
        "duty_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("staff", "grid_worker", "guard", "office", name="dutykind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("phone_last4", sa.String(length=4), nullable=False),
        sa.Column("weekdays", sa.String(length=7), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_duty_entry_community_id_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_duty_entry_staff_user_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_entry")),
    )
    with op.batch_alter_table("duty_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_entry_community_id"), ["community_id"], unique=False)

    op.create_table(
        "help_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("kiosk_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("place", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("stage_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_by_name", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "helped",
                "ambulance",
                "false_alarm",
                "checked_in",
                "other",
                name="helpoutcome",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_help_call_community_id_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_help_call_resident_id_resident"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosk.id"], name=op.f("fk_help_call_kiosk_id_kiosk"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["staff_user.id"],
            name=op.f("fk_help_call_acknowledged_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["staff_user.id"],
            name=op.f("fk_help_call_closed_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_call")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_help_call_token_hash")),
    )
    with op.batch_alter_table("help_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_call_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_call_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_call_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_call_closed_at"), ["closed_at"], unique=False)

    op.create_table(
        "checkin_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("deadline_minute", sa.Integer(), nullable=False),
        sa.Column("away_from", sa.Date(), nullable=True),
        sa.Column("away_until", sa.Date(), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_checkin_plan_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_checkin_plan_set_by_staff_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_plan")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_checkin_plan_resident_id")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("checkin_plan")
    with op.batch_alter_table("help_call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_call_closed_at"))
        batch_op.drop_index(batch_op.f("ix_help_call_raised_at"))
        batch_op.drop_index(batch_op.f("ix_help_call_resident_id"))
        batch_op.drop_index(batch_op.f("ix_help_call_community_id"))
    op.drop_table("help_call")
    with op.batch_alter_table("duty_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_entry_community_id"))
    op.drop_table("duty_entry")
    with op.batch_alter_table("emergency_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emergency_contact_resident_id"))
    op.drop_table("emergency_contact")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("help_ack_minutes")
