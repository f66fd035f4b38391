"""Paging the staff queue so that its cost stays flat as history grows (issue 21).

A community in its tenth year holds ten times the closed tickets of its first, but a desk that keeps up has
the same open work. So nothing here reads more than a page, a count capped at COUNT_CAP, and the open
tickets: the open queue (short) pages by number; lists of every status page by id cursor (keyset), since an
OFFSET reads the whole history up to the page it skips to, and an exact count reads all of it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from webapp.models import Ticket

PAGE = 50
COUNT_CAP = 1000  # a queue heading counts this far, then says "more than"


def bounded_count(session: Session, base: Select[Any]) -> tuple[int, bool]:
    """(how many match, at most COUNT_CAP; whether there are more)."""
    limited = base.with_only_columns(Ticket.id).limit(COUNT_CAP + 1).subquery()
    counted = session.scalar(select(func.count()).select_from(limited)) or 0
    return min(counted, COUNT_CAP), counted > COUNT_CAP


Cursor = dict[str, int]


def by_deadline(
    session: Session, base: Select[Any], asked: int, total: int
) -> tuple[list[int], int, Cursor | None, Cursor | None]:
    """Open tickets, urgent first, then by deadline, paged by number (open work is short at a desk that keeps
    up; a page past the end shows the last one)."""
    first = case((Ticket.urgent.is_(True), 0), else_=1)
    ordered = base.with_only_columns(Ticket.id).order_by(first, Ticket.due_at, Ticket.id)
    last = max(1, -(-total // PAGE))
    page = max(1, asked) if total >= COUNT_CAP else min(max(1, asked), last)
    ids = list(session.scalars(ordered.limit(PAGE + 1).offset((page - 1) * PAGE)))
    if not ids and page > 1:  # past the end of a list longer than the count's cap
        page = 1
        ids = list(session.scalars(ordered.limit(PAGE + 1)))
    newer = {"page": page - 1} if page > 1 else None
    older = {"page": page + 1} if len(ids) > PAGE else None
    return ids[:PAGE], page, newer, older


def newest_first(
    session: Session, base: Select[Any], before: int | None, after: int | None
) -> tuple[list[int], None, Cursor | None, Cursor | None]:
    """Every status, newest first, paged by id (keyset): each page is an index walk from its cursor."""
    query = base.with_only_columns(Ticket.id)
    if after is not None and before is None:
        ids = list(session.scalars(query.where(Ticket.id > after).order_by(Ticket.id).limit(PAGE + 1)))
        more_newer = len(ids) > PAGE
        ids = list(reversed(ids[:PAGE]))
        if not ids:  # nothing newer than the cursor any more: the newest page
            return newest_first(session, base, None, None)
        return ids, None, ({"after": ids[0]} if more_newer else None), {"before": ids[-1]}
    if before is not None:
        query = query.where(Ticket.id < before)
    ids = list(session.scalars(query.order_by(Ticket.id.desc()).limit(PAGE + 1)))
    if not ids and before is not None:  # an old link past the oldest ticket: the newest page
        return newest_first(session, base, None, None)
    older = {"before": ids[PAGE - 1]} if len(ids) > PAGE else None
    ids = ids[:PAGE]
    newer = {"after": ids[0]} if before is not None and ids else None
    return ids, None, newer, older
