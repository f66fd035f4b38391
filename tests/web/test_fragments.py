"""Queue rows kept per process (webapp/infra/fragments.py): a row comes from its copy only while nothing it
shows has changed.

Each change a row shows is made through the app's own core, and then the page served with the copies must be
the very page rendered without them, with the new value on it. A key that missed one of these inputs would
serve the old row and fail here.
"""

import re

from sqlalchemy import select

from tests.web.test_desk_staff import new_ticket
from webapp.domain.desk.tickets import assign, change_status, escalate_overdue
from webapp.domain.privacy.audit import Actor
from webapp.infra import fragments, i18n
from webapp.models import Category, Household, StaffUser, Status

CSRF = re.compile(r'(name="csrf_token" value|data-csrf)="[^"]+"')


def row_of(page: str, number: str) -> str:
    found = re.search(rf'<tr class="[^"]*">(?:(?!</tr>).)*>{number}</a>.*?</tr>', page, re.S)
    assert found, number
    return found.group(0)


def both_ways(app, client, url="/staff/tickets"):
    """The page served with the copies, and the same page rendered with none (CSRF tokens aside)."""
    kept = fragments.fragments_of(app)
    served = client.get(url).get_data(as_text=True)
    kept.enabled = False
    try:
        fresh = client.get(url).get_data(as_text=True)
    finally:
        kept.enabled = True
    return CSRF.sub("", served), CSRF.sub("", fresh)


def again(client, auth) -> None:
    """A new staff sign-in after the clock moved on (one lasts 30 idle minutes)."""
    client.delete_cookie("linli_session")
    assert auth.sign_in("worker").status_code == 303


def test_a_row_is_rendered_once_and_then_copied(app, client, auth, session, make_resident):
    client.set_cookie("linli_locale", "en")
    ticket = new_ticket(session, make_resident("陈奶奶", age=81))
    auth.sign_in("worker")
    kept = fragments.fragments_of(app)
    first = client.get("/staff/tickets").get_data(as_text=True)
    hits, misses = kept.hits, kept.misses
    second = client.get("/staff/tickets").get_data(as_text=True)
    assert kept.misses == misses  # nothing on the page changed: no row rendered again
    assert kept.hits >= hits + 1
    assert row_of(second, ticket.number) == row_of(first, ticket.number)
    assert "csrf" not in row_of(second, ticket.number)  # nothing of one visitor's is kept for the next
    served, fresh = both_ways(app, client)
    assert served == fresh
    # The same rows for an app served under a prefix (a proxy's SCRIPT_NAME): their addresses carry it.
    prefixed = client.get("/staff/tickets", base_url="http://localhost/linli").get_data(as_text=True)
    assert f'href="/linli/staff/tickets/{ticket.id}"' in row_of(prefixed, ticket.number)


def test_every_change_a_row_shows_is_on_the_page_at_once(
    app, client, auth, session, make_resident, frozen, monkeypatch
):
    client.set_cookie("linli_locale", "en")
    person = make_resident("王爷爷", age=84)
    ticket = new_ticket(session, person)  # a lift repair: 12 hours to answer
    twin = new_ticket(session, person)  # the same in all but its number
    auth.sign_in("worker")
    client.get("/staff/tickets")  # every row of the page kept
    handler = session.scalar(select(StaffUser).where(StaffUser.username == "worker"))
    desk = Actor(type="staff", id=handler.id)

    def changed(expected: str, url: str = "/staff/tickets") -> None:
        session.commit()
        served, fresh = both_ways(app, client, url)
        assert served == fresh
        assert expected in row_of(served, ticket.number)

    assert "12 h left" in row_of(client.get("/staff/tickets").get_data(as_text=True), ticket.number)
    served, fresh = both_ways(app, client)
    assert served == fresh
    assert f'value="{twin.id}"' in row_of(served, twin.number)
    frozen.advance(hours=1)
    again(client, auth)
    changed("11 h left")
    ticket.service_type.names = {**ticket.service_type.names, "en": "Lift stuck between floors"}
    changed("Lift stuck between floors")
    ticket.service_type.category = Category.COMPLAINT
    changed("Complaints and suggestions")
    assign(session, desk, ticket, handler)
    changed(handler.display_name)
    handler.display_name = "Zhao Gang (desk)"
    changed("Zhao Gang (desk)")
    household = session.get(Household, person.household_id)
    household.label = "12-0304"
    changed("12-0304")
    change_status(session, desk, ticket, Status.ACCEPTED)
    changed("Accepted")
    monkeypatch.setattr(
        i18n, "DEFAULT_TIMEZONE", "Asia/Tokyo"
    )  # staff see the office's zone; 5:00 in Shanghai
    changed("6:00 am")
    monkeypatch.undo()
    frozen.advance(hours=10, minutes=30)  # half an hour before the deadline, then half an hour after
    again(client, auth)
    changed("0 h left")
    frozen.advance(hours=1)
    again(client, auth)
    changed("0 h late")
    frozen.advance(hours=2)
    again(client, auth)
    changed("2 h late")
    escalate_overdue(session)
    changed("Escalated")
    # Another language, with the service's name the same in every language: only the words around it differ.
    ticket.service_type.names = dict.fromkeys(("en", "zh_Hans", "zh_Hant"), "Lift")
    changed("Lift")
    client.set_cookie("linli_locale", "zh_Hant")
    served, fresh = both_ways(app, client)
    assert served == fresh
    assert "Overdue" not in row_of(served, ticket.number)
    change_status(session, desk, ticket, Status.RESOLVED)
    session.commit()
    client.set_cookie("linli_locale", "en")
    served, fresh = both_ways(app, client, "/staff/tickets?status=all")
    assert served == fresh
    resolved = row_of(served, ticket.number)
    assert "Done" in resolved
    assert "h late" not in resolved  # finished: no hours shown any more


def test_the_row_key_names_everything_the_row_reads():
    """A tripwire for the template: a new value read inside the kept row must go into queue_row_key (and into
    the test above) before this list is changed."""
    import jinja2
    import jinja2.meta

    from webapp.config import ROOT

    source = (ROOT / "templates" / "staff" / "tickets.html").read_text()
    block = source[source.index("{% call remembered(") : source.index("{% endcall %}")]
    body = block[block.index("%}") + 2 :]
    assert sorted(set(re.findall(r"\bt\.\w+(?:\.\w+)*", body))) == [
        "t.assigned_to",
        "t.assigned_to.display_name",
        "t.due_at",
        "t.escalated_at",
        "t.household",
        "t.household.label",
        "t.id",
        "t.number",
        "t.place",
        "t.service_type.category",
        "t.service_type.name",
        "t.status",
        "t.urgent",
    ]
    environment = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    names = jinja2.meta.find_undeclared_variables(
        environment.parse("{% for t in rows %}" + body + "{% endfor %}")
    )
    # Words and marks the same for the whole page in one language, the clock (in the key as hours left and
    # late), and the app's helpers.
    assert names == {
        "rows",
        "category_words",
        "clock_mark",
        "current_locale",
        "due_label",
        "escalated_word",
        "is_overdue",
        "now",
        "open_statuses",
        "overdue_word",
        "status_label_",
        "status_words",
        "urgent_mark",
        "url_for",
        "when_words",
        "where_label",
        "who_label",
    }
