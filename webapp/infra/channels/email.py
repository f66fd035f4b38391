"""E-mail over SMTP (staff digests, invitations): SSL on 465, STARTTLS on 587, or plain for a local relay.

A refused login or sender is the configuration's fault (retry=False, said in words); an unreachable server,
a timeout or a 4xx "try later" answer is retried.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from webapp.infra.channels.base import Envelope, Sent
from webapp.infra.channels.common import not_configured

TIMEOUT = 10.0


class Email:
    kind = "email"

    def __init__(self, settings: Mapping[str, str], context: ssl.SSLContext | None = None) -> None:
        self.settings = dict(settings)
        self.context = context  # tests pass one that trusts their own certificate

    def _port(self) -> int | None:
        try:
            return int(self.settings.get("port") or 0) or None
        except ValueError:
            return None

    def _connect(self) -> smtplib.SMTP:
        host, port = self.settings["host"], self._port()
        security = self.settings.get("security", "ssl")
        context = self.context or ssl.create_default_context()
        if security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(host, port or 587, timeout=TIMEOUT)
            if security == "starttls":
                smtp.starttls(context=context)
        user = self.settings.get("user", "")
        if user:
            smtp.login(user, self.settings.get("password", ""))
        return smtp

    def _guarded(self, work: str, envelope: Envelope | None) -> Sent:
        problem = not_configured(self.kind, self.settings)
        if problem is not None:
            return problem
        if self._port() is None and self.settings.get("port"):
            return Sent(ok=False, code="config", detail="The SMTP port is not a number.")
        where = f"{self.settings['host']}:{self._port() or ''}".rstrip(":")
        try:
            smtp = self._connect()
            try:
                if envelope is None:
                    smtp.noop()
                    return Sent(ok=True, detail=f"Connected to {where} and signed in; no message sent.")
                refused = smtp.send_message(self._message(envelope))
            finally:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
        except smtplib.SMTPAuthenticationError as exc:
            return Sent(
                ok=False,
                code="auth",
                detail=f"The mail server {where} refused the user or password ({_said(exc)}).",
            )
        except smtplib.SMTPNotSupportedError as exc:
            return Sent(
                ok=False, code="config", detail=f"The mail server {where} does not offer that ({exc})."
            )
        except smtplib.SMTPSenderRefused as exc:
            return Sent(
                ok=False,
                retry=400 <= exc.smtp_code < 500,
                code="sender",
                detail=f"The mail server refused the sender ({_said(exc)}).",
            )
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            return Sent(
                ok=False,
                retry=all(400 <= c < 500 for c in codes),
                code="address",
                detail=f"The mail server refused the address ({codes}).",
            )
        except smtplib.SMTPResponseException as exc:
            return Sent(
                ok=False,
                retry=400 <= exc.smtp_code < 500,
                code="refused",
                detail=f"The mail server {where} answered {_said(exc)}.",
            )
        except ssl.SSLError as exc:
            return Sent(
                ok=False,
                code="tls",
                detail=f"TLS with {where} failed ({exc.reason}); check the security setting and port.",
            )
        except (OSError, smtplib.SMTPException) as exc:
            return Sent(
                ok=False,
                retry=True,
                code="unreachable",
                detail=f"The mail server {where} could not be reached ({exc}); will try again.",
            )
        if refused:
            return Sent(ok=False, code="address", detail=f"The mail server refused {', '.join(refused)}.")
        return Sent(ok=True, detail=f"Accepted by {where} ({work}).")

    def _message(self, envelope: Envelope) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings["sender"]
        message["To"] = envelope.address
        message["Subject"] = envelope.subject or envelope.text.split("\n", 1)[0][:60]
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(
            idstring=envelope.key.replace(":", ".")[:60] or None, domain="linli"
        )
        message.set_content(envelope.text)
        return message

    def send(self, envelope: Envelope) -> Sent:
        if not envelope.address:
            return Sent(ok=False, code="address", detail="No e-mail address to send to.")
        return self._guarded("message", envelope)

    def check(self) -> Sent:
        to = self.settings.get("test_address", "").strip()
        if not to:
            return self._guarded("check", None)
        text = self.settings.get("test_text") or "邻里 Linli: 测试邮件 / test message"
        return self._guarded(
            "message", Envelope(address=to, subject=text, text=text, key=f"check-{uuid.uuid4().hex}")
        )


def _said(exc: smtplib.SMTPResponseException) -> str:
    error = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {error}"[:200]
