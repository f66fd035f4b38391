"""Kiosk defaults (the language it starts in, where its scanner sits) and what to bring to an appointment.

Revision ID: 0010_kiosk_defaults
Revises: 0009_ticket_contact
Create Date: 2026-12-05 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_kiosk_defaults"
down_revision: str | Sequence[str] | None = "0009_ticket_contact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_type", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bring", sa.JSON(), nullable=True))
    with op.batch_alter_table("kiosk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("default_locale", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("scanner_place", sa.String(length=16), nullable=False, server_default="below")
        )


def downgrade() -> None:
    with op.batch_alter_table("kiosk", schema=None) as batch_op:
        batch_op.drop_column("scanner_place")
        batch_op.drop_column("default_locale")
    with op.batch_alter_table("service_type", schema=None) as batch_op:
        batch_op.drop_column("bring")
