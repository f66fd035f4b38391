"""Messages: everything Linli tells someone off-screen (issue 17).

Owns the notification outbox (a row per message and channel, written in the transaction of the change that
caused it, delivered later by jobs, never twice), residents' and staff's channel preferences and quiet hours,
the per-community channel settings, and the short wording of each kind of message. It decides who hears what
and when; the adapters in `webapp.infra.channels` only carry the words.

May use: `identity` (to resolve an address from a sealed number at send time), `register` (the community,
its time zone), `privacy.audit`, models, `webapp.infra.clock`.
"""
