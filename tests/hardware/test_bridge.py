"""The loopback bridge over real HTTP: SSE events, CORS and the shared secret, /print and /status, 127.0.0.1 only,
and no secret in the request log."""

import http.client
import json
import logging
from pathlib import Path

import pytest

from hardware.bridge import BridgeError, BridgeServer
from hardware.config import BridgeConfig, ConfigError, load_config
from hardware.events import EventHub, StatusBoard
from hardware.printer import TicketPrinter
from hardware.service import HardwareService

from .conftest import (
    ORIGIN,
    PAPER_END,
    SECRET,
    EventStream,
    FakeNetworkPrinter,
    bridge_section,
    wait_until,
    write_toml,
)

TICKET = {
    "community": "幸福里社区",
    "number": "B-0427",
    "title": "报修：楼道灯不亮",
    "lines": ["3号楼2单元"],
    "qr": "https://linli.example.org/t/Xk3p9QaL",
    "footer": "扫码查看进度",
}


def make_service(tmp_path: Path, printer: dict | None = None, **bridge: object) -> HardwareService:
    sections = {
        "bridge": bridge_section(keepalive_s=0.3, **bridge),
        "printer": printer or {"kind": "file", "path": str(tmp_path / "lp0"), "profile": "TM-T20II"},
    }
    service = HardwareService(load_config(write_toml(tmp_path / "kiosk-hardware.toml", sections)))
    service.start()
    return service


@pytest.fixture
def service(tmp_path):
    running = make_service(tmp_path)
    yield running
    running.stop()


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    origin: str | None = ORIGIN,
    key: str | None = SECRET,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    sent = dict(headers or {})
    if origin is not None:
        sent["Origin"] = origin
    if key is not None:
        sent["X-Linli-Bridge-Key"] = key
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    result = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    connection.close()
    return result


def post_ticket(port: int, ticket: object, **kwargs: object) -> tuple[int, dict]:
    body = json.dumps(ticket, ensure_ascii=False).encode()
    status, _, payload = call(port, "POST", "/print", body, {"Content-Type": "application/json"}, **kwargs)
    return status, json.loads(payload)


def test_events_stream_scans_and_id_numbers(service):
    stream = EventStream(service.port)
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("Content-Type").startswith("text/event-stream")
        assert stream.response.getheader("Access-Control-Allow-Origin") == ORIGIN
        name, status = stream.next_event()
        assert name == "status"
        assert status["printer"] in ("ok", "absent")
        assert "version" in status
        service.publish_scan("https://linli.example.org/c/AbC")
        assert stream.next_event() == ("scan", {"text": "https://linli.example.org/c/AbC"})
        service.publish_id_number("11010519491231002X")
        assert stream.next_event(skip=("comment", "status")) == (
            "id_card",
            {"id_number": "11010519491231002X"},
        )
        assert stream.next() == ("comment", "keep-alive")
    finally:
        stream.close()


def test_status_changes_are_pushed(service):
    stream = EventStream(service.port)
    try:
        stream.next_event()
        service.board.set("scanner", "error")
        name, status = stream.next_event()
        assert name == "status"
        assert status["scanner"] == "error"
    finally:
        stream.close()


def test_an_id_read_with_no_page_listening_is_not_kept_for_later(service):
    service.publish_id_number("11010519491231002X")
    stream = EventStream(service.port)
    try:
        stream.next_event()  # the status
        assert stream.next() == ("comment", "keep-alive")  # and nothing else
    finally:
        stream.close()


@pytest.mark.parametrize(
    ("origin", "key", "host"),
    [
        ("http://evil.example", SECRET, None),
        (None, SECRET, None),
        ("http://localhost:5001", SECRET, None),
        (ORIGIN, "wrong-secret-0123456789abcdef", None),
        (ORIGIN, None, None),
        (ORIGIN, SECRET, "rebound.example:8765"),
    ],
    ids=["other-origin", "no-origin", "other-port", "wrong-key", "no-key", "foreign-host"],
)
def test_anything_but_the_kiosk_page_with_the_secret_is_forbidden(service, origin, key, host):
    headers = {"Host": host} if host else {}
    for method, path in (("GET", "/status"), ("GET", "/events"), ("POST", "/print"), ("GET", "/nowhere")):
        body = json.dumps(TICKET).encode() if method == "POST" else None
        status, response_headers, payload = call(
            service.port, method, path, body, headers, origin=origin, key=key
        )
        assert status == 403, (method, path)
        assert json.loads(payload) == {"ok": False, "error": "forbidden"}
        if origin != ORIGIN:
            assert "access-control-allow-origin" not in response_headers


def test_the_key_may_travel_in_the_query_for_eventsource(service):
    status, _, payload = call(service.port, "GET", f"/status?key={SECRET}", key=None)
    assert status == 200
    assert json.loads(payload)["version"]


