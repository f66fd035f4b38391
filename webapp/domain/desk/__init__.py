"""The services desk (一网通办): the catalog of services, tickets from submission to closing, the staff queue,
bookable slots, photos, the news residents hear about their requests, and exactly-once submissions.

May use: `identity` (numbers hidden from free text, ticket links), `privacy.audit`, models, infra clock.
"""
