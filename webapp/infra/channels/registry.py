"""Which channels exist and how to build one from a community's settings.

`KINDS` maps each kind to the settings its adapter reads (what the console's form asks for, which of them
are secrets to seal, which are required). `build(kind, settings)` is the one way to get an adapter; an
unknown kind raises ValueError (a programming error: the console offers only these kinds). Missing or wrong
settings do not raise here: the adapter answers Sent(ok=False, code="config", detail=...) when it is used,
so the console and `channels check` can say so in words.

SMS templates: a gateway sends only texts it approved, so an SMS envelope names the kind of message in
`Envelope.template` (one of TEMPLATE_KINDS) and the adapter looks up the approved template code in the
setting `template_<kind>`; its `params` fill the template (in insertion order for Tencent, whose template
parameters are positional; by name for Alibaba): `webapp.jobs.wording.TEMPLATE_PARAMS` gives each template's
list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from webapp.infra.channels.base import Channel

# The kinds of message that need an approved SMS template (the outbox names one in Envelope.template).
TEMPLATE_KINDS = ("test", "ticket", "reminder", "escalation", "checkin", "care", "help", "invitation", "code")


@dataclass(frozen=True)
class Setting:
    name: str
    secret: bool = False
    required: bool = True
    default: str = ""
    choices: tuple[str, ...] = ()


_TEMPLATES = tuple(Setting(f"template_{kind}", required=False) for kind in TEMPLATE_KINDS)

KINDS: Mapping[str, tuple[Setting, ...]] = {
    "sms_file": (Setting("path"),),
    "sms_aliyun": (
        Setting("access_key_id"),
        Setting("access_key_secret", secret=True),
        Setting("sign_name"),
        Setting("test_phone", secret=True, required=False),
        *_TEMPLATES,
        Setting("region", required=False, default="cn-hangzhou"),
        Setting("endpoint", required=False, default="https://dysmsapi.aliyuncs.com/"),
    ),
    "sms_tencent": (
        Setting("secret_id"),
        Setting("secret_key", secret=True),
        Setting("sdk_app_id"),
        Setting("sign_name"),
        Setting("region", required=False, default="ap-guangzhou"),
        Setting("test_phone", secret=True, required=False),
        *_TEMPLATES,
        Setting("endpoint", required=False, default="https://sms.tencentcloudapi.com/"),
    ),
    "dingtalk": (Setting("webhook"), Setting("secret", secret=True, required=False)),
    "wecom": (Setting("webhook", secret=True),),
    "email": (
        Setting("host"),
        Setting("port", required=False, default="465"),
        Setting("security", required=False, default="ssl", choices=("ssl", "starttls", "none")),
        Setting("user", required=False),
        Setting("password", secret=True, required=False),
        Setting("sender"),
        Setting("test_address", secret=True, required=False),
    ),
    "webpush": (
        Setting("vapid_key_file", required=False),
        Setting("contact", required=False, default="mailto:office@example.org"),
    ),
}

SECRET_NAMES = frozenset(s.name for settings in KINDS.values() for s in settings if s.secret)


def settings_of(kind: str) -> tuple[Setting, ...]:
    return KINDS[kind]


def missing(kind: str, settings: Mapping[str, str]) -> list[str]:
    """Names of required settings that are empty, in form order."""
    return [s.name for s in KINDS[kind] if s.required and not settings.get(s.name, "").strip()]


def with_defaults(kind: str, settings: Mapping[str, str]) -> dict[str, str]:
    filled = {s.name: s.default for s in KINDS[kind] if s.default}
    filled.update({k: v for k, v in settings.items() if v != ""})
    return filled


def build(kind: str, settings: dict[str, str]) -> Channel:
    """An adapter for `kind` configured with `settings` (plain and secret values together, as
    `webapp.domain.messages.channels.configured` gives them)."""
    if kind not in KINDS:
        raise ValueError(f"unknown channel kind {kind!r}")
    values = with_defaults(kind, settings)
    if kind == "sms_file":
        from webapp.infra.channels.sms_file import FileSms

        return FileSms(values)
    if kind == "sms_aliyun":
        from webapp.infra.channels.sms_aliyun import AliyunSms

        return AliyunSms(values)
    if kind == "sms_tencent":
        from webapp.infra.channels.sms_tencent import TencentSms

        return TencentSms(values)
    if kind == "dingtalk":
        from webapp.infra.channels.robots import DingTalkRobot

        return DingTalkRobot(values)
    if kind == "wecom":
        from webapp.infra.channels.robots import WeComRobot

        return WeComRobot(values)
    if kind == "email":
        from webapp.infra.channels.email import Email

        return Email(values)
    from webapp.infra.channels.webpush import WebPush

    return WebPush(values)


URL_SETTINGS = frozenset({"webhook", "endpoint"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def is_safe_url(value: str) -> bool:
    """HTTPS, or plain HTTP to this very machine (a gateway bridge on the box, the tests' local servers).
    A robot's key travels in its webhook's URL (WeCom) and a gateway's signature in the body: over plain
    HTTP across a network, anyone on the path could read one and replay the other."""
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""  # parsed lazily: "https://[::1" and a bad port raise only here
        parts.port  # noqa: B018 (read for its ValueError: "https://host:99999" is no address either)
    except ValueError:
        return False
    if parts.scheme.lower() == "https" and host:
        return True
    return parts.scheme.lower() == "http" and host in LOOPBACK


NUMBER_SETTINGS = frozenset({"port"})


def problems(
    kind: str, settings: Mapping[str, str], secrets_kept: frozenset[str] = frozenset()
) -> dict[str, str]:
    """What is wrong with settings as an office typed them, by setting name: "required", "url", "number" or
    "choice". `secrets_kept` names secrets already stored, so an edit may leave them empty."""
    found: dict[str, str] = {}
    for setting in KINDS[kind]:
        value = settings.get(setting.name, "").strip()
        if not value:
            if setting.required and setting.name not in secrets_kept:
                found[setting.name] = "required"
            continue
        if setting.name in URL_SETTINGS and not is_safe_url(value):
            found[setting.name] = "url"
        elif setting.name in NUMBER_SETTINGS and not (value.isdigit() and 0 < int(value) < 65536):
            found[setting.name] = "number"
        elif setting.choices and value not in setting.choices:
            found[setting.name] = "choice"
    return found
