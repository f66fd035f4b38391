"""The Linli application: one domain core, several faces (kiosk, phone, staff console)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask is imported when an app is built, so the core and models import without it
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, extensions, faces, error pages, commands.

    *config* overrides settings by name (``database_url``, ``testing``, …); anything else is
    kept in ``settings.extra`` for tests.
    """
    from flask import Flask

    from webapp import api, jobs
    from webapp.auth import routes as auth_routes
    from webapp.cli import commands as cli
    from webapp.config import ROOT, Settings
    from webapp.display.routes import bp as display_bp
    from webapp.domain.messages import outbox
    from webapp.domain.webhooks import events as webhook_events
    from webapp.infra import errors, fragments, i18n, logs, page_cache, personal_pages, security, unit_of_work
    from webapp.infra.db import Database, make_engine
    from webapp.infra.urls import DatabaseInt, redirect_moved
    from webapp.resident import bp as resident_bp
    from webapp.resident.pwa import bp as pwa_bp
    from webapp.shared import archived, life, training, ui
    from webapp.shared.gallery import bp as gallery_bp
    from webapp.staff import lazy as staff_console

    config = dict(config or {})
    instance_path = Path(
        config.pop("instance_path", None) or os.environ.get("LINLI_INSTANCE_PATH") or ROOT / "instance"
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.url_map.converters["int"] = DatabaseInt  # an id past the database's integer range is a 404, not a 500
    settings = Settings.from_env(instance_path).with_overrides(config)
    app.config["LINLI"] = settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        WTF_CSRF_ENABLED=settings.extra.get("csrf", True),
        WTF_CSRF_TIME_LIMIT=None,  # a kiosk form may stay open a long time; the session bounds it
        SESSION_COOKIE_NAME="linli_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=int(settings.extra.get("max_content_length", 16 * 1024 * 1024)),
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )

    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)  # type: ignore[method-assign]
    logs.init_logging()
    Database(make_engine(settings.database_url, echo=settings.log_sql)).init_app(app)
    outbox.install()  # messages are written in the transaction of the change that caused them
    webhook_events.install()  # so are webhook events
    page_cache.install(app)  # a change to what shared pages show drops their copies, in its transaction
    personal_pages.install(app)  # so does a change to what a resident's own kiosk home shows
    fragments.install(app)  # rows of the staff queue, kept per process under a key of what they show
    unit_of_work.init_app(app)  # first, so that its after_request runs last
    i18n.init_app(app)
    security.init_app(app)
    auth_routes.init_app(app)
    ui.init_app(app)

    app.register_blueprint(resident_bp)
    staff_console.init_app(app)  # its views are imported at the first staff request
    app.register_blueprint(auth_routes.bp)
    app.register_blueprint(gallery_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(display_bp)
    life.init_app(app)
    training.init_app(app)
    _register_kiosk(app)
    api.init_app(app)
    redirect_moved(app)
    from webapp import ops

    ops.init_app(app)

    errors.init_app(app)
    archived.init_app(app)
    cli.init_app(app)
    jobs.init_app(app)
    return app


def _register_kiosk(app: Flask) -> None:
    """The kiosk face lives in its own top-level package; this is the one place webapp touches it."""
    from kiosk import bp as kiosk_bp

    app.register_blueprint(kiosk_bp)
