"""The placeholder rule of an office's own wording (issue 16 item 7), without HTTP: unknown placeholders and
missing required ones are refused by name, a stray % is refused, a text longer than one SMS segment once
filled in is only flagged; and no text whatever makes the check fail otherwise (a fuzz)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.domain.messages.wording import KINDS, SMS_SEGMENT, WordingError, check, fill


def test_unknown_and_missing_placeholders_are_named():
    with pytest.raises(WordingError) as unknown:
        check("ticket_status", "%(name)s %(number)s %(state)s %(phone)s %(id_number)s")
    assert (unknown.value.reason, unknown.value.names) == ("unknown", ("id_number", "phone"))
    with pytest.raises(WordingError) as missing:
        check("ticket_status", "%(name)s, your request changed.")
    assert (missing.value.reason, missing.value.names) == ("missing", ("number", "state"))
    with pytest.raises(WordingError) as stray:
        check("escalated", "Request %(number)s is 100% late")
    assert stray.value.reason == "percent"
    assert check("escalated", "Request %(number)s is 100%% late").preview.endswith("100% late")


def test_a_long_text_is_flagged_not_refused():
    short = check("reminder", "%(name)s，明天有预约。")
    assert not short.too_long_for_sms
    long = check("reminder", "%(name)s" + "请" * SMS_SEGMENT)
    assert long.too_long_for_sms


def test_fill_leaves_values_as_they_are():
    assert fill("%(name)s: %(number)s %%", {"name": "50%%", "number": "B-1"}) == "50%%: B-1 %"


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from([*KINDS, "nope"]), text=st.text(max_size=400))
def test_any_text_is_either_kept_or_refused_in_words(kind, text):
    try:
        checked = check(kind, text)
    except WordingError as exc:
        reason = exc.reason
    else:
        reason = ""
        assert "%(" not in checked.preview  # every placeholder was one the kind fills in
    assert reason in {"", "kind", "empty", "long", "control", "unknown", "missing", "percent"}
