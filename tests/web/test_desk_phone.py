"""The services desk from a phone and the console: the whole life cycle, permissions, photos and bad input."""

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import csrf_token, refused_in_words
from webapp.models import AuditEntry, Notification, Photo, Role, Status, Ticket


def post(client, url, **data):
    token = csrf_token(client, "/me" if not url.startswith("/staff") else "/staff/")
    return client.post(url, data={"csrf_token": token, **data})


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (3000, 2000), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "Camera 1.0"  # Software
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 16.0, 12.0)
    gps[3] = "E"
    gps[4] = (120.0, 9.0, 5.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_phone_life_cycle_with_photo_staff_answer_rating_and_reopen(phone, client, auth, session, person):
    client.set_cookie("linli_locale", "en")
    assert post(phone, "/ask/repair-light/1", answer="stairs").status_code == 303
    assert post(phone, "/ask/repair-light/2", answer="yes").status_code == 303
    assert post(phone, "/ask/repair-light/3", answer="The light on floor 3 flickers").status_code == 303
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original
    upload = phone.post(
        "/ask/repair-light/4",
        data={"csrf_token": csrf_token(phone, "/me"), "photo": (io.BytesIO(original), "IMG_0001.jpg")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303
    review = phone.get("/ask/repair-light/review").get_data(as_text=True)
    assert "Stairway or corridor" in review
    assert "A photo is attached" in review
    sent = post(phone, "/ask/repair-light/review", where="home")
    assert sent.status_code == 303
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    assert sent.headers["Location"] == f"/tickets/{ticket.number}"
    assert ticket.answers["urgent"] is True
    assert ticket.channel == "phone"
    assert ticket.building_id == person.household.building_id
    photo = session.scalar(select(Photo).where(Photo.request_id == ticket.id))
    stored = Image.open(io.BytesIO(photo.content))
    assert max(stored.size) == 1600  # shrunk
    assert not stored.getexif()  # no EXIF at all, so no GPS position of the resident's home
    assert b"PhoneMaker" not in photo.content
    assert b"Exif" not in photo.content

    # The property company's manager sees it, accepts it and resolves it with a note for the resident.
    auth.sign_in("property")
    queue = client.get("/staff/tickets").get_data(as_text=True)
    assert ticket.number in queue
    detail = client.get(f"/staff/tickets/{ticket.id}")
    assert "陈阿婆" in detail.get_data(as_text=True)
    assert detail.headers["Cache-Control"] == "no-store"
    viewed = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "ticket.view", AuditEntry.subject_id == person.id)
    )
    assert viewed is not None  # a staff view of personal data is audited
    assert post(client, f"/staff/tickets/{ticket.id}/status", to="accepted").status_code == 303
    post(client, f"/staff/tickets/{ticket.id}/note", note="Electrician booked for 3 pm", public="1")
    post(client, f"/staff/tickets/{ticket.id}/note", note="Supplier invoice 4471")  # internal
    assert post(client, f"/staff/tickets/{ticket.id}/status", to="resolved").status_code == 303

    # The resident sees the news once, a plain timeline without the internal note, and rates it.
    mine = phone.get("/tickets").get_data(as_text=True)
    assert f"{ticket.number} is now: Done" in mine
    assert "news about your requests" not in phone.get("/tickets").get_data(as_text=True).lower()
    page = phone.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Electrician booked for 3 pm" in page
    assert "Supplier invoice" not in page
    assert "Very happy" in page
    bad = post(phone, f"/tickets/{ticket.number}/rate", stars="9")
    assert bad.status_code == 400
    assert "Please choose one of the five faces." in bad.get_data(as_text=True)
    assert post(phone, f"/tickets/{ticket.number}/rate", stars="4", words="Quick").status_code == 303
    session.expire_all()
    assert (ticket.rating, ticket.rating_note) == (4, "Quick")
    # Reopen (the light went out again), staff resolve again, the resident closes it.
    assert post(phone, f"/tickets/{ticket.number}/status", action="reopen").status_code == 303
    session.expire_all()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.rating is None
    post(client, f"/staff/tickets/{ticket.id}/status", to="resolved")
    assert post(phone, f"/tickets/{ticket.number}/status", action="close").status_code == 303
    session.expire_all()
    assert ticket.status == Status.CLOSED
    kinds = [e.to_status for e in ticket.events if e.to_status]
    assert kinds == [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.RESOLVED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.CLOSED,
    ]


def submit_simple(phone, code="repair-lift", **answers):
    for step, value in enumerate(answers.values(), start=1):
        post(phone, f"/ask/{code}/{step}", answer=value)
    return post(phone, f"/ask/{code}/review", where="home")


def test_reject_needs_a_reason_and_cancel_is_the_residents(phone, client, auth, session, person):
    client.set_cookie("linli_locale", "en")
    submit_simple(phone, urgent="no", details="")
    first = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    auth.sign_in("property")
    refused = post(client, f"/staff/tickets/{first.id}/status", to="rejected")
    assert refused.status_code == 400
    assert "Please give a reason" in refused.get_data(as_text=True)
    assert (
        post(client, f"/staff/tickets/{first.id}/status", to="rejected", note="Not ours").status_code == 303
    )
    assert "Not ours" in phone.get(f"/tickets/{first.number}").get_data(as_text=True)
    submit_simple(phone, urgent="no", details="")
    second = session.scalars(select(Ticket).where(Ticket.resident_id == person.id).order_by(Ticket.id)).all()[
        -1
    ]
    asked = post(phone, f"/tickets/{second.number}/status", action="cancel")
    assert asked.status_code == 200
    assert "No, keep it" in asked.get_data(as_text=True)
    session.expire_all()
    assert second.status == Status.SUBMITTED  # asking is not doing
    assert (
        post(phone, f"/tickets/{second.number}/status", action="cancel", confirmed="yes").status_code == 303
    )
    session.expire_all()
    assert second.status == Status.CANCELLED
    again = post(phone, f"/tickets/{second.number}/status", action="cancel", confirmed="yes")
    assert again.status_code == 400
    assert "cannot be changed that way" in again.get_data(as_text=True)


def test_a_resident_sees_only_their_own_tickets(phone, app, session, make_resident):
    other = make_resident("别人", age=70)
    from webapp.domain.desk.tickets import submit
    from webapp.domain.privacy.audit import Actor
    from webapp.models import ServiceType

    lift = session.scalar(select(ServiceType).where(ServiceType.code == "repair-lift"))
    theirs = submit(
        session,
        Actor(type="resident", id=other.id),
        other,
        lift,
        {"urgent": "no"},
        "phone",
        household_id=other.household_id,
    )
    session.commit()
    assert phone.get(f"/tickets/{theirs.request.number}").status_code == 404
    assert theirs.request.number not in phone.get("/tickets").get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.get("/tickets").status_code == 302


def test_providers_see_only_tickets_routed_to_them(client, auth, session, demo_community, make_staff):
    from webapp.models import ServiceType

    auth.sign_in("provider")  # 孙医生 of the health station
    queue = client.get("/staff/tickets?status=all").get_data(as_text=True)
    rows = re.findall(r'class="ticket-ref" href="/staff/tickets/(\d+)"', queue)
    assert rows
    for ticket_id in rows:
        ticket = session.get(Ticket, int(ticket_id))
        assert ticket.service_type.provider_name == "翠苑社区卫生服务站"
    property_ticket = session.scalar(
        select(Ticket).join(ServiceType).where(ServiceType.code == "repair-water")
    )
    assert client.get(f"/staff/tickets/{property_ticket.id}").status_code == 404
    assert client.get("/staff/catalog").status_code == 403
    make_staff("helper", Role.VOLUNTEER)
    auth.sign_out()
    auth.sign_in("helper")
    assert client.get("/staff/tickets").status_code == 403


BAD_PHOTOS = {  # what is sent, its name, the words of the refusal, its status (413: larger than any request may be)
    "pdf named jpg": (
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 50,
        "photo.jpg",
        "not a photo",
        400,
    ),
    "30 MB": (b"\xff\xd8\xff\xe0" + b"0" * (30 * 1024 * 1024), "big.jpg", "too large", 413),
    "empty png": (b"\x89PNG\r\n\x1a\n", "x.png", "not a photo", 400),
}


@pytest.mark.parametrize("case", BAD_PHOTOS)
def test_bad_photos_are_refused_and_earlier_answers_kept(phone, case):
    data, name, words, status = BAD_PHOTOS[case]
    post(phone, "/ask/repair-water/1", answer="home")
    refused = phone.post(
        "/ask/repair-water/4",
        data={"csrf_token": csrf_token(phone, "/me"), "photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert refused.status_code == status
    assert words in refused.get_data(as_text=True)
    assert "Step 4 of 5" in refused.get_data(as_text=True)  # still the photo question, with its form
    assert 'aria-pressed="true"' in phone.get("/ask/repair-water/1").get_data(as_text=True)


def test_long_text_and_missing_answers_keep_what_was_entered(phone):
    long = "漏" * 10_000
    refused = post(phone, "/ask/repair-water/3", answer=long)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "This is too long" in page
    assert "漏" * 500 in page
    post(phone, "/ask/repair-water/1", answer="stairs")
    missing = post(phone, "/ask/repair-water/review", where="home")
    assert missing.status_code == 400
    assert "Please answer this question." in missing.get_data(as_text=True)
    assert "Stairway or corridor" in missing.get_data(as_text=True)  # the first answer is still there
    assert post(phone, "/ask/repair-water/2", answer="maybe").status_code == 400


def test_a_common_area_needs_a_place(phone, session, person):
    post(phone, "/ask/repair-lift/1", answer="yes")
    refused = post(phone, "/ask/repair-lift/review", where="common", place="")
    assert refused.status_code == 400
    building = person.household.building_id
    ok = post(phone, "/ask/repair-lift/review", where="common", place="Lift B", building=str(building))
    assert ok.status_code == 303
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    assert (ticket.place, ticket.household_id, ticket.building_id) == ("Lift B", None, building)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    step=st.integers(min_value=-2, max_value=6),
    code=st.sampled_from(["repair-water", "childcare-care", "health-check", "nope", "x" * 80]),
    answer=st.text(max_size=700),
)
def test_any_answer_gets_a_page_or_a_message_never_a_500(phone, session, person, step, code, answer):
    taken = post(phone, "/ask/repair-water/1", answer="home")  # the control: a well-formed answer is taken
    assert taken.status_code == 303, taken.status_code
    assert re.fullmatch(r"/ask/repair-water/(2|review)", taken.headers["Location"]), taken.headers["Location"]
    known = code in ("repair-water", "childcare-care", "health-check")
    response = post(phone, f"/ask/{code}/{step}", answer=answer)
    if not known or step < 0:
        assert response.status_code == 404, response.status_code  # no such service, or no such step
    elif response.status_code == 302:  # a step the service does not have: to the review
        assert step == 0 or step > 1, step
        assert response.headers["Location"] == f"/ask/{code}/review"
    elif response.status_code == 303:  # taken: on to the next step or the review
        assert step >= 1
        assert response.headers["Location"] in (f"/ask/{code}/{step + 1}", f"/ask/{code}/review")
    else:
        assert response.status_code == 400, response.status_code
        assert refused_in_words(response), (code, step)
    tickets = select(func.count(Ticket.id)).where(Ticket.resident_id == person.id)
    before = session.scalar(tickets)
    review = post(phone, f"/ask/{code}/review", where="home", place=answer[:200])
    session.expire_all()
    if not known:
        assert review.status_code == 404, review.status_code
    elif review.status_code == 303:  # sent: one ticket more
        assert session.scalar(tickets) == before + 1
    else:  # refused, in words, with the form again
        assert review.status_code == 400, review.status_code
        assert session.scalar(tickets) == before
        assert refused_in_words(review), code


def test_notifications_count_each_staff_change_once(phone, client, auth, session, person):
    client.set_cookie("linli_locale", "en")
    submit_simple(phone, urgent="yes", details="")
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    auth.sign_in("property")
    post(client, f"/staff/tickets/{ticket.id}/status", to="in_progress")
    news = session.scalars(select(Notification).where(Notification.resident_id == person.id)).all()
    assert [(n.kind, n.detail) for n in news] == [("status", "in_progress")]
    assert "now: Being handled" in phone.get("/me").get_data(as_text=True)


def test_numbers_typed_into_free_text_are_hidden_and_the_resident_is_told(phone, session, person):
    """Issue 14.5: a phone number in the place or the details was stored in clear."""
    from tests.conftest import VAULT
    from webapp.domain.desk.tickets import contact_number

    post(phone, "/ask/repair-lift/1", answer="yes")
    post(
        phone, "/ask/repair-lift/2", answer="Stuck again, call me on 139 1234 5678, my ID 11010519491231002X"
    )
    building = person.household.building_id
    sent = post(
        phone, "/ask/repair-lift/review", where="common", place="Lift B, 13800138000", building=str(building)
    )
    assert sent.status_code == 303
    page = phone.get(sent.headers["Location"]).get_data(as_text=True)
    assert "we hid the ID or phone number you typed" in page
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    stored = f"{ticket.place} {ticket.answers}"
    for secret in ("13800138000", "13912345678", "1234 5678", "11010519491231002X"):
        assert secret not in stored
    assert ticket.place == "Lift B, *******8000"
    assert "*******5678" in ticket.answers["details"]
    assert "**************002X" in ticket.answers["details"]
    assert contact_number(VAULT, ticket) == "13912345678"  # the first number typed, kept encrypted
    assert "13912345678" not in page
    assert "13800138000" not in page
