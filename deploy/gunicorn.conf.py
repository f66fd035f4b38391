"""gunicorn settings for one box (the systemd unit and the Procfile use this file).

Two workers of four threads each (gunicorn's gthread) on a 2-core box, chosen by measurement
(benchmarks/worker_model.py, serve.py, lobby_load.py; docs/performance.md, "Which worker model"): with sync
workers a staff sign-in's 100 ms of argon2 held a whole worker, and kiosk pages fell from 2,239 to 49 a second
while four people signed in; with threads the pages went on (916 a second on 2 x 4; argon2 and waiting for the
database both release the interpreter lock). Four threads rather than eight: each worker stays under 80 MiB
(76-78 against 80-81 MiB with eight), and the lobby's mixed load answered faster (p99 56-58 against 180 ms;
pinned to one core 95 against 180 ms). A district's app servers set LINLI_WORKERS to about the number of
cores. The socket is loopback only: nginx is the way in.
"""

import os

bind = os.environ.get("LINLI_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LINLI_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("LINLI_THREADS", "4"))
# Threaded workers keep idle connections open (sync ones never did). Longer than nginx keeps its idle upstream
# connections (keepalive_timeout 60s in deploy/nginx/linli.conf): the side that closes first must be nginx, or
# a request sent just as gunicorn closes meets a reset, and nginx does not send a POST again.
keepalive = 75
# Each worker imports the app itself (no --preload). Measured (benchmarks/startup.py; docs/performance.md,
# "Start-up and memory"): preloading puts the whole app in the master (76 MiB, not 26; the goal is 30).
# It would save some memory in all (about 13 MiB with 2 workers, more with more) and halve the cold start,
# but would need the engine's pool disposed after the fork (the schema check at start leaves a connection).
preload_app = False
timeout = 30
graceful_timeout = 20
max_requests = 5000  # a worker starts afresh now and then: memory stays flat over months without a restart
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"


def _fewer_malloc_arenas() -> None:
    """glibc gives threads their own malloc heaps (up to 8 per core), each keeping what it once held: with 8
    threads a worker settled about 5 MiB higher (94 against 89 MiB, benchmarks/serve.py, 2026-12-06). Two are
    enough for threads that mostly wait. Set here, in the master, before the workers are forked: they inherit
    it."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX


_fewer_malloc_arenas()


def on_starting(server):
    """Workers are processes: /metrics adds up their counters through files in one folder, fresh at each start
    (prometheus_client's multiprocess mode)."""
    import shutil
    import tempfile

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="linli-metrics-")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
