"""Channels as the faces use them: an adapter with the instance's own settings filled in, a test that never
raises, and the adapter's answer in the reader's language.

The console's "send a test message" button, `flask channels check` and the outbox's jobs all build adapters
through `channel_for`, so a development SMS file lands in the instance folder and Web Push uses the instance's
VAPID key wherever the message starts.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.infra.channels.base import Channel, Envelope, Sent
from webapp.infra.channels.registry import KINDS, build

log = logging.getLogger(__name__)

SMS_FILE = "sms-outbox.jsonl"

KIND_LABELS = {
    "sms_file": _l("SMS for development (written to a file)"),
    "sms_aliyun": _l("SMS through Alibaba Cloud"),
    "sms_tencent": _l("SMS through Tencent Cloud"),
    "dingtalk": _l("DingTalk / Zhezhengding group robot"),
    "wecom": _l("WeCom group robot"),
    "email": _l("E-mail (SMTP)"),
    "webpush": _l("Web Push to residents' phones"),
}

SETTING_LABELS = {
    "access_key_id": _l("AccessKey ID"),
    "access_key_secret": _l("AccessKey secret"),
    "secret_id": _l("SecretId"),
    "secret_key": _l("SecretKey"),
    "sdk_app_id": _l("SMS application ID (SmsSdkAppId)"),
    "sign_name": _l("Approved signature (sign name)"),
    "test_phone": _l("Mobile number for test messages"),
    "template_test": _l("Template code: test message"),
    "template_ticket": _l("Template code: ticket news"),
    "template_reminder": _l("Template code: reminders"),
    "template_escalation": _l("Template code: escalations"),
    "template_checkin": _l("Template code: check-in reminders (to the resident)"),
    "template_care": _l("Template code: care alerts"),
    "template_help": _l("Template code: help calls"),
    "template_invitation": _l("Template code: invitations"),
    "template_code": _l("Template code: sign-in codes (verification code template)"),
    "region": _l("Region"),
    "endpoint": _l("API address"),
    "webhook": _l("Webhook address"),
    "secret": _l("Signing secret (加签)"),
    "host": _l("SMTP server"),
    "port": _l("Port"),
    "security": _l("Encryption"),
    "user": _l("User name"),
    "password": _l("Password"),
    "sender": _l("Sender address"),
    "test_address": _l("E-mail address for test messages"),
    "contact": _l("Contact for push services"),
    "path": _l("File"),
    "vapid_key_file": _l("VAPID key file"),
}

SECURITY_LABELS = {"ssl": _l("SSL/TLS (port 465)"), "starttls": _l("STARTTLS (port 587)"), "none": _l("None")}

# What an office can do about each kind of failure, in its language (the adapter's English detail follows).
OUTCOMES = {
    "config": _l("Some settings are missing or wrong."),
    "auth": _l("The gateway refused the key or secret: check them and enter them again."),
    "clock": _l("The gateway says this server's clock is wrong. Ask the operator to set the time."),
    "template_missing": _l("No approved template code is set for this kind of message."),
    "template_refused": _l("The gateway refused the template: not approved, or other parameters expected."),
    "sign_refused": _l("The gateway refused the signature: it is not approved yet."),
    "address": _l("The gateway refused the address or phone number."),
    "account": _l("The gateway account has no credit left."),
    "rate_limited": _l("Too many messages for now; it will be sent a little later."),
    "unreachable": _l("The gateway could not be reached; it will be tried again."),
    "server": _l("The gateway had a problem; it will be tried again."),
    "disabled": _l("The robot is switched off or was removed from the group."),
    "no_test_address": _l("Enter where test messages should go (a mobile number or an e-mail address)."),
    "tls": _l("The encrypted connection failed: check the encryption setting and the port."),
    "sender": _l("The mail server refused the sender address."),
    "gone": _l("The phone no longer accepts messages."),
    "refused": _l("The gateway refused the message."),
    "failed": _l("The channel failed unexpectedly."),
}


def instance_settings(app: Flask, kind: str, settings: dict[str, str]) -> dict[str, str]:
    """`settings` with what belongs to this instance rather than a community filled in: the development SMS
    file (a relative path lives in the instance folder) and Web Push's VAPID key and contact."""
    filled = dict(settings)
    if kind == "sms_file":
        path = Path(filled.get("path") or SMS_FILE)
        filled["path"] = str(path if path.is_absolute() else Path(app.instance_path) / path)
    elif kind == "webpush":
        from webapp.shared.push import channel_settings

        filled = {**channel_settings(app), **{k: v for k, v in filled.items() if v}}
    return filled


def channel_for(app: Flask, kind: str, settings: dict[str, str]) -> Channel:
    """The adapter for one configured channel (as `messages.channels.configured` lists them)."""
    return build(kind, instance_settings(app, kind, settings))


def send_safely(channel: Channel, envelope: Envelope | None = None) -> Sent:
    """Send (or check, without an envelope); an adapter's unexpected exception becomes a Sent, so a failing
    channel never turns a page into a 500 or stops a job."""
    try:
        return channel.check() if envelope is None else channel.send(envelope)
    except Exception as exc:  # noqa: BLE001 (a bug in one adapter must not take the console down)
        log.exception("channel %s failed", getattr(channel, "kind", "?"))
        return Sent(ok=False, retry=True, code="failed", detail=f"Unexpected error: {type(exc).__name__}.")


def try_channel(app: Flask, kind: str, settings: dict[str, str]) -> Sent:
    """The "send a test message" button and `channels check`: the adapter's own check, never raising."""
    if kind not in KINDS:
        return Sent(ok=False, code="config", detail=f"Unknown channel kind {kind!r}.")
    return send_safely(channel_for(app, kind, settings))


def explain(sent: Sent) -> str:
    """The answer in the reader's language: a known code translated, with the adapter's detail after it."""
    if sent.ok:
        return _("Sent. The gateway answered: %(detail)s", detail=sent.detail)
    words = OUTCOMES.get(sent.code, OUTCOMES["refused"])
    return _("%(what)s Details: %(detail)s", what=str(words), detail=sent.detail)
