"""The office's cockpit: urgent tickets (a danger answer) with their own deadline; events worded from codes.

Revision ID: 0011_cockpit
Revises: 0010_kiosk_defaults
Create Date: 2026-12-05 00:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_cockpit"
down_revision: str | Sequence[str] | None = "0010_kiosk_defaults"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("service_type", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgent_deadline_hours", sa.Integer(), server_default="4", nullable=False)
        )
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=24), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_column("urgent")
    with op.batch_alter_table("service_type", schema=None) as batch_op:
        batch_op.drop_column("urgent_deadline_hours")
