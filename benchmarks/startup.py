"""Start-up and memory (issue 21): what `import wsgi` costs, cold start to a first answer, RSS per process.

Prints (a) the top cumulative imports of `wsgi` (`python -X importtime`) and which heavy packages it loads,
(b) cold start: `gunicorn --workers 2 wsgi:app` on a fresh demo SQLite database, from process start to the
first 200 on `/`, median of 5, (c) the master's and workers' RSS (VmRSS now, VmHWM peak, PSS: shared pages
divided among the processes that share them) after warm-up loads of `/`, the paired kiosk's `/kiosk/` and the
staff sign-in page, and (d) the same after one staff sign-in (argon2) and a staff page.
Both with and without gunicorn's `--preload` (the app imported once in the master, then forked).

    .venv/bin/python benchmarks/startup.py [--runs 5] [--top 20]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import (  # noqa: E402
    ROOT,
    compile_bytecode,
    demo_env,
    pair_demo_kiosk,
    rss_kib,
    start_gunicorn,
    stop_gunicorn,
    wait_for,
    worker_pids,
)

# Packages a page load does not need (tests/web/test_startup.py keeps them out of `import wsgi`).
HEAVY = (
    "huey",
    "redis",
    "psycopg",
    "webauthn",
    "OpenSSL",
    "pyasn1",
    "cbor2",
    "cryptography",
    "qrcode",
    "pydantic",
    "spectree",
    "PIL",
    "openpyxl",
    "reportlab",
    "escpos",
    "serial",
    "usb",
    "evdev",
    "pywebpush",
    "locust",
    "alembic",
)
STAFF = ("worker", "bench-password")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def import_profile(env: dict[str, str], top: int) -> None:
    """`python -X importtime -c "import wsgi"`: the slowest imports (cumulative: parents include children)."""
    script = (
        "import wsgi, sys; print(len(sys.modules)); "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    rows = []
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if found:
            rows.append((int(found.group(2)), int(found.group(1)), len(found.group(3)) // 2, found.group(4)))
    count, packages = done.stdout.splitlines()[:2]
    print(f"(a) import wsgi: {count} modules; top {top} by cumulative time (one run, load-dependent)")
    print(f"    {'cumulative ms':>13} {'self ms':>8}  module (depth)")
    for cumulative, own, depth, name in sorted(rows, reverse=True)[:top]:
        print(f"    {cumulative / 1000:>13.1f} {own / 1000:>8.1f}  {name} ({depth})")
    loaded = [p for p in HEAVY if p in packages.split()]
    print(f"    heavy packages loaded by import wsgi: {', '.join(loaded) or 'none'}")


def bytecode_cache() -> str:
    """Whether webapp/ and kiosk/ have compiled bytecode: without it each worker compiles them at each start
    (the service may not write its source folder; docs/deployment.md compiles them at install)."""
    sources = [p for folder in ("webapp", "kiosk") for p in (ROOT / folder).rglob("*.py")]
    cached = [p for p in sources if any(p.parent.glob(f"__pycache__/{p.stem}.*.pyc"))]
    return f"bytecode cached for {len(cached)} of {len(sources)} modules of webapp/ and kiosk/"


def first_answer(url: str, timeout: float = 30) -> float:
    """Seconds until *url* answers 200 (connections are refused until gunicorn binds)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.01)
    raise SystemExit(f"{url} did not answer in {timeout} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used: less dependent on the machine's load than wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cold_starts(
    env: dict[str, str], port: int, runs: int, options: tuple[str, ...]
) -> tuple[list[float], list[float]]:
    """Wall seconds from process start to the first 200 on `/`, and the CPU seconds the workers and the master
    had used by then (all processes together: with --preload the master imports the app)."""
    times, cpu = [], []
    compile_bytecode()  # as at install: not part of a start
    for _ in range(runs):
        start = time.monotonic()
        gunicorn = start_gunicorn(env, port, *options)
        try:
            first_answer(f"http://127.0.0.1:{port}/")
            times.append(time.monotonic() - start)
            cpu.append(sum(cpu_seconds(pid) for pid in [gunicorn.pid, *worker_pids(gunicorn.pid)]))
        finally:
            stop_gunicorn(gunicorn)
    return times, cpu


