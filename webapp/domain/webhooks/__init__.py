"""Webhooks: Linli's events told to other systems (issue 19).

Owns the list of events another system may follow (data: the help call's two events are listed before the
help call exists), `emit` (an event written in the transaction of the change, with a stable event id, and a
delivery per webhook that wants it), the webhooks an administrator registers (an HTTPS address, tied to an
API key or with scopes of its own), the signature every delivery carries, and the deliveries' claim, retry,
failure and replay. Payloads reuse the API's ticket shape and carry no person; a ticket's building and place
go only to a webhook whose scope allows the flat.

May use: `identity` (API keys and their scopes, the vault that seals each webhook's secret), `desk` (the
Open311 status words), `privacy.audit`, models, `webapp.infra.clock`.
"""
