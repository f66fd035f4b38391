"""A district on one machine, for real: nginx, three app servers, PostgreSQL, Redis, a kill -9 under load.

Starts the rig of benchmarks/district_rig.py on loopback: nginx running the deploy site
(deploy/nginx/linli.conf with TLS on a self-signed certificate, its request limits and proxy headers) in front
of three gunicorn app servers (deploy/gunicorn.conf.py each, LINLI_PROXY_HOPS=1, LINLI_THROTTLE_STORE=redis),
PostgreSQL (a database of its own, dropped afterwards) and Redis (database 8, flushed before and after); two
job workers when a worker command exists (`--worker-cmd`, default `flask --app wsgi worker`; skipped with a
note where there is none). TLS stays in: it is what a district's clients pay for and nginx spends CPU on it on
the same two cores.

Seeds a district by COPY: 20 communities, 300,000 residents (each with a sealed ID and mobile number: 2,000
distinct numbers sealed, their ciphertexts reused, the look-up index unique per person), 2,000,000 tickets
over a year. Then Locust (headless, as a library) drives it: kiosks show screens, beat, and residents scan a
card, look at home and their requests and check in; phones signed in with card and PIN read pages and send
requests through the phone outbox's JSON path, each with its own Idempotency-Key, retried with the same key
after a 5xx or a dropped connection as the outbox does; staff work the queue (lists, filters, a ticket,
accepting new ones); API clients (the district's dashboard, one region key) ask each community's tickets
changed in the last hour and now and then file one. At 40 % of the run one app server (master and
workers) is killed with SIGKILL and started again 5 s later; a worker likewise when workers run.

Afterwards it counts in the database: every submission a phone saw succeed is there exactly once, none is
there twice; 5xx outside the kill window (kill - 1 s .. restart ready + 2 s); requests nginx sent to the other
servers while one was down. Prints throughput and p50/p95/p99 per kind of request.

Assumed peak hour of a district (20 communities, 15,000 residents each): 2 kiosks a community with a resident
visit every 90 s (40 visits a kiosk-hour, ~6 requests each, plus screens and a beat a minute); 2 % of
residents open the phone app in that hour (6,000 sessions of ~8 pages, one in ten sends a request: 600 tickets
an hour); 3 staff a community working the queue at about 2 requests a minute. That is about 20 requests/s in
all. The default load (150 users: 20 % kiosks at 1-4 s, 70 % phones at 2-8 s, 10 % staff at 2-6 s between
requests) offers several times that; `--users` scales it.

Goals: staff queue p95 <= 100 ms, resident pages (phone pages, kiosk screens and visit pages) p95 <= 150 ms,
no submission lost or doubled, 0 x 5xx outside the seconds of the kill.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/district.py [--communities 20] [--residents 300000] [--tickets 2000000]
        [--seconds 120] [--users 150] [--app-servers 3] [--app-workers 2]
        [--worker-cmd 'flask --app wsgi worker'] [--json figures.json]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Locust patches the standard library with gevent: import it before anything that opens sockets.
import locust  # noqa: F401  (gevent's monkey-patching happens on import)

# isort: split
import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402

import gevent  # noqa: E402
import urllib3  # noqa: E402
from locust import HttpUser, between, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import district_rig as rig  # noqa: E402

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the self-signed certificate
CSRF = re.compile(r'(?:name="csrf_token"[^>]*value|data-csrf)="([^"]+)"')
OWNER = re.compile(r'data-owner="([^"]*)"')
TICKET_LINK = re.compile(r'href="/staff/tickets/(\d+)"')
KIOSK_TOKENS: list[str] = []
CARDS: list[str] = []
STAFF: list[str] = []
API: list[str] = []  # the region key's secret
SLUGS: list[str] = []
SIGNED_IN: Counter[str] = Counter()
SENT: set[str] = set()  # idempotency keys of every submission a phone started
ACKED: set[str] = set()  # ... that a phone saw succeed (201, first time or replayed)
ANSWERS: list[tuple[float, str, int]] = []  # (end time, kind, status; 0 = no answer) of every request
RESIDENT_KINDS = ("phone: page", "phone: my requests", "kiosk: screen", "kiosk: visit page")
API_KINDS = ("api: tickets changed",)
STAFF_QUEUE_KINDS = ("staff: queue", "staff: queue filtered")


def csrf(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


class Device(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.client.verify = False
        self.client.headers["X-Bench-Device"] = uuid.uuid4().hex  # one device, one address for limit_req
        self.client.headers["Referer"] = f"{self.host}/"  # as a browser sends it (CSRF checks it on HTTPS)


class Kiosk(Device):
    """A lobby kiosk: screens, the heartbeat, residents' visits (scan, home, requests, check in, finish)."""

    weight = 20
    wait_time = between(1, 4)

    def on_start(self) -> None:
        super().on_start()
        self.client.cookies.set("linli_kiosk", KIOSK_TOKENS[SIGNED_IN["kiosks"] % len(KIOSK_TOKENS)])
        SIGNED_IN["kiosks"] += 1
        self.token = csrf(self.client.get("/kiosk/", name="kiosk: screen").text)

    @task(5)
    def screens(self) -> None:
        self.client.get(random.choice(["/kiosk/", "/kiosk/help", "/kiosk/notices"]), name="kiosk: screen")

    @task(1)
    def heartbeat(self) -> None:
        self.client.post(
            "/kiosk/heartbeat",
            json={"version": "district", "devices": {"bridge": "ok"}},
            headers={"X-CSRFToken": self.token},
            name="kiosk: heartbeat (write)",
        )

    @task(2)
    def visit(self) -> None:
        scan = self.client.post(
            "/kiosk/identify",
            data={"csrf_token": self.token, "scan": f"{self.host}/c/{random.choice(CARDS)}"},
            headers={"Accept": "application/json"},
            name="kiosk: card scan (write)",
        )
        if scan.status_code == 200:
            home = self.client.get("/kiosk/home", name="kiosk: visit page")
            self.token = csrf(home.text) or self.token
            self.client.get("/kiosk/tickets", name="kiosk: visit page")
            self.client.post(
                "/kiosk/checkin", data={"csrf_token": self.token}, name="kiosk: check in (write)"
            )
            self.client.post("/kiosk/finish", data={"csrf_token": self.token}, name="kiosk: finish (write)")
        self.token = csrf(self.client.get("/kiosk/", name="kiosk: screen").text) or self.token


