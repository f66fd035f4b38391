"""The register: the community, its places (buildings, households) and the residents who live there.

Owns adding, editing, searching, moving out and erasing residents, bulk import from the office's spreadsheets,
the community's figures and its wall clock (`community.local_now`: "today" is the community's day).

May use: `identity` (sealed numbers, cards to revoke on erase), `privacy.audit`, models, infra clock/numbers.
"""
