"""The console's channels page (issue 17): an office adds, edits and switches off channels, secrets are
write-only and sealed, and "send a test message" shows the gateway's answer in words; bad settings get a
message and a 4xx with the form kept, never a 500. `flask channels check` prints each channel's answer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import VAULT, csrf_token
from tests.integration import gateways as gw
from tests.integration.gateways import Gateways, closed_port
from webapp.domain.messages import channels
from webapp.models import AuditEntry, ChannelSetting, Community, Region, RegionLevel, Role

ROUTES = ("channels_list", "channel_new", "channel_edit", "channel_enabled", "channel_test")


@pytest.fixture(scope="module")
def servers():
    running = Gateways().start()
    yield running
    running.stop()


@pytest.fixture
def office(client, auth):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    return client


def add(client, community_id, kind, **fields):
    url = f"/staff/channels/new?community={community_id}&kind={kind}"
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "enabled": "1", **fields})


def test_test_message_through_the_demo_channel_is_written_and_shown_in_words(
    app, office, session, demo_community
):
    page = office.get(f"/staff/channels?community={demo_community.id}").get_data(as_text=True)
    row = session.scalar(select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id))
    assert row.label in page
    token = csrf_token(office, "/staff/channels")
    answer = office.post(f"/staff/channels/{row.id}/test", data={"csrf_token": token})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Test message: sent" in text
    written = Path(app.instance_path) / "sms-outbox.jsonl"
    assert json.loads(written.read_text().splitlines()[-1])["template"] == "test"
    audit = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "channel.test").order_by(AuditEntry.id.desc())
    )
    assert (audit.subject_id, audit.result) == (row.id, "ok")


def test_a_robot_secret_is_write_only_sealed_and_a_wrong_one_is_reported_in_words(
    app, office, session, demo_community, servers
):
    response = add(
        office,
        demo_community.id,
        "dingtalk",
        label="网格员钉钉群",
        webhook=servers.dingtalk_webhook(),
        secret="SECwrong-secret-typed",
    )
    assert response.status_code == 303
    row = session.scalar(select(ChannelSetting).where(ChannelSetting.label == "网格员钉钉群"))
    assert b"SECwrong-secret-typed" not in row.secrets_cipher
    edit = office.get(f"/staff/channels/{row.id}").get_data(as_text=True)
    assert "SECwrong-secret-typed" not in edit
    assert "••• set" in edit
    token = csrf_token(office, "/staff/channels")
    tested = office.post(f"/staff/channels/{row.id}/test", data={"csrf_token": token}).get_data(as_text=True)
    assert "Test message: not sent" in tested
    assert "The gateway refused the key or secret" in tested
    assert "SECwrong-secret-typed" not in tested
    # The office types the right secret; the webhook stays as it was.
    token = csrf_token(office, f"/staff/channels/{row.id}")
    office.post(
        f"/staff/channels/{row.id}",
        data={
            "csrf_token": token,
            "label": "网格员钉钉群",
            "webhook": servers.dingtalk_webhook(),
            "secret": gw.DINGTALK_SECRET,
            "enabled": "1",
        },
    )
    tested = office.post(f"/staff/channels/{row.id}/test", data={"csrf_token": token}).get_data(as_text=True)
    assert "Test message: sent" in tested
    assert servers.received.accepted["dingtalk"][-1]["text"].startswith("邻里 Linli")
    # Saving again with the secret field empty keeps the stored secret.
    office.post(
        f"/staff/channels/{row.id}",
        data={
            "csrf_token": token,
            "label": "网格员群",
            "webhook": servers.dingtalk_webhook(),
            "secret": "",
            "enabled": "1",
        },
    )
    session.expire_all()
    assert channels.opened(session.get(ChannelSetting, row.id), VAULT)["secret"] == gw.DINGTALK_SECRET


def test_bad_settings_are_refused_in_words_and_the_form_keeps_its_values(office, demo_community):
    response = add(
        office, demo_community.id, "sms_aliyun", label="阿里云短信", access_key_id="LTAI-kept", sign_name=""
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please fill this in." in text
    assert 'value="LTAI-kept"' in text
    assert 'value="阿里云短信"' in text
    response = add(
        office, demo_community.id, "wecom", label="企业微信", webhook="qyapi.weixin.qq.com/send?key=1"
    )
    assert response.status_code == 400
    assert "Please give a web address starting with https://." in response.get_data(as_text=True)
    # Plain HTTP across a network would carry WeCom's key in the clear: refused (loopback only may be HTTP).
    response = add(
        office, demo_community.id, "wecom", label="企业微信", webhook="http://qyapi.weixin.qq.com/send?key=1"
    )
    assert response.status_code == 400
    assert "Please give a web address starting with https://." in response.get_data(as_text=True)
    # A web address Python cannot even parse (an unclosed IPv6 bracket, a port past 65535): the same words.
    for broken in ("https://[::1", "https://oapi.dingtalk.com:99999/robot/send"):
        response = add(office, demo_community.id, "dingtalk", label="钉钉群", webhook=broken)
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "Please give a web address starting with https://." in text
        assert 'value="钉钉群"' in text
    response = add(
        office, demo_community.id, "email", label="邮件", host="smtp.example.org", port="smtp", sender="a@b.c"
    )
    assert response.status_code == 400
    assert "Please give a number." in response.get_data(as_text=True)
    add(
        office,
        demo_community.id,
        "wecom",
        label="同名",
        webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1",
    )
    again = add(
        office, demo_community.id, "wecom", label="同名", webhook="https://qyapi.weixin.qq.com/x?key=2"
    )
    assert again.status_code == 400
    assert "Another channel of this community already has this name." in again.get_data(as_text=True)
    assert office.get(f"/staff/channels/new?community={demo_community.id}&kind=nonsense").status_code == 400


def test_an_unreachable_gateway_and_a_missing_template_are_reported_in_words(office, session, demo_community):
    add(
        office,
        demo_community.id,
        "sms_tencent",
        label="腾讯云短信",
        secret_id="AKID",
        secret_key="key",
        sdk_app_id="1400000000",
        sign_name="邻里",
        test_phone="13800138000",
        template_test="100",
        endpoint=f"http://127.0.0.1:{closed_port()}/",
    )
    row = session.scalar(select(ChannelSetting).where(ChannelSetting.label == "腾讯云短信"))
    token = csrf_token(office, "/staff/channels")
    text = office.post(f"/staff/channels/{row.id}/test", data={"csrf_token": token}).get_data(as_text=True)
    assert "The gateway could not be reached; it will be tried again." in text
    add(
        office,
        demo_community.id,
        "sms_aliyun",
        label="阿里云",
        access_key_id="a",
        access_key_secret="b",
        sign_name="邻里",
        test_phone="13800138000",
    )
    row = session.scalar(select(ChannelSetting).where(ChannelSetting.label == "阿里云"))
    assert "test_phone" not in row.settings  # a phone number: sealed with the secrets, never plain JSON
    assert b"13800138000" not in row.secrets_cipher
    text = office.post(f"/staff/channels/{row.id}/test", data={"csrf_token": token}).get_data(as_text=True)
    assert "No approved template code is set for this kind of message." in text
    assert "template_test" in text


def test_a_channel_switched_off_is_not_configured(office, session, demo_community):
    row = session.scalar(select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id))
    token = csrf_token(office, "/staff/channels")
    assert office.post(f"/staff/channels/{row.id}/enabled", data={"csrf_token": token}).status_code == 303
    assert "Switched off" in office.get("/staff/channels").get_data(as_text=True)
    session.expire_all()
    assert all(kind != "sms_file" for kind, _ in channels.configured(session, demo_community.id, VAULT))


@pytest.mark.parametrize(
    "role", [Role.COMMUNITY_WORKER, Role.PROPERTY_MANAGER, Role.VOLUNTEER, Role.SERVICE_PROVIDER]
)
def test_only_the_office_administrator_and_district_admin_open_channels(
    app, client, auth, make_staff, session, demo_community, role
):
    make_staff("someone", role)
    auth.sign_in("someone")
    row = session.scalar(select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id))
    token = csrf_token(client, "/staff/security")
    rules = [
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[-1] in ROUTES
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]
    assert len(rules) == 7
    for rule, method in rules:
        url = rule.replace("<int:channel_id>", str(row.id))
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        assert response.status_code == 403, f"{method} {url}"


def test_a_district_admin_manages_channels_of_their_communities(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("district")
    assert client.get(f"/staff/channels?community={demo_community.id}").status_code == 200
    response = add(
        client,
        demo_community.id,
        "wecom",
        label="街道企业微信",
        webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    )
    assert response.status_code == 303
    assert session.scalar(select(ChannelSetting).where(ChannelSetting.label == "街道企业微信")) is not None


def test_channels_check_prints_each_answer_and_fails_when_one_fails(app, session, demo_community):
    from webapp.domain.messages.channels import ChannelInput
    from webapp.domain.privacy.audit import SYSTEM

    runner = app.test_cli_runner()
    ok = runner.invoke(args=["channels", "check", "--community", demo_community.slug])
    assert ok.exit_code == 0, ok.output
    assert "1 of 1 channels worked." in ok.output
    channels.add(
        session,
        VAULT,
        SYSTEM,
        demo_community.id,
        ChannelInput(
            "wecom", "坏的机器人", True, {}, {"webhook": f"http://127.0.0.1:{closed_port()}/send?key=x"}
        ),
    )
    session.commit()
    failed = runner.invoke(args=["channels", "check"])
    assert failed.exit_code == 1
    assert re.search(r"FAIL guihua\s+坏的机器人 \[wecom\]", failed.output)
    assert "1 of 2 channels worked." in failed.output
    assert runner.invoke(args=["channels", "check", "--community", "no-such"]).exit_code != 0


@pytest.mark.parametrize(
    ("locale", "wrong_key", "no_template", "unreachable"),
    [
        (
            "en",
            "The gateway refused the key or secret: check them and enter them again.",
            "No approved template code is set for this kind of message.",
            "The gateway could not be reached; it will be tried again.",
        ),
        ("zh_Hans", None, None, None),
    ],
)
def test_channels_check_says_in_words_a_wrong_key_a_missing_template_and_an_unreachable_gateway(
    app, session, demo_community, servers, locale, wrong_key, no_template, unreachable
):
    from flask_babel import force_locale

    from webapp.domain.messages.channels import ChannelInput
    from webapp.domain.privacy.audit import SYSTEM
    from webapp.shared.channels import OUTCOMES

    if wrong_key is None:  # the same words, in the reader's language
        with app.test_request_context(), force_locale(locale):
            wrong_key, no_template, unreachable = (
                str(OUTCOMES[c]) for c in ("auth", "template_missing", "unreachable")
            )
        assert "key" not in wrong_key
    base = {
        "access_key_id": gw.ALIYUN_ID,
        "sign_name": "邻里社区",
        "template_test": "SMS_100001",
        "endpoint": f"{servers.base}/aliyun/",
    }
    for row in session.scalars(
        select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id)
    ):
        row.enabled = False
    tests = {"access_key_secret": gw.ALIYUN_SECRET, "test_phone": "13800138000"}
    added = [
        ChannelInput("sms_aliyun", "错的密钥", True, base, {**tests, "access_key_secret": "wrong"}),
        ChannelInput(
            "sms_aliyun", "没有模板", True, {k: v for k, v in base.items() if k != "template_test"}, tests
        ),
        ChannelInput(
            "dingtalk",
            "连不上",
            True,
            {"webhook": f"http://127.0.0.1:{closed_port()}/robot/send?access_token=x"},
            {"secret": "SECx"},
        ),
    ]
    for given in added:
        channels.add(session, VAULT, SYSTEM, demo_community.id, given)
    session.commit()
    result = app.test_cli_runner().invoke(
        args=["channels", "check", "--community", demo_community.slug, "--locale", locale]
    )
    assert result.exit_code == 1
    lines = {line.split("]: ")[0]: line for line in result.output.splitlines() if "]: " in line}
    assert wrong_key in lines["FAIL guihua  错的密钥 [sms_aliyun"]
    assert "SignatureDoesNotMatch" in lines["FAIL guihua  错的密钥 [sms_aliyun"]  # the gateway's own code
    assert no_template in lines["FAIL guihua  没有模板 [sms_aliyun"]
    assert "template_test" in lines["FAIL guihua  没有模板 [sms_aliyun"]  # which setting to fill
    assert unreachable in lines["FAIL guihua  连不上 [dingtalk"]
    assert "0 of 3 channels worked." in result.output


def test_another_community_admin_cannot_reach_these_channels(
    client, auth, make_staff, session, demo_community
):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    other = Community(slug="lanhua", region=street, names={"zh_Hans": "兰花社区"})
    session.add(other)
    session.commit()
    make_staff("otheradmin", Role.ADMIN, community=other)
    auth.sign_in("otheradmin")
    row = session.scalar(select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id))
    assert client.get(f"/staff/channels/{row.id}").status_code == 404
    page = client.get(f"/staff/channels?community={demo_community.id}").get_data(as_text=True)
    assert row.label not in page


def test_the_answer_is_translated_for_the_reader(client, auth, session, demo_community):
    """In Chinese, a known failure reads in Chinese (the gateway's own words follow as details)."""
    client.set_cookie("linli_locale", "zh_Hans")
    auth.sign_in("admin")
    add(
        client,
        demo_community.id,
        "dingtalk",
        label="钉钉群",
        webhook=f"http://127.0.0.1:{closed_port()}/robot/send?access_token=t",
    )
    row = session.scalar(select(ChannelSetting).where(ChannelSetting.label == "钉钉群"))
    token = csrf_token(client, "/staff/channels")
    text = client.post(f"/staff/channels/{row.id}/test", data={"csrf_token": token}).get_data(as_text=True)
    assert "测试消息：未发送" in text
    assert "无法连接平台，稍后会重试。" in text
