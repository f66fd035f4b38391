"""Sign-in flows and the permission policy."""
