"""Domain operations: plain functions over a Session and plain values, shared by every face."""


class DomainError(Exception):
    """A rule was broken; faces map it to a translated message and a 4xx."""

    code = "domain_error"
