"""The loopback bridge between the devices and the kiosk page: ``GET /events`` (Server-Sent Events),
``POST /print`` and ``GET /status`` on 127.0.0.1 only.

Every request must come from the configured kiosk origin, name this box in its Host header (so a
DNS-rebinding page cannot borrow it), and carry the shared secret in ``X-Linli-Bridge-Key`` or ``?key=``
(EventSource cannot set headers). Anything else gets 403. The request log never shows the query string, where
the secret may travel.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import queue
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hardware.config import LOOPBACK, BridgeConfig
from hardware.events import CLOSED, EventHub, StatusBoard, format_event
from hardware.printer import PrintFailed, TicketPrinter
from hardware.ticket import TicketError, ticket_from_json

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
KEY_HEADER = "X-Linli-Bridge-Key"
ROUTES = {"/events": "GET", "/status": "GET", "/print": "POST"}


class BridgeError(RuntimeError):
    """The bridge was asked to listen somewhere other than 127.0.0.1."""


class BridgeServer(ThreadingHTTPServer):
    """A threading HTTP server that refuses any address but 127.0.0.1."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, config: BridgeConfig, hub: EventHub, board: StatusBoard, printer: TicketPrinter
    ) -> None:
        if config.host != LOOPBACK:
            raise BridgeError("the bridge listens on 127.0.0.1 only")
        self.config = config
        self.hub = hub
        self.board = board
        self.printer = printer
        self.secret = config.secret.encode()
        super().__init__((LOOPBACK, config.port), BridgeHandler)
        if not ipaddress.ip_address(self.server_address[0]).is_loopback:  # belt and braces
            self.server_close()
            raise BridgeError("bound to a non-loopback address")

    @property
    def port(self) -> int:
        """The port actually bound (the configured one, or the one picked for port 0)."""
        return int(self.server_address[1])

    def start(self) -> threading.Thread:
        """Serve in a background thread."""
        thread = threading.Thread(target=self.serve_forever, name="linli-bridge", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """End the event streams, stop serving and release the port."""
        self.hub.close()
        self.shutdown()
        self.server_close()


class BridgeHandler(BaseHTTPRequestHandler):
    """One request to the bridge."""

    server: BridgeServer
    protocol_version = "HTTP/1.1"
    server_version = "LinliHardware"
    sys_version = ""
    timeout = 15  # a page that opens a connection and sends nothing does not hold a thread for ever

    # -- checks ---------------------------------------------------------------------------------------------
    def _origin_ok(self) -> bool:
        return self.headers.get("Origin", "") == self.server.config.origin

    def _host_ok(self) -> bool:
        port = self.server.port
        return self.headers.get("Host", "") in (f"127.0.0.1:{port}", f"localhost:{port}")

    def _key_ok(self) -> bool:
        offered = self.headers.get(KEY_HEADER)
        if offered is None:
            offered = (parse_qs(urlsplit(self.path).query).get("key") or [""])[0]
        return hmac.compare_digest(offered.encode(), self.server.secret)

    def _route(self) -> str:
        return urlsplit(self.path).path

    # -- responses ------------------------------------------------------------------------------------------
    def _cors_headers(self) -> None:
        if self._origin_ok():
            self.send_header("Access-Control-Allow-Origin", self.server.config.origin)
        self.send_header("Vary", "Origin")

    def _json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self._cors_headers()
        self.end_headers()
        self.wfile.write(payload)

    def _forbidden(self) -> None:
        self.close_connection = True
        self._json(HTTPStatus.FORBIDDEN, {"ok": False, "error": "forbidden"})

    def _authorised(self) -> bool:
        if self._host_ok() and self._origin_ok() and self._key_ok():
            return True
        self._forbidden()
        return False

    # -- methods --------------------------------------------------------------------------------------------
    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
        """CORS preflight for the page's fetch with a JSON body or the key header."""
        method = self.headers.get("Access-Control-Request-Method", "")
        if not (self._host_ok() and self._origin_ok() and ROUTES.get(self._route()) == method):
            self._forbidden()
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors_headers()
        self.send_header("Access-Control-Allow-Methods", method)
        self.send_header("Access-Control-Allow-Headers", f"Content-Type, {KEY_HEADER}")
        self.send_header("Access-Control-Max-Age", "600")
        if self.headers.get("Access-Control-Request-Private-Network") == "true":
            # Chromium asks before a page from the network reaches a loopback address.
            self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        """``/events`` or ``/status``."""
        if not self._authorised():
            return
        route = self._route()
        if route == "/status":
            self._json(HTTPStatus.OK, self.server.board.snapshot())
        elif route == "/events":
            self._events()
        elif route in ROUTES:
            self._json(HTTPStatus.METHOD_NOT_ALLOWED, {"ok": False, "error": "method_not_allowed"})
        else:
            self._json(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802
        """``/print``."""
        if not self._authorised():
            return
        route = self._route()
        if route != "/print":
            status = HTTPStatus.METHOD_NOT_ALLOWED if route in ROUTES else HTTPStatus.NOT_FOUND
            self._json(status, {"ok": False, "error": status.phrase.lower().replace(" ", "_")})
            return
        self._print()

    def _bad_request(self, error: str) -> None:
        self.close_connection = True
        self._json(HTTPStatus.BAD_REQUEST, {"ok": False, "error": error})

    def _print(self) -> None:
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        length_header = self.headers.get("Content-Length", "")
        if content_type != "application/json" or "Transfer-Encoding" in self.headers:
            self._bad_request("bad_request")
            return
        if not length_header.isdigit() or int(length_header) > MAX_BODY:
            self._bad_request("too_large" if length_header.isdigit() else "bad_request")
            return
        try:
            body = json.loads(self.rfile.read(int(length_header)))
            ticket = ticket_from_json(body)
        except (ValueError, UnicodeDecodeError) as error:
            field = error.field if isinstance(error, TicketError) else "json"
            self._json(HTTPStatus.BAD_REQUEST, {"ok": False, "error": "bad_request", "field": field})
            return
        try:
            self.server.printer.print_ticket(ticket)
        except PrintFailed as failed:
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"ok": False, "error": failed.problem})
            return
        self._json(HTTPStatus.OK, {"ok": True})

    def _events(self) -> None:
        subscriber = self.server.hub.subscribe()
        if subscriber is None:
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"ok": False, "error": "too_many_listeners"})
            return
        self.close_connection = True
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self._cors_headers()
            self.end_headers()
            # The current status first, so a page that (re)connects knows at once what it can offer.
            self.wfile.write(b"retry: 3000\n\n" + format_event("status", self.server.board.snapshot()))
            self.wfile.flush()
            keepalive = self.server.config.keepalive_s
            while True:
                try:
                    message = subscriber.get(timeout=keepalive)
                except queue.Empty:
                    message = b": keep-alive\n\n"
                if message is CLOSED:
                    break
                assert isinstance(message, bytes)  # noqa: S101 - the hub only queues bytes and CLOSED
                self.wfile.write(message)
                self.wfile.flush()
        except OSError:
            pass  # the page went away
        finally:
            self.server.hub.unsubscribe(subscriber)

    # -- logging --------------------------------------------------------------------------------------------
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Method, path without the query (the key may be in it), status."""
        method = self.command or "-"
        log.info("%s %s %s", method, self._route() if self.path else "-", code)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        """Errors from http.server (malformed requests) go to our log, never the raw request line."""
        log.debug("http: %s", format % tuple("<request>" if "?" in str(arg) else arg for arg in args))
