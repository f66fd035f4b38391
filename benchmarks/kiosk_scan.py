"""Scan -> greeting at the kiosk, as a resident feels it: Chromium, gunicorn (2 workers), the demo database.

For each of 20 scans the card URL is typed at scanner speed; the clock runs from the Enter key to the
greeting being on screen; then "Finish" resets the kiosk. Prints the median and the worst.

    .venv/bin/python benchmarks/kiosk_scan.py [--scans 20] [--threads 4]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import demo_gunicorn  # noqa: E402

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
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (gthread), as deployed; 1: sync"
    )
    args = parser.parse_args()
    model = (
        ("--worker-class", "gthread", "--threads", str(args.threads), "--keep-alive", "75")
        if args.threads > 1
        else ()
    )
    with demo_gunicorn("linli-scan-", model) as server:
        base = server.base
        card = re.search(r"card link (\S+)", server.demo_output).group(1)
        pairing = re.search(r"pairing link: (\S+)", server.demo_output).group(1)
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
            f"scan -> greeting over {len(times)} scans (Chromium, gunicorn 2 workers"
            + (f" x {args.threads} threads" if args.threads > 1 else ", sync")
            + ", SQLite demo database):"
        )
        print(
            f"  median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms, best {min(times):.0f} ms"
        )


if __name__ == "__main__":
    main()
