"""Training in the console, for volunteers on a phone or tablet as much as for the office: today's classes,
courses and sessions, the roster with check-in by card (camera, scanner or typed link), a mark per attendee
and skill, notes, and the hours each leader gave.

The roster shows names, so opening it is audited; the rules (capacity, waiting list, certificates) are
webapp.domain.training.courses' and webapp.domain.training.certificates'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.policy import Permission, deny, may_call_off_any_class, may_lead_classes, require
from webapp.auth.principals import the_staff
from webapp.domain.identity.cards import CardRefused, card_for_scan
from webapp.domain.life.directory import LOCALES
from webapp.domain.life.timebank import hours_text
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.training import courses
from webapp.domain.training.skills import TrainingError, all_skills, levels_of
from webapp.infra import clock
from webapp.infra.db import get_session, writes
from webapp.infra.numbers import small_int
from webapp.models import (
    Certificate,
    ClaimStatus,
    Course,
    Resident,
    Role,
    SkillLevel,
    StaffRole,
    StaffUser,
    TrainingSession,
)
from webapp.shared.context import current_actor
from webapp.shared.messages import training_error
from webapp.staff.blueprint import bp
from webapp.staff.notices import local_input
from webapp.staff.scope import allowed_ids

DAY = timedelta(hours=18)  # "today's classes": starting within the coming 18 hours


def course_or_404(course_id: int) -> Course:
    course = get_session().get(Course, course_id)
    if course is None or course.community_id not in allowed_ids(Permission.RUN_SESSIONS):
        deny(subject_type="course", subject_id=course_id)
        abort(404)
    return course


def class_or_404(class_id: int) -> TrainingSession:
    ts = get_session().get(TrainingSession, class_id)
    if ts is None or ts.community_id not in allowed_ids(Permission.RUN_SESSIONS):
        deny(subject_type="training_session", subject_id=class_id)
        abort(404)
    return ts


def is_today(ts: TrainingSession) -> bool:
    """Whether a class starts on its community's today (a class that ended yesterday evening is not "today's"
    at breakfast, even though fewer than 24 hours have passed)."""
    zone = ZoneInfo(ts.community.timezone)
    return ts.starts_at.astimezone(zone).date() == clock.now().astimezone(zone).date()


@bp.get("/training")
@require(Permission.RUN_SESSIONS)
def training() -> ResponseReturnValue:
    """Today's classes first, in large type, then what is coming and the courses."""
    db = get_session()
    ids = allowed_ids(Permission.RUN_SESSIONS)
    now = clock.now()
    coming = db.scalars(
        select(TrainingSession)
        .where(TrainingSession.community_id.in_(ids), TrainingSession.ends_at > now - DAY)
        .order_by(TrainingSession.starts_at)
        .limit(100)
    ).all()
    today = [s for s in coming if is_today(s) and s.cancelled_at is None]
    course_list = db.scalars(select(Course).where(Course.community_id.in_(ids)).order_by(Course.id)).all()
    return render_template(
        "staff/training.html",
        today=today,
        coming=coming,
        courses=course_list,
        taken={s.id: courses.booked_count(db, s.id) for s in coming},
    )


@bp.route("/training/courses/new", methods=["GET", "POST"])
@bp.route("/training/courses/<int:course_id>", methods=["GET", "POST"])
@require(Permission.RUN_SESSIONS)
def course_edit(course_id: int | None = None) -> ResponseReturnValue:
    course = course_or_404(course_id) if course_id is not None else None
    db = get_session()
    skills = all_skills(db)
    errors: dict[str, str] = {}
    titles = dict(course.titles) if course else {}
    chosen = list(course.skill_codes) if course else []
    if request.method == "POST":
        titles = {k: (request.form.get(f"title_{k}") or "")[:120] for k in LOCALES}
        known = {s.code for s in skills}
        chosen = [c for c in request.form.getlist("skills") if c in known]
        if not titles.get("zh_Hans", "").strip():
            errors["title_zh_Hans"] = "required"
        if not chosen:
            errors["skills"] = "unknown_skill"
        if not errors:
            community_id = course.community_id if course else min(allowed_ids(Permission.RUN_SESSIONS))
            saved = courses.save_course(db, current_actor(), community_id, course, titles, chosen)
            flash(_("Saved."), "info")
            return redirect(url_for("staff.course_edit", course_id=saved.id), code=303)
    return render_template(
        "staff/training_course.html",
        course=course,
        titles=titles,
        chosen=chosen,
        skills=skills,
        errors=errors,
        locales=LOCALES,
    ), (400 if errors else 200)


