"""Which gunicorn worker model for one box: kiosk pages alone and while staff sign in (argon2), per model.

For each model (sync and gthread, with worker and thread counts) it serves a fresh demo (SQLite), loads the
kiosk attract screen and a kiosk page in a visit with wrk, first alone and then while `--signers` loops sign
a staff member in over and over (each sign-in is an argon2 check of about 100 ms and 64 MiB), and prints
pages/s and p50/p99 for both, the sign-ins/s, and the workers' peak memory. What the issue asks: a sign-in
must not hold a worker that kiosk pages queue behind.

    .venv/bin/python benchmarks/worker_model.py [--seconds 10] [--connections 8] [--signers 4]
        [--models sync:2,sync:4,gthread:2x4,gthread:2x8]
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve import demo_gunicorn, pair_demo_kiosk, rss_kib, start_visit, worker_pids, wrk  # noqa: E402


def sign_in_once(host: str, port: int, password: str) -> float:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/staff/sign-in")
    response = conn.getresponse()
    page = response.read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    cookie = re.search(r"linli_session=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    body = urllib.parse.urlencode({"csrf_token": csrf, "username": "worker", "password": password})
    start = time.perf_counter()
    conn.request(
        "POST",
        "/staff/sign-in",
        body=body,
        headers={"Cookie": f"linli_session={cookie}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = conn.getresponse()
    answer.read()
    conn.close()
    if answer.status != 303:
        raise SystemExit(f"sign-in answered {answer.status}")
    return (time.perf_counter() - start) * 1000


def signers(
    base: str, password: str, count: int, stop: threading.Event, times: list[float]
) -> list[threading.Thread]:
    host, port = base.split("//", 1)[1].split(":")

    def loop() -> None:
        while not stop.is_set():
            times.append(sign_in_once(host, int(port), password))

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(count)]
    for t in threads:
        t.start()
    return threads


def gunicorn_args(model: str) -> tuple[str, ...]:
    kind, _, shape = model.partition(":")
    if kind == "sync":
        return ("--workers", shape)
    workers, _, threads = shape.partition("x")
    return ("--workers", workers, "--worker-class", "gthread", "--threads", threads, "--keep-alive", "75")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--signers", type=int, default=4)
    parser.add_argument("--models", default="sync:2,sync:4,gthread:2x4,gthread:2x8")
    args = parser.parse_args()
    print(
        f"wrk {args.connections} connections, {args.seconds} s per figure; 'while signing in': {args.signers}"
        " loops signing a staff member in meanwhile. Pages/s, p50 / p99 ms."
    )
    print(
        f"{'model':<16}{'page':<20}{'alone':>22}{'while signing in':>24}{'sign-ins/s':>12}"
        f"{'sign-in p50':>12}{'peak RSS MiB':>14}"
    )
    for model in args.models.split(","):
        with demo_gunicorn("linli-model-", gunicorn_args(model)) as server:
            password = server.env["LINLI_DEMO_PASSWORD"]
            kiosk = "linli_kiosk=" + pair_demo_kiosk(server.env)
            visit = start_visit(server.env, kiosk, server.base)
            host, port = server.base.split("//", 1)[1].split(":")
            sign_in_once(host, int(port), password)  # the first sign-in makes the dummy hash: not measured
            for label, path, cookie in (
                ("kiosk attract", "/kiosk/", kiosk),
                ("kiosk, in a visit", "/kiosk/tickets", visit),
            ):
                alone = wrk(server.base + path, args.seconds, args.connections, cookie)
                stop, times = threading.Event(), []
                threads = signers(server.base, password, args.signers, stop, times)
                started = time.monotonic()
                busy = wrk(server.base + path, args.seconds, args.connections, cookie)
                stop.set()
                for t in threads:
                    t.join(30)
                rate = len(times) / (time.monotonic() - started)
                peak = max(rss_kib(pid) for pid in worker_pids(server.pid)) / 1024
                print(
                    f"{model:<16}{label:<20}"
                    f"{alone[0]:>8.0f} {alone[1]:>5.1f} / {alone[2]:>5.0f}"
                    f"{busy[0]:>10.0f} {busy[1]:>5.1f} / {busy[2]:>5.0f}"
                    f"{rate:>12.1f}{statistics.median(times) if times else 0:>12.0f}{peak:>14.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
