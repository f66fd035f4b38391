"""The real worker (`webapp.jobs.worker.run_worker`, 4 threads), as a process a test can kill.

Run as `python -m tests.integration.outbox_worker` with the environment the test gives it; its channels are the
real adapters, pointed by the test's channel settings at the local gateways (tests/integration/gateways.py).
Without schedules, unless `--periodic`: then Huey's scheduler runs as in production, and the log (INFO, on
standard error) says which periodic task was enqueued and which period each round claimed or found taken.
"""

from __future__ import annotations

import logging
import sys

from webapp import create_app
from webapp.jobs.worker import run_worker

if __name__ == "__main__":
    periodic = "--periodic" in sys.argv
    if periodic:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    run_worker(create_app(), workers=4, periodic=periodic)
