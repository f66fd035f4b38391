"""The development SMS gateway: each message appended as one JSON line to a file (setting `path`), so a demo
or a test reads what would have been texted without an account at any gateway."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from webapp.infra.channels.base import NOT_FOUND, Envelope, Sent
from webapp.infra.channels.common import not_configured


class FileSms:
    kind = "sms_file"

    def __init__(self, settings: Mapping[str, str]) -> None:
        self.settings = dict(settings)

    def send(self, envelope: Envelope) -> Sent:
        problem = not_configured(self.kind, self.settings)
        if problem is not None:
            return problem
        line = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "to": envelope.address,
            "text": envelope.text,
            "template": envelope.template,
            "params": envelope.params,
            "key": envelope.key,
        }
        path = Path(self.settings["path"])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One write of one line in append mode: lines from several workers never interleave.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (json.dumps(line, ensure_ascii=False) + "\n").encode())
            finally:
                os.close(fd)
        except OSError as exc:
            return Sent(
                ok=False, retry=False, code="config", detail=f"Cannot write to {path}: {exc.strerror}."
            )
        return Sent(ok=True, detail=f"Written to the file {path.name}.", gateway_id=envelope.key)

    def accepted(self, envelope: Envelope, since: datetime) -> Sent:
        """Is a line with this message's key in the file already? (What the SMS gateways' queries answer.)"""
        problem = not_configured(self.kind, self.settings)
        if problem is not None:
            return problem
        path = Path(self.settings["path"])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        except OSError as exc:
            return Sent(ok=False, code="config", detail=f"Cannot read {path}: {exc.strerror}.")
        for line in lines:
            try:
                key = json.loads(line).get("key")
            except (ValueError, AttributeError):
                continue  # a line cut short by a crash mid-write was never a whole message
            if key == envelope.key:
                return Sent(ok=True, detail=f"Already in the file {path.name}.", gateway_id=envelope.key)
        return Sent(ok=False, code=NOT_FOUND, detail=f"Not in the file {path.name}.")

    def check(self) -> Sent:
        return self.send(Envelope(address="test", text="Linli test message", key="check", template="test"))
