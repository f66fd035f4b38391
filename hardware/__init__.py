"""Runs on the kiosk box: scanners, ID reader, printer and the loopback bridge (hardware issue)."""