def test_cors_preflight(service):
    headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-linli-bridge-key",
    }
    status, response, _ = call(service.port, "OPTIONS", "/print", headers=headers, key=None)
    assert status == 204
    assert response["access-control-allow-origin"] == ORIGIN
    assert response["access-control-allow-methods"] == "POST"
    assert "x-linli-bridge-key" in response["access-control-allow-headers"].lower()
    assert "content-type" in response["access-control-allow-headers"].lower()
    pna = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Private-Network": "true"}
    status, response, _ = call(service.port, "OPTIONS", "/status", headers=pna, key=None)
    assert status == 204
    assert response["access-control-allow-private-network"] == "true"
    status, response, _ = call(
        service.port, "OPTIONS", "/print", headers=headers, origin="http://evil.example", key=None
    )
    assert status == 403
    assert "access-control-allow-origin" not in response
    status, _, _ = call(
        service.port, "OPTIONS", "/print", headers={"Access-Control-Request-Method": "DELETE"}, key=None
    )
    assert status == 403


def test_status(service):
    status, headers, payload = call(service.port, "GET", "/status")
    assert status == 200
    assert headers["access-control-allow-origin"] == ORIGIN
    body = json.loads(payload)
    assert set(body) == {"version", "scanner", "id_reader", "printer"}
    assert body["scanner"] == "absent"
    assert body["id_reader"] == "absent"
    assert wait_until(lambda: json.loads(call(service.port, "GET", "/status")[2])["printer"] == "ok")


def test_print_a_ticket(service, tmp_path):
    assert post_ticket(service.port, TICKET) == (200, {"ok": True})
    data = (tmp_path / "lp0").read_bytes()
    assert "幸福里社区".encode("gb18030") in data
    assert data.endswith(b"\x1dV\x00")


def test_bad_print_requests_are_400(service, tmp_path):
    status, body = post_ticket(service.port, {**TICKET, "number": "B 0427"})
    assert status == 400
    assert body["field"] == "number"
    status, _, _ = call(service.port, "POST", "/print", b"{not json", {"Content-Type": "application/json"})
    assert status == 400
    status, _, _ = call(
        service.port, "POST", "/print", json.dumps(TICKET).encode(), {"Content-Type": "text/plain"}
    )
    assert status == 400
    big = {**TICKET, "padding": "x" * 17_000}
    status, body = post_ticket(service.port, big)
    assert status == 400
    assert body["error"] == "too_large"
    assert not (tmp_path / "lp0").exists()


def test_print_failures_are_503(tmp_path):
    none = make_service(tmp_path, printer={"kind": "none"})
    try:
        assert post_ticket(none.port, TICKET) == (503, {"ok": False, "error": "no_printer"})
    finally:
        none.stop()
    fake = FakeNetworkPrinter(paper=PAPER_END)
    out = make_service(tmp_path, printer={"kind": "network", "host": "127.0.0.1", "port": fake.port})
    try:
        assert post_ticket(out.port, TICKET) == (503, {"ok": False, "error": "paper_out"})
    finally:
        out.stop()
        fake.close()


def test_the_secret_never_reaches_the_log(service, caplog):
    with caplog.at_level(logging.DEBUG):
        call(service.port, "GET", f"/status?key={SECRET}", key=None)
        call(service.port, "GET", "/status?key=guess-0123456789abcdef", key=None)
        stream = EventStream(service.port)
        stream.next_event()
        stream.close()
    assert "GET /status 200" in caplog.text
    assert "GET /status 403" in caplog.text
    assert SECRET not in caplog.text
    assert "guess-0123" not in caplog.text


def test_only_loopback(tmp_path):
    board = StatusBoard(EventHub(), "test")
    printer = TicketPrinter(
        load_config(write_toml(tmp_path / "c.toml", {"bridge": bridge_section()})).printer, board
    )
    for host in ("0.0.0.0", "192.168.1.10", "::1", "localhost"):  # noqa: S104 - each must be refused
        with pytest.raises(BridgeError):
            BridgeServer(BridgeConfig(0, ORIGIN, SECRET, host=host), EventHub(), board, printer)
        with pytest.raises(ConfigError, match="127.0.0.1"):
            load_config(write_toml(tmp_path / "bad.toml", {"bridge": bridge_section(host=host)}))
    server = BridgeServer(BridgeConfig(0, ORIGIN, SECRET), EventHub(), board, printer)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_too_many_listeners(tmp_path):
    running = make_service(tmp_path, max_clients=1)
    first = EventStream(running.port)
    try:
        first.next_event()
        status, _, payload = call(running.port, "GET", "/events")
        assert status == 503
        assert json.loads(payload)["error"] == "too_many_listeners"
    finally:
        first.close()
        running.stop()
