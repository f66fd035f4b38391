"""The domain core: every rule, as plain functions over a Session, an Actor and plain values, one package per
area (identity, register, privacy, desk, kiosk, life, training). Each area's docstring says what it owns
and which areas it may use; `tests/unit/test_architecture.py` holds them to it. The core flushes and never
commits, and imports nothing of Flask, so it runs the same in a request, a job, a command or a test.
"""


class DomainError(Exception):
    """A rule was broken; faces map it to a translated message and a 4xx."""

    code = "domain_error"
