"""What the test suite costs, file by file and test by test, in CPU time as well as wall time.

A shared machine's wall time says more about the neighbours than about the tests; the CPU time of pytest and
of every process it waited for (Playwright's driver, Chromium and its renderers) does not. Two commands:

    python benchmarks/test_time.py run TREE LABEL OUT.jsonl tests/browser/test_kiosk.py [more files …]
    python benchmarks/test_time.py table OLD.jsonl NEW.jsonl

`run` runs each file in its own pytest in worktree TREE (its .venv; SQLite, DATABASE_URL unset) and appends a
line per file: wall and CPU seconds, the outcome, and each test's time from pytest's JUnit report (setup, call
and teardown). `table` prints the Markdown table of docs/performance.md "Test suite time": per file the old
and new CPU and wall, and the sums over the tests both runs have (matched by test id; the last run of a file
counts). Run the old and the new tree alternately (or side by side) so that both meet the same neighbours.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

OUTCOMES = {"failure": "failed", "error": "failed", "skipped": "skipped"}
COLUMNS = ["file", "tests old / new (common)", "CPU s old", "CPU s new", "wall s old", "wall s new"]


def run(tree: str, label: str, out: str, targets: list[str]) -> None:
    for target in targets:
        xml = Path(tempfile.mkdtemp()) / "junit.xml"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        args = [
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "junit_duration_report=total",
            f"--junitxml={xml}",
            target,
        ]
        proc = subprocess.run(  # noqa: S603 (our own venv's pytest)
            [".venv/bin/python", "-m", "pytest", *args], cwd=tree, env=env, capture_output=True, text=True
        )
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        tests = {}
        if xml.exists():
            for case in ET.parse(xml).getroot().iter("testcase"):  # noqa: S314 (pytest's own report)
                status = "passed"
                for child in case:
                    status = {"failure": "failed", "error": "failed", "skipped": "skipped"}.get(
                        child.tag, status
                    )
                tests[f"{case.get('classname')}::{case.get('name')}"] = [float(case.get("time") or 0), status]
        lines = proc.stdout.strip().splitlines() or [proc.stderr[-300:]]
        record = {"label": label, "target": target, "wall": round(wall, 2), "cpu": round(cpu, 2)}
        record |= {"rc": proc.returncode, "summary": lines[-1], "tests": tests}
        with open(out, "a") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(label, target, f"wall={wall:.1f} cpu={cpu:.1f} rc={proc.returncode}", lines[-1], flush=True)


def latest(path: str) -> dict[str, dict]:
    runs: dict[str, dict] = {}
    for line in Path(path).read_text().splitlines():
        record = json.loads(line)
        if record["tests"] and record["rc"] in (0, 1):
            runs[record["target"]] = record
    return runs


def table(old_path: str, new_path: str) -> None:
    old, new = latest(old_path), latest(new_path)
    print("| " + " | ".join([*COLUMNS, "common tests' time old → new"]) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    sums = [0.0] * 6
    for target in sorted(set(old) & set(new)):
        o, n = old[target], new[target]
        common = set(o["tests"]) & set(n["tests"])
        t_old = sum(o["tests"][t][0] for t in common)
        t_new = sum(n["tests"][t][0] for t in common)
        counts = f"{len(o['tests'])} / {len(n['tests'])} ({len(common)})"
        print(
            f"| {target} | {counts} | {o['cpu']:.0f} | {n['cpu']:.0f} | {o['wall']:.0f} | {n['wall']:.0f} "
            f"| {t_old:.0f} → {t_new:.0f} |"
        )
        for i, value in enumerate((o["cpu"], n["cpu"], o["wall"], n["wall"], t_old, t_new)):
            sums[i] += value
    print(
        f"| **all** | | **{sums[0]:.0f}** | **{sums[1]:.0f}** | **{sums[2]:.0f}** | **{sums[3]:.0f}** "
        f"| **{sums[4]:.0f} → {sums[5]:.0f}** |"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        run(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    elif sys.argv[1:2] == ["table"]:
        table(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
