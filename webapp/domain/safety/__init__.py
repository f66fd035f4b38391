"""Safety: a help call that reaches a person (一键呼叫), the duty roster that says who that person is, and
residents' emergency contacts (issue 18).

Owns emergency contacts (sealed numbers, masked everywhere), the community's duty roster by weekday and time
of day, and help calls: raising one, the escalation chain (the roster in order, then the office's phone list,
then the family) and acknowledging and closing one. Messages go through the outbox like every other message.

May use: `identity` (the vault and phone numbers), `register` (the community's wall clock), `messages` (the
outbox), `kiosk` (the care list's signs of life, for missed check-ins), `webhooks` (a call raised or
closed is an event other systems may follow), `privacy.audit`, models, `webapp.infra.clock`.
"""
