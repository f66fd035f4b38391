"""A ticket's contact number, kept encrypted when a resident types one into the request's free text.

Revision ID: 0009_ticket_contact
Revises: 0008_volunteer_hours
Create Date: 2026-12-05 00:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_ticket_contact"
down_revision: str | Sequence[str] | None = "0008_volunteer_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_cipher", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("contact_last4", sa.String(length=4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_column("contact_last4")
        batch_op.drop_column("contact_cipher")