def leaders_of(community_id: int) -> list[StaffUser]:
    """Who may lead a class here: volunteers and office staff of the community (policy.may_lead_classes)."""
    roles = [r for r in Role if may_lead_classes(r)]
    return list(
        get_session().scalars(
            select(StaffUser)
            .join(StaffRole)
            .where(
                StaffRole.community_id == community_id,
                StaffRole.role.in_(roles),
                StaffUser.is_active.is_(True),
            )
            .distinct()
            .order_by(StaffUser.display_name)
        )
    )


@bp.route("/training/courses/<int:course_id>/classes/new", methods=["GET", "POST"])
@require(Permission.RUN_SESSIONS)
def class_new(course_id: int) -> ResponseReturnValue:
    course = course_or_404(course_id)
    db = get_session()
    community = course.community
    leaders = leaders_of(course.community_id)
    values: dict[str, Any] = {"minutes": 90, "capacity": 10, "place": "", "starts_text": "", "leaders": []}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        allowed = {u.id for u in leaders}
        values = {
            "new": True,
            "place": (form.get("place") or "").strip()[:120],
            "starts_at": local_input(form.get("starts"), community.timezone),
            "starts_text": (form.get("starts") or "")[:16],
            "minutes": small_int(form.get("minutes"), 100_000),
            "capacity": small_int(form.get("capacity"), 100_000),
            "leaders": [i for i in (small_int(x) for x in form.getlist("leaders")) if i in allowed],
        }
        errors = courses.check_session(values)
        if not errors:
            ts = courses.save_session(db, current_actor(), course, None, values)
            flash(_("Saved."), "info")
            return redirect(url_for("staff.class_detail", class_id=ts.id), code=303)
    return render_template(
        "staff/training_class_form.html", course=course, v=values, errors=errors, leaders=leaders
    ), (400 if errors else 200)


def render_class(ts: TrainingSession, error: str | None, status: int) -> ResponseReturnValue:
    db = get_session()
    people = courses.roster(db, ts)
    skills = {s.code: s for s in all_skills(db)}
    marks = {a.resident_id: levels_of(db, a.resident_id) for a in people}
    course_skills = [skills[c] for c in ts.course.skill_codes if c in skills]
    certificates = {
        c.resident_id: c
        for c in db.scalars(
            select(Certificate).where(
                Certificate.course_id == ts.course_id,
                Certificate.resident_id.in_([a.resident_id for a in people]),
            )
        )
    }
    return render_template(
        "staff/training_class.html",
        ts=ts,
        people=people,
        error=error,
        now=clock.now(),
        skills=course_skills,
        levels=list(SkillLevel),
        marks=marks,
        # Finished attendees fold away, so the leader's place is the next person still learning.
        on_own={
            rid: [s.code for s in course_skills if str(m.get(s.code, "")) == SkillLevel.ON_MY_OWN.value]
            for rid, m in marks.items()
        },
        certificates=certificates,
        open_id=small_int(request.args.get("open")),
    ), status


@bp.get("/training/classes/<int:class_id>")
@writes
@require(Permission.RUN_SESSIONS)
def class_detail(class_id: int) -> ResponseReturnValue:
    """The roster (names and flats): a view of personal data, audited."""
    ts = class_or_404(class_id)
    db = get_session()
    record(db, current_actor(), "training.roster_view", "training_session", ts.id, ts.community_id)
    return render_class(ts, None, 200)


def _who(db: Any, ts: TrainingSession) -> Resident:
    resident_id = small_int(request.form.get("resident"))
    if resident_id is not None:
        resident = db.get(Resident, resident_id)
        if resident is None or resident.community_id != ts.community_id:
            raise TrainingError("not_booked")
        return resident
    resident = card_for_scan(db, (request.form.get("scan") or "")[:300]).resident
    if resident.community_id != ts.community_id:
        raise TrainingError("other_community")
    return resident


