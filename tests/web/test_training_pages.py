"""Digital-skills training through the faces: public lessons, practice that sends nothing, sign-up with a
waiting list, the roster with check-in by card and marks, certificates and /verify, the dashboard and CSV."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.training import courses
from webapp.domain.training.certificates import issue_if_complete
from webapp.domain.training.skills import TrainingError, set_level
from webapp.infra import clock
from webapp.models import (
    AttendanceStatus,
    AuditEntry,
    Booking,
    Certificate,
    Course,
    Notification,
    SessionVolunteer,
    SkillLevel,
    SkillProgress,
    StaffUser,
    Ticket,
    TrainingSession,
)


def counts(session):
    return [session.scalar(select(func.count(m.id))) for m in (Ticket, Booking, Notification)]


def new_class(session, course, capacity=1, hours=2):
    values = {
        "place": "Room 1",
        "starts_at": clock.now() + timedelta(hours=hours),
        "minutes": 60,
        "capacity": capacity,
    }
    made = courses.save_session(session, SYSTEM, course, None, values)
    session.commit()
    return made


def test_lessons_are_public_the_same_for_everyone_and_printable(client):
    client.set_cookie("linli_locale", "en")
    index = client.get("/learn")
    assert index.status_code == 200
    page = client.get("/learn/spot_scam")
    text = page.get_data(as_text=True)
    assert "Spot a scam" in text
    assert "96110" in text
    assert "print.css" in text
    assert "no-store" not in page.headers.get("Cache-Control", "")
    assert client.get("/learn/no-such-skill").status_code == 404


def test_ten_skills_in_three_locales(session):
    from webapp.domain.training.skills import all_skills

    skills = all_skills(session)
    assert len(skills) >= 10
    for s in skills:
        assert set(s.titles) == {"zh_Hans", "zh_Hant", "en"}
        assert all(set(step["text"]) == {"zh_Hans", "zh_Hant", "en"} for step in s.steps)


def test_kiosk_lesson_and_learn_tile(kiosk_client):
    kiosk_client.set_cookie("linli_locale", "en")
    assert "Scan a QR code" in kiosk_client.get("/kiosk/learn").get_data(as_text=True)
    assert kiosk_client.get("/kiosk/learn/video_call").status_code == 200


def test_practice_sends_nothing(client, session):
    client.set_cookie("linli_locale", "en")
    before = counts(session)
    page = client.get("/practice/form?problem=tap&where=kitchen")
    assert "Practice — nothing is really sent" in page.get_data(as_text=True)
    done = client.post("/practice/form", data={"csrf_token": csrf_token(client, "/practice/form")})
    assert done.status_code == 200
    assert client.get("/practice/appointment?dept=eyes&time=1").status_code == 200
    assert client.get("/practice/scam?a=snsnsnsnsnsn&q=1").status_code == 200
    assert counts(session) == before


def test_bad_practice_choice_is_refused_in_words(client):
    client.set_cookie("linli_locale", "en")
    page = client.get("/practice/form?problem=nonsense")
    assert page.status_code == 400
    assert "Please choose one of the options" in page.get_data(as_text=True)


def test_kiosk_scan_practice_checked_on_the_server(kiosk_client, session):
    kiosk_client.set_cookie("linli_locale", "en")
    page = kiosk_client.get("/kiosk/practice/scan").get_data(as_text=True)
    token = page.split('name="token" value="')[1].split('"')[0]
    data = {"csrf_token": csrf_token(kiosk_client, "/kiosk/practice"), "token": token}
    assert kiosk_client.post("/kiosk/practice/scan", data=data).status_code == 400
    assert "Well done" in kiosk_client.get(f"/practice/well-done/{token}").get_data(as_text=True)
    assert "Well done" in kiosk_client.post("/kiosk/practice/scan", data=data).get_data(as_text=True)


def test_waiting_list_and_promotion_with_a_notification(session, course, make_resident):
    ts = new_class(session, course, capacity=1)
    first, second = make_resident("甲"), make_resident("乙")
    assert courses.signup(session, SYSTEM, ts, first, "test").status == AttendanceStatus.BOOKED
    assert courses.signup(session, SYSTEM, ts, second, "test").status == AttendanceStatus.WAITING
    promoted = courses.cancel(session, SYSTEM, ts, first)
    assert [a.resident_id for a in promoted] == [second.id]
    kinds = session.scalars(select(Notification.kind).where(Notification.resident_id == second.id)).all()
    assert "class_place" in kinds
    assert courses.send_reminders(session) >= 1
    assert courses.send_reminders(session) == 0


def test_volunteer_roster_check_in_by_card_and_marks_give_a_certificate(
    client, auth, session, course, make_resident
):
    client.set_cookie("linli_locale", "en")
    ts = new_class(session, course, capacity=5, hours=0.5)
    person = make_resident("王学员")
    card = issue_card(session, SYSTEM, person)
    session.commit()
    auth.sign_in("volunteer")
    roster = client.get(f"/staff/training/classes/{ts.id}")
    assert roster.status_code == 200
    token = csrf_token(client, f"/staff/training/classes/{ts.id}")
    url = f"/staff/training/classes/{ts.id}"
    done = client.post(f"{url}/check_in", data={"csrf_token": token, "scan": card.url("https://x")})
    assert done.status_code == 303
    bad = client.post(f"{url}/check_in", data={"csrf_token": token, "scan": "https://x/c/forged"})
    assert bad.status_code == 400
    for code in course.skill_codes:
        client.post(
            f"{url}/mark",
            data={"csrf_token": token, "resident": person.id, "skill": code, "level": "on_my_own"},
        )
    assert (
        client.post(
            f"{url}/mark", data={"csrf_token": token, "resident": person.id, "skill": "scan_qr", "level": "x"}
        ).status_code
        == 400
    )
    cert = session.scalar(select(Certificate).where(Certificate.resident_id == person.id))
    assert cert is not None
    assert len(cert.code) >= 24
    assert "genuine" in client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert (
        session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "training.roster_view"))
        >= 1
    )


def test_forged_and_revoked_certificates_are_refused(client, auth, session, course, make_resident):
    client.set_cookie("linli_locale", "en")
    person = make_resident("证书人")
    for code in course.skill_codes:
        set_level(session, SYSTEM, person, code, SkillLevel.ON_MY_OWN, "session")
    cert = issue_if_complete(session, SYSTEM, person, course)
    session.commit()
    forged = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAA")
    assert forged.status_code == 404
    assert "cannot find this certificate" in forged.get_data(as_text=True)
    auth.sign_in("worker")
    client.post(
        f"/staff/training/certificates/{cert.id}/revoke", data={"csrf_token": csrf_token(client, "/staff/")}
    )
    auth.sign_out()
    revoked = client.get(f"/verify/{cert.code}")
    assert revoked.status_code == 410
    assert "withdrawn" in revoked.get_data(as_text=True)


def test_staff_create_course_and_class_with_errors_kept(client, auth, session):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    token = csrf_token(client, "/staff/training")
    bad = client.post("/staff/training/courses/new", data={"csrf_token": token, "title_en": "Kept title"})
    assert bad.status_code == 400
    assert "Kept title" in bad.get_data(as_text=True)
    ok = client.post(
        "/staff/training/courses/new",
        data={"csrf_token": token, "title_zh_Hans": "新课", "skills": ["gov_app"]},
    )
    assert ok.status_code == 303
    made = session.scalar(select(Course).where(Course.titles["zh_Hans"].as_string() == "新课"))
    bad_class = client.post(
        f"/staff/training/courses/{made.id}/classes/new",
        data={"csrf_token": token, "place": "Hall", "starts": "nonsense", "minutes": "60", "capacity": "5"},
    )
    assert bad_class.status_code == 400
    assert "Hall" in bad_class.get_data(as_text=True)


def test_dashboard_and_csv(client, auth):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    page = client.get("/staff/training/figures")
    assert page.status_code == 200
    assert "<svg" in page.get_data(as_text=True)
    csv = client.get("/staff/training.csv")
    assert csv.mimetype == "text/csv"
    assert "Classes held" in csv.get_data(as_text=True)
    auth.sign_out()
    auth.sign_in("volunteer")
    assert client.get("/staff/training/figures").status_code == 403


def test_practice_result_saved_only_with_consent(app, session, make_resident):
    from webapp.domain.identity.pins import set_pin

    person = make_resident("练习者")
    set_pin(session, SYSTEM, person, "482915")
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    phone = app.test_client()
    phone.set_cookie("linli_locale", "en")
    phone.get(f"/c/{issued.token}")
    phone.post("/c", data={"csrf_token": csrf_token(phone, "/c"), "pin": "482915"})
    done = phone.post("/practice/form", data={"csrf_token": csrf_token(phone, "/practice/form")})
    assert 'action="/practice/save"' in done.get_data(as_text=True)  # offered to her, signed in on her phone
    anonymous = app.test_client()
    elsewhere = anonymous.post("/practice/form", data={"csrf_token": csrf_token(anonymous, "/practice/form")})
    assert elsewhere.status_code == done.status_code == 200
    assert 'action="/practice/save"' not in elsewhere.get_data(as_text=True)  # nobody to keep it for
    before = counts(session)
    token = csrf_token(phone, "/me")
    refused = phone.post("/practice/save", data={"csrf_token": token, "practice": "form"})
    assert refused.status_code == 400
    assert session.scalar(select(SkillProgress).where(SkillProgress.resident_id == person.id)) is None
    saved = phone.post("/practice/save", data={"csrf_token": token, "practice": "form", "consent": "1"})
    assert saved.status_code == 303
    row = session.scalar(select(SkillProgress).where(SkillProgress.resident_id == person.id))
    assert row.skill_code == "use_linli"
    cheat = phone.post(
        "/practice/save", data={"csrf_token": token, "practice": "scam", "consent": "1", "a": "ssssssssssss"}
    )
    assert cheat.status_code == 400
    assert counts(session) == before
    assert "My skills" in phone.get("/me/skills").get_data(as_text=True)


def test_calling_a_class_off_needs_a_tick_tells_everyone_once_and_closes_sign_up(
    client, auth, session, course, make_resident
):
    client.set_cookie("linli_locale", "en")
    ts = new_class(session, course, capacity=1, hours=5)
    booked, waiting = make_resident("上课甲"), make_resident("上课乙")
    courses.signup(session, SYSTEM, ts, booked, "phone")
    courses.signup(session, SYSTEM, ts, waiting, "phone")
    session.commit()
    auth.sign_in("volunteer")
    url = f"/staff/training/classes/{ts.id}"
    token = csrf_token(client, url)
    unsure = client.post(f"{url}/call_off", data={"csrf_token": token})
    assert unsure.status_code == 400
    assert "Tick the box" in unsure.get_data(as_text=True)
    session.expire_all()
    assert session.get(TrainingSession, ts.id).cancelled_at is None
    not_theirs = client.post(f"{url}/call_off", data={"csrf_token": token, "sure": "1"})
    assert not_theirs.status_code == 400  # a volunteer who does not lead this class
    assert "Only a leader of this class or the community office" in not_theirs.get_data(as_text=True)
    session.expire_all()
    assert session.get(TrainingSession, ts.id).cancelled_at is None
    volunteer = session.scalar(select(StaffUser).where(StaffUser.username == "volunteer"))
    session.get(TrainingSession, ts.id).leaders.append(SessionVolunteer(staff_user_id=volunteer.id))
    session.commit()
    assert client.post(f"{url}/call_off", data={"csrf_token": token, "sure": "1"}).status_code == 303
    assert client.post(f"{url}/call_off", data={"csrf_token": token, "sure": "1"}).status_code == 303
    told = session.scalars(
        select(Notification.resident_id).where(
            Notification.kind == "class_cancelled", Notification.detail == str(ts.id)
        )
    ).all()
    assert sorted(told) == sorted([booked.id, waiting.id])  # once each, though pressed twice
    assert "Called off" in client.get(url).get_data(as_text=True)
    other = make_resident("上课丙")
    session.commit()
    session.expire_all()
    with pytest.raises(TrainingError):
        courses.signup(session, SYSTEM, session.get(TrainingSession, ts.id), other, "phone")


def test_hours_a_linked_volunteer_leads_become_one_time_bank_claim(
    client, app, auth, session, course, make_resident, make_staff
):
    from tests.conftest import Auth
    from webapp.domain.life import volunteering
    from webapp.models import ClaimStatus, HourClaim, Role, SessionVolunteer, StaffUser

    client.set_cookie("linli_locale", "en")
    helper = make_resident("志愿者王")
    volunteer = session.scalar(select(StaffUser).where(StaffUser.username == "volunteer"))
    outsider = make_staff("elsewhere", Role.VOLUNTEER)
    outsider.roles.clear()  # an account with no role in this community
    session.commit()
    # The office links the volunteer's account to the resident from the resident's page.
    office = app.test_client()
    office.set_cookie("linli_locale", "en")
    Auth(office).sign_in("admin")
    page = f"/staff/residents/{helper.id}"
    assert "Volunteer account" in office.get(page).get_data(as_text=True)
    token = csrf_token(office, page)
    refused = office.post(f"{page}/volunteer-account", data={"csrf_token": token, "user": outsider.id})
    assert refused.status_code == 303
    assert "no role in this resident" in office.get(page).get_data(as_text=True)
    # The demo's volunteer already belongs to a demo resident: refused until the office unlinks it there.
    office.post(f"{page}/volunteer-account", data={"csrf_token": token, "user": volunteer.id})
    assert "already belongs to another resident" in office.get(page).get_data(as_text=True)
    before = f"/staff/residents/{volunteer.resident_id}"
    office.post(f"{before}/volunteer-account", data={"csrf_token": token, "user": ""})
    linked = office.post(f"{page}/volunteer-account", data={"csrf_token": token, "user": volunteer.id})
    assert linked.status_code == 303
    session.expire_all()
    assert session.get(StaffUser, volunteer.id).resident_id == helper.id

    ts = new_class(session, course, capacity=5, hours=-1)  # began an hour ago
    session.add(
        SessionVolunteer(training_session_id=ts.id, staff_user_id=volunteer.id, minutes=0)
    )  # leads it
    session.commit()
    auth.sign_in("volunteer")
    url = f"/staff/training/classes/{ts.id}"
    assert "go to your time bank" in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    client.post(f"{url}/hours", data={"csrf_token": token, "minutes": "45"})
    claims = lambda: session.scalars(select(HourClaim).where(HourClaim.resident_id == helper.id)).all()  # noqa: E731
    session.expire_all()
    (claim,) = claims()
    assert (claim.kind, claim.half_hours, claim.status) == (
        "session_led",
        2,
        ClaimStatus.PENDING,
    )  # 45 min: 1 h
    client.post(f"{url}/hours", data={"csrf_token": token, "minutes": "90"})  # corrected: the same claim
    session.expire_all()
    (claim,) = claims()
    assert claim.half_hours == 3  # 90 minutes
    volunteering.approve(session, SYSTEM, claim)
    session.commit()
    client.post(f"{url}/hours", data={"csrf_token": token, "minutes": "30"})  # after approval: no change
    session.expire_all()
    (claim,) = claims()
    assert (claim.half_hours, claim.status) == (3, ClaimStatus.APPROVED)
    # Unlinking: later classes earn nothing for that resident.
    office.post(f"{page}/volunteer-account", data={"csrf_token": csrf_token(office, page), "user": ""})
    session.expire_all()
    assert session.get(StaffUser, volunteer.id).resident_id is None


def test_time_bank_claims_only_for_named_leaders_not_self_approved_nor_after_a_year_or_erasure(
    session, course, make_resident
):
    from webapp.domain.life import volunteering
    from webapp.domain.life.timebank import TimeBankError
    from webapp.domain.privacy.audit import Actor
    from webapp.domain.register.residents import erase
    from webapp.models import HourClaim, SessionVolunteer, StaffUser

    helper = make_resident("志愿者李")
    volunteer = session.scalar(select(StaffUser).where(StaffUser.username == "volunteer"))
    worker = session.scalar(select(StaffUser).where(StaffUser.username == "worker"))
    volunteer.resident_id = None
    session.flush()
    volunteering.link_volunteer(session, SYSTEM, helper, volunteer)

    def claims():
        return session.scalars(select(HourClaim).where(HourClaim.resident_id == helper.id)).all()

    # Not named as a leader: the minutes count for the class, not in the time bank.
    ts = new_class(session, course, capacity=5, hours=-1)
    assert courses.record_hours(session, SYSTEM, ts, volunteer, 60) is None
    assert claims() == []
    # A class more than a year ago: the minutes are kept, no claim, no error.
    old = new_class(session, course, capacity=5, hours=-24 * 400)
    session.add(SessionVolunteer(training_session_id=old.id, staff_user_id=volunteer.id, minutes=0))
    session.flush()
    session.expire(old)
    assert courses.record_hours(session, SYSTEM, old, volunteer, 60) is None
    # Named: a claim, which the person it belongs to may not approve, a colleague may.
    named = new_class(session, course, capacity=5, hours=-2)
    session.add(SessionVolunteer(training_session_id=named.id, staff_user_id=volunteer.id, minutes=0))
    session.flush()
    session.expire(named)
    claim = courses.record_hours(session, SYSTEM, named, volunteer, 60)
    assert claim is not None
    with pytest.raises(TimeBankError):
        volunteering.approve(session, Actor(type="staff", id=volunteer.id), claim)
    volunteering.approve(session, Actor(type="staff", id=worker.id), claim)
    # Erasing the resident unlinks the account, so an anonymous record is not tied to a named login.
    erase(session, SYSTEM, helper)
    session.flush()
    assert session.get(StaffUser, volunteer.id).resident_id is None


def test_one_tap_sign_up_at_the_kiosk_and_on_the_phone_and_a_volunteer_adds_someone(
    client, app, auth, session, course, make_resident
):
    from webapp.domain.identity.pins import set_pin
    from webapp.models import Attendance

    client.set_cookie("linli_locale", "en")
    ts = new_class(session, course, capacity=1, hours=24)
    kiosk_person, phone_person, walk_in = (
        make_resident("柯阿姨", age=78),
        make_resident("费大爷"),
        make_resident("步行"),
    )
    kiosk_card, phone_card = (
        issue_card(session, SYSTEM, kiosk_person),
        issue_card(session, SYSTEM, phone_person),
    )
    set_pin(session, SYSTEM, phone_person, "482915")
    session.commit()

    def place(person):
        return session.scalar(
            select(Attendance).where(
                Attendance.training_session_id == ts.id, Attendance.resident_id == person.id
            )
        )

    # At the kiosk: scan, then one tap on the class.
    kiosk = app.test_client()
    kiosk.set_cookie("linli_locale", "en")
    from webapp.domain.kiosk.devices import pair, start_pairing
    from webapp.models import Kiosk

    code = start_pairing(
        session, SYSTEM, session.scalar(select(Kiosk).where(Kiosk.community_id == ts.community_id))
    )
    _k, device = pair(session, code)
    session.commit()
    kiosk.set_cookie("linli_kiosk", device)
    token = csrf_token(kiosk, "/kiosk/")
    assert kiosk.post(
        "/kiosk/identify", data={"csrf_token": token, "scan": kiosk_card.url("https://x")}
    ).json["ok"]
    skills = kiosk.get("/kiosk/skills").get_data(as_text=True)
    assert f"/kiosk/classes/{ts.id}/signup" in skills
    tapped = kiosk.post(
        f"/kiosk/classes/{ts.id}/signup", data={"csrf_token": csrf_token(kiosk, "/kiosk/skills")}
    )
    assert tapped.status_code == 303
    session.expire_all()
    assert place(kiosk_person).status == AttendanceStatus.BOOKED
    assert place(kiosk_person).channel.startswith("kiosk:")

    # On the phone: the class is full now, so one tap puts the resident on the waiting list, said in words.
    client.get(f"/c/{phone_card.token}")
    client.post("/c", data={"csrf_token": csrf_token(client, "/c"), "pin": "482915"})
    page = client.get("/me/skills").get_data(as_text=True)
    assert f"/me/classes/{ts.id}/signup" in page
    tapped = client.post(
        f"/me/classes/{ts.id}/signup",
        data={"csrf_token": csrf_token(client, "/me/skills")},
        follow_redirects=True,
    )
    assert tapped.status_code == 200
    assert "waiting list" in tapped.get_data(as_text=True)
    session.expire_all()
    assert place(phone_person).status == AttendanceStatus.WAITING

    # A volunteer adds someone who came to the desk, and writes the class's notes.
    volunteer = app.test_client()
    volunteer.set_cookie("linli_locale", "en")
    from tests.conftest import Auth

    Auth(volunteer).sign_in("volunteer")
    url = f"/staff/training/classes/{ts.id}"
    token = csrf_token(volunteer, url)
    added = volunteer.post(
        f"{url}/add", data={"csrf_token": token, "resident": walk_in.id}, follow_redirects=True
    )
    assert "步行 is on the waiting list." in added.get_data(as_text=True)
    noted = volunteer.post(f"{url}/notes", data={"csrf_token": token, "notes": "带老花镜；投影仪要提前开"})
    assert noted.status_code == 303
    session.expire_all()
    assert place(walk_in).status == AttendanceStatus.WAITING
    assert session.get(TrainingSession, ts.id).notes == "带老花镜；投影仪要提前开"
    assert "带老花镜" in volunteer.get(url).get_data(as_text=True)
    audit = session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == ts.id)).all()
    assert "training.notes" in audit


def test_dashboard_counts_a_held_class_its_arrivals_skills_by_age_band_and_hours(
    session, course, make_resident, frozen
):
    from webapp.domain.training.figures import figures
    from webapp.models import StaffUser

    ids = frozenset({course.community_id})
    since = frozen.now - timedelta(days=400)
    ts = new_class(session, course, capacity=5, hours=1)
    seventy, eighty_five, absent = (
        make_resident("七十", age=72),
        make_resident("八五", age=85),
        make_resident("缺席"),
    )
    for person in (seventy, eighty_five, absent):
        courses.signup(session, SYSTEM, ts, person, "test")
    session.commit()
    month = f"{ts.starts_at:%Y-%m}"

    def this_month():
        return next((m for m in figures(session, ids, since).months if m.month == month), None)

    before = this_month()
    held, came = (before.held, before.attended) if before else (0, 0)
    gained = dict(before.gained) if before else {}
    minutes = before.minutes_led if before else 0
    frozen.advance(hours=1, minutes=5)  # the class has begun
    for person in (seventy, eighty_five):
        courses.check_in(session, SYSTEM, ts, person)
    courses.mark(session, SYSTEM, ts, seventy, "scan_qr", "on_my_own")
    courses.mark(session, SYSTEM, ts, eighty_five, "scan_qr", "on_my_own")
    courses.mark(session, SYSTEM, ts, eighty_five, "spot_scam", "with_help")  # "with help" is not gained yet
    leader = session.scalar(select(StaffUser).where(StaffUser.username == "volunteer"))
    courses.record_hours(session, SYSTEM, ts, leader, 90)
    session.commit()
    after = this_month()
    assert after.held == held + 1
    assert after.attended == came + 2
    assert after.gained["70_79"] == gained.get("70_79", 0) + 1
    assert after.gained["80_plus"] == gained.get("80_plus", 0) + 1
    assert after.minutes_led == minutes + 90


def test_a_lesson_is_read_aloud_from_its_own_words_in_each_language(client):
    page = client.get("/learn/scan_qr", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-audio="/learn/scan_qr/audio/en.wav"' in page
    sizes = {}
    for locale in ("zh_Hans", "zh_Hant", "en"):
        audio = client.get(f"/learn/scan_qr/audio/{locale}.wav")
        assert audio.status_code == 200
        assert audio.mimetype == "audio/wav"
        assert audio.data[:4] == b"RIFF"
        assert "public" in audio.headers["Cache-Control"]
        sizes[locale] = len(audio.data)
    assert sizes["en"] != sizes["zh_Hans"]  # the lesson in each language, not one recording for all
    assert client.get("/learn/no_such_lesson/audio/en.wav").status_code == 404
    assert client.get("/learn/scan_qr/audio/fr.wav").status_code == 404
