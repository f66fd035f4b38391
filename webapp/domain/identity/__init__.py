"""Identity: who someone is and how they prove it.

Owns resident ID and phone numbers (normalise, validate, mask: `numbers`), the vault that seals them
(`vault`), resident cards, PINs, passkeys, kiosk-to-phone hand-off, staff accounts and their passwords, and
the throttles against guessing. It answers "which person is this?" and nothing about what they may do next.

May use: `privacy.audit` (every identity change is audited), models, `webapp.infra.clock`.
"""
