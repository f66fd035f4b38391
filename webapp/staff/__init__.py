"""The staff console face."""
