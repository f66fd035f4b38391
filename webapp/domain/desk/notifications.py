"""What a resident should hear about their requests: shown on their next kiosk visit and on the phone.

A notification names the request and what happened, never the content of internal notes; the faces turn it
into words in the resident's language when it is shown (a push message is worded when it is sent).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.infra import clock
from webapp.models import Notification, PushSubscription, Ticket

ENDPOINT_MAX = 500


def notify(session: Session, request: Ticket, kind: str, detail: str | None = None) -> None:
    if request.resident_id is None:
        return
    session.add(
        Notification(
            resident_id=request.resident_id,
            request_id=request.id,
            kind=kind,
            detail=detail,
            created_at=clock.now(),
        )
    )


def unseen(session: Session, resident_id: int, limit: int = 5) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.resident_id == resident_id, Notification.seen_at.is_(None))
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_seen(session: Session, resident_id: int, ids: list[int] | None = None) -> None:
    query = update(Notification).where(
        Notification.resident_id == resident_id, Notification.seen_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    session.execute(
        query.values(seen_at=clock.now()).execution_options(
            synchronize_session=False, linli_residents=[resident_id]
        )
    )


def subscribe(
    session: Session, resident_id: int, endpoint: str, p256dh: str, auth: str, locale: str
) -> PushSubscription | None:
    """Keep a phone's push endpoint (https only); the same endpoint moves to whoever subscribed last."""
    if not endpoint.startswith("https://") or len(endpoint) > ENDPOINT_MAX:
        return None
    if not p256dh or not auth or len(p256dh) > 200 or len(auth) > 100:
        return None
    existing = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if existing is None:
        existing = PushSubscription(endpoint=endpoint, created_at=clock.now())
        session.add(existing)
    existing.resident_id = resident_id
    existing.p256dh, existing.auth, existing.locale = p256dh, auth, locale
    session.flush()
    return existing


def unsubscribe_all(session: Session, resident_id: int) -> None:
    for sub in session.scalars(select(PushSubscription).where(PushSubscription.resident_id == resident_id)):
        session.delete(sub)


@dataclass(frozen=True)
class HomeItems:
    """The top of a resident's home: each ticket once, with its current state. Only news that was shown is
    marked seen; the rest waits for the next visit."""

    news: list[Notification]  # lines to show: class news, and tickets no longer open (once each)
    open_requests: list[Ticket]  # one chip each, with its current state
    fresh: set[int]  # open tickets with news since the last visit (a "new" mark on their chip)
    shown: list[int]  # the notifications these lines and marks tell: the ones marked seen


def _same_words(a: Notification, b: Notification) -> bool:
    """Whether two notifications read the same once worded: same ticket and kind (a ticket's line says its
    state now, so an older status line says nothing the newer one does not), or the same class news."""
    return (
        a.kind == b.kind
        and a.request_id == b.request_id
        and (a.request_id is not None or a.detail == b.detail)
    )


def home_items(
    session: Session, resident_id: int, limit: int = 4, open_limit: int = 2, *, mark: bool = True
) -> HomeItems:
    """News since the last visit and open requests, merged per ticket; what is shown is marked seen (unless
    *mark* is false: a read-only look first, so a home with no news never waits for a write lock).

    A closed ticket gets one line, from its newest news; older news of it that reads the same is told by that
    line, while other news of it (a message under a status change) stays unseen and has its line next time.
    """
    from webapp.domain.desk.tickets import open_requests_of

    news = unseen(session, resident_id, limit=limit)
    open_requests = open_requests_of(session, resident_id, limit=open_limit)
    open_ids = {t.id for t in open_requests}
    lines: list[Notification] = []
    fresh: set[int] = set()
    told: set[int] = set()  # closed tickets that have their line
    shown: list[int] = []
    for item in news:  # newest first
        if item.request_id in open_ids:
            fresh.add(item.request_id)
        elif item.request_id is None or item.request_id not in told:
            lines.append(item)
            if item.request_id is not None:
                told.add(item.request_id)
        elif not any(_same_words(line, item) for line in lines):
            continue  # not told by any line: it stays unseen and has its own line next visit
        shown.append(item.id)
    if shown and mark:
        mark_seen(session, resident_id, shown)
    return HomeItems(lines, open_requests, fresh, shown)
