"""The whole CPU of one pytest run over a given list of test ids, Chromium's renderers included (issue 22).

Chromium's renderers are orphaned when they end, so their CPU never reached the parent that waited for
pytest (`RUSAGE_CHILDREN` counted Playwright's driver and the browser process only). This process makes itself
the subreaper of everything below it (`prctl(PR_SET_CHILD_SUBREAPER)`), so orphans are handed to it, and reaps
them after pytest returns: their CPU is then in the figure. Run the same ids in an old and a new tree, old,
new, new, old, on a quiet machine:

    python benchmarks/suite_cpu.py TREE IDS.txt          # TREE: a checkout with .venv; SQLite, browsers on
    LINLI_SUITE_LOG=out.txt PYTEST_ADDOPTS=--durations=40 python benchmarks/suite_cpu.py TREE IDS.txt
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def reap_all(quiet_for: float = 3.0) -> int:
    """Wait for every descendant handed to us until none is left for `quiet_for` seconds."""
    reaped, idle_since = 0, time.monotonic()
    while time.monotonic() - idle_since < quiet_for:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            reaped, idle_since = reaped + 1, time.monotonic()
        else:
            time.sleep(0.1)
    return reaped


def main() -> None:
    tree, ids_file = Path(sys.argv[1]), Path(sys.argv[2])
    ids = [line.strip() for line in ids_file.read_text().splitlines() if "::" in line]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CI"] = "true"  # browser tests run (and fail, not skip, without Chromium)
    start = time.monotonic()
    proc = subprocess.run(  # noqa: S603 (the tree's own venv)
        [str(tree / ".venv/bin/python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", *ids],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - start
    if os.environ.get("LINLI_SUITE_LOG"):  # pytest's whole output (with PYTEST_ADDOPTS=--durations=N, say)
        Path(os.environ["LINLI_SUITE_LOG"]).write_text(proc.stdout + proc.stderr)
    orphans = reap_all()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    summary = [
        line for line in proc.stdout.splitlines() if " in " in line and ("passed" in line or "failed" in line)
    ]
    failed = [
        line for line in proc.stdout.splitlines() if line.startswith("FAILED") or line.startswith("ERROR")
    ]
    print(f"{tree}: {len(ids)} ids, wall {wall:.0f} s, CPU {cpu:.0f} s (orphans reaped: {orphans})")
    print(summary[-1] if summary else proc.stdout[-500:])
    for line in failed:
        print(line)


if __name__ == "__main__":
    main()