class Phone(Device):
    """A resident's phone signed in with card + PIN: pages, their requests, and now and then a new request."""

    weight = 70
    wait_time = between(2, 8)

    def on_start(self) -> None:
        super().on_start()
        card = CARDS[SIGNED_IN["phones"] % len(CARDS)]  # one card a phone (kiosk visitors pick any)
        SIGNED_IN["phones"] += 1
        self.client.get(f"/c/{card}", name="phone: sign in", allow_redirects=False)
        token = csrf(self.client.get("/c", name="phone: sign in").text)
        self.client.post("/c", data={"csrf_token": token, "pin": rig.PIN}, name="phone: sign in")
        me = self.client.get("/me", name="phone: page").text
        self.token, match = csrf(me), OWNER.search(me)
        self.owner = match.group(1) if match else ""
        SIGNED_IN["phones ready"] += 1

    @task(14)
    def read(self) -> None:
        page = random.choice(["/", "/me", "/notices", "/me/events", "/learn"])
        self.client.get(page, name="phone: page")

    @task(3)
    def my_tickets(self) -> None:
        self.client.get("/tickets", name="phone: my requests")

    @task(1)
    def ask(self) -> None:
        """Send a request as the outbox does: JSON, an Idempotency-Key, the same key again after a failure."""
        key = rig.new_key()
        SENT.add(key)
        form = {
            "csrf_token": self.token,
            "a_urgent": "no",
            "a_details": "district load",
            "where": "common",
            "place": rig.MARK + key,
        }
        headers = {"Idempotency-Key": key, "Outbox-Owner": self.owner, "Accept": "application/json"}
        for _attempt in range(8):
            answer = self.client.post(
                "/ask/repair-lift/review", data=form, headers=headers, name="phone: send request (write)"
            )
            if answer.status_code == 201:
                ACKED.add(key)
                return
            if 0 < answer.status_code < 500:
                return  # a refusal (counted as a failure by Locust's table)
            gevent.sleep(1)


