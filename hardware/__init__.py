"""Runs on the kiosk box: scanners, ID reader, printer and the loopback bridge (hardware issue).

Installed alone on a kiosk (``pip install 'linli[hardware]'``), so nothing here imports ``webapp`` or
``kiosk``.
"""

__version__ = "0.1.0"
