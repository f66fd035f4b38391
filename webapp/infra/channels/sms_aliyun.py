"""Alibaba Cloud SMS (阿里云短信服务, dysmsapi 2017-05-25 SendSms) over its signed RPC HTTP API.

Signing (RPC signature version 1.0, as Alibaba documents it): every parameter but Signature, sorted by name,
each name and value percent-encoded per RFC 3986 (space %20, `*` %2A, `~` kept), joined `k=v` with `&`;
StringToSign = METHOD & percent("/") & percent(that query); Signature = base64(HMAC-SHA1(secret + "&",
StringToSign)). We POST it form-encoded, which the API accepts like a query string.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from webapp.infra.channels.base import NOT_FOUND, Envelope, Sent
from webapp.infra.channels.common import Answer, not_configured, post, server_error, sms_check, template_code

API_VERSION = "2017-05-25"
CHINA = ZoneInfo("Asia/Shanghai")  # QuerySendDetails' SendDate is a day in China
QUERY_DAYS = 30  # how far back QuerySendDetails reaches
QUERY_PAGE_SIZE = 50  # its largest page
QUERY_PAGES = 20  # 1,000 messages to one number on one day: past that, we cannot tell

# Alibaba's error codes → (our code, retry, what the office should do).
ERRORS: dict[str, tuple[str, bool, str]] = {
    "SignatureDoesNotMatch": ("auth", False, "the AccessKey secret is wrong"),
    "IncompleteSignature": ("auth", False, "the AccessKey secret is wrong"),
    "InvalidAccessKeyId.NotFound": ("auth", False, "the AccessKey ID does not exist"),
    "InvalidAccessKeyId.Inactive": ("auth", False, "the AccessKey is disabled"),
    "Forbidden.RAM": ("auth", False, "the AccessKey may not send SMS (RAM permission AliyunDysmsFullAccess)"),
    "InvalidTimeStamp.Expired": ("clock", False, "this server's clock is wrong"),
    "isv.SMS_SIGNATURE_ILLEGAL": ("sign_refused", False, "the signature (sign name) is not approved"),
    "isv.SMS_SIGN_ILLEGAL": ("sign_refused", False, "the signature (sign name) is not approved"),
    "isv.SMS_TEMPLATE_ILLEGAL": ("template_refused", False, "the template code is not approved"),
    "isv.TEMPLATE_MISSING_PARAMETERS": ("template_refused", False, "the template expects other parameters"),
    "isv.TEMPLATE_PARAMS_ILLEGAL": ("template_refused", False, "a template parameter was refused"),
    "isv.MOBILE_NUMBER_ILLEGAL": ("address", False, "the phone number is not valid"),
    "isv.AMOUNT_NOT_ENOUGH": ("account", False, "the account has no credit left"),
    "isv.OUT_OF_SERVICE": ("account", False, "the account is suspended (no credit)"),
    "isv.BUSINESS_LIMIT_CONTROL": ("rate_limited", True, "too many messages to this number for now"),
    "isv.DAY_LIMIT_CONTROL": ("rate_limited", True, "the daily limit is reached"),
    "Throttling.User": ("rate_limited", True, "too many requests for now"),
    "SignatureNonceUsed": ("server", True, "the request was seen twice"),
    "isp.SYSTEM_ERROR": ("server", True, "Alibaba's service failed"),
    "isp.RAM_PERMISSION_DENY": ("auth", False, "the AccessKey may not send SMS (RAM permission)"),
}


def percent(value: str) -> str:
    """RFC 3986 percent-encoding as Alibaba's signature wants it: only A-Z a-z 0-9 - _ . ~ stay."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))


def signature(method: str, params: Mapping[str, str], secret: str) -> str:
    to_sign = f"{method}&{percent('/')}&{percent(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def national(phone: str) -> str:
    """Alibaba wants mainland numbers without +86 (others with their country code, no +)."""
    phone = phone.strip().replace(" ", "")
    if phone.startswith("+86"):
        return phone[3:]
    return phone.lstrip("+")


