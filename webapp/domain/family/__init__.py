"""Family accounts (亲情账号, 子女代办): a resident links up to five family members by a one-time QR, each
with the scopes the resident chose; a family member proves their own phone by an SMS code and then acts
for the resident through the same rules as the resident (the audit trail says "on behalf of").

Owns the links, the family members' identities and sign-in codes, the family actor, and what a family member
may see or do for a linked resident (links.py, members.py, acts.py).

May use: `identity` (vault, numbers, tokens), `register` (residents), `desk` (tickets, notifications),
`life` (events), `training` (classes), `messages` (the outbox that carries the SMS code), `privacy.audit`,
models, infra clock.
"""
