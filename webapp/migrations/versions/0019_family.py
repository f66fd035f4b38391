"""Family accounts (亲情账号): family members, their links to residents, their sign-in codes (issue 18 item 3)

Revision ID: 0019_family
Revises: 0018_help_calls
Create Date: 2026-12-05 10:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0019_family"
down_revision: str | Sequence[str] | None = "0018_help_calls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "family_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("phone_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("phone_last4", sa.String(length=4), nullable=False),
        sa.Column("preferred_locale", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("auth_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_member")),
        sa.UniqueConstraint("phone_index", name=op.f("uq_family_member_phone_index")),
    )
    op.create_table(
        "family_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column(
            "relation",
            sa.Enum(
                "daughter",
                "son",
                "grandchild",
                "spouse",
                "relative",
                name="familyrelation",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_channel", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_family_link_community_id_community"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["family_member.id"],
            name=op.f("fk_family_link_member_id_family_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_family_link_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_family_link_token_hash")),
    )
    with op.batch_alter_table("family_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_link_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_family_link_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_family_link_resident_id"), ["resident_id"], unique=False)
    op.create_table(
        "family_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["family_member.id"],
            name=op.f("fk_family_code_member_id_family_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_code")),
    )
    with op.batch_alter_table("family_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_code_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_family_code_member_id"), ["member_id"], unique=False)
    op.create_table(
        "family_passkey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["family_member.id"],
            name=op.f("fk_family_passkey_member_id_family_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_passkey")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_family_passkey_credential_id")),
    )
    with op.batch_alter_table("family_passkey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_passkey_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("family_passkey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_passkey_member_id"))
    op.drop_table("family_passkey")
    with op.batch_alter_table("family_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_code_member_id"))
        batch_op.drop_index(batch_op.f("ix_family_code_created_at"))
    op.drop_table("family_code")
    with op.batch_alter_table("family_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_link_resident_id"))
        batch_op.drop_index(batch_op.f("ix_family_link_member_id"))
        batch_op.drop_index(batch_op.f("ix_family_link_community_id"))
    op.drop_table("family_link")
    op.drop_table("family_member")
