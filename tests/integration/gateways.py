"""Stand-ins for the gateways Linli talks to, as real servers on 127.0.0.1: one HTTP server that plays
DingTalk, WeCom, Alibaba Cloud SMS and Tencent Cloud SMS, and a real SMTP server (aiosmtpd).

Each checks a request the way its vendor documents it, computed here independently of the adapters (so a
bug in an adapter's signing is not mirrored by the test), refuses a wrong key with the vendor's own error
answer, and records what it accepted, so a test asserts what arrived, and a count at the receiving end.

The SMS gateways also answer the question Linli asks before sending a message again (Alibaba's QuerySendDetails,
Tencent's PullSmsSendStatusByPhoneNumber), and, like the real ones, keep no idempotency key: a message sent twice
is accepted twice, so a count per key at the receiving end is a count of what a person would get.

Paths: /dingtalk/robot/send?access_token=…, /wecom/cgi-bin/webhook/send?key=…, /aliyun/ and /tencent/.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit
from zoneinfo import ZoneInfo

DINGTALK_TOKEN = "dt-token-1"
DINGTALK_SECRET = "SECdingtalk-test-secret"  # noqa: S105 (a test server's key)
WECOM_KEY = "wecom-key-1"
ALIYUN_ID, ALIYUN_SECRET = "LTAI-test-id", "aliyun-test-secret"
TENCENT_ID, TENCENT_KEY = "AKID-test-id", "tencent-test-key"
CHINA = ZoneInfo("Asia/Shanghai")
ALIYUN_TEMPLATES = {"SMS_100001", "SMS_100002"}
TENCENT_TEMPLATES = {"200001", "200002"}


@dataclass
class Received:
    """What the gateways accepted (and refused), by gateway."""

    accepted: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    refused: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Called with (gateway, how many it accepted so far) once a message is recorded and before the gateway
    # answers: the kill test ends the sending worker right there, in the window between accept and mark.
    after_accept: Callable[[str, int], None] | None = None

    def accept(self, gateway: str, what: dict[str, Any]) -> None:
        with self.lock:
            self.accepted[gateway].append(what)
            count = len(self.accepted[gateway])
        if self.after_accept is not None:
            self.after_accept(gateway, count)

    def refuse(self, gateway: str, why: str) -> None:
        with self.lock:
            self.refused[gateway].append(why)


# ---- the vendors' documented checks, written from their documentation ---------------------------------


def dingtalk_expected_sign(secret: str, timestamp: str) -> str:
    """DingTalk custom robot, security setting 加签: string_to_sign = timestamp + "\\n" + secret; HmacSHA256
    with the secret as key; Base64; then URL-encoded (UTF-8). Compared after the query is decoded once."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def aliyun_percent_encode(value: str) -> str:
    """Alibaba's POP signature: URLEncoder.encode(value, "UTF-8") then + → %20, * → %2A, %7E → ~."""
    return quote_plus(value, safe="*").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def aliyun_expected_signature(method: str, params: dict[str, str], secret: str) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonicalized = "&".join(aliyun_percent_encode(k) + "=" + aliyun_percent_encode(v) for k, v in pairs)
    string_to_sign = method + "&" + aliyun_percent_encode("/") + "&" + aliyun_percent_encode(canonicalized)
    mac = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def tencent_expected_signature(
    secret_key: str, timestamp: int, content_type: str, host: str, payload: bytes, service: str = "sms"
) -> str:
    """Tencent Cloud API 3.0, TC3-HMAC-SHA256, as the "Signature v3" page lays it out step by step."""
    http_request_method = "POST"
    canonical_uri = "/"
    canonical_querystring = ""
    canonical_headers = "content-type:" + content_type + "\n" + "host:" + host + "\n"
    signed_headers = "content-type;host"
    hashed_request_payload = hashlib.sha256(payload).hexdigest()
    canonical_request = (
        http_request_method
        + "\n"
        + canonical_uri
        + "\n"
        + canonical_querystring
        + "\n"
        + canonical_headers
        + "\n"
        + signed_headers
        + "\n"
        + hashed_request_payload
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    credential_scope = date + "/" + service + "/" + "tc3_request"
    string_to_sign = (
        "TC3-HMAC-SHA256\n"
        + str(timestamp)
        + "\n"
        + credential_scope
        + "\n"
        + hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    )

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    secret_date = sign(("TC3" + secret_key).encode("utf-8"), date)
    secret_service = sign(secret_date, service)
    secret_signing = sign(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


# ---- the server ---------------------------------------------------------------------------------------


class Gateways:
    """The HTTP gateways on one port. `wecom_per_minute` is WeCom's documented limit per robot."""

    def __init__(self, wecom_per_minute: int = 20) -> None:
        self.received = Received()
        self.wecom_per_minute = wecom_per_minute
        self._wecom_times: dict[str, list[float]] = defaultdict(list)
        self._aliyun_nonces: set[str] = set()
        self._biz_ids = 0
        self._serials = 0
        self.queries: dict[str, int] = defaultdict(int)  # the "was it accepted?" questions asked, by gateway
        self.tencent_report_delay = 0.0
        gateways = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = gateways.handle(self.path, dict(self.headers.items()), body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Gateways:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # URLs the adapters are configured with
    def dingtalk_webhook(self, token: str = DINGTALK_TOKEN) -> str:
        return f"{self.base}/dingtalk/robot/send?access_token={token}"

    def wecom_webhook(self, key: str = WECOM_KEY) -> str:
        return f"{self.base}/wecom/cgi-bin/webhook/send?key={key}"

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        if url.path == "/dingtalk/robot/send":
            return self.dingtalk(query, body)
        if url.path == "/wecom/cgi-bin/webhook/send":
            return self.wecom(query, body)
        if url.path == "/aliyun/":
            return self.aliyun(body)
        if url.path == "/tencent/":
            return self.tencent(lower, body)
        return 404, {"error": "no such path"}

    def dingtalk(self, query: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if query.get("access_token") != DINGTALK_TOKEN:
            self.received.refuse("dingtalk", "token")
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        timestamp = query.get("timestamp", "")
        fresh = timestamp.isdigit() and abs(int(timestamp) - time.time() * 1000) < 3600 * 1000
        if not fresh or query.get("sign") != dingtalk_expected_sign(DINGTALK_SECRET, timestamp):
            self.received.refuse("dingtalk", "sign")
            return 200, {
                "errcode": 310000,
                "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/]",
            }
        message = json.loads(body)
        self.received.accept("dingtalk", {"text": message["text"]["content"]})
        return 200, {"errcode": 0, "errmsg": "ok"}

    def wecom(self, query: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        key = query.get("key", "")
        if key != WECOM_KEY:
            self.received.refuse("wecom", "key")
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1733] more info"}
        now = time.monotonic()
        with self.received.lock:
            recent = [t for t in self._wecom_times[key] if t > now - 60]
            limited = len(recent) >= self.wecom_per_minute
            if not limited:
                recent.append(now)
            self._wecom_times[key] = recent
        if limited:
            self.received.refuse("wecom", "rate")
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        message = json.loads(body)
        self.received.accept("wecom", {"text": message["text"]["content"]})
        return 200, {"errcode": 0, "errmsg": "ok"}

    def aliyun(self, body: bytes) -> tuple[int, dict[str, Any]]:
        params = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        request_id = {"RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"}
        if params.get("AccessKeyId") != ALIYUN_ID:
            self.received.refuse("aliyun", "id")
            return 404, {
                **request_id,
                "Code": "InvalidAccessKeyId.NotFound",
                "Message": "Specified access key is not found.",
            }
        expected = aliyun_expected_signature("POST", params, ALIYUN_SECRET)
        required = (
            "Action",
            "Format",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "Timestamp",
            "Version",
        )
        if any(k not in params for k in required) or params.get("Signature") != expected:
            self.received.refuse("aliyun", "signature")
            return 400, {
                **request_id,
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
            }
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs((datetime.now(UTC) - stamp).total_seconds()) > 900:
            return 400, {**request_id, "Code": "InvalidTimeStamp.Expired", "Message": "expired"}
        with self.received.lock:
            if params["SignatureNonce"] in self._aliyun_nonces:
                return 400, {**request_id, "Code": "SignatureNonceUsed", "Message": "nonce used"}
            self._aliyun_nonces.add(params["SignatureNonce"])
        if params["Version"] != "2017-05-25":
            return 400, {**request_id, "Code": "InvalidVersion", "Message": "unknown version"}
        if params["Action"] == "QuerySendDetails":
            return self.aliyun_query(params, request_id)
        if params["Action"] != "SendSms":
            return 400, {**request_id, "Code": "InvalidAction", "Message": "unknown action"}
        if params.get("TemplateCode") not in ALIYUN_TEMPLATES:
            self.received.refuse("aliyun", "template")
            return 200, {
                **request_id,
                "Code": "isv.SMS_TEMPLATE_ILLEGAL",
                "Message": "模板不合法(不存在或被拉黑)",
            }
        with self.received.lock:
            self._biz_ids += 1
            biz_id = f"{900619746936498440 + self._biz_ids}^0"
        self.received.accept(
            "aliyun",
            {
                "phone": params["PhoneNumbers"],
                "sign": params["SignName"],
                "template": params["TemplateCode"],
                "params": json.loads(params.get("TemplateParam", "{}")),
                "out_id": params.get("OutId", ""),
                "biz_id": biz_id,
                "at": datetime.now(CHINA),
            },
        )
        return 200, {**request_id, "Code": "OK", "Message": "OK", "BizId": biz_id}

    def aliyun_query(self, params: dict[str, str], request_id: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """QuerySendDetails as documented: PhoneNumber, SendDate (yyyyMMdd, the last 30 days), PageSize (1-50),
        CurrentPage, optional BizId; answers TotalCount and SmsSendDetailDTOs.SmsSendDetailDTO, each with the
        OutId given when it was sent and SendStatus 1 (waiting for the receipt), 2 (failed) or 3 (delivered).
        It lists every accepted message: SendSms keeps no key, so a repeat is listed (and counted) twice."""
        self.queries["aliyun"] += 1
        try:
            day = datetime.strptime(params["SendDate"], "%Y%m%d").date()
            size, page = int(params["PageSize"]), int(params.get("CurrentPage", "1"))
            phone = params["PhoneNumber"]
        except (KeyError, ValueError):
            return 400, {**request_id, "Code": "isv.INVALID_PARAMETERS", "Message": "parameter invalid"}
        if not 1 <= size <= 50 or page < 1 or (datetime.now(CHINA).date() - day).days > 30:
            return 400, {**request_id, "Code": "isv.INVALID_PARAMETERS", "Message": "parameter invalid"}
        with self.received.lock:
            sent = [
                m
                for m in self.received.accepted["aliyun"]
                if m["phone"] == phone
                and m["at"].date() == day
                and params.get("BizId", m["biz_id"]) == m["biz_id"]
            ]
        shown = sent[(page - 1) * size : page * size]
        details = [
            {
                "PhoneNum": m["phone"],
                "SendStatus": 3,
                "ErrCode": "DELIVERED",
                "TemplateCode": m["template"],
                "Content": f"【{m['sign']}】…",
                "SendDate": m["at"].strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": m["at"].strftime("%Y-%m-%d %H:%M:%S"),
                "OutId": m["out_id"],
            }
            for m in shown
        ]
        return 200, {
            **request_id,
            "Code": "OK",
            "Message": "OK",
            "TotalCount": len(sent),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
        }

    def tencent(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        request_id = "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"

        def error(code: str, message: str) -> tuple[int, dict[str, Any]]:
            self.received.refuse("tencent", code)
            return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}

        auth = headers.get("authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(p.strip().split("=", 1) for p in rest.split(","))
            secret_id, date, service, terminator = parts["Credential"].split("/")
        except ValueError:
            return error("AuthFailure.SignatureFailure", "The Authorization header is malformed.")
        timestamp = int(headers.get("x-tc-timestamp", "0"))
        if secret_id != TENCENT_ID:
            return error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        if abs(timestamp - time.time()) > 300:
            return error("AuthFailure.SignatureExpire", "Signature expired.")
        expected = tencent_expected_signature(
            TENCENT_KEY, timestamp, headers.get("content-type", ""), headers.get("host", ""), body
        )
        good = (
            algorithm == "TC3-HMAC-SHA256"
            and parts.get("SignedHeaders") == "content-type;host"
            and service == "sms"
            and terminator == "tc3_request"
            and date == datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
            and parts.get("Signature") == expected
        )
        if not good:
            return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        if headers.get("x-tc-version") != "2021-01-11":
            return error("InvalidParameter", "unknown version")
        payload = json.loads(body)
        if headers.get("x-tc-action") == "PullSmsSendStatusByPhoneNumber":
            return self.tencent_reports(payload, request_id)
        if headers.get("x-tc-action") != "SendSms":
            return error("InvalidAction", "unknown action")
        if payload.get("TemplateId") not in TENCENT_TEMPLATES:
            return error(
                "FailedOperation.TemplateIncorrectOrUnapproved", "template is not approved or not exist"
            )
        phone = payload["PhoneNumberSet"][0]
        with self.received.lock:
            self._serials += 1
            serial = f"5000:{1045710669157053657849499619 + self._serials}"
        self.received.accept(
            "tencent",
            {
                "phone": phone,
                "sign": payload["SignName"],
                "template": payload["TemplateId"],
                "params": payload.get("TemplateParamSet", []),
                "session": payload.get("SessionContext", ""),
                "app": payload.get("SmsSdkAppId"),
                "serial": serial,
                "at": time.time(),
            },
        )
        status = {
            "SerialNo": serial,
            "PhoneNumber": phone,
            "Fee": 1,
            "SessionContext": payload.get("SessionContext", ""),
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}

    def tencent_reports(self, payload: dict[str, Any], request_id: str) -> tuple[int, dict[str, Any]]:
        """PullSmsSendStatusByPhoneNumber (2021-01-11) as documented: BeginTime (at most 7 days back), Offset
        (fixed at 0), Limit (at most 100), PhoneNumber (E.164), SmsSdkAppId, EndTime; answers
        PullSmsSendStatusSet, each report with the SessionContext the message was sent with. Only messages
        the carrier has reported on are listed: here the carrier reports `tencent_report_delay` seconds after
        the send (0: at once)."""
        self.queries["tencent"] += 1
        try:
            begin, end = int(payload["BeginTime"]), int(payload.get("EndTime") or time.time())
            limit, offset = int(payload["Limit"]), int(payload["Offset"])
            phone, app = str(payload["PhoneNumber"]), str(payload["SmsSdkAppId"])
        except (KeyError, TypeError, ValueError):
            return 200, {
                "Response": {
                    "Error": {"Code": "InvalidParameter", "Message": "parameter invalid"},
                    "RequestId": request_id,
                }
            }
        if (
            not 0 < limit <= 100
            or offset != 0
            or begin < time.time() - 7 * 86400
            or not phone.startswith("+")
        ):
            return 200, {
                "Response": {
                    "Error": {"Code": "InvalidParameterValue", "Message": "parameter value invalid"},
                    "RequestId": request_id,
                }
            }
        reported = time.time() - self.tencent_report_delay
        with self.received.lock:
            sent = [
                m
                for m in self.received.accepted["tencent"]
                if m["phone"] == phone and m["app"] == app and begin <= m["at"] <= end and m["at"] <= reported
            ]
        reports = [
            {
                "UserReceiveTime": int(m["at"]),
                "CountryCode": "86",
                "SubscriberNumber": phone.removeprefix("+86"),
                "PhoneNumber": phone,
                "SerialNo": m["serial"],
                "ReportStatus": "SUCCESS",
                "Description": "DELIVRD",
                "SessionContext": m["session"],
            }
            for m in sent[:limit]
        ]
        return 200, {"Response": {"PullSmsSendStatusSet": reports, "RequestId": request_id}}


def closed_port() -> int:
    """A port nothing listens on (bound, then closed): an unreachable gateway."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
