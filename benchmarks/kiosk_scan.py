"""Scan -> greeting at the kiosk, as a resident feels it: Chromium, gunicorn (2 workers), the demo database.

For each of 20 scans the card URL is typed at scanner speed; the clock runs from the Enter key to the
greeting being on screen; then "Finish" resets the kiosk. Prints the median and the worst.

    .venv/bin/python benchmarks/kiosk_scan.py [--scans 20]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import BIN, ROOT, free_port, wait_for  # noqa: E402

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="linli-scan-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LINLI_INSTANCE_PATH": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "LINLI_DEMO_PASSWORD": "bench-password",
        "LINLI_BASE_URL": base,
    }
    demo = subprocess.run(
        [BIN / "flask", "--app", "wsgi", "demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    card = re.search(r"card link (\S+)", demo).group(1)
    pairing = re.search(r"pairing link: (\S+)", demo).group(1)
    gunicorn = subprocess.Popen(
        [
            BIN / "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1080, "height": 1920})
            page.goto(pairing)
            page.click(".pair-form button[type=submit]")
            page.wait_for_url(base + "/kiosk/")
            times = []
            for _ in range(args.scans):
                page.keyboard.type(card, delay=5)
                start = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_selector("h1.greeting")
                times.append((time.perf_counter() - start) * 1000)
                page.click("form[data-finish] button")
                page.wait_for_url(base + "/kiosk/")
                page.wait_for_load_state("load")
            browser.close()
        print(
            f"scan -> greeting over {len(times)} scans (Chromium, gunicorn 2 workers, SQLite demo database):"
        )
        print(
            f"  median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms, best {min(times):.0f} ms"
        )
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
