"""A community's channels: secrets sealed at rest and opened only for the adapter; the file SMS adapter."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.conftest import VAULT
from webapp.domain.messages import channels
from webapp.domain.messages.channels import ChannelError, ChannelInput
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra.channels.base import Envelope
from webapp.infra.channels.registry import KINDS, build
from webapp.models import AuditEntry, ChannelSetting


def _dingtalk(
    label: str = "Grid workers",
    secret: str = "SEC-very-secret",  # noqa: S107
    enabled: bool = True,
) -> ChannelInput:
    return ChannelInput(
        kind="dingtalk",
        label=label,
        enabled=enabled,
        settings={"webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc"},
        secrets={"secret": secret},
    )


def test_secrets_are_sealed_at_rest_and_opened_for_the_adapter(session, demo_community):
    row = channels.add(session, VAULT, SYSTEM, demo_community.id, _dingtalk())
    raw = session.execute(
        select(ChannelSetting.settings, ChannelSetting.secrets_cipher).where(ChannelSetting.id == row.id)
    ).one()
    assert b"SEC-very-secret" not in raw.secrets_cipher
    assert "SEC-very-secret" not in json.dumps(raw.settings)
    assert channels.configured(session, demo_community.id, VAULT)[-1:] == [
        (
            "dingtalk",
            {"webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc", "secret": "SEC-very-secret"},
        )
    ]
    assert channels.secrets_set(row, VAULT) == {"secret"}
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "channel.add", AuditEntry.subject_id == row.id)
    ).one()
    assert "SEC-very-secret" not in json.dumps(audit.detail)


def test_an_empty_secret_keeps_the_stored_one_and_disabled_channels_are_not_configured(
    session, demo_community
):
    row = channels.add(session, VAULT, SYSTEM, demo_community.id, _dingtalk())
    channels.update(session, VAULT, SYSTEM, row, _dingtalk(label="Grid", secret=""))
    assert channels.configured(session, demo_community.id, VAULT)[-1][1]["secret"] == "SEC-very-secret"
    channels.set_enabled(session, SYSTEM, row, False)
    assert [kind for kind, _ in channels.configured(session, demo_community.id, VAULT)] == ["sms_file"]


def test_labels_are_unique_per_community(session, demo_community):
    channels.add(session, VAULT, SYSTEM, demo_community.id, _dingtalk())
    with pytest.raises(ChannelError) as refused:
        channels.add(session, VAULT, SYSTEM, demo_community.id, _dingtalk())
    assert refused.value.reason == "label_taken"


def test_the_file_sms_adapter_appends_one_json_line_per_message(tmp_path):
    path = tmp_path / "sms" / "outbox.jsonl"
    sms = build("sms_file", {"path": str(path)})
    assert sms.send(Envelope(address="13800138000", text="B-0001 有新消息", key="m1:sms")).ok
    assert sms.send(Envelope(address="13800138001", text="second", key="m2:sms", template="ticket")).ok
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(x["to"], x["text"], x["key"]) for x in lines] == [
        ("13800138000", "B-0001 有新消息", "m1:sms"),
        ("13800138001", "second", "m2:sms"),
    ]
    assert "sms_file" in KINDS


def test_a_missing_path_is_reported_in_words():
    sent = build("sms_file", {}).send(Envelope(address="1", text="x", key="k"))
    assert (sent.ok, sent.retry, sent.code) == (False, False, "config")
    assert "path" in sent.detail
