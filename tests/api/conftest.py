"""Fixtures for the API: keys made through the core, as an admin makes them in the console."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from webapp.domain.identity import api_keys
from webapp.domain.identity.api_keys import Scope
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import clock
from webapp.models import Community, Region

ALL = [s.value for s in Scope]


@pytest.fixture
def other_community(session: Session, demo_community: Community) -> Community:
    """A second community under another region: what a key of the demo community must never reach."""
    region = Region(level=demo_community.region.level, code="elsewhere", names={"zh_Hans": "别处"})
    session.add(region)
    session.flush()
    community = Community(region_id=region.id, slug="elsewhere", names={"zh_Hans": "别处", "en": "Elsewhere"})
    session.add(community)
    session.commit()
    return community


@pytest.fixture
def make_key(session: Session, demo_community: Community) -> Callable[..., str]:
    def make(
        scopes: list[str] | None = None,
        community: Community | None = None,
        region_id: int | None = None,
        expires_in: timedelta | None = None,
        revoked: bool = False,
    ) -> str:
        made = api_keys.make_key(
            session,
            SYSTEM,
            "test key",
            ALL if scopes is None else scopes,
            community_id=None if region_id is not None else (community or demo_community).id,
            region_id=region_id,
            expires_at=clock.now() + expires_in if expires_in is not None else None,
        )
        if revoked:
            api_keys.revoke(session, SYSTEM, made.key)
        session.commit()
        return made.secret

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
