"""Digital-skills training: skills and each resident's level, courses and their classes (an occasion with
places, see `life.occasions`), certificates, the office's training figures and the kiosk's practice mode.

May use: `life` (occasions, volunteering hours for class leaders), `privacy.audit`, `webapp.content` (the
skills and scam catalogues), models, infra clock.
"""
