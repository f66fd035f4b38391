"""Each channel adapter against a real server started here: the vendors' request signing checked exactly as
documented (computed independently in `gateways.py`), a wrong key refused and reported in words (no retry),
an unreachable gateway retried, WeCom's 20 messages a minute, and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import ssl
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.certificates import self_signed
from tests.integration import gateways as gw
from tests.integration.gateways import Gateways, closed_port
from webapp.infra.channels.base import NOT_FOUND, Envelope, Sent
from webapp.infra.channels.registry import KINDS, build
from webapp.infra.channels.robots import RateLimiter, WeComRobot


@pytest.fixture(scope="module")
def servers() -> Iterator[Gateways]:
    running = Gateways().start()
    yield running
    running.stop()


def _words(sent: Sent) -> None:
    """A failure is said in a sentence an office can act on, not a bare code."""
    assert not sent.ok
    assert len(sent.detail.split()) >= 4, sent.detail


def aliyun(servers: Gateways, **changes: str) -> dict[str, str]:
    return {
        "access_key_id": gw.ALIYUN_ID,
        "access_key_secret": gw.ALIYUN_SECRET,
        "sign_name": "邻里社区",
        "template_test": "SMS_100001",
        "template_ticket": "SMS_100002",
        "endpoint": f"{servers.base}/aliyun/",
        "test_phone": "13800138000",
        **changes,
    }


def tencent(servers: Gateways, **changes: str) -> dict[str, str]:
    return {
        "secret_id": gw.TENCENT_ID,
        "secret_key": gw.TENCENT_KEY,
        "sdk_app_id": "1400006666",
        "sign_name": "邻里社区",
        "template_test": "200001",
        "template_ticket": "200002",
        "endpoint": f"{servers.base}/tencent/",
        "test_phone": "13800138000",
        **changes,
    }


TICKET = Envelope(
    address="13900139000",
    text="",
    key="msg-7:sms",
    template="ticket",
    params={"name": "王", "number": "B-0007"},
)


def test_alibaba_sms_is_signed_as_documented_and_arrives(servers):
    before = len(servers.received.accepted["aliyun"])
    sent = build("sms_aliyun", aliyun(servers)).send(TICKET)
    assert sent.ok, sent.detail
    arrived = dict(servers.received.accepted["aliyun"][before])
    assert arrived.pop("biz_id") == sent.gateway_id
    del arrived["at"]
    assert arrived == {
        "phone": "13900139000",
        "sign": "邻里社区",
        "template": "SMS_100002",
        "params": {"name": "王", "number": "B-0007"},
        "out_id": "msg-7:sms",
    }
    assert sent.gateway_id


def test_alibaba_is_asked_whether_it_accepted_a_message_by_its_out_id(servers):
    """QuerySendDetails (by number and China day, 50 a page) finds a message by the OutId it was sent with:
    the question asked before a message is sent again after its worker died."""
    since = datetime.now(UTC) - timedelta(minutes=5)
    adapter = build("sms_aliyun", aliyun(servers))
    asked = replace(TICKET, address="13900139001", key=f"ask-{uuid.uuid4().hex}:sms")
    assert adapter.accepted(asked, since).code == NOT_FOUND
    for n in range(60):  # more than one page of messages to the same number that day
        assert adapter.send(replace(asked, key=f"other-{n}-{uuid.uuid4().hex}:sms")).ok
    assert adapter.send(asked).ok
    queries = servers.queries["aliyun"]
    known = adapter.accepted(asked, since)
    assert known.ok, known.detail
    assert servers.queries["aliyun"] - queries == 2  # the second page had it
    refused = build("sms_aliyun", aliyun(servers, access_key_secret="wrong")).accepted(asked, since)
    assert (refused.ok, refused.retry, refused.code) == (False, False, "auth")
    assert "QuerySendDetails" in refused.detail
    assert "secret is wrong" in refused.detail
    down = build("sms_aliyun", aliyun(servers, endpoint=f"http://127.0.0.1:{closed_port()}/")).accepted(
        asked, since
    )
    assert (down.ok, down.retry, down.code) == (False, True, "unreachable")


def test_tencent_is_asked_whether_it_accepted_a_message_by_its_session_context(servers):
    """PullSmsSendStatusByPhoneNumber lists the carrier's reports of one number with the SessionContext each
    message was sent with; a message the carrier has not reported on yet is not listed (the documented limit
    of asking Tencent)."""
    since = datetime.now(UTC) - timedelta(minutes=5)
    adapter = build("sms_tencent", tencent(servers))
    asked = replace(TICKET, address="13900139002", key=f"ask-{uuid.uuid4().hex}:sms")
    assert adapter.accepted(asked, since).code == NOT_FOUND
    servers.tencent_report_delay = 3600.0
    try:
        sent = adapter.send(asked)
        assert sent.ok, sent.detail
        assert adapter.accepted(asked, since).code == NOT_FOUND  # accepted, but no report yet
    finally:
        servers.tencent_report_delay = 0.0
    known = adapter.accepted(asked, since)
    assert known.ok, known.detail
    assert known.gateway_id == sent.gateway_id
    refused = build("sms_tencent", tencent(servers, secret_key="wrong")).accepted(asked, since)
    assert (refused.ok, refused.retry, refused.code) == (False, False, "auth")
    assert "PullSmsSendStatusByPhoneNumber" in refused.detail


def test_the_development_file_is_asked_by_key(tmp_path):
    adapter = build("sms_file", {"path": str(tmp_path / "sms.jsonl")})
    since = datetime.now(UTC)
    assert adapter.accepted(TICKET, since).code == NOT_FOUND  # no file yet
    assert adapter.send(replace(TICKET, key="another:sms")).ok
    assert adapter.accepted(TICKET, since).code == NOT_FOUND
    assert adapter.send(TICKET).ok
    assert adapter.accepted(TICKET, since).ok


def test_alibaba_refuses_a_wrong_secret_and_the_adapter_says_so_without_retrying(servers):
    sent = build("sms_aliyun", aliyun(servers, access_key_secret="wrong")).send(TICKET)
    assert (sent.ok, sent.retry, sent.code) == (False, False, "auth")
    assert "secret is wrong" in sent.detail
    assert "SignatureDoesNotMatch" in sent.detail
    _words(sent)
    unknown = build("sms_aliyun", aliyun(servers, access_key_id="LTAI-nobody")).send(TICKET)
    assert (unknown.retry, unknown.code) == (False, "auth")
    assert "does not exist" in unknown.detail


def test_tencent_sms_is_signed_with_tc3_hmac_sha256_as_documented_and_arrives(servers):
    before = len(servers.received.accepted["tencent"])
    sent = build("sms_tencent", tencent(servers)).send(TICKET)
    assert sent.ok, sent.detail
    arrived = servers.received.accepted["tencent"][before]
    assert arrived["phone"] == "+8613900139000"
    assert (arrived["template"], arrived["params"], arrived["session"]) == (
        "200002",
        ["王", "B-0007"],
        "msg-7:sms",
    )
    assert (arrived["sign"], arrived["app"]) == ("邻里社区", "1400006666")


def test_tencent_refuses_a_wrong_key_and_the_adapter_says_so_without_retrying(servers):
    sent = build("sms_tencent", tencent(servers, secret_key="wrong")).send(TICKET)
    assert (sent.ok, sent.retry, sent.code) == (False, False, "auth")
    assert "SecretKey is wrong" in sent.detail
    _words(sent)
    assert servers.received.refused["tencent"][-1] == "AuthFailure.SignatureFailure"


def test_an_sms_template_missing_or_not_approved_is_reported_in_words(servers):
    for kind, settings in (("sms_aliyun", aliyun(servers)), ("sms_tencent", tencent(servers))):
        missing = build(kind, settings).send(
            Envelope(address="13900139000", text="", key="k", template="reminder", params={"when": "9:00"})
        )
        assert (missing.ok, missing.retry, missing.code) == (False, False, "template_missing")
        assert "template_reminder" in missing.detail
        _words(missing)
    refused = build("sms_aliyun", aliyun(servers, template_ticket="SMS_999")).send(TICKET)
    assert (refused.retry, refused.code) == (False, "template_refused")
    refused = build("sms_tencent", tencent(servers, template_ticket="999")).send(TICKET)
    assert (refused.retry, refused.code) == (False, "template_refused")
    assert "not approved" in refused.detail


def test_dingtalk_robot_signs_each_request_and_a_wrong_secret_is_refused(servers):
    robot = build("dingtalk", {"webhook": servers.dingtalk_webhook(), "secret": gw.DINGTALK_SECRET})
    sent = robot.send(Envelope(address="", text="B-0007 逾期未处理", key="m1:dingtalk"))
    assert sent.ok, sent.detail
    assert servers.received.accepted["dingtalk"][-1] == {"text": "B-0007 逾期未处理"}
    wrong = build("dingtalk", {"webhook": servers.dingtalk_webhook(), "secret": "SECwrong"})
    refused = wrong.send(Envelope(address="", text="x", key="m2:dingtalk"))
    assert (refused.ok, refused.retry, refused.code) == (False, False, "auth")
    assert "security setting" in refused.detail
    assert "310000" in refused.detail
    unsigned = build("dingtalk", {"webhook": servers.dingtalk_webhook()})
    assert unsigned.send(Envelope(address="", text="x", key="m3")).code == "auth"
    token = build("dingtalk", {"webhook": servers.dingtalk_webhook("nope"), "secret": gw.DINGTALK_SECRET})
    assert "access token does not exist" in token.send(Envelope(address="", text="x", key="m4")).detail


def test_wecom_robot_keeps_to_20_a_minute_and_the_server_refusal_is_a_retry(servers):
    webhook = servers.wecom_webhook()
    robot = build("wecom", {"webhook": webhook})
    answers = [robot.send(Envelope(address="", text=f"第{i}条", key=f"m{i}:wecom")) for i in range(21)]
    assert all(a.ok for a in answers[:20])
    assert (answers[20].ok, answers[20].retry, answers[20].code) == (False, True, "rate_limited")
    assert "20 messages a minute" in answers[20].detail
    assert 59 <= answers[20].retry_after <= 60  # when the first of the 20 is a minute old
    assert len(servers.received.accepted["wecom"]) == 20  # the 21st never left
    # Another worker process has its own count: the server's own refusal (45009) is a retry too.
    elsewhere = WeComRobot({"webhook": webhook}, limiter=RateLimiter(limit=1000))
    refused = elsewhere.send(Envelope(address="", text="x", key="m21:wecom"))
    assert (refused.ok, refused.retry, refused.code) == (False, True, "rate_limited")
    assert "45009" in refused.detail
    assert refused.retry_after == 60  # the robot's minute: trying sooner would be refused again
    assert len(servers.received.accepted["wecom"]) == 20


def test_wecom_refuses_a_wrong_key_in_words(servers):
    sent = build("wecom", {"webhook": servers.wecom_webhook("wrong-key")}).send(Envelope("", "x", "k"))
    assert (sent.ok, sent.retry, sent.code) == (False, False, "auth")
    assert "webhook key is not valid" in sent.detail


def test_the_rate_limiter_lets_a_robot_send_again_after_a_minute():
    now = [0.0]
    limiter = RateLimiter(limit=20, window=60, now=lambda: now[0])
    assert all(limiter.take("hook") == 0 for _ in range(20))
    assert limiter.take("hook") == pytest.approx(60)
    assert limiter.take("other hook") == 0
    now[0] = 60.5
    assert limiter.take("hook") == 0


@pytest.mark.parametrize(
    ("kind", "settings"),
    [
        (
            "sms_aliyun",
            {"access_key_id": "a", "access_key_secret": "b", "sign_name": "c", "template_ticket": "d"},
        ),
        (
            "sms_tencent",
            {
                "secret_id": "a",
                "secret_key": "b",
                "sdk_app_id": "1",
                "sign_name": "c",
                "template_ticket": "d",
            },
        ),
        ("dingtalk", {"secret": "SEC"}),
        ("wecom", {}),
    ],
)
def test_an_unreachable_gateway_is_retried_and_said_in_words(kind, settings):
    port = closed_port()
    where = f"http://127.0.0.1:{port}/"
    key = "endpoint" if kind.startswith("sms") else "webhook"
    sent = build(
        kind, {**settings, key: where + ("robot/send?access_token=x" if key == "webhook" else "")}
    ).send(TICKET)
    assert (sent.ok, sent.retry, sent.code) == (False, True, "unreachable")
    assert f"127.0.0.1:{port}" in sent.detail
    assert "could not be reached" in sent.detail


def test_missing_settings_are_named_in_words():
    for kind in KINDS:
        if kind == "webpush":
            continue
        sent = build(kind, {}).send(Envelope(address="x@example.org", text="x", key="k"))
        assert (sent.ok, sent.retry, sent.code) == (False, False, "config"), kind
        assert sent.detail.startswith("Missing settings:")


# ---- e-mail over a real SMTP server ---------------------------------------------------------------------


@pytest.fixture
def smtp_server(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))

    class Inbox:
        messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append(envelope)
            return "250 OK"

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"office" and auth_data.password == b"right-password"
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself

    inbox = Inbox()
    inbox.messages = []
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=closed_port(),  # aiosmtpd connects to its own port once started, so it cannot be 0
        server_hostname="localhost",
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    yield controller, inbox, client_tls
    controller.stop()


def _email(controller, **changes):
    return {
        "host": "localhost",
        "port": str(controller.port),
        "security": "starttls",
        "user": "office",
        "password": "right-password",
        "sender": "linli@example.org",
        **changes,
    }


def test_email_goes_through_a_real_smtp_server_with_starttls_and_login(smtp_server):
    from webapp.infra.channels.email import Email

    controller, inbox, tls = smtp_server
    sent = Email(_email(controller), context=tls).send(
        Envelope(address="grid@example.org", subject="今日摘要", text="B-0007 逾期", key="m9:email")
    )
    assert sent.ok, sent.detail
    (arrived,) = inbox.messages
    assert arrived.mail_from == "linli@example.org"
    assert arrived.rcpt_tos == ["grid@example.org"]
    assert "B-0007" in arrived.content.decode("utf-8", "replace") or b"B-0007" in arrived.original_content
    check = Email(_email(controller), context=tls).check()
    assert check.ok
    assert "no message sent" in check.detail
    assert len(inbox.messages) == 1


def test_email_with_a_wrong_password_or_no_tls_is_refused_in_words(smtp_server):
    from webapp.infra.channels.email import Email

    controller, inbox, tls = smtp_server
    wrong = Email(_email(controller, password="wrong"), context=tls).send(Envelope("a@example.org", "x", "k"))
    assert (wrong.ok, wrong.retry, wrong.code) == (False, False, "auth")
    assert "refused the user or password" in wrong.detail
    plain = Email(_email(controller, security="none"), context=tls).send(Envelope("a@example.org", "x", "k"))
    assert (plain.ok, plain.retry) == (False, False)
    _words(plain)
    assert inbox.messages == []


def test_an_unreachable_mail_server_is_retried():
    from webapp.infra.channels.email import Email

    sent = Email(
        {"host": "127.0.0.1", "port": str(closed_port()), "security": "none", "sender": "a@b.c"}
    ).send(Envelope("a@example.org", "x", "k"))
    assert (sent.ok, sent.retry, sent.code) == (False, True, "unreachable")
    assert "could not be reached" in sent.detail


# ---- Web Push through the same interface ----------------------------------------------------------------


def test_web_push_adapter_sends_encrypted_and_says_when_a_phone_is_gone(tmp_path):
    import json
    import threading
    from http.server import HTTPServer

    from tests.unit.test_web_push import PushService, browser_keys
    from webapp.shared.push import vapid_key_path

    server = HTTPServer(("127.0.0.1", 0), PushService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    PushService.received, PushService.answer = [], 201
    try:
        p256dh, auth = browser_keys()
        address = json.dumps(
            {
                "endpoint": f"http://127.0.0.1:{server.server_port}/push/x",
                "keys": {"p256dh": p256dh, "auth": auth},
            }
        )
        push = build("webpush", {"vapid_key_file": str(vapid_key_path(str(tmp_path)))})
        payload = json.dumps({"title": "Linli", "body": "B-0007 has news.", "url": "/tickets"})
        sent = push.send(Envelope(address=address, text=payload, key="m1:webpush"))
        assert sent.ok, sent.detail
        headers, body = PushService.received[-1]
        assert headers["content-encoding"] == "aes128gcm"
        assert b"B-0007" not in body
        PushService.answer = 410
        gone = push.send(Envelope(address=address, text=payload, key="m2:webpush"))
        assert (gone.ok, gone.retry, gone.code) == (False, False, "gone")
        PushService.answer = 503
        assert push.send(Envelope(address=address, text=payload, key="m3:webpush")).retry
    finally:
        server.shutdown()
        server.server_close()
    missing = build("webpush", {}).check()
    assert (missing.ok, missing.code) == (False, "config")


def test_workers_share_a_robots_limit_through_redis(servers):
    """Two workers (two limiters on one Redis) together send 20 a minute to one robot, not 20 each."""
    import uuid

    import redis

    from webapp.infra.channels.robots import RedisRateLimiter

    client = redis.Redis.from_url("redis://127.0.0.1:6379/10")
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    prefix = f"linli-test:{uuid.uuid4().hex}:"
    one, two = RedisRateLimiter(client, prefix=prefix), RedisRateLimiter(client, prefix=prefix)
    webhook = servers.wecom_webhook() + "&worker-test=1"
    try:
        started = time.monotonic()
        taken = [(one if n % 2 else two).take(webhook) for n in range(21)]
        took = time.monotonic() - started
        assert taken[:20] == [0.0] * 20
        assert 59 - took < taken[20] <= 60  # the minute from the first message, less the time the 21 took
        assert one.take("another robot") == 0.0
        robot = WeComRobot({"webhook": webhook}, limiter=two)
        sent = robot.send(Envelope(address="", text="x", key="m22:wecom"))
        assert (sent.ok, sent.retry, sent.code) == (False, True, "rate_limited")
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
