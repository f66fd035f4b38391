"""CPU per request of the busiest pages, in-process (issue 21): where a page's time goes without gunicorn, the
network or a load generator sharing the cores.

Seeds a fresh demo database (SQLite), pairs the demo kiosk, scans a demo resident's new card, and then serves
each page through Flask's test client: the static CSS file (the floor), the phone home, the kiosk attract
screen of a passer-by, and the kiosk home in that resident's visit. Prints the CPU milliseconds per request
(process time, after a warm-up) and, with --profile PATH, the cProfile of that page sorted by cumulative time.

    .venv/bin/python benchmarks/page_cost.py [--requests 2000] [--profile /kiosk/home]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from serve import demo_env, pair_demo_kiosk  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", help="a page's path to profile (one of those printed)")
    args = parser.parse_args()
    with demo_env("linli-page-cost-") as (env, _output, _port):
        device = pair_demo_kiosk(env)
        os.environ.update(env)
        from webapp import create_app
        from webapp.domain.identity.cards import issue_card
        from webapp.domain.privacy.audit import SYSTEM
        from webapp.infra.db import database
        from webapp.models import Resident

        app = create_app()
        with database(app).sessionmaker() as db:
            resident = db.query(Resident).order_by(Resident.id).first()
            card = issue_card(db, SYSTEM, resident)
            db.commit()
            scan = card.url("https://linli.example")
        passer_by = app.test_client()
        passer_by.set_cookie("linli_kiosk", device)
        visit = app.test_client()
        visit.set_cookie("linli_kiosk", device)
        html = visit.get("/kiosk/").get_data(as_text=True)
        csrf = re.search(r'data-csrf="([^"]+)"', html).group(1)
        if not visit.post("/kiosk/identify", data={"csrf_token": csrf, "scan": scan}).json["ok"]:
            raise SystemExit("the card scan failed")
        pages = [
            ("static CSS (floor)", "/static/css/base.css", app.test_client()),
            ("phone home", "/", app.test_client()),
            ("kiosk attract, a passer-by", "/kiosk/", passer_by),
            ("kiosk home, in a visit", "/kiosk/home", visit),
        ]
        print(f"in-process CPU per request, {args.requests} requests each after 50 of warm-up (SQLite demo)")
        for name, path, client in pages:
            for _ in range(50):
                answer = client.get(path)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {answer.status_code}")
            start = time.process_time()
            for _ in range(args.requests):
                client.get(path)
            spent = (time.process_time() - start) / args.requests * 1000
            print(f"{name:32} {path:14} {spent:6.2f} ms")
            if args.profile == path:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.requests):
                    client.get(path)
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
