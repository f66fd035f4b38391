"""``python -m hardware`` as the kiosk box runs it: a real process with a config file, a simulated reader on a pty,
a real SSE client; the print-test and check-config commands; and the package standing alone."""

import ast
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import hardware
from hardware.idcard_simulator import sample_record

from .conftest import ORIGIN, SECRET, EventStream, bridge_section, wait_until, write_toml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(hardware.__file__).parent


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hardware", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class Running:
    """``python -m hardware --config FILE`` in the background, its log collected line by line."""

    def __init__(self, config: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hardware", "--config", str(config), "--log-level", "DEBUG"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def port(self) -> int:
        assert wait_until(lambda: "bridge listening on" in self.log, timeout=20), self.log
        match = re.search(r"bridge listening on http://127\.0\.0\.1:(\d+)", self.log)
        assert match
        return int(match.group(1))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=15)


def test_the_kiosk_box_program_end_to_end(tmp_path, id_reader_sim):
    config = write_toml(
        tmp_path / "kiosk-hardware.toml",
        {
            "bridge": bridge_section(keepalive_s=0.5),
            "id_reader": {"port": id_reader_sim.path, "poll_ms": 50},
            "printer": {"kind": "file", "path": "ticket.bin", "profile": "TM-T20II"},
        },
    )
    running = Running(config)
    try:
        port = running.port()
        stream = EventStream(port)
        assert stream.next_event()[0] == "status"
        record = sample_record()
        id_reader_sim.place(record)
        name, data = stream.next_event(skip=("comment", "status"))
        assert (name, data) == ("id_card", {"id_number": record.id_number})
        stream.close()

        assert print_sample(port) == (200, {"ok": True})
        assert "幸福里社区".encode("gb18030") in (tmp_path / "ticket.bin").read_bytes()
    finally:
        code = running.stop()
    assert code == 0
    assert "ID card read" in running.log
    for personal in (record.name, record.id_number, record.address, SECRET):
        assert personal not in running.log


def test_print_test_writes_a_sample_ticket(tmp_path):
    out = tmp_path / "sample.bin"
    result = run_cli("print-test", "--output", str(out), "--profile", "TM-T20II")
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert b"\x1d(k" in data
    assert data.endswith(b"\x1dV\x00")
    assert "幸福里社区".encode("gb18030") in data


def test_check_config(tmp_path):
    good = write_toml(tmp_path / "good.toml", {"bridge": bridge_section()})
    result = run_cli("check-config", "--config", str(good))
    assert result.returncode == 0
    assert "127.0.0.1" in result.stdout
    assert SECRET not in result.stdout
    bad = write_toml(tmp_path / "bad.toml", {"bridge": bridge_section(host="0.0.0.0")})  # noqa: S104
    result = run_cli("--config", str(bad))
    assert result.returncode == 2
    assert "127.0.0.1" in result.stderr


def test_simulate_id_answers_on_its_pty(tmp_path):
    link = tmp_path / "linli-id"
    process = subprocess.Popen(
        [sys.executable, "-m", "hardware", "simulate-id", "--link", str(link)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdin is not None
        assert "ID reader simulator on" in process.stdout.readline()
        process.stdout.readline()
        from hardware.idcard_reader import SamReader, open_serial

        port = open_serial(str(link), 115200)
        try:
            reader = SamReader(port)
            assert reader.find_card() is False
            process.stdin.write("place 440301198506151238\n")
            process.stdin.flush()
            assert process.stdout.readline().strip() == "card placed"
            assert reader.find_card()
            assert reader.select_card()
            assert reader.read_record().id_number == "440301198506151238"
        finally:
            port.close()
        assert quit_simulator(process) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_simulate_runs_a_whole_kiosk_box_without_devices(tmp_path):
    """A scan on the simulated serial scanner and a card on the simulated reader reach the page's event stream
    through the real serial code; a print request lands in the printer file; nothing personal is logged."""
    config = write_toml(tmp_path / "bridge.toml", {"bridge": bridge_section(keepalive_s=0.5)})
    ticket = tmp_path / "ticket.bin"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hardware",
            "simulate",
            "--config",
            str(config),
            "--printer-file",
            str(ticket),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdin is not None

    def say(command: str) -> str:
        process.stdin.write(command + "\n")
        process.stdin.flush()
        return process.stdout.readline().strip()

    try:
        match = re.search(r"bridge on http://127\.0\.0\.1:(\d+)", process.stdout.readline())
        assert match
        assert "/dev/pts/" in process.stdout.readline()
        process.stdout.readline()
        stream = EventStream(int(match.group(1)))
        assert stream.next_event()[0] == "status"
        assert wait_until(lambda: json.loads(status(int(match.group(1))))["scanner"] == "ok", timeout=10)
        assert say("scan https://linli.example.org/c/AbC-123") == "scanned"
        assert stream.next_event(skip=("comment", "status")) == (
            "scan",
            {"text": "https://linli.example.org/c/AbC-123"},
        )
        assert say("place 4403011985061512380000") == "not done: field too long for its slot"  # mistyped
        assert say("place 440301198506151238") == "card placed"  # and the reader still works
        name, data = stream.next_event(skip=("comment", "status"))
        assert (name, data) == ("id_card", {"id_number": "440301198506151238"})
        stream.close()
        assert print_sample(int(match.group(1))) == (200, {"ok": True})
        assert "幸福里社区".encode("gb18030") in ticket.read_bytes()
        assert quit_simulator(process) == 0
    finally:
        if process.poll() is None:
            process.kill()
    log = process.stderr.read() if process.stderr else ""
    assert "ID card read" in log
    for personal in ("440301198506151238", "王秀英", SECRET):
        assert personal not in log


def quit_simulator(process: subprocess.Popen[str]) -> int:
    """Type ``quit`` as a person would; the simulator's exit code."""
    assert process.stdin is not None
    process.stdin.write("quit\n")
    process.stdin.flush()
    return process.wait(timeout=15)


def print_sample(port: int) -> tuple[int, object]:
    """Ask the bridge to print a ticket as the kiosk page does; (HTTP status, JSON answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps(
        {"community": "幸福里社区", "number": "B-0427", "title": "报修", "qr": "https://x.org/t/1"}
    )
    headers = {"Origin": ORIGIN, "X-Linli-Bridge-Key": SECRET, "Content-Type": "application/json"}
    connection.request("POST", "/print", body.encode(), headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def status(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/status", headers={"Origin": ORIGIN, "X-Linli-Bridge-Key": SECRET})
    return connection.getresponse().read().decode()


def test_hardware_imports_nothing_from_the_web_app():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("webapp", "kiosk"), f"{path.name} imports {name}"
    modules = sorted(f"hardware.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + ("bad = [m for m in sys.modules if m.split('.')[0] in ('webapp', 'kiosk', 'flask')]\nprint(bad)")
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