class Staff(Device):
    """A member of staff working the queue: the list, filters, a ticket, accepting a new one."""

    weight = 10
    wait_time = between(2, 6)

    def on_start(self) -> None:
        super().on_start()
        page = self.client.get("/staff/sign-in", name="staff: sign in").text
        self.client.post(
            "/staff/sign-in",
            data={"username": STAFF[0], "password": STAFF[1], "csrf_token": csrf(page)},
            name="staff: sign in",
        )
        self.ids: list[str] = []
        self.new: list[str] = []
        SIGNED_IN["staff ready"] += 1

    @task(6)
    def queue(self) -> None:
        page = self.client.get("/staff/tickets", name="staff: queue")
        self.ids = TICKET_LINK.findall(page.text) or self.ids

    @task(3)
    def filtered(self) -> None:
        query = random.choice(["?overdue=1", "?category=repair", "?status=all&page=5", "?status=submitted"])
        page = self.client.get("/staff/tickets" + query, name="staff: queue filtered")
        if query == "?status=submitted":
            self.new = TICKET_LINK.findall(page.text)

    @task(2)
    def ticket(self) -> None:
        if self.ids:
            self.client.get(f"/staff/tickets/{random.choice(self.ids)}", name="staff: ticket")

    @task(1)
    def accept(self) -> None:
        """Accept a new ticket; another member of staff may have been quicker (a 400 that says so)."""
        if not self.new:
            return
        ticket_id = self.new.pop(random.randrange(len(self.new)))
        page = self.client.get(f"/staff/tickets/{ticket_id}", name="staff: ticket")
        with self.client.post(
            f"/staff/tickets/{ticket_id}/status",
            data={"csrf_token": csrf(page.text), "to": "accepted", "note": ""},
            name="staff: accept (write)",
            catch_response=True,
        ) as answer:
            if answer.status_code == 400:
                answer.success()


class Api(Device):
    """Another system (the district's dashboard) on the JSON API with one region key: what changed in each
    community in the last hour, the first page of a community's tickets, now and then a ticket filed."""

    weight = 5
    wait_time = between(2, 6)

    def on_start(self) -> None:
        super().on_start()
        self.client.headers["Authorization"] = f"Bearer {API[0]}"

    @task(6)
    def changed(self) -> None:
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
        slug = random.choice(SLUGS)
        self.client.get(
            f"/api/v1/communities/{slug}/tickets?updated_since={since}", name="api: tickets changed"
        )

    @task(1)
    def file(self) -> None:
        with self.client.post(
            f"/api/v1/communities/{random.choice(SLUGS)}/tickets",
            json={
                "service_code": "repair-light",
                "place": "district load",
                "answers": {"where": "lift", "urgent": False},
            },
            name="api: file a ticket (write)",
            catch_response=True,
        ) as answer:
            if answer.status_code == 422:  # a catalogue without that service: refused in the problem shape
                answer.success()


@events.request.add_listener
def _answer(name: str, response: object, exception: object = None, **_kw: object) -> None:
    status = 0 if exception is not None and response is None else getattr(response, "status_code", 0) or 0
    ANSWERS.append((time.time(), name, int(status)))


def chaos(district: rig.District, delay: float, down: float, log: dict[str, float]) -> None:
    """Kill one app server (and one worker) with SIGKILL, start them again *down* seconds later."""
    gevent.sleep(delay)
    log["kill"] = district.kill_app(1)
    print(f"  kill -9 app server 1 (port {district.servers[1].port}) at +{delay:.0f} s", flush=True)
    if district.job_workers:
        log["worker kill"] = district.kill_worker(0)
    gevent.sleep(down)
    log["restart"] = time.time()
    if district.job_workers:
        district.start_worker(0)
    log["ready"] = district.start_app(1)
    print(f"  app server 1 answering again {log['ready'] - log['kill']:.1f} s after the kill", flush=True)


