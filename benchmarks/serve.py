"""Serve the demo under gunicorn (2 workers) and print throughput, latency and memory.

Figures: requests/s and p50/p99 latency for the kiosk attract screen, the phone home and, as the
floor to compare against, a static CSS file served by the same gunicorn; peak RSS per worker.
Uses `wrk` (Debian package) when installed, else a small Python load client. Loopback only.

    .venv/bin/python benchmarks/serve.py [--seconds 10] [--connections 8]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def wrk(url: str, seconds: int, connections: int, cookie: str = "") -> tuple[float, float, float]:
    out = subprocess.run(
        [
            "wrk",
            "--latency",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"errors while loading {url}:\n{out}")
    return rps, pct("50"), pct("99")


def python_load(url: str, seconds: int, connections: int, cookie: str = "") -> tuple[float, float, float]:
    host_port, path = url.split("//", 1)[1].split("/", 1)
    host, port = host_port.split(":")
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        mine = []
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            start = time.perf_counter()
            conn.request("GET", "/" + path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            conn.close()
            if response.status != 200:
                raise SystemExit(f"{url}: HTTP {response.status}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    quantiles = statistics.quantiles(latencies, n=100)
    return len(latencies) / seconds, quantiles[49], quantiles[98]


def pair_demo_kiosk(env: dict[str, str]) -> str:
    """Pair the demo kiosk as staff would, and return the device token its browser keeps."""
    code = (
        subprocess.run(
            [BIN / "flask", "--app", "wsgi", "kiosk-pair", "1"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .rsplit("=", 1)[1]
    )
    script = (
        "import sys; from webapp import create_app; from webapp.infra.db import database; "
        "from webapp.domain.kiosk.devices import pair; app = create_app(); "
        "s = database(app).sessionmaker(); k, t = pair(s, sys.argv[1]); s.commit(); print(t)"
    )
    return subprocess.run(
        [sys.executable, "-c", script, code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def start_visit(env: dict[str, str], kiosk_cookie: str, base: str) -> str:
    """Scan a demo resident's new card at the paired kiosk; returns the cookies of that visit (kiosk and
    session). The load keeps the visit alive: each of its pages counts as the resident still being there."""
    script = (
        "from webapp import create_app; from webapp.infra.db import database; "
        "from webapp.domain.identity.cards import issue_card; "
        "from webapp.domain.privacy.audit import SYSTEM; "
        "from webapp.models import Resident; app = create_app(); s = database(app).sessionmaker(); "
        "r = s.query(Resident).order_by(Resident.id).first(); c = issue_card(s, SYSTEM, r); s.commit(); "
        "print(c.url('https://linli.example'))"
    )
    scan = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    host, port = base.split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/kiosk/", headers={"Cookie": kiosk_cookie})
    response = conn.getresponse()
    csrf = re.search(r'data-csrf="([^"]+)"', response.read().decode()).group(1)
    session = re.search(r"linli_session=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    body = urllib.parse.urlencode({"csrf_token": csrf, "scan": scan})
    cookie = f"{kiosk_cookie}; linli_session={session}"
    conn.request(
        "POST",
        "/kiosk/identify",
        body=body,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    answer = response.read().decode()
    if '"ok":true' not in answer.replace(" ", ""):
        raise SystemExit(f"the card scan failed: {answer[:200]}")
    session = re.search(r"linli_session=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    conn.close()
    return f"{kiosk_cookie}; linli_session={session}"


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def rss_kib(pid: int, field: str = "VmHWM") -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1))


@dataclass
class DemoServer:
    base: str
    env: dict[str, str]
    demo_output: str
    pid: int


@contextmanager
def demo_env(prefix: str) -> Iterator[tuple[dict[str, str], str, int]]:
    """A fresh demo database (SQLite) in a temporary instance folder: the environment to serve it, the demo's
    output (sign-ins, card link, pairing link) and the free loopback port the base URL names."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    env = {
        **os.environ,
        "LINLI_INSTANCE_PATH": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "LINLI_DEMO_PASSWORD": "bench-password",
        "LINLI_BASE_URL": f"http://127.0.0.1:{port}",
    }
    try:
        demo = [BIN / "flask", "--app", "wsgi", "demo"]
        output = subprocess.run(demo, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
        yield env, output, port
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


_compiled: list[bool] = []


def compile_bytecode() -> None:
    """deploy/compile-bytecode, once a benchmark run: it looks at every file of the venv and Python's library
    (seconds, even with nothing to compile), which a cold start's timing must not include."""
    if not _compiled:
        subprocess.run(
            [ROOT / "deploy" / "compile-bytecode", Path(sys.executable).parent.parent, ROOT],
            check=False,  # Python's own library may be read-only here (not root): it compiles as imported
            capture_output=True,
        )
        _compiled.append(True)


def as_deployed(env: dict[str, str]) -> dict[str, str]:
    """The environment of the web service as deploy/ runs it: at most two malloc arenas (gunicorn.conf.py;
    without it a threaded worker measured 3-4 MiB more than deployed), no docstrings or asserts
    (PYTHONOPTIMIZE=2, deploy/systemd/linli-web.service: about 5 MiB less a worker) and no column positions in
    code objects (PYTHONNODEBUGRANGES=1: about 0.5 MiB). That bytecode is compiled first, as the install step
    does (deploy/compile-bytecode): otherwise each worker would compile every library as it starts."""
    compile_bytecode()
    return {"MALLOC_ARENA_MAX": "2", "PYTHONOPTIMIZE": "2", "PYTHONNODEBUGRANGES": "1", **env}


def start_gunicorn(env: dict[str, str], port: int, *options: str) -> subprocess.Popen[bytes]:
    """`gunicorn --workers 2 wsgi:app` on the port, quiet, as deployed (`as_deployed`); options are further
    gunicorn flags."""
    command = [BIN / "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    return subprocess.Popen([*command, *options, "wsgi:app"], cwd=ROOT, env=as_deployed(env))


def stop_gunicorn(gunicorn: subprocess.Popen[bytes]) -> None:
    gunicorn.send_signal(signal.SIGTERM)
    gunicorn.wait(timeout=20)


@contextmanager
def demo_gunicorn(prefix: str, gunicorn_args: tuple[str, ...] = ()) -> Iterator[DemoServer]:
    """A fresh demo database (SQLite) served by gunicorn (2 sync workers unless told) on a loopback port."""
    with demo_env(prefix) as (env, output, port):
        gunicorn = start_gunicorn(env, port, *gunicorn_args)
        try:
            wait_for(port)
            yield DemoServer(base=env["LINLI_BASE_URL"], env=env, demo_output=output, pid=gunicorn.pid)
        finally:
            stop_gunicorn(gunicorn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="more than 1: gunicorn's gthread workers")
    args = parser.parse_args()
    model = (
        ("--worker-class", "gthread", "--threads", str(args.threads), "--keep-alive", "75")
        if args.threads > 1
        else ()
    )
    with demo_gunicorn("linli-bench-", ("--workers", str(args.workers), *model)) as server:
        print(
            f"gunicorn: {args.workers} workers"
            + (f" × {args.threads} threads (gthread)" if model else " (sync)")
        )
        run(server, args.seconds, args.connections)


def run(server: DemoServer, seconds: int, connections: int) -> None:
    kiosk_cookie = "linli_kiosk=" + pair_demo_kiosk(server.env)
    base = server.base
    css = re.search(r'href="(/static/css/base\.css\?v=[^"]+)"', http_get(base + "/").body).group(1)
    load = wrk if shutil.which("wrk") else python_load
    print(
        "Linli under gunicorn, SQLite demo database; load: "
        + ("wrk" if load is wrk else "Python client")
        + f", {connections} connections, {seconds} s each"
    )
    print(f"{'page':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'× floor':>10}")
    visit_cookie = start_visit(server.env, kiosk_cookie, base)
    floor = 0.0
    for label, path, cookie in (
        ("static CSS (floor)", css, kiosk_cookie),
        ("kiosk attract /kiosk/", "/kiosk/", kiosk_cookie),
        ("phone home /", "/", ""),
        ("kiosk home, in a visit", "/kiosk/home", visit_cookie),
    ):
        assert http_get(base + path, cookie).status == 200, path  # noqa: S101 (warm-up, and no redirect)
        rps, p50, p99 = load(base + path, seconds, connections, cookie)
        floor = floor or rps
        print(f"{label:<28}{rps:>10.0f}{p50:>10.2f}{p99:>10.2f}{rps / floor:>10.2f}")
        assert http_get(base + path, cookie).status == 200, path  # noqa: S101 (still the page, not a redirect)
    for pid in [*worker_pids(server.pid), server.pid]:
        role = "master" if pid == server.pid else "worker"
        print(
            f"{role} {pid}: peak RSS {rss_kib(pid) / 1024:.1f} MiB,"
            f" now {rss_kib(pid, 'VmRSS') / 1024:.1f} MiB"
        )


@dataclass
class Answer:
    status: int
    body: str


def http_get(url: str, cookie: str = "") -> Answer:
    host_port, path = url.split("//", 1)[1].split("/", 1)
    host, port = host_port.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/" + path, headers={"Cookie": cookie})
    response = conn.getresponse()
    answer = Answer(response.status, response.read().decode())
    conn.close()
    return answer


if __name__ == "__main__":
    main()