@bp.post("/training/classes/<int:class_id>/<action>")
@require(Permission.RUN_SESSIONS)
def class_action(class_id: int, action: str) -> ResponseReturnValue:
    """Everything a leader does during a class, one small form each (`CLASS_ACTIONS`)."""
    ts = class_or_404(class_id)
    run = CLASS_ACTIONS.get(action)
    if run is None:
        abort(404)
    try:
        words = run(get_session(), current_actor(), ts)
    except CardRefused:
        return render_class(class_or_404(class_id), training_error("card_unknown"), 400)
    except TrainingError as exc:
        if action == "mark" and wants_json():
            return jsonify(saved=False, words=training_error(exc.reason)), 400
        return render_class(class_or_404(class_id), training_error(exc.reason), 400)
    if action == "mark" and wants_json():
        # The roster's script saved one mark without leaving the page: the leader keeps their place.
        return jsonify(saved=True, words=words)
    flash(words, "info")
    if action in ("mark", "check_in") and request.form.get("resident"):
        # Without the script: back to the same attendee, not to the top of a long roster.
        rid = small_int(request.form.get("resident"))
        return redirect(url_for("staff.class_detail", class_id=ts.id, open=rid, _anchor=f"a{rid}"), code=303)
    return redirect(url_for("staff.class_detail", class_id=ts.id), code=303)


def _notes(db: Session, actor: Actor, ts: TrainingSession) -> str:
    courses.save_notes(db, actor, ts, request.form.get("notes") or "")
    return _("Saved.")


def _call_off(db: Session, actor: Actor, ts: TrainingSession) -> str:
    if request.form.get("sure") != "1":
        raise TrainingError("not_sure")
    office = may_call_off_any_class(the_staff(), ts.community_id)
    told = courses.call_off(db, actor, ts, office=office)
    return _("Called off; %(count)s people will be told.", count=told)


def _hours(db: Session, actor: Actor, ts: TrainingSession) -> str:
    minutes = small_int(request.form.get("minutes"), 100_000)
    claimed = courses.record_hours(db, actor, ts, the_staff(), -1 if minutes is None else minutes)
    if claimed is not None and claimed.status == ClaimStatus.PENDING:
        return _(
            "Saved. %(hours)s hours wait for approval in the time bank.", hours=hours_text(claimed.half_hours)
        )
    return _("Saved.")


def _check_in(db: Session, actor: Actor, ts: TrainingSession) -> str:
    resident = _who(db, ts)
    courses.check_in(db, actor.helping(resident.id), ts, resident)
    return _("%(name)s is checked in.", name=resident.name)


def _add(db: Session, actor: Actor, ts: TrainingSession) -> str:
    resident = _who(db, ts)
    entry = courses.signup(db, actor.helping(resident.id), ts, resident, "volunteer")
    if entry.status == "booked":
        return _("%(name)s has a place.", name=resident.name)
    return _("%(name)s is on the waiting list.", name=resident.name)


def _cancel(db: Session, actor: Actor, ts: TrainingSession) -> str:
    resident = _who(db, ts)
    courses.cancel(db, actor.helping(resident.id), ts, resident)
    return _("Saved.")


def _mark(db: Session, actor: Actor, ts: TrainingSession) -> str:
    resident = _who(db, ts)
    # The roster sends "skill:level" from the button pressed; "skill" and "level" fields work too.
    skill, _sep, level = (request.form.get("mark") or "").partition(":")
    cert = courses.mark(
        db,
        actor,
        ts,
        resident,
        (skill or request.form.get("skill") or "")[:32],
        level or request.form.get("level") or "",
    )
    if cert is not None:  # this mark completed the course (courses.mark returns only a new certificate)
        return _("%(name)s has finished the course: the certificate is ready.", name=resident.name)
    return _("Saved.")


CLASS_ACTIONS: dict[str, Callable[[Session, Actor, TrainingSession], str]] = {
    "check_in": _check_in,
    "add": _add,
    "cancel": _cancel,
    "mark": _mark,
    "notes": _notes,
    "hours": _hours,
    "call_off": _call_off,
}


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"
