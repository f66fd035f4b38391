"""CPU of what issue 22 added to every browser context: the CSP violation binding and its init script, the
console and page-error listeners, the close by the fixture. Bare contexts and Visitors open the same four
pages; the CPU of this process and all its descendants (Chromium included) is read from /proc.

    .venv/bin/python benchmarks/browser_visitor_cost.py [contexts per round, 12]
"""

import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, ".")
from playwright.sync_api import sync_playwright
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Visitor
from tests.conftest import DEMO_PASSWORD, DEMO_PIN, TEST_KEY, TODAY, VAULT
from webapp import create_app, migrations
from webapp.content.demo import seed_demo
from webapp.infra.db import make_engine

d = tempfile.mkdtemp()
url = f"sqlite:///{d}/a.db"
e = make_engine(url)
migrations.upgrade(e)
with Session(e) as s:
    seed_demo(s, DEMO_PASSWORD, TODAY, VAULT, DEMO_PIN)
    s.commit()
app = create_app({"database_url": url, "instance_path": d + "/i", "encryption_key": TEST_KEY})
srv = make_server("localhost", 0, app, threaded=True)
threading.Thread(target=srv.serve_forever, daemon=True).start()
base = f"http://localhost:{srv.server_port}"


def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


N = int(sys.argv[1]) if len(sys.argv) > 1 else 12
PATHS = ["/", "/notices", "/staff/sign-in", "/kiosk/"]
with sync_playwright() as p:
    b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    import os

    HZ = os.sysconf("SC_CLK_TCK")

    def tree_cpu():
        procs = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            procs[int(pid)] = (int(f[1]), sum(int(x) for x in f[11:15]))
        mine = {os.getpid()}
        changed = True
        while changed:
            changed = False
            for pid, (ppid, _) in procs.items():
                if ppid in mine and pid not in mine:
                    mine.add(pid)
                    changed = True
        return sum(procs[p][1] for p in mine if p in procs) / HZ

    for rnd in range(2):
        for mode in ("bare", "visitor"):
            t0 = tree_cpu()
            w0 = time.monotonic()
            for _ in range(N):
                if mode == "bare":
                    ctx = b.new_context(viewport={"width": 360, "height": 740}, service_workers="block")
                    page = ctx.new_page()
                    for path in PATHS:
                        page.goto(base + path, wait_until="load")
                    ctx.close()
                else:
                    v = Visitor(b, base)
                    for path in PATHS:
                        v.goto(path)
                    v.close()
            print(
                rnd,
                mode,
                "cpu",
                round(tree_cpu() - t0, 2),
                "wall",
                round(time.monotonic() - w0, 1),
                flush=True,
            )
    b.close()
