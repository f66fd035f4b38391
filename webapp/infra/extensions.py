"""Extension objects, created unbound here and bound to the app in create_app."""

from flask import session
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


class LinliLoginManager(LoginManager):
    """Flask-Login with "strong" session protection for staff sessions only.

    Strong protection ends a session whose browser (User-Agent) or address changes. For the staff console
    that is wanted: a console cookie copied into another browser stops working. Residents' phones cannot
    live with it: in-app browsers (WeChat, Alipay) change their User-Agent between page loads, and phones
    move between Wi-Fi and mobile data, so residents were signed out mid-task (issue 14). Their sessions
    are bounded otherwise: the id carries `auth_version`, personal data asks for a fresh PIN (STEP_UP), and
    personal pages are never stored.
    """

    def _session_protection_failed(self) -> bool:
        if not str(session.get("_user_id", "")).startswith("staff:"):
            return False
        return bool(super()._session_protection_failed())


babel = Babel()
csrf = CSRFProtect()
login_manager = LinliLoginManager()
