"""The lobby kiosk's rules: paired devices and their heartbeat, a person's visit (identified, assisted, ended
when they walk away), staff badges, and the daily "I'm fine today" check-in with its care list.

May use: `identity` (cards, vault), `register` (residents, the community's day), `privacy.audit`, models,
`webapp.config.LOCALES`, infra clock.
"""