def pss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(re.search(r"^Pss:\s+(\d+) kB", text, re.MULTILINE).group(1))


# Native libraries of heavy packages, listed for a worker that has imported the package (memory, not a guess).
NATIVE = ("cryptography", "OpenSSL", "cbor2", "psycopg", "redis", "PIL", "pydantic_core", "_argon2")


def native_mapped(pid: int) -> list[str]:
    maps = Path(f"/proc/{pid}/maps").read_text()
    return [name for name in NATIVE if f"site-packages/{name}" in maps]


def memory(master: int, label: str) -> None:
    print(f"    {label}")
    total = 0
    for pid in [master, *worker_pids(master)]:
        role = "master" if pid == master else "worker"
        pss = pss_kib(pid)
        total += pss
        now, peak, pss_mib = rss_kib(pid, "VmRSS") / 1024, rss_kib(pid) / 1024, pss / 1024
        print(f"      {role:<6} VmRSS {now:6.1f} MiB  VmHWM (peak) {peak:6.1f} MiB  PSS {pss_mib:6.1f} MiB")
    print(f"      total PSS (what the box really spends) {total / 1024:.1f} MiB")
    for pid in worker_pids(master):
        print(f"      worker {pid}: native libraries mapped: {', '.join(native_mapped(pid)) or 'none'}")


def warm_up(base: str, kiosk_cookie: str, loads: int = 20) -> None:
    """Each page *loads* times from 2 threads at once, so both sync workers serve each of them."""

    def load(path: str, cookie: str) -> None:
        for _ in range(loads // 2):
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
                response.read()
                if response.status != 200 or response.url != base + path:
                    raise SystemExit(f"{path}: {response.status} at {response.url}")

    for path, cookie in (("/", ""), ("/kiosk/", kiosk_cookie), ("/staff/sign-in", "")):
        threads = [threading.Thread(target=load, args=(path, cookie)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def staff_sign_in(base: str) -> None:
    """One staff sign-in with a password (one argon2 verification), then the staff dashboard."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/staff/sign-in", timeout=30).read().decode()
    form = {"username": STAFF[0], "password": STAFF[1], "csrf_token": CSRF.search(page).group(1)}
    with opener.open(base + "/staff/sign-in", urllib.parse.urlencode(form).encode(), timeout=30) as answer:
        if "/staff/sign-in" in answer.url:
            raise SystemExit(f"staff sign-in failed: {answer.status} at {answer.url}")
    for _ in range(3):
        opener.open(base + "/staff/", timeout=30).read()


def serve_and_measure(env: dict[str, str], port: int, runs: int, options: tuple[str, ...]) -> None:
    base = f"http://127.0.0.1:{port}"
    times, cpu = cold_starts(env, port, runs, options)
    print(
        f"(b) cold start to first 200 on /: median {statistics.median(times):.2f} s of {runs}"
        f" ({', '.join(f'{t:.2f}' for t in times)}); CPU used by then, master and workers together:"
        f" median {statistics.median(cpu):.2f} s"
    )
    kiosk_cookie = "linli_kiosk=" + pair_demo_kiosk(env)
    gunicorn = start_gunicorn(env, port, *options)
    try:
        wait_for(port)
        first_answer(base + "/")
        memory(gunicorn.pid, "just started (one answer on /)")
        warm_up(base, kiosk_cookie)
        memory(gunicorn.pid, "(c) after warm-up: / , /kiosk/ (paired), /staff/sign-in, 20 loads each")
        staff_sign_in(base)
        memory(gunicorn.pid, "(d) after one staff sign-in (argon2id, 64 MiB) and the staff dashboard")
    finally:
        stop_gunicorn(gunicorn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    with demo_env("linli-startup-") as (env, _output, port):
        load = Path("/proc/loadavg").read_text().split()[:3]
        print(f"Linli start-up and memory; load average {' '.join(load)}; {bytecode_cache()}")
        import_profile(env, args.top)
        for options in ((), ("--preload",)):
            print(f"\n=== gunicorn --workers 2 {' '.join(options) or '(no --preload)'} wsgi:app")
            serve_and_measure(env, port, args.runs, options)


if __name__ == "__main__":
    main()
