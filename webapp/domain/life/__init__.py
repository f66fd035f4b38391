"""Community life: notices, the local services directory, events, the time bank and volunteering, and the
"occasion with places" (`occasions`) that events and training classes share.

May use: `register` (the community's day and age bands), `privacy.audit`, models, infra clock.
"""
