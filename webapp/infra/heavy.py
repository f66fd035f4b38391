"""Heavy work takes turns across the whole box, so that pages keep flowing (issue 21).

A PIN or password check is an argon2 hash: 20-100 ms of a core and up to 64 MiB, on purpose. When 300 phones
sign in at once (a Monday morning, or the lobby benchmark's warm-up), every worker was hashing and a kiosk's
attract screen waited 2-5 s behind them. Here the hashes of every worker process on the box go through a few
slots (file locks, so gunicorn's separate processes share them): at most half the cores hash, the rest serve
pages. A sign-in may wait its turn; with gunicorn's threaded workers it waits in its own thread and holds
nobody else up (argon2 releases the interpreter lock while it works, and so does the wait).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows: no slots, hashes run as they come)
    fcntl = None  # type: ignore[assignment]

SLOTS = max(1, (os.cpu_count() or 2) // 2)


def _slot_paths() -> list[Path]:
    folder = Path(os.environ.get("LINLI_HEAVY_DIR") or tempfile.gettempdir())
    return [folder / f"linli-heavy-{os.getuid()}-{n}.lock" for n in range(SLOTS)]


@contextmanager
def heavy_slot() -> Iterator[None]:
    """Hold one of the box's slots for heavy work: a free one at once, else wait for one."""
    if fcntl is None:
        yield
        return
    paths = _slot_paths()
    held = None
    for path in paths:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        held = fd
        break
    if held is None:
        held = os.open(paths[os.getpid() % len(paths)], os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(held, fcntl.LOCK_EX)
        except BaseException:  # interrupted while waiting (a worker told to stop): no descriptor left open
            os.close(held)
            raise
    try:
        yield
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)
