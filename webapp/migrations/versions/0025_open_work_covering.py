"""The open work index covers what the queue and the work counts read (issue 20/21).

Every console page counts the person's new, urgent and overdue tickets, and the queue orders the open ones by
urgency and deadline. Through (community_id, status, due_at) each of the few thousand open tickets still cost a
read of its row for its urgency and service type: three such walks made 18 of a queue page's 43 ms at 100,000
tickets on SQLite. With urgent, service_type_id and id in the index the walks never leave it (4 ms).

Revision ID: 0025_open_work_covering
Revises: 0024_page_version
Create Date: 2026-12-05 17:10:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025_open_work_covering"
down_revision: str | Sequence[str] | None = "0024_page_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["community_id", "status", "due_at", "urgent", "service_type_id", "id"]


def upgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index("ix_service_request_open_work", COLUMNS, unique=False)
        batch_op.drop_index("ix_service_request_community_status_due")


def downgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_request_community_status_due", ["community_id", "status", "due_at"], unique=False
        )
        batch_op.drop_index("ix_service_request_open_work")
