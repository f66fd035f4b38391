"""Group robots for staff: DingTalk / 浙政钉 custom robots and WeCom (企业微信) group robots.

DingTalk's "加签" security setting: the webhook gets `timestamp` (milliseconds) and `sign` =
urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))); 浙政钉 robots use the same scheme on their
own host, so the webhook is whatever the group's settings show. WeCom's robot carries its key in the webhook
URL. Both allow 20 messages a minute per robot: a limiter per webhook answers Sent(retry=True) before the
gateway has to refuse. With the queue in Redis (a district's several workers) the worker counts in that Redis
(`webapp.jobs.worker.share_robot_limit`), so the workers together send 20 a minute, not 20 each; the gateway's
own "too fast" answer is still mapped to a retry (another program posting to the same robot counts too).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote_plus, urlsplit

from webapp.infra.channels.base import Envelope, Sent
from webapp.infra.channels.common import Answer, not_configured, post, server_error

PER_MINUTE = 20
DEFAULT_TEST_TEXT = "邻里 Linli: 测试消息 / test message"


class RateLimiter:
    """At most `limit` sends per `window` seconds per key (a webhook), in this process."""

    def __init__(
        self, limit: int = PER_MINUTE, window: float = 60.0, now: Callable[[], float] = time.monotonic
    ):
        self.limit, self.window, self.now = limit, window, now
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when a send may go now (and counts it), else the seconds to wait."""
        with self._lock:
            now = self.now()
            times = self._sent.setdefault(key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return times[0] + self.window - now
            times.append(now)
            return 0.0


class RedisRateLimiter:
    """The same limit shared by every worker of a district through Redis (a sliding window in a sorted set,
    checked and counted in one Lua script, so two workers never both take the 20th place)."""

    SCRIPT = """
    local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    if redis.call('ZCARD', key) >= limit then
      local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      return tostring(tonumber(oldest[2]) + window - now)
    end
    redis.call('ZADD', key, now, ARGV[4])
    redis.call('PEXPIRE', key, math.ceil(window * 1000))
    return '0'
    """

    def __init__(
        self, client: Any, limit: int = PER_MINUTE, window: float = 60.0, prefix: str = "linli:robot:"
    ):
        self.client, self.limit, self.window, self.prefix = client, limit, window, prefix
        self._script = client.register_script(self.SCRIPT)

    def take(self, key: str) -> float:
        name = self.prefix + hashlib.sha256(key.encode()).hexdigest()[:32]
        try:
            answer = self._script(keys=[name], args=[time.time(), self.window, self.limit, uuid.uuid4().hex])
        except Exception:  # noqa: BLE001 (Redis down: fall back to this process's own count, never block)
            return LOCAL.take(key)
        return max(0.0, float(answer.decode() if isinstance(answer, bytes) else answer))


LOCAL = RateLimiter()
LIMITER: RateLimiter | RedisRateLimiter = LOCAL


def use_limiter(limiter: RateLimiter | RedisRateLimiter) -> None:
    """Share the robots' limit between workers: a district's worker calls this at start with a
    RedisRateLimiter on its Redis; without it each process keeps its own count."""
    global LIMITER  # noqa: PLW0603 (one limiter per process, chosen once at start)
    LIMITER = limiter


def _limited(wait: float) -> Sent:
    return Sent(
        ok=False,
        retry=True,
        code="rate_limited",
        detail=f"The robot allows {PER_MINUTE} messages a minute; will try again in {max(1, round(wait))} s.",
        retry_after=wait,
    )


def dingtalk_sign(secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


# DingTalk's errcodes → (our code, retry, what the office should do).
DINGTALK_ERRORS: dict[int, tuple[str, bool, str]] = {
    310000: (
        "auth",
        False,
        "the robot's security setting refused the message (signature secret, keyword or IP)",
    ),
    300001: ("auth", False, "the webhook's access token does not exist"),
    300005: ("auth", False, "the webhook's access token does not exist"),
    400101: ("auth", False, "the webhook's access token does not exist"),
    400102: ("disabled", False, "the robot is switched off in the group"),
    410100: ("rate_limited", True, "more than 20 messages a minute"),
    130101: ("rate_limited", True, "more than 20 messages a minute"),
    660026: ("rate_limited", True, "the daily limit is reached"),
}

WECOM_ERRORS: dict[int, tuple[str, bool, str]] = {
    93000: ("auth", False, "the webhook key is not valid"),
    40001: ("auth", False, "the webhook key is not valid"),
    93004: ("disabled", False, "the robot was removed from the group"),
    45009: ("rate_limited", True, "more than 20 messages a minute"),
    45033: ("rate_limited", True, "too many messages at once"),
    44004: ("refused", False, "the message was empty"),
    40008: ("refused", False, "the message type was refused"),
}


# The robots' own "more than 20 a minute" answers: try again when that minute is over, not sooner.
PER_MINUTE_CODES = frozenset({410100, 130101, 45009})


def _read(answer: Answer, gateway: str, errors: Mapping[int, tuple[str, bool, str]]) -> Sent:
    problem = server_error(answer, gateway)
    if problem is not None:
        return problem
    body = answer.body
    errcode = body.get("errcode")
    if errcode == 0:
        return Sent(ok=True, detail=f"Accepted by the {gateway}.")
    try:
        number = int(errcode)
    except (TypeError, ValueError):
        return Sent(
            ok=False, code="refused", detail=f"The {gateway} answered without a result: {str(body)[:200]}"
        )
    ours, retry, words = errors.get(number, ("refused", False, "it refused the message"))
    return Sent(
        ok=False,
        retry=retry,
        code=ours,
        detail=f"{gateway}: {words} (errcode {number}: {str(body.get('errmsg', ''))[:200]}).",
        retry_after=60 if number in PER_MINUTE_CODES else 0,
    )


class _Robot:
    kind = ""
    gateway = ""

    def __init__(
        self, settings: Mapping[str, str], limiter: RateLimiter | RedisRateLimiter | None = None
    ) -> None:
        self.settings = dict(settings)
        self.limiter = limiter or LIMITER

    def url(self) -> str:
        return self.settings["webhook"]

    def errors(self) -> Mapping[int, tuple[str, bool, str]]:
        return {}

    def send(self, envelope: Envelope) -> Sent:
        problem = not_configured(self.kind, self.settings)
        if problem is not None:
            return problem
        if not urlsplit(self.settings["webhook"]).netloc:
            return Sent(ok=False, code="config", detail="The webhook is not a web address.")
        wait = self.limiter.take(self.settings["webhook"])
        if wait:
            return _limited(wait)
        text = envelope.text if not envelope.subject else f"{envelope.subject}\n{envelope.text}"
        body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
        answer = post(self.url(), body, {"Content-Type": "application/json; charset=utf-8"})
        if isinstance(answer, Sent):
            return answer
        return _read(answer, self.gateway, self.errors())

    def check(self) -> Sent:
        text = self.settings.get("test_text") or DEFAULT_TEST_TEXT
        return self.send(Envelope(address="", text=text, key="check"))


class DingTalkRobot(_Robot):
    """A DingTalk or 浙政钉 custom robot; with a secret set, every request is signed ("加签")."""

    kind = "dingtalk"
    gateway = "DingTalk robot"

    def url(self) -> str:
        webhook = self.settings["webhook"]
        secret = self.settings.get("secret", "")
        if not secret:
            return webhook
        timestamp = int(time.time() * 1000)
        joiner = "&" if "?" in webhook else "?"
        return f"{webhook}{joiner}timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}"

    def errors(self) -> Mapping[int, tuple[str, bool, str]]:
        return DINGTALK_ERRORS


class WeComRobot(_Robot):
    """A WeCom group robot: the key in the webhook is its only credential (so the webhook is a secret)."""

    kind = "wecom"
    gateway = "WeCom robot"

    def errors(self) -> Mapping[int, tuple[str, bool, str]]:
        return WECOM_ERRORS
