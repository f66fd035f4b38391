"""A community's channels as its office configures them: which exist, which are on, and their settings.

Secrets (access keys, robot secrets, SMTP passwords) are write-only: they are sealed with the vault when the
office types them and opened only here, at send time, for the adapter; a page shows only that one is set.
Which settings of a kind are secret is the adapter's knowledge (`webapp.infra.channels.registry`), so the
face splits what the office typed into `settings` and `secrets` before calling in; the core only keeps them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, has_control_characters
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import ChannelSetting, Community

SECRET_KIND = "channel_secret"  # noqa: S105 (the vault's kind label, not a secret)
LABEL_MAX = 80
VALUE_MAX = 2000


class ChannelError(DomainError):
    code = "channel"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # "label", "label_taken", "kind", "value", "unknown", "archived"
        self.reason = reason


@dataclass(frozen=True)
class ChannelInput:
    """What the office typed. An empty secret keeps the one stored (secrets are never shown back)."""

    kind: str
    label: str
    enabled: bool
    settings: dict[str, str]
    secrets: dict[str, str]


def configured(session: Session, community_id: int, vault: Vault) -> list[tuple[str, dict[str, str]]]:
    """The enabled channels of a community as (kind, settings with secrets opened), oldest first: what
    `registry.build(kind, settings)` needs to send."""
    return [(row.kind, opened(row, vault)) for row in of_community(session, community_id) if row.enabled]


def of_community(session: Session, community_id: int) -> list[ChannelSetting]:
    """Every channel of a community, enabled or not, oldest first (for the console)."""
    return list(
        session.scalars(
            select(ChannelSetting)
            .where(ChannelSetting.community_id == community_id)
            .order_by(ChannelSetting.id)
        )
    )


def opened(row: ChannelSetting, vault: Vault) -> dict[str, str]:
    """Plain settings and opened secrets of one channel, as one dict."""
    merged = dict(row.settings or {})
    merged.update(secret_values(row, vault))
    return merged


def secret_values(row: ChannelSetting, vault: Vault) -> dict[str, str]:
    if not row.secrets_cipher:
        return {}
    values: dict[str, str] = json.loads(vault.decrypt(SECRET_KIND, row.secrets_cipher))
    return values


def secrets_set(row: ChannelSetting, vault: Vault) -> set[str]:
    """Names of the secrets that are set, so a page can say "••• set" without showing them."""
    return {name for name, value in secret_values(row, vault).items() if value}


def _clean(given: ChannelInput) -> ChannelInput:
    label = given.label.strip()
    if not label or len(label) > LABEL_MAX or has_control_characters(label):
        raise ChannelError("label")
    if not given.kind or len(given.kind) > 32:
        raise ChannelError("kind")
    values = {**given.settings, **given.secrets}
    if any(len(v) > VALUE_MAX or has_control_characters(v) for v in values.values()):
        raise ChannelError("value")
    return ChannelInput(
        kind=given.kind,
        label=label,
        enabled=given.enabled,
        settings={k: v.strip() for k, v in given.settings.items()},
        secrets={k: v.strip() for k, v in given.secrets.items()},
    )


def _check_open(session: Session, community_id: int) -> None:
    community = session.get(Community, community_id)
    if community is None:
        raise ChannelError("unknown")
    if community.archived_at is not None:
        raise ChannelError("archived")


def _label_free(session: Session, community_id: int, label: str, own_id: int | None) -> None:
    taken = session.scalar(
        select(ChannelSetting.id).where(
            ChannelSetting.community_id == community_id, ChannelSetting.label == label
        )
    )
    if taken is not None and taken != own_id:
        raise ChannelError("label_taken")


def add(
    session: Session, vault: Vault, actor: Actor, community_id: int, given: ChannelInput
) -> ChannelSetting:
    """A new channel for a community; its secrets sealed, the change audited (never the secrets)."""
    _check_open(session, community_id)
    given = _clean(given)
    _label_free(session, community_id, given.label, None)
    secrets = {k: v for k, v in given.secrets.items() if v}
    row = ChannelSetting(
        community_id=community_id,
        kind=given.kind,
        label=given.label,
        enabled=given.enabled,
        settings=given.settings,
        secrets_cipher=vault.encrypt(SECRET_KIND, json.dumps(secrets)) if secrets else None,
    )
    session.add(row)
    session.flush()
    record(session, actor, "channel.add", "channel", row.id, community_id, kind=row.kind, label=row.label)
    return row


def update(session: Session, vault: Vault, actor: Actor, row: ChannelSetting, given: ChannelInput) -> None:
    """Change a channel; an empty secret keeps the stored one, so editing a template code needs no key."""
    _check_open(session, row.community_id)
    given = _clean(given)
    _label_free(session, row.community_id, given.label, row.id)
    secrets = secret_values(row, vault)
    secrets.update({k: v for k, v in given.secrets.items() if v})
    row.kind = given.kind
    row.label = given.label
    row.enabled = given.enabled
    row.settings = given.settings
    row.secrets_cipher = vault.encrypt(SECRET_KIND, json.dumps(secrets)) if secrets else None
    row.updated_at = clock.now()
    session.flush()
    record(
        session,
        actor,
        "channel.update",
        "channel",
        row.id,
        row.community_id,
        kind=row.kind,
        enabled=row.enabled,
    )


def set_enabled(session: Session, actor: Actor, row: ChannelSetting, enabled: bool) -> None:
    _check_open(session, row.community_id)
    row.enabled = enabled
    row.updated_at = clock.now()
    session.flush()
    record(
        session,
        actor,
        "channel.enable" if enabled else "channel.disable",
        "channel",
        row.id,
        row.community_id,
    )


def record_test(session: Session, actor: Actor, row: ChannelSetting, ok: bool, code: str) -> None:
    """A test message was sent through a channel: who tried, and whether the gateway took it (no words of the
    gateway's answer, which may quote a setting)."""
    record(
        session,
        actor,
        "channel.test",
        "channel",
        row.id,
        row.community_id,
        result="ok" if ok else "failed",
        code=code,
    )