class AliyunSms:
    kind = "sms_aliyun"

    def __init__(self, settings: Mapping[str, str]) -> None:
        self.settings = dict(settings)

    def _call(self, action: str, given: Mapping[str, str]) -> Answer | Sent:
        """One signed RPC request: the common parameters, the action's own, the signature; posted."""
        params = {
            "AccessKeyId": self.settings["access_key_id"],
            "Action": action,
            "Format": "JSON",
            "RegionId": self.settings.get("region", "cn-hangzhou") or "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **given,
        }
        params["Signature"] = signature("POST", params, self.settings["access_key_secret"])
        return post(
            self.settings["endpoint"],
            canonical_query(params).encode(),
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )

    def send(self, envelope: Envelope) -> Sent:
        problem = not_configured(self.kind, self.settings)
        if problem is not None:
            return problem
        code, missing = template_code(self.settings, envelope)
        if missing is not None:
            return missing
        params = {
            "PhoneNumbers": national(envelope.address),
            "SignName": self.settings["sign_name"],
            "TemplateCode": code,
        }
        if envelope.params:
            params["TemplateParam"] = json.dumps(envelope.params, ensure_ascii=False)
        if envelope.key:
            params["OutId"] = envelope.key[:256]
        answer = self._call("SendSms", params)
        if isinstance(answer, Sent):
            return answer
        return read_answer(answer)

    def accepted(self, envelope: Envelope, since: datetime) -> Sent:
        """Did Alibaba already accept this message? SendSms keeps no idempotency key, so a message whose
        worker died after sending is looked up before it is sent again: QuerySendDetails lists what was sent
        to one number on one day (yyyyMMdd, China time, the last 30 days), 50 a page, each with our OutId.
        ok: it was accepted (not to be sent again); code NOT_FOUND: it was not; anything else: we could not
        tell, in words (the caller retries later rather than risk a repeat)."""
        problem = not_configured(self.kind, self.settings)
        if problem is not None:
            return problem
        out_id = envelope.key[:256]
        today = datetime.now(CHINA).date()
        first = max(since.astimezone(CHINA).date(), today - timedelta(days=QUERY_DAYS - 1))
        day = today
        while day >= first:
            for page in range(1, QUERY_PAGES + 1):
                answer = self._call(
                    "QuerySendDetails",
                    {
                        "PhoneNumber": national(envelope.address),
                        "SendDate": day.strftime("%Y%m%d"),
                        "PageSize": str(QUERY_PAGE_SIZE),
                        "CurrentPage": str(page),
                    },
                )
                if isinstance(answer, Sent):
                    return answer
                body = answer.body
                if not (isinstance(body, dict) and body.get("Code") == "OK"):
                    refused = read_answer(answer)
                    return Sent(
                        ok=False,
                        retry=refused.retry,
                        code=refused.code,
                        detail="Could not ask Alibaba Cloud SMS whether it had accepted the message "
                        f"(QuerySendDetails): {refused.detail}",
                    )
                holder = body.get("SmsSendDetailDTOs") or {}
                details = holder.get("SmsSendDetailDTO") or [] if isinstance(holder, dict) else []
                for detail in details:
                    if isinstance(detail, dict) and detail.get("OutId") == out_id:
                        return Sent(
                            ok=True, detail="Alibaba Cloud SMS had accepted it already; not sent again."
                        )
                total = int(body.get("TotalCount") or 0)
                if not details or page * QUERY_PAGE_SIZE >= total:
                    break
            else:
                return Sent(
                    ok=False,
                    code="unknown",
                    detail=f"Alibaba Cloud SMS lists more than {QUERY_PAGES * QUERY_PAGE_SIZE} messages to "
                    "this number on one day: whether it had accepted this one cannot be told.",
                )
            day -= timedelta(days=1)
        return Sent(ok=False, code=NOT_FOUND, detail="Alibaba Cloud SMS has no record of this message.")

    def check(self) -> Sent:
        return sms_check(self)


def read_answer(answer: Answer) -> Sent:
    body = answer.body
    if isinstance(body, dict) and body.get("Code") == "OK":
        return Sent(ok=True, detail="Accepted by Alibaba Cloud SMS.", gateway_id=str(body.get("BizId", "")))
    if isinstance(body, dict) and "Code" in body:
        their = str(body.get("Code"))
        ours, retry, words = ERRORS.get(
            their, ("refused", answer.status >= 500, "Alibaba Cloud refused the message")
        )
        message = str(body.get("Message", ""))[:200]
        return Sent(
            ok=False, retry=retry, code=ours, detail=f"Alibaba Cloud SMS: {words} ({their}: {message})."
        )
    return server_error(answer, "Alibaba Cloud SMS") or Sent(
        ok=False, code="refused", detail=f"Alibaba Cloud SMS answered HTTP {answer.status} without a result."
    )
