"""Idempotent JSON submissions for the phone's outbox (see webapp.domain.desk.idempotency for the rule).

A view hands `submit_once` a function that does the work without committing and returns (status, payload);
the key and the answer are committed with the work by the request's unit of work, or the stored answer is
replayed. This module is part of that unit of work for the outbox: a copy that lost the race for its key is
rolled back here, and an error answer is kept without the work it undid.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.domain.desk.idempotency import KeyReused, Stored, body_hash, remember, replay, valid_key
from webapp.infra.db import get_session
from webapp.infra.unit_of_work import keep
from webapp.resident.pwa import outbox_owner

HEADER = "Idempotency-Key"
# The outbox names the resident who wrote an entry (resident.pwa.owner_tag); a delivery for anyone else is
# refused, so an entry left on a shared phone is never filed under the next person who signs in there.
OWNER_HEADER = "Outbox-Owner"
Work = Callable[[Session], tuple[int, dict[str, Any]]]


def request_key() -> str | None:
    """The key from the header (the outbox) or a hidden form field (a double tap on a normal form)."""
    return request.headers.get(HEADER) or request.form.get("idempotency_key") or None


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or HEADER in request.headers


def _answer(stored: Stored, replayed: bool) -> Response:
    response = jsonify(stored.payload)
    response.status_code = stored.status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def delivered_for_someone_else() -> bool:
    """An outbox delivery (key in the header) whose entry was written by another resident, or by nobody."""
    if HEADER not in request.headers:
        return False  # a normal form's hidden key: the signed-in person is the author
    author = request.headers.get(OWNER_HEADER, "")
    return not author or not hmac.compare_digest(author, outbox_owner())


def submit_once(scope: str, work: Work) -> Response:
    if delivered_for_someone_else():
        return _answer(
            Stored(403, {"ok": False, "error": _("This entry was written by someone else on this phone.")}),
            False,
        )
    key = request_key() or ""
    if not valid_key(key):
        return _answer(Stored(400, {"ok": False, "error": _("This submission has no valid key.")}), False)
    fingerprint = body_hash(list(request.form.items(multi=True)))
    db = get_session()
    try:
        found = replay(db, key, scope, fingerprint)
    except KeyReused:
        return _answer(
            Stored(422, {"ok": False, "error": _("This key was already used for a different submission.")}),
            False,
        )
    if found is not None:
        return _answer(found, True)
    status, payload = _attempt(db, work)
    stored = Stored(status, payload)
    try:
        remember(db, key, scope, fingerprint, stored)  # PostgreSQL waits here for a concurrent copy
    except IntegrityError:  # the same key committed by a concurrent copy: drop this copy, answer as it did
        db.rollback()
        try:
            found = replay(db, key, scope, fingerprint)
        except KeyReused:
            found = Stored(
                422, {"ok": False, "error": _("This key was already used for a different submission.")}
            )
        return _answer(found or stored, True)
    if status >= 400:
        keep()  # a refusal is remembered too (its changes were undone): a retry gets the same answer
    return _answer(stored, False)


def _attempt(
    db: Session, work: Callable[[Session], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any]]:
    """Run the work in a savepoint and undo it when it answers with an error, so that the key and the error
    answer can still be kept."""
    try:
        with db.begin_nested():
            status, payload = work(db)
            if status >= 400:
                raise _Undone(status, payload)
    except _Undone as undone:
        return undone.status, undone.payload
    return status, payload


class _Undone(Exception):
    """An error answer: leaving the savepoint by it undoes the work's changes."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(status)
        self.status, self.payload = status, payload
