"""SMS words through the real Alibaba and Tencent adapters (issue 17): each kind of message fills its approved
template with exactly that template's variables, in its order (Tencent's are positional), worded in the
reader's language, and docs/deployment.md's example templates name exactly those variables."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import VAULT
from tests.integration import gateways as gw
from tests.integration.gateways import Gateways
from webapp.domain.messages import channels
from webapp.domain.messages.channels import ChannelInput
from webapp.domain.messages.outbox import Recipient, add
from webapp.domain.privacy.audit import SYSTEM
from webapp.jobs.tasks import deliver_one
from webapp.jobs.wording import TEMPLATE_OF, TEMPLATE_PARAMS, template_params
from webapp.models import ChannelSetting, MessagePreference

ROOT = Path(__file__).resolve().parents[2]
LEASE = timedelta(seconds=30)


@pytest.fixture(scope="module")
def servers():
    running = Gateways().start()
    yield running
    running.stop()


def _channel(gateway: str, servers: Gateways) -> ChannelInput:
    if gateway == "aliyun":
        plain = {
            "access_key_id": gw.ALIYUN_ID,
            "sign_name": "邻里社区",
            "template_ticket": "SMS_100002",
            "template_reminder": "SMS_100001",
            "endpoint": f"{servers.base}/aliyun/",
        }
        return ChannelInput("sms_aliyun", "阿里云", True, plain, {"access_key_secret": gw.ALIYUN_SECRET})
    plain = {
        "secret_id": gw.TENCENT_ID,
        "sdk_app_id": "1400006666",
        "sign_name": "邻里社区",
        "template_ticket": "200002",
        "template_reminder": "200001",
        "endpoint": f"{servers.base}/tencent/",
    }
    return ChannelInput("sms_tencent", "腾讯云", True, plain, {"secret_key": gw.TENCENT_KEY})


CASES = [
    # (kind, params as the outbox keeps them, the reader's language, what the template is filled with)
    (
        "ticket_status",
        {"name": "秀英", "number": "B-0427", "status": "accepted"},
        "zh_Hans",
        {"name": "秀英", "number": "B-0427", "status": "已接单"},
    ),
    (
        "ticket_status",
        {"name": "大文", "number": "B-0428", "status": "resolved"},
        "zh_Hant",
        {"name": "大文", "number": "B-0428", "status": "已辦結"},
    ),
    (
        "ticket_note",
        {"name": "Ada", "number": "B-0429"},
        "en",
        {"name": "Ada", "number": "B-0429", "status": "new message"},
    ),
    ("class_reminder", {"name": "秀英"}, "zh_Hans", {"name": "秀英", "what": "课程"}),
    ("reminder", {"name": "Ada"}, "en", {"name": "Ada", "what": "appointment"}),
]


@pytest.mark.parametrize("gateway", ["aliyun", "tencent"])
def test_each_kind_fills_its_template_exactly_through_the_real_adapters(
    app: Flask, session, demo_community, make_resident, servers, frozen, gateway
):
    for other in session.scalars(
        select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id)
    ):
        other.enabled = False  # the demo's own file channel: this test's SMS go to the gateway
    channels.add(session, VAULT, SYSTEM, demo_community.id, _channel(gateway, servers))
    person = make_resident("王秀英", phone_cipher=VAULT.encrypt("phone", "13900139077"))
    session.add(MessagePreference(resident_id=person.id, channels="sms", quiet_start=0, quiet_end=0))
    session.flush()
    for kind, params, locale, expected in CASES:
        (row,) = add(
            session, demo_community.id, Recipient("resident", person.id, locale), ["sms"], kind, params
        )
        session.flush()
        before = len(servers.received.accepted[gateway])
        assert deliver_one(app, row.id, LEASE) == "delivered"
        arrived = servers.received.accepted[gateway][before]
        if gateway == "aliyun":
            assert arrived["params"] == expected, kind  # by name, nothing more
        else:
            assert arrived["params"] == list(expected.values()), kind  # by position: {1}, {2}, {3}
        template = {"ticket": ("SMS_100002", "200002"), "reminder": ("SMS_100001", "200001")}[
            TEMPLATE_OF[kind]
        ]
        assert arrived["template"] == template[0 if gateway == "aliyun" else 1]


def test_a_help_call_without_a_name_or_contacts_still_fills_every_place():
    app = Flask(__name__)
    from flask_babel import Babel

    Babel(app)
    with app.app_context():
        filled = template_params("help_call", {"place": "3幢1单元", "link": "https://x/help/a"}, "en")
    assert filled == {
        "name": "Someone",
        "place": "3幢1单元",
        "contacts": "none on file",
        "link": "https://x/help/a",
    }


def test_the_deployment_guides_example_templates_name_exactly_what_is_sent():
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    examples = dict(re.findall(r"^   - `(\w+)` \([^)]*\): `([^`]*)`", text, flags=re.MULTILINE))
    assert set(examples) == set(TEMPLATE_PARAMS), "one example per template"
    for template, example in examples.items():
        assert tuple(re.findall(r"\$\{(\w+)\}", example)) == TEMPLATE_PARAMS[template], template
    assert set(TEMPLATE_OF.values()) <= set(TEMPLATE_PARAMS)
