"""Shared pages: the one row that says whether a page rendered once for everyone is still true."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base


class PageVersion(Base):
    """A random token that changes in the same transaction as any change to what shared pages show (the
    community, its notices, events, classes, kiosks). Every app server compares it with the token its copy of
    a page was rendered under, so a notice published through one server is on every server's next page.
    Random, not counted up: a change rolled back must never leave a number another change will reuse."""

    __tablename__ = "page_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class ResidentPageVersion(Base):
    """A random token per resident that changes in the same transaction as any change to what their own kiosk
    home shows of them (their requests, news, classes, time bank): the home is kept per visit under it
    (webapp/infra/personal_pages.py). No row yet reads as the empty token; a resident's removal takes it."""

    __tablename__ = "resident_page_version"

    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
