"""An idempotent submission that is refused keeps its answer (a retry gets the same) but not its work: what the
work wrote before answering with an error is undone (resident/idempotency._attempt)."""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.models import Notice
from webapp.resident.idempotency import submit_once


def test_a_refused_submission_keeps_its_answer_and_undoes_its_work(app, session):
    before = session.scalar(select(func.count(Notice.id)))
    community_id = session.scalar(select(Notice.community_id).limit(1))

    def work(db):
        notice = Notice(community_id=community_id, titles={"zh_Hans": "半途"}, bodies={"zh_Hans": "不该留下"})
        notice.starts_at = clock.now()
        db.add(notice)
        db.flush()
        return 409, {"ok": False, "error": "refused after writing"}

    form = {"idempotency_key": "refusal-key-0001", "what": "x"}
    for attempt in range(2):
        with app.test_request_context("/tickets", method="POST", data=form):
            answer = submit_once("test", work)
            get_session().flush()
            assert answer.status_code == 409
            assert answer.get_json()["error"] == "refused after writing"
            assert (answer.headers.get("Idempotent-Replayed") == "true") is (attempt == 1)
            assert get_session().scalar(select(func.count(Notice.id))) == before
