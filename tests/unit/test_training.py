"""Training rules without HTTP: levels, practice that only raises, scam scoring, certificate codes."""

from sqlalchemy import func, select

from webapp.content.scams import SCAMS
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.training import practice
from webapp.domain.training.certificates import masked_name, verify
from webapp.domain.training.skills import ensure_skills, my_skills, set_level
from webapp.models import Skill, SkillLevel


def test_catalog_seed_is_idempotent(session):
    before = session.scalar(select(func.count(Skill.id)))
    assert ensure_skills(session) == 0
    assert session.scalar(select(func.count(Skill.id))) == before


def test_practice_only_raises_a_level_a_volunteer_may_lower_it(session, make_resident):
    person = make_resident("学员")
    set_level(session, SYSTEM, person, "ride_app", SkillLevel.ON_MY_OWN, "session")
    row = set_level(session, SYSTEM, person, "ride_app", SkillLevel.WITH_HELP, "practice")
    assert row.level == SkillLevel.ON_MY_OWN
    gained = row.gained_at
    row = set_level(session, SYSTEM, person, "ride_app", SkillLevel.WITH_HELP, "session")
    assert row.level == SkillLevel.WITH_HELP
    assert row.gained_at == gained  # first reached on one's own: kept for the figures
    mine = my_skills(session, person.id)
    assert [s.code for s in mine.with_help] == ["ride_app"]
    assert mine.next_skill.code == "ride_app"


def test_scam_score_counts_only_right_answers():
    right = "".join("s" if item["scam"] else "n" for item in SCAMS)
    assert len(SCAMS) >= 12
    assert practice.scam_score(right) == len(SCAMS)
    assert practice.scam_passed(right)
    assert not practice.scam_passed("s" * len(SCAMS))
    assert not practice.scam_passed(right[:5])


def test_unknown_codes_and_masks(session):
    assert verify(session, "").state == "unknown"
    assert verify(session, "x" * 200).state == "unknown"
    assert verify(session, "no-such-code-at-all").state == "unknown"
    assert masked_name("王秀英") == "王**"


def test_scan_token_is_checked_on_the_server(session):
    token = practice.new_scan_token(session)
    assert not practice.was_scanned(session, token)
    assert not practice.mark_scanned(session, "forged")
    assert practice.mark_scanned(session, token)
    assert practice.was_scanned(session, token)
