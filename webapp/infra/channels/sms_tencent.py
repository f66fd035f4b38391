"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11 SendSms) with TC3-HMAC-SHA256 request signing.

Signing, as Tencent documents it ("Signature v3"): CanonicalRequest = POST \\n / \\n (empty query) \\n
"content-type:application/json; charset=utf-8\\nhost:<host>\\n" \\n "content-type;host" \\n hex(SHA256(body));
StringToSign = "TC3-HMAC-SHA256\\n<timestamp>\\n<date>/sms/tc3_request\\n" + hex(SHA256(CanonicalRequest));
the key is HMAC chained from "TC3"+SecretKey over the UTC date, the service ("sms") and "tc3_request", and the
signature is hex(HMAC-SHA256(key, StringToSign)), sent in the Authorization header.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from webapp.infra.channels.base import NOT_FOUND, Envelope, Sent
from webapp.infra.channels.common import Answer, not_configured, post, server_error, sms_check, template_code

API_VERSION = "2021-01-11"
SERVICE = "sms"
CONTENT_TYPE = "application/json; charset=utf-8"
PULL_DAYS = 7  # how far back PullSmsSendStatusByPhoneNumber reaches
PULL_LIMIT = 100  # the most reports it gives (its Offset is fixed at 0: there is no second page)

# Tencent's error codes (or their prefixes) → (our code, retry, what the office should do).
ERRORS: dict[str, tuple[str, bool, str]] = {
    "AuthFailure.SignatureFailure": ("auth", False, "the SecretKey is wrong"),
    "AuthFailure.SecretIdNotFound": ("auth", False, "the SecretId does not exist"),
    "AuthFailure.InvalidSecretId": ("auth", False, "the SecretId is not valid"),
    "AuthFailure.UnauthorizedOperation": ("auth", False, "the key may not send SMS (CAM permission)"),
    "AuthFailure.SignatureExpire": ("clock", False, "this server's clock is wrong"),
    "FailedOperation.SignatureIncorrectOrUnapproved": (
        "sign_refused",
        False,
        "the signature is not approved",
    ),
    "FailedOperation.TemplateIncorrectOrUnapproved": (
        "template_refused",
        False,
        "the template is not approved",
    ),
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": (
        "template_refused",
        False,
        "the template expects other parameters",
    ),
    "InvalidParameterValue.TemplateParameterFormatError": (
        "template_refused",
        False,
        "a template parameter was refused",
    ),
    "InvalidParameterValue.IncorrectPhoneNumber": ("address", False, "the phone number is not valid"),
    "FailedOperation.InsufficientBalanceInSmsPackage": ("account", False, "the SMS package is used up"),
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": (
        "auth",
        False,
        "the SmsSdkAppId does not belong to this key",
    ),
    "RequestLimitExceeded": ("rate_limited", True, "too many requests for now"),
    "LimitExceeded": ("rate_limited", True, "a sending limit is reached for now"),
    "InternalError": ("server", True, "Tencent's service failed"),
}


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def authorization(secret_id: str, secret_key: str, host: str, body: bytes, timestamp: int) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
        f"Signature={signature}"
    )


def e164(phone: str) -> str:
    """Tencent wants +<country><number>; an 11-digit mainland mobile number gets +86."""
    phone = phone.strip().replace(" ", "")
    if phone.startswith("+"):
        return phone
    if len(phone) == 11 and phone.startswith("1"):
        return "+86" + phone
    return "+" + phone


def _error(their: str) -> tuple[str, bool, str]:
    if their in ERRORS:
        return ERRORS[their]
    prefix = their.split(".", 1)[0]
    return ERRORS.get(prefix, ("refused", False, "Tencent Cloud refused the message"))


