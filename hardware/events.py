"""What the devices tell the page: a publish/subscribe hub for Server-Sent Events, device health, and the
reconnecting worker thread every device runs in.

Events are delivered to the pages listening at that moment and never kept for later: a card read while no page
listens is dropped rather than handed to whoever connects next, so an ID number cannot reach the wrong visit.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import Literal

log = logging.getLogger(__name__)

Health = Literal["ok", "absent", "error"]
DEVICES = ("scanner", "id_reader", "printer")
# A subscriber that has fallen this far behind is a dead tab: drop it rather than grow without bound.
QUEUE_LIMIT = 256
CLOSED = object()


def format_event(event: str, data: dict[str, object]) -> bytes:
    """One SSE message: ``event:`` line, one ``data:`` line of compact JSON, blank line."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


class EventHub:
    """Fan events out to the queues of the connected ``/events`` streams."""

    def __init__(self, max_subscribers: int = 8) -> None:
        self.max_subscribers = max_subscribers
        self._lock = threading.Lock()
        self._subscribers: list[queue.Queue[object]] = []
        self._closed = False

    def subscribe(self) -> queue.Queue[object] | None:
        """A new queue of formatted events, or None when too many pages are connected already."""
        with self._lock:
            if self._closed or len(self._subscribers) >= self.max_subscribers:
                return None
            subscriber: queue.Queue[object] = queue.Queue(QUEUE_LIMIT)
            self._subscribers.append(subscriber)
            return subscriber

    def unsubscribe(self, subscriber: queue.Queue[object]) -> None:
        """Forget a queue whose stream has ended."""
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

    @property
    def listeners(self) -> int:
        """How many pages are listening now."""
        with self._lock:
            return len(self._subscribers)

    def publish(self, event: str, data: dict[str, object]) -> int:
        """Send an event to every current listener; return how many got it."""
        message = format_event(event, data)
        delivered = 0
        with self._lock:
            for subscriber in list(self._subscribers):
                try:
                    subscriber.put_nowait(message)
                    delivered += 1
                except queue.Full:
                    log.warning("an event stream stopped reading; closing it")
                    self._subscribers.remove(subscriber)
        return delivered

    def close(self) -> None:
        """End every stream (on shutdown)."""
        with self._lock:
            self._closed = True
            for subscriber in self._subscribers:
                with contextlib.suppress(queue.Full):
                    subscriber.put_nowait(CLOSED)
            self._subscribers.clear()


class StatusBoard:
    """Health of each device; a change is published as an ``event: status`` with the whole status."""

    def __init__(self, hub: EventHub, version: str) -> None:
        self._hub = hub
        self._version = version
        self._lock = threading.Lock()
        self._health: dict[str, Health] = dict.fromkeys(DEVICES, "absent")

    def snapshot(self) -> dict[str, object]:
        """The ``GET /status`` body."""
        with self._lock:
            return {"version": self._version, **self._health}

    def get(self, device: str) -> Health:
        """Current health of one device."""
        with self._lock:
            return self._health[device]

    def set(self, device: str, health: Health) -> None:
        """Record a device's health; publish the status if it changed."""
        with self._lock:
            if self._health[device] == health:
                return
            self._health[device] = health
            status = {"version": self._version, **self._health}
        log.info("%s is now %s", device, health)
        self._hub.publish("status", status)


class DeviceAbsent(Exception):
    """The device's node or port is not there (unplugged): health "absent", try again later."""


class DeviceWorker(threading.Thread):
    """Run ``session`` for one device again and again until stopped, reporting its health.

    ``session`` opens the device, sets health "ok", and works until the device fails or ``stopping`` is set.
    Devices are unplugged and replugged in lobbies, so a failure is never fatal: the worker waits and retries.
    """

    device = "scanner"

    def __init__(self, board: StatusBoard, retry_s: float = 2.0) -> None:
        super().__init__(name=f"linli-{self.device}", daemon=True)
        self.board = board
        self.retry_s = retry_s
        self.stopping = threading.Event()

    def session(self) -> None:
        """Open the device and work until it fails or the worker stops."""
        raise NotImplementedError

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.session()
            except DeviceAbsent as absent:
                log.debug("%s absent: %s", self.device, absent)
                self.board.set(self.device, "absent")
            except Exception as error:  # any driver error: report, wait, retry
                # Our own errors never carry card data in their text, so the message is safe to log.
                log.warning("%s failed: %s: %s", self.device, type(error).__name__, error)
                self.board.set(self.device, "error")
            self.stopping.wait(self.retry_s)

    def stop(self, timeout: float = 3.0) -> None:
        """Ask the session to end and wait for the thread."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)


Emit = Callable[[str], None]
