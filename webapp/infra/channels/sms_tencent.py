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
from urllib.parse import urlsplit

from webapp.infra.channels.base import Envelope, Sent
from webapp.infra.channels.common import Answer, not_configured, post, server_error, sms_check, template_code

API_VERSION = "2021-01-11"
SERVICE = "sms"
CONTENT_TYPE = "application/json; charset=utf-8"

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

    def send(self, envelope: Envelope) -> Sent:
        problem = not_configured(self.kind, self.settings)
        if problem is not None:
            return problem
        code, missing = template_code(self.settings, envelope)
        if missing is not None:
            return missing
        payload = {
            "PhoneNumberSet": [e164(envelope.address)],
            "SmsSdkAppId": self.settings["sdk_app_id"],
            "SignName": self.settings["sign_name"],
            "TemplateId": code,
            "TemplateParamSet": [str(v) for v in envelope.params.values()],
            "SessionContext": envelope.key[:512],
        }
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
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self.settings.get("region", "ap-guangzhou"),
        }
        answer = post(url, body, headers)
        if isinstance(answer, Sent):
            return answer
        return read_answer(answer)

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
