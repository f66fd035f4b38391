"""What each face shows when the core decides alone: a kiosk report for a service that wants a photo goes
through, the phone shows the core's word on where, a note too long is refused whole on the console."""

from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.unit.test_one_rule import LABEL, other_building, service_with_photo
from tests.web.test_desk_staff import new_ticket, post
from tests.web.test_kiosk_pages import identify
from webapp.domain.desk.tickets import NOTE_MAX
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import Ticket, TicketEvent


def test_a_kiosk_report_whose_service_wants_a_photo_is_sent(
    kiosk_client, session, make_resident, demo_community
):
    person = make_resident("陶阿姨", age=80)
    issued = issue_card(session, SYSTEM, person)
    how = {"id": "how", "type": "yes_no", "required": True, "label": LABEL}
    service_with_photo(session, demo_community, how)
    service_with_photo(session, demo_community, code="broken-swing")
    session.commit()
    client = kiosk_client
    client.set_cookie("linli_locale", "en")
    identify(client, issued.url("https://x"))
    token = csrf_token(client, "/kiosk/home")
    step = client.get("/kiosk/report/broken-bench/1").get_data(as_text=True)
    assert "Step 1 of 2" in step  # one question here, then the review: the photo is not asked
    client.post("/kiosk/report/broken-bench/1", data={"csrf_token": token, "answer": "yes"})
    done = client.post("/kiosk/report/broken-bench/review", data={"csrf_token": token})
    assert done.status_code == 200, done.get_data(as_text=True)
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    assert ticket.number in done.get_data(as_text=True)
    assert ticket.answers == {"how": True}
    # A service whose only question is a photo: the kiosk asks nothing and sends it from the review.
    assert (
        client.get("/kiosk/report/broken-swing/1").headers["Location"].endswith("/report/broken-swing/review")
    )
    sent = client.post("/kiosk/report/broken-swing/review", data={"csrf_token": token})
    assert sent.status_code == 200
    assert session.scalar(select(func.count()).where(Ticket.resident_id == person.id)) == 2


def test_the_phone_shows_the_cores_word_on_where(signed_in_phone, session, make_resident):
    person = make_resident("韩伯伯", age=72)
    phone = signed_in_phone(person)
    token = csrf_token(phone, "/ask")
    phone.post("/ask/complaint-noise/1", data={"csrf_token": token, "answer": "morning"})
    review = "/ask/complaint-noise/review"
    nowhere = phone.post(review, data={"csrf_token": token, "where": "common", "place": ""})
    assert nowhere.status_code == 400
    assert 'href="#place">Please answer this question.' in nowhere.get_data(as_text=True)
    foreign = other_building(session).id
    session.commit()
    elsewhere = phone.post(
        review, data={"csrf_token": token, "where": "common", "place": "3 号楼楼道", "building": str(foreign)}
    )
    assert elsewhere.status_code == 400
    assert 'href="#building">Please choose one of the answers shown.' in elsewhere.get_data(as_text=True)
    assert session.scalar(select(func.count()).where(Ticket.resident_id == person.id)) == 0


def test_a_note_too_long_is_refused_whole_and_kept_to_shorten(client, auth, session, make_resident):
    ticket = new_ticket(session, make_resident("钱大爷", age=77))
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    events = session.scalar(select(func.count()).where(TicketEvent.request_id == ticket.id))
    words = "灯" * (NOTE_MAX + 5)
    refused = post(client, f"/staff/tickets/{ticket.id}/note", note=words, public="1")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "This note is too long. Please shorten it." in page
    assert words in page  # every word is still there to shorten
    assert session.scalar(select(func.count()).where(TicketEvent.request_id == ticket.id)) == events
    saved = post(client, f"/staff/tickets/{ticket.id}/note", note="灯" * NOTE_MAX, public="1")
    assert saved.status_code == 303
