"""Content, not rules: the demo community and the catalogues a new community starts from (services, skills and
lessons, scam examples). Everything here goes through the core's functions; nothing here decides anything.

May use: the core (`webapp.domain`), models, infra clock. Nothing in the core uses it except `training`, which
reads the skills and scam catalogues.
"""
