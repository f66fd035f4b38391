"""Fixtures for the kiosk hardware: a simulated ID card reader on a pty, an ESC/POS network printer on loopback
that answers real-time status queries, a TOML writer, and a Server-Sent Events client over real HTTP."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware.idcard_simulator import SimulatedIdReader

ORIGIN = "http://localhost:5000"
SECRET = "test-secret-0123456789abcdef"
PAPER_OK = 0x12  # DLE EOT 4 answer: fixed bits only
PAPER_END = 0x72  # paper-end sensor bits 5 and 6 set


def wait_until(predicate: Callable[[], object], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until it is truthy or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@pytest.fixture
def id_reader_sim() -> Iterator[SimulatedIdReader]:
    """A GA/T 467 reader that halts a card after reading it (the common SAM behaviour)."""
    reader = SimulatedIdReader().start()
    yield reader
    reader.stop()


class FakeNetworkPrinter:
    """An ESC/POS printer on 127.0.0.1 port <random>: keeps each connection's bytes, answers DLE EOT 4."""

    def __init__(self, paper: int = PAPER_OK) -> None:
        self.paper = paper
        self.jobs: list[bytearray] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._job, args=(connection,), daemon=True).start()

    def _job(self, connection: socket.socket) -> None:
        job = bytearray()
        self.jobs.append(job)
        answered = 0
        with connection:
            connection.settimeout(5)
            while True:
                try:
                    chunk = connection.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                job += chunk
                # Real-time status is answered as soon as it arrives, as a printer does.
                while job.count(b"\x10\x04\x04") > answered:
                    answered += 1
                    connection.sendall(bytes([self.paper]))

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(2)


@pytest.fixture
def network_printer() -> Iterator[FakeNetworkPrinter]:
    """A printer with paper, on loopback."""
    printer = FakeNetworkPrinter()
    yield printer
    printer.close()


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def write_toml(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    """Write a flat TOML file (tables of scalars)."""
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def bridge_section(**overrides: Any) -> dict[str, Any]:
    """A ``[bridge]`` table on a random port."""
    return {"port": 0, "origin": ORIGIN, "secret": SECRET, **overrides}


class EventStream:
    """A real HTTP client of ``GET /events``: reads the stream line by line like EventSource does."""

    def __init__(self, port: int, key: str = SECRET, origin: str = ORIGIN, timeout: float = 5.0) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.connection.request(
            "GET", f"/events?key={key}", headers={"Origin": origin, "Accept": "text/event-stream"}
        )
        self.response = self.connection.getresponse()

    def next(self) -> tuple[str, Any]:
        """The next message: ("comment", text) or (event name, decoded data)."""
        event, data, comment = "message", [], None
        while True:
            raw = self.response.fp.readline()
            if not raw:
                raise EOFError("stream closed")
            line = raw.decode().rstrip("\n")
            if line == "":
                if data:
                    return event, json.loads("\n".join(data))
                if comment is not None:
                    return "comment", comment
                continue
            if line.startswith(":"):
                comment = line[1:].strip()
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())

    def next_event(self, skip: tuple[str, ...] = ("comment",)) -> tuple[str, Any]:
        """The next message that is not in ``skip``."""
        while True:
            name, data = self.next()
            if name not in skip:
                return name, data

    def close(self) -> None:
        self.connection.close()
