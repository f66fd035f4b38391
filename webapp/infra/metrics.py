"""Request metrics for Prometheus (issue 20): counts and latency per endpoint group, cheap for every request.

Groups are the blueprints (kiosk, resident, staff, display, api…), not URLs: a ticket number in a path must
not become a label of its own. Under gunicorn each worker is a process; with `PROMETHEUS_MULTIPROC_DIR` set
(the deploy's gunicorn.conf.py does it) the values are shared through files there and one scrape sees all.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "linli_requests",
    "Requests answered, by endpoint group, method and status class",
    ["group", "method", "status"],
)
LATENCY = Histogram(
    "linli_request_seconds",
    "Time to answer a request, by endpoint group",
    ["group"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def group_of(endpoint: str | None) -> str:
    if not endpoint:
        return "unmatched"
    return endpoint.split(".", 1)[0] if "." in endpoint else endpoint


def init_app(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.linli_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        started = g.pop("linli_started", None)
        if started is not None and request.endpoint != "ops.metrics":
            group = group_of(request.endpoint)
            REQUESTS.labels(group, request.method, f"{response.status_code // 100}xx").inc()
            LATENCY.labels(group).observe(time.perf_counter() - started)
        return response
