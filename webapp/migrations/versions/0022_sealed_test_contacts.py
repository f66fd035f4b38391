"""A channel's test phone number and test e-mail address leave the plain settings (issue 17 review).

They are now sealed with the channel's secrets when the office types them. A migration cannot open the vault
(its key lives in the instance folder, not in the database), so it cannot seal what is stored: it removes the
plain values instead. The only loss is where test messages go; the console asks for it again
("Enter where test messages should go").

Revision ID: 0022_sealed_test_contacts
Revises: 0021_office
Create Date: 2026-12-05 10:45:00

"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_sealed_test_contacts"
down_revision: str | Sequence[str] | None = "0021_office"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAIN_CONTACTS = ("test_phone", "test_address")


def upgrade() -> None:
    bind = op.get_bind()
    table = sa.table("channel_setting", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))
    for row_id, settings in bind.execute(sa.select(table.c.id, table.c.settings)).all():
        values = settings if isinstance(settings, dict) else json.loads(settings or "{}")
        if any(name in values for name in PLAIN_CONTACTS):
            kept = {k: v for k, v in values.items() if k not in PLAIN_CONTACTS}
            bind.execute(sa.update(table).where(table.c.id == row_id).values(settings=kept))


def downgrade() -> None:
    """Nothing to put back: the values were removed, not moved."""
