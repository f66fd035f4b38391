"""The real worker (`webapp.jobs.worker.run_worker`, 4 threads, no schedules), as a process a test can kill.

Run as `python -m tests.integration.outbox_worker` with the environment the test gives it; its channels are the
real adapters, pointed by the test's channel settings at the local gateways (tests/integration/gateways.py).
"""

from __future__ import annotations

from webapp import create_app
from webapp.jobs.worker import run_worker

if __name__ == "__main__":
    run_worker(create_app(), workers=4, periodic=False)
