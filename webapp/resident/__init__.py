"""The resident face on phones."""
