"""Buildings in bulk in the console (issue 16 item 3): a preview first, then every building and flat at
once; a description that does not parse is explained with the form kept, never a 500."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import csrf_token, kept_in_form, refused_in_words
from webapp.domain.register import compound
from webapp.models import Building, Household

DESCRIPTION = "幢 31-33, 每幢 2 个单元, 6 层, 每层 2 户\n33 幢: 1 个单元"


def post(client, community_id, description, action="preview"):
    token = csrf_token(client, "/staff/buildings/bulk")
    data = {
        "csrf_token": token,
        "community_id": str(community_id),
        "description": description,
        "action": action,
    }
    return client.post("/staff/buildings/bulk", data=data)


def count(session, community_id):
    return session.scalar(
        select(func.count(Household.id)).join(Building).where(Building.community_id == community_id)
    )


def test_preview_then_create(client, auth, session, demo_community):
    auth.sign_in("worker")
    before = count(session, demo_community.id)
    preview = post(client, demo_community.id, DESCRIPTION)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "3 幢楼，共 60 户" in page
    assert count(session, demo_community.id) == before  # a preview writes nothing
    created = post(client, demo_community.id, DESCRIPTION, action="create")
    assert created.status_code == 303
    assert count(session, demo_community.id) == before + 60
    listing = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "31幢" in listing
    again = post(client, demo_community.id, DESCRIPTION, action="create")
    assert again.status_code == 400
    assert "本社区已有这些楼栋：31、32、33" in again.get_data(as_text=True)


def test_a_description_that_does_not_parse_is_explained(client, auth, demo_community):
    auth.sign_in("worker")
    response = post(client, demo_community.id, "幢 1-12, 每幢 3 个单元, 18 层, 带电梯")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "带电梯" in page
    assert "幢 1-12, 每幢 3 个单元, 18 层, 带电梯" in page  # the form is kept
    english = client.get("/staff/buildings/bulk", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_only_roles_that_edit_places_may_use_it(client, auth, make_staff):
    for username in ("volunteer", "property", "provider"):
        auth.sign_in(username)
        assert client.get("/staff/buildings/bulk").status_code == 403
        auth.sign_out()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400), community=st.sampled_from(["1", "x", "-5", "999999", ""]))
def test_fuzz_bulk_form_never_fails(client, auth, session, demo_community, text, community):
    if client.get("/staff/sign-in").status_code == 200:  # the client stays signed in between examples
        auth.sign_in("worker")
        control = post(client, demo_community.id, DESCRIPTION)  # a valid preview through the same path
        assert control.status_code == 200, control.status_code
        assert "3 幢楼，共 60 户" in control.get_data(as_text=True)
    before = session.scalar(select(func.count(Household.id)))
    response = post(client, community, text)
    assert session.scalar(select(func.count(Household.id))) == before  # a preview writes nothing
    try:
        compound.parse(text)
    except compound.CompoundError:
        parses = False
    else:
        parses = True
    if response.status_code == 200:  # the preview of what the description makes
        assert parses, text
        assert 'id="preview"' in response.get_data(as_text=True)
    else:
        assert response.status_code == 400, response.status_code
        assert refused_in_words(response), text
        if text.strip() and text.isprintable():
            assert kept_in_form(response, text), text  # the description typed stays in the form
        if not parses:
            assert 'id="preview"' not in response.get_data(as_text=True)
