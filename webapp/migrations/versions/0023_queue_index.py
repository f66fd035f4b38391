"""The open work of some communities by (community_id, status, due_at) (issue 20/21: a district's queue).

Revision ID: 0023_queue_index
Revises: 0022_sealed_test_contacts
Create Date: 2026-12-05 12:05:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_queue_index"
down_revision: str | Sequence[str] | None = "0022_sealed_test_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_request_community_status_due", ["community_id", "status", "due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_index("ix_service_request_community_status_due")
