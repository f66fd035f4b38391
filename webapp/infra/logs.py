"""Keep secrets out of logs: card and hand-off links carry bearer tokens in their path, and Open311 clients
may send their API key as a query parameter (`?api_key=…`, as the standard allows)."""

from __future__ import annotations

import logging
import re

_TOKEN_PATH = re.compile(r"/(c|h)/[A-Za-z0-9_-]{8,}")
_API_KEY = re.compile(r"([?&]api_key=)[^&\s\"']+")


class RedactTokens(logging.Filter):
    """Replace `/c/<token>` and `/h/<token>` in any log record with `/c/…`, before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN_PATH.search(message) or _API_KEY.search(message):
            message = _TOKEN_PATH.sub(lambda m: f"/{m.group(1)}/…", message)
            record.msg = _API_KEY.sub(lambda m: f"{m.group(1)}…", message)
            record.args = ()
        return True


def init_logging() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