def drive(district: rig.District, args: argparse.Namespace) -> tuple[object, dict[str, float], float]:
    Device.host = district.base
    Kiosk.weight, Phone.weight, Staff.weight, Api.weight = 20, 70, 10, 5
    environment = Environment(user_classes=[Kiosk, Phone, Staff, Api], events=events)
    runner = environment.create_local_runner()
    weights = Kiosk.weight + Phone.weight + Staff.weight + Api.weight
    phones = int(args.users * Phone.weight / weights)  # Locust rounds each class's share; wait for most
    staff = int(args.users * Staff.weight / weights)
    runner.start(args.users, spawn_rate=min(args.users, 25))
    deadline = time.monotonic() + 600
    while (
        SIGNED_IN["phones ready"] < phones or SIGNED_IN["staff ready"] < staff
    ) and time.monotonic() < deadline:
        gevent.sleep(0.5)  # the phones' PIN checks (argon2) and staff sign-ins are not the steady load
    gevent.sleep(3)
    environment.stats.reset_all()
    ANSWERS.clear()
    started = time.time()
    print(f"  {args.users} users signed in; measuring {args.seconds} s", flush=True)
    log: dict[str, float] = {}
    gevent.spawn(chaos, district, args.seconds * 0.4, 5.0, log)
    gevent.spawn_later(args.seconds, runner.quit)
    runner.greenlet.join()
    return environment.stats, log, started


def percentile(entry: object, p: float) -> float:
    return float(entry.get_response_time_percentile(p))  # type: ignore[attr-defined]


