"""Notice templates (issue 16 item 7): the office edits its usual notices (the demo starts with 停水, 停电 and
电梯维保) and a new notice starts from one; a template with a duplicate name or without its Chinese title is
refused with the form kept; every change is audited; another community's template is not found."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories
from tests.conftest import csrf_token
from webapp.models import AuditEntry, Notice, NoticeTemplate, Role


def test_the_office_edits_a_template_and_publishes_a_notice_from_it(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    names = client.get("/staff/notices/templates").get_data(as_text=True)
    assert "停水通知" in names
    assert "电梯维保" in names
    water = session.scalar(select(NoticeTemplate).where(NoticeTemplate.name == "停水通知"))
    token = csrf_token(client, f"/staff/notices/templates/{water.id}")
    form = {
        "csrf_token": token,
        "name": "停水通知",
        "title_zh_Hans": "明天停水",
        "body_zh_Hans": "因管道维修，明天上午停水。请提前储水。",
        "title_en": "No water tomorrow",
        "body_en": "No water tomorrow morning.",
        "urgent": "1",
    }
    saved = client.post(f"/staff/notices/templates/{water.id}", data=form)
    assert saved.status_code == 303
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "notice_template.save")) is not None
    new = client.get(f"/staff/notices/new?template={water.id}").get_data(as_text=True)
    assert 'value="明天停水"' in new
    assert "因管道维修，明天上午停水。请提前储水。" in new
    published = client.post(
        f"/staff/notices/new?template={water.id}",
        data={
            "csrf_token": token,
            "title_zh_Hans": "明天停水",
            "body_zh_Hans": "因管道维修，明天上午停水。",
            "starts": "2026-12-06T08:00",
            "urgent": "1",
        },
    )
    assert published.status_code == 303
    assert (
        session.scalar(select(Notice).where(Notice.titles["zh_Hans"].as_string() == "明天停水")) is not None
    )


def test_a_bad_template_is_refused_with_the_form_kept(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    token = csrf_token(client, "/staff/notices/templates/new")
    taken = client.post(
        "/staff/notices/templates/new",
        data={"csrf_token": token, "name": "停电通知", "title_zh_Hans": "停电", "body_zh_Hans": "今天停电"},
    )
    assert taken.status_code == 400
    assert "already a template with this name" in taken.get_data(as_text=True)
    assert 'value="停电"' in taken.get_data(as_text=True)
    untitled = client.post(
        "/staff/notices/templates/new",
        data={"csrf_token": token, "name": "燃气检修", "body_zh_Hans": "燃气检修，请在家"},
    )
    assert untitled.status_code == 400
    assert "燃气检修，请在家" in untitled.get_data(as_text=True)
    assert session.scalar(select(NoticeTemplate).where(NoticeTemplate.name == "燃气检修")) is None


def test_starters_are_added_once_and_a_template_deleted_is_gone(client, auth, session, demo_community):
    auth.sign_in("admin")
    before = len(session.scalars(select(NoticeTemplate)).all())
    token = csrf_token(client, "/staff/notices/templates")
    assert client.post("/staff/notices/templates/starters", data={"csrf_token": token}).status_code == 303
    assert len(session.scalars(select(NoticeTemplate)).all()) == before  # the demo has them already
    lift_id = session.scalar(select(NoticeTemplate.id).where(NoticeTemplate.name == "电梯维保"))
    gone = client.post(f"/staff/notices/templates/{lift_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    session.expire_all()
    assert session.get(NoticeTemplate, lift_id) is None
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "notice_template.delete")) is not None
    assert client.post("/staff/notices/templates/starters", data={"csrf_token": token}).status_code == 303
    assert session.scalar(select(NoticeTemplate).where(NoticeTemplate.name == "电梯维保")) is not None


def test_another_communitys_template_is_not_found(client, auth, session, make_staff, demo_community):
    water = session.scalar(select(NoticeTemplate).where(NoticeTemplate.name == "停水通知"))
    elsewhere = factories.community(session, "别的社区")
    make_staff("worker2", Role.COMMUNITY_WORKER, community=elsewhere)
    auth.sign_in("worker2")
    assert client.get(f"/staff/notices/templates/{water.id}").status_code == 404
    assert client.get(f"/staff/notices/new?template={water.id}").status_code == 404
    assert "停水通知" not in client.get("/staff/notices/templates").get_data(as_text=True)
    assert client.get(f"/staff/notices/templates/{2**40}").status_code == 404
