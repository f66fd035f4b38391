"""A community's channels (issue 17): how its messages leave Linli, configured by its office.

Plain settings (sign name, template codes, SMTP host) are kept as JSON; secrets (access keys, robot secrets,
passwords) only sealed with the vault, as one JSON object under the kind `channel_secret`, so a database dump
carries no key that can send a message in the community's name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.community import Community
from webapp.models.types import UTCDateTime, utcnow


class ChannelSetting(Base):
    """One configured channel of a community: a kind from `webapp.infra.channels.registry.KINDS`, a label the
    office chose ("Grid workers' DingTalk group"), and its settings."""

    __tablename__ = "channel_setting"
    __table_args__ = (UniqueConstraint("community_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(80))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    secrets_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()