def summary(
    district: rig.District, stats: object, log: dict[str, float], started: float, seconds: int
) -> dict:
    """The figures and the counts (JSON-friendly, printed as a table by main)."""
    window = (log.get("kill", 0) - 1, log.get("ready", 0) + 2)
    five_xx = [(t, n, s) for t, n, s in ANSWERS if s >= 500 or s == 0]
    outside = [(round(t - started, 1), n, s) for t, n, s in five_xx if not window[0] <= t <= window[1]]
    in_db = district.submissions()
    killed = f"127.0.0.1:{district.servers[1].port}"
    proxied = district.upstream_log()
    down = [(t, s, u) for t, s, u in proxied if log.get("kill", 0) < t < log.get("restart", 0)]
    kinds = {}
    for (name, _method), entry in sorted(stats.entries.items()):  # type: ignore[attr-defined]
        if not entry.num_requests:
            continue  # sign-ins happen before the measured part
        kinds[name] = {
            "count": entry.num_requests,
            "rps": round(entry.num_requests / seconds, 1),
            "p50": percentile(entry, 0.5),
            "p95": percentile(entry, 0.95),
            "p99": percentile(entry, 0.99),
            "failures": entry.num_failures,
            "5xx": sum(1 for _t, n, _s in five_xx if n == name),
        }
    return {
        "seconds": seconds,
        "requests": stats.total.num_requests,  # type: ignore[attr-defined]
        "rps": round(stats.total.num_requests / seconds, 1),  # type: ignore[attr-defined]
        "kinds": kinds,
        "sent": len(SENT),
        "acked": len(ACKED),
        "lost": sorted(ACKED - set(in_db)),
        "doubled": sorted(k for k, n in in_db.items() if n > 1),
        "unacked_in_db": len(set(in_db) & (SENT - ACKED)),
        "five_xx_in_window": len(five_xx) - len(outside),
        "five_xx_outside": outside[:20],
        "five_xx_outside_count": len(outside),
        "down_seconds": round(log.get("restart", 0) - log.get("kill", 0), 1),
        "served_while_down_ok": sum(1 for _t, s, u in down if s < 500 and killed not in u),
        "errors": [
            (e.name, str(e.error)[:120], e.occurrences)
            for e in stats.errors.values()  # type: ignore[attr-defined]
        ],
        "served_while_down_by_killed": sum(1 for _t, s, u in down if u == killed),
        "jobs": district.jobs(),
        "recovery_seconds": round(log.get("ready", 0) - log.get("kill", 0), 1),
        "served_after_restart_by_restarted": sum(
            1 for t, s, u in proxied if t > log.get("ready", 0) and u == killed
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--residents", type=int, default=300_000)
    parser.add_argument("--tickets", type=int, default=2_000_000)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--app-servers", type=int, default=3)
    parser.add_argument("--app-workers", type=int, default=2, help="gunicorn workers per app server")
    parser.add_argument("--worker-cmd", default="flask --app wsgi worker")
    parser.add_argument("--json", help="also write the figures and counts to this file")
    args = parser.parse_args()
    worker_cmd = (
        shlex.split(args.worker_cmd.replace("flask ", f"{rig.BIN / 'flask'} ", 1)) if args.worker_cmd else []
    )
    if (
        worker_cmd
        and subprocess.run([*worker_cmd, "--help"], cwd=rig.ROOT, capture_output=True).returncode != 0
    ):
        print(f"note: no worker command here ({args.worker_cmd!r} fails): no workers started, none killed")
        worker_cmd = []
    kiosks, cards = max(2, args.users // 5), max(args.users, 20)
    with rig.District(
        app_servers=args.app_servers, app_workers=args.app_workers, worker_cmd=worker_cmd
    ) as district:
        t0 = time.perf_counter()
        seeded = district.seed(args.communities, args.residents, args.tickets, kiosks, cards)
        print(f"seeded {seeded['counts']} in {seeded['seconds']} s", flush=True)
        KIOSK_TOKENS.extend(seeded["kiosks"])
        CARDS.extend(seeded["cards"])
        STAFF.extend(seeded["staff"])
        API.append(seeded["api_key"])
        SLUGS.extend(seeded["slugs"])
        district.start()
        print(
            f"nginx (TLS) on {district.base} -> {args.app_servers} app servers x {args.app_workers} workers,"
            f" {len(district.job_workers)} job workers; {time.perf_counter() - t0:.0f} s to here",
            flush=True,
        )
        stats, log, started = drive(district, args)
        result = summary(district, stats, log, started, args.seconds)
    result["seeded"] = seeded["counts"]
    result["workers"] = 2 if worker_cmd else 0
    report(result, args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


def report(result: dict, args: argparse.Namespace) -> None:
    print(
        f"\n{result['seconds']} s, {args.users} users: {result['requests']} requests ({result['rps']}/s),"
        f" milliseconds:\n"
    )
    print("| kind of request | count | req/s | p50 | p95 | p99 | failures | 5xx |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, k in result["kinds"].items():
        print(
            f"| {name} | {k['count']} | {k['rps']} | {k['p50']:.0f} | {k['p95']:.0f} | {k['p99']:.0f}"
            f" | {k['failures']} | {k['5xx']} |"
        )
    for goal, kinds, limit in (
        ("staff queue", STAFF_QUEUE_KINDS, 100),
        ("resident pages", RESIDENT_KINDS, 150),
        ("API what changed", API_KINDS, 100),
    ):
        worst = max((result["kinds"][k]["p95"] for k in kinds if k in result["kinds"]), default=0)
        print(f"goal {goal} p95 <= {limit} ms: worst {worst:.0f} ms {'met' if worst <= limit else 'MISSED'}")
    print(
        f"submissions: {result['sent']} sent, {result['acked']} acknowledged, lost {len(result['lost'])},"
        f" doubled {len(result['doubled'])}, unacknowledged but stored once {result['unacked_in_db']}"
    )
    print(
        f"kill -9: app server down {result['down_seconds']} s"
        f" (answering again after {result['recovery_seconds']} s);"
        f" nginx served {result['served_while_down_ok']} requests from the others meanwhile,"
        f" {result['served_while_down_by_killed']} from the dead one; 5xx in the kill window"
        f" {result['five_xx_in_window']}, outside {result['five_xx_outside_count']}"
    )
    jobs = result["jobs"]
    print(
        f"jobs (a worker killed too): {jobs['outbox_delivered']} outbox messages delivered,"
        f" {jobs['sms_messages']} texts at the SMS file in {jobs['sms_lines']} lines, sent twice"
        f" {jobs['sms_sent_twice']}; {jobs['rounds']} periodic rounds claimed,"
        f" run twice {jobs['rounds_run_twice']}"
    )
    for name, error, times in result["errors"]:
        print(f"  error: {name}: {error} x{times}")
    for row in result["five_xx_outside"]:
        print(f"  5xx outside the window: {row}")
    if not result["workers"]:
        print("workers: none (no worker command): no job counted")


if __name__ == "__main__":
    main()
