"""Personal pages kept per visit (issue 21): a version token per resident, and the personal epoch.

The kiosk home during a visit cost about five times the static floor: ten queries and a render for a page that
does not change between two taps. It is now kept per visit under the resident's own token, which changes with
anything the home shows of them, and under the epoch (page_version row 2), which changes with what cannot be
told apart by resident (a statement over many rows, a time bank transfer).

Revision ID: 0026_resident_page_version
Revises: 0025_open_work_covering
Create Date: 2026-12-06 07:00:00

"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_resident_page_version"
down_revision: str | Sequence[str] | None = "0025_open_work_covering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_page_version",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_resident_page_version_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_resident_page_version")),
    )
    page_version = sa.table("page_version", sa.column("id", sa.Integer), sa.column("token", sa.String))
    op.bulk_insert(page_version, [{"id": 2, "token": secrets.token_hex(16)}])


def downgrade() -> None:
    op.execute("DELETE FROM page_version WHERE id = 2")
    op.drop_table("resident_page_version")