class TencentSms:
    kind = "sms_tencent"

    def __init__(self, settings: Mapping[str, str]) -> None:
        self.settings = dict(settings)

    def _call(self, action: str, payload: Mapping[str, Any]) -> Answer | Sent:
        """One signed API 3.0 request (the action in X-TC-Action, the payload as JSON); posted."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        url = self.settings["endpoint"]
        host = urlsplit(url).netloc
        timestamp = int(time.time())
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "Authorization": authorization(
                self.settings["secret_id"], self.settings["secret_key"], host, body, timestamp
            ),
            "X-TC-Action": action,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self.settings.get("region", "ap-guangzhou"),
        }
        return post(url, body, headers)

    def send(self, envelope: Envelope) -> Sent:
        problem = not_configured(self.kind, self.settings)
        if problem is not None:
            return problem
        code, missing = template_code(self.settings, envelope)
        if missing is not None:
            return missing
        answer = self._call(
            "SendSms",
            {
                "PhoneNumberSet": [e164(envelope.address)],
                "SmsSdkAppId": self.settings["sdk_app_id"],
                "SignName": self.settings["sign_name"],
                "TemplateId": code,
                "TemplateParamSet": [str(v) for v in envelope.params.values()],
                "SessionContext": envelope.key[:512],
            },
        )
        if isinstance(answer, Sent):
            return answer
        return read_answer(answer)

    def accepted(self, envelope: Envelope, since: datetime) -> Sent:
        """Did Tencent already accept this message? SendSms keeps no idempotency key, so a message whose
        worker died after sending is looked up first: PullSmsSendStatusByPhoneNumber (2021-01-11) lists the
        delivery reports of one number between BeginTime and EndTime (the last 7 days, at most 100, Offset
        fixed at 0), each with the SessionContext we sent. Tencent lists a message only once the carrier has
        reported on it: one still unreported when we ask (the phone switched off) is not found, and is sent
        again (docs/deployment.md says so)."""
        problem = not_configured(self.kind, self.settings)
        if problem is not None:
            return problem
        now = int(time.time())
        begin = max(int(since.timestamp()) - 60, now - PULL_DAYS * 86400 + 60)
        answer = self._call(
            "PullSmsSendStatusByPhoneNumber",
            {
                "BeginTime": begin,
                "EndTime": now + 60,
                "Offset": 0,
                "Limit": PULL_LIMIT,
                "PhoneNumber": e164(envelope.address),
                "SmsSdkAppId": self.settings["sdk_app_id"],
            },
        )
        if isinstance(answer, Sent):
            return answer
        body = answer.body
        response = body.get("Response") if isinstance(body, dict) else None
        reports = response.get("PullSmsSendStatusSet") if isinstance(response, dict) else None
        if not isinstance(reports, list):
            refused = read_answer(answer)
            return Sent(
                ok=False,
                retry=refused.retry,
                code=refused.code,
                detail="Could not ask Tencent Cloud SMS whether it had accepted the message "
                f"(PullSmsSendStatusByPhoneNumber): {refused.detail}",
            )
        key = envelope.key[:512]
        for report in reports:
            if isinstance(report, dict) and report.get("SessionContext") == key:
                return Sent(
                    ok=True,
                    detail="Tencent Cloud SMS had accepted it already; not sent again.",
                    gateway_id=str(report.get("SerialNo") or ""),
                )
        if len(reports) >= PULL_LIMIT:
            return Sent(
                ok=False,
                code="unknown",
                detail=f"Tencent Cloud SMS lists {PULL_LIMIT} or more reports for this number since the "
                "message was written: whether it had accepted this one cannot be told.",
            )
        return Sent(ok=False, code=NOT_FOUND, detail="Tencent Cloud SMS has no report of this message.")

    def check(self) -> Sent:
        return sms_check(self)


def read_answer(answer: Answer) -> Sent:
    body = answer.body
    response = body.get("Response") if isinstance(body, dict) else None
    if not isinstance(response, dict):
        return server_error(answer, "Tencent Cloud SMS") or Sent(
            ok=False,
            code="refused",
            detail=f"Tencent Cloud SMS answered HTTP {answer.status} without a result.",
        )
    error = response.get("Error")
    if isinstance(error, dict):
        their = str(error.get("Code", ""))
        ours, retry, words = _error(their)
        return Sent(
            ok=False,
            retry=retry,
            code=ours,
            detail=f"Tencent Cloud SMS: {words} ({their}: {str(error.get('Message', ''))[:200]}).",
        )
    statuses = response.get("SendStatusSet") or []
    status = statuses[0] if statuses and isinstance(statuses[0], dict) else {}
    if str(status.get("Code", "")).lower() == "ok":
        return Sent(
            ok=True, detail="Accepted by Tencent Cloud SMS.", gateway_id=str(status.get("SerialNo", ""))
        )
    their = str(status.get("Code", "unknown"))
    ours, retry, words = _error(their)
    return Sent(
        ok=False,
        retry=retry,
        code=ours,
        detail=f"Tencent Cloud SMS: {words} ({their}: {str(status.get('Message', ''))[:200]}).",
    )
