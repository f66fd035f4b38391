"""Kiosk screens: pairing, attract, scan to identify, home tiles, check-in, phone hand-off, finish."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from kiosk.blueprint import bp, visit_required
from kiosk.known import known_kiosk, known_visit
from kiosk.tiles import tiles_for
from webapp.domain.identity.handoff import create_handoff
from webapp.domain.identity.pins import card_key_for, device_key, verify_pin
from webapp.domain.kiosk.care import check_in
from webapp.domain.kiosk.devices import PairingRefused, heartbeat, kiosk_for_device, pair
from webapp.domain.kiosk.visits import (
    NotHelping,
    ScanRefused,
    end_visit,
    identify,
    identify_by_id_card,
    identify_by_id_number,
    open_visit,
    past_idle_limit,
    pin_is_fresh,
    sweep,
    touch,
    visit_actor,
)
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.json_body import Scalars, Shape, Text, json_body
from webapp.infra.page_cache import shared_page
from webapp.infra.personal_pages import personal_page
from webapp.infra.security import background
from webapp.infra.unit_of_work import keep, start_writing
from webapp.models import Community, Event, TrainingSession
from webapp.shared.answers import news_lines
from webapp.shared.context import base_url, vault
from webapp.shared.pins import PIN_STATUS, PinForm, pin_message
from webapp.shared.speech import speech_available, synthesise
from webapp.shared.throttles import address, note_failure, pairing_checks, refuse_if_throttled

DEVICE_COOKIE = "linli_kiosk"
UNPAIRED_ENDPOINTS = {"kiosk.pair"}
NOT_ACTIVITY = {"kiosk.heartbeat"}  # requests the page makes by itself: they do not keep a visit alive


# When this process last noted each visit's activity (visit id -> clock time): a page within TOUCH_EVERY of
# that reads only, so it never waits for SQLite's write lock behind other kiosks' writes.
_noted: dict[int, datetime] = {}


def _noted_lately(visit_id: object) -> bool:
    from webapp.domain.kiosk.visits import TOUCH_EVERY

    if not isinstance(visit_id, int):
        return False
    when = _noted.get(visit_id)
    return when is not None and timedelta(0) <= clock.now() - when < TOUCH_EVERY


def _note(visit_id: int) -> None:
    now = clock.now()
    if len(_noted) > 1000:  # visits of the last minutes only
        for old in [v for v, when in list(_noted.items()) if now - when > timedelta(minutes=10)]:
            _noted.pop(old, None)
    _noted[visit_id] = now


SHARED_SCREENS = {"kiosk.attract", "kiosk.start"}  # @shared_page: a passer-by's copy, see kiosk/known.py
KEPT_SCREENS = {"kiosk.home"}  # @personal_page: the visit's own copy, see webapp/infra/personal_pages.py


@bp.before_request
def load_kiosk() -> ResponseReturnValue | None:
    """Every kiosk request: which kiosk is this browser, and is someone's visit still open?"""
    g.visit_noted_lately = _noted_lately(session.get("visit_id"))  # before the transaction: decides its kind
    db = get_session()
    if request.method == "GET" and request.endpoint in SHARED_SCREENS and "visit_id" not in session:
        known = known_kiosk(db, request.cookies.get(DEVICE_COOKIE))
        if known is not None:  # the copy needs no more; rendering it loads the row first (full_request)
            g.kiosk, g.kiosk_id, g.visit = known, known.id, None
            g.kiosk_locale = known.default_locale or current_app.config["LINLI"].default_locale
            g.linli_full_request = lambda: _load_in_full(db)
            return None
    if (
        request.method == "GET"
        and request.endpoint in KEPT_SCREENS
        and g.visit_noted_lately  # (otherwise the visit's activity is written first)
        and not request.args
    ):
        known = known_kiosk(db, request.cookies.get(DEVICE_COOKIE))
        seen = known_visit(db, known, session.get("visit_id")) if known is not None else None
        if known is not None and seen is not None:  # the kept home needs no more (personal_pages.py)
            g.kiosk, g.kiosk_id, g.visit = known, known.id, seen
            g.kiosk_locale = known.default_locale or current_app.config["LINLI"].default_locale
            g.linli_personal_tokens = seen.tokens
            g.linli_full_request = lambda: _load_in_full(db)
            return None
    return _load(db)


def _load_in_full(db: Session) -> ResponseReturnValue | None:
    """The whole set-up, for a shared screen that must render after all (or its error page)."""
    try:
        return _load(db)
    except Exception:
        g.kiosk = None  # never the remembered row in a template: an error page then shows no kiosk at all
        raise


def _load(db: Session) -> ResponseReturnValue | None:
    in_a_visit = "visit_id" in session  # only then is there bookkeeping to write (and keep) below
    kiosk = kiosk_for_device(db, request.cookies.get(DEVICE_COOKIE))
    g.kiosk = kiosk
    g.visit = None
    if kiosk is None:
        return None if request.endpoint in UNPAIRED_ENDPOINTS else redirect(url_for("kiosk.pair"))
    g.kiosk_id = kiosk.id
    g.kiosk_locale = kiosk.default_locale or current_app.config["LINLI"].default_locale
    if g.get("linli_read_only") and past_idle_limit(db, kiosk, session.get("visit_id")):
        # Noted lately here, yet idle for the database (another process says so): ending it writes.
        start_writing()
        db = get_session()
    visit = open_visit(db, kiosk, session.get("visit_id"))
    if visit is None and "visit_id" in session:
        session.pop("visit_id")
        # Ended elsewhere (idle sweep, the page's script died): the next person starts afresh. Not in answers
        # to the page's own background calls, which may arrive after someone new has chosen their settings.
        view = current_app.view_functions.get(request.endpoint or "")
        g.visit_ended = not getattr(view, "linli_background", False)
    elif visit is not None and request.endpoint not in NOT_ACTIVITY and not g.visit_noted_lately:
        touch(db, visit)
        _note(visit.id)
    if in_a_visit:  # the visit's bookkeeping stands whatever this request answers; a passer-by's request
        keep()  # wrote nothing, and reads on in one transaction (the attract screen's copy: one, not two)
    g.visit = visit
    return None


def bridge_settings() -> dict[str, str] | None:
    """Where the page finds this kiosk's hardware bridge and the key it must show, if it has devices."""
    from webapp.domain.kiosk.devices import BRIDGE_PORT, bridge_key

    kiosk = g.get("kiosk")
    if kiosk is None or not (kiosk.has_printer or kiosk.has_id_reader):
        return None
    key = bridge_key(vault(), kiosk)
    port = int(current_app.config["LINLI"].extra.get("bridge_port", BRIDGE_PORT))
    return {"url": f"http://127.0.0.1:{port}", "key": key} if key else None


def forget_display_choices(response: BaseResponse) -> None:
    """The next person meets the kiosk's own language, normal text and normal contrast, not the last one's."""
    from webapp.infra.i18n import LOCALE_COOKIE
    from webapp.shared.ui import PREFS_COOKIE

    for name in (LOCALE_COOKIE, PREFS_COOKIE):
        response.delete_cookie(
            name, samesite="Lax", httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"]
        )


@bp.after_request
def allow_bridge(response: Response) -> Response:
    """Let this kiosk's pages (and only them) connect to the hardware bridge on loopback."""
    if g.get("visit_ended"):
        forget_display_choices(response)
    settings = bridge_settings()
    if settings is not None:
        from webapp.infra.security import CSP

        response.headers["Content-Security-Policy"] = CSP.replace(
            "connect-src 'self'", f"connect-src 'self' {settings['url']}"
        )
    return response


@bp.record_once
def _error_pages_under_kiosk(state: BlueprintSetupState) -> None:
    """An address under /kiosk that matches no route (a 404, a 405) never reaches the blueprint, yet its error
    page is a kiosk screen: it gets the kiosk's context too, so it can read itself aloud. Others get none."""

    @state.app.context_processor
    def kiosk_error_context() -> dict[str, object]:
        if request.blueprint is None and request.path.startswith(f"{bp.url_prefix}/"):
            return kiosk_context()
        return {}


@bp.context_processor
def kiosk_context() -> dict[str, object]:
    """The kiosk's own templates only (a blueprint processor): other faces never see a kiosk or a visit."""
    return {
        "bridge": bridge_settings(),
        "kiosk": g.get("kiosk"),
        "visit": g.get("visit"),
        "community": g.kiosk.community if g.get("kiosk") is not None else None,
        "speech_on_server": speech_available(),
    }


@bp.route("/pair", methods=["GET", "POST"], endpoint="pair")
def pair_kiosk() -> ResponseReturnValue:
    """Unpaired browsers see this, never the kiosk: staff type or scan the one-time code."""
    code = (request.values.get("code") or "")[:32]
    error = None
    status = 200
    if request.method == "POST":
        db = get_session()
        checks = pairing_checks(address())
        if (wait := refuse_if_throttled(checks)) is not None:
            return wait
        try:
            kiosk, device_token = pair(db, code)
        except PairingRefused:
            note_failure(checks)
            keep()  # the failed try counts
            error = _(
                "That pairing code is not valid or has expired. Ask for a new one in the staff console."
            )
            status = 400
        else:
            response = redirect(url_for("kiosk.attract"), code=303)
            response.set_cookie(
                DEVICE_COOKIE,
                device_token,
                max_age=5 * 365 * 86400,
                httponly=True,
                samesite="Strict",
                # LINLI_SECURE_COOKIES: behind a TLS proxy the app itself sees plain HTTP.
                secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure,
            )
            return response
    return render_template("kiosk/pair.html", code=code, error=error), status


@bp.get("/")
@shared_page
def attract() -> ResponseReturnValue:
    """What a passer-by sees: where they are, what time it is, how to start."""
    if g.visit is not None and g.visit.resident_id is not None:
        return redirect(url_for("kiosk.home"))
    from kiosk.life import urgent_public

    return render_template(
        "kiosk/attract.html", today=on_today(get_session(), g.kiosk.community), urgent=urgent_public(g.kiosk)
    )


@bp.get("/start")
@shared_page
def start() -> ResponseReturnValue:
    """Touched the screen: how to identify, in words and a picture (in assisted mode: the resident's card),
    and what anyone may use without a card."""
    return render_template("kiosk/start.html")


def on_today(db: Session, community: Community) -> list[Event | TrainingSession]:
    """Today's activities and classes (the community's own today), soonest first, for the attract screen."""
    from webapp.domain.life import events
    from webapp.domain.register.community import local_day_bounds, local_now
    from webapp.domain.training import courses

    _start, end = local_day_bounds(community, local_now(community).date())
    items: list[Event | TrainingSession] = [
        e for e in events.upcoming(db, community.id, days=1) if e.starts_at < end
    ]
    items += [c for c in courses.upcoming(db, community.id, limit=10) if c.starts_at < end]
    return sorted(items, key=lambda item: item.starts_at)


SCAN_MESSAGES = {
    "unknown": lambda: _(
        "Sorry, this card is not known here. Please try again, or ask the community office."
    ),
    "revoked": lambda: _("Sorry, this card no longer works. The community office can give you a new one."),
    "moved_out": lambda: _("Sorry, this card no longer works. The community office can give you a new one."),
    "other_community": lambda: _("This card belongs to another community. Please use the kiosk there."),
    "badge_revoked": lambda: _("This badge no longer works."),
    "no_reader": lambda: _("This kiosk has no ID card reader."),
    "id_unknown": lambda: _(
        "Sorry, we could not find you with this ID card. "
        "Please scan your resident card, or ask the community office."
    ),
}


@bp.post("/identify")
def identify_scan() -> ResponseReturnValue:
    """A scan arrived (keyboard-wedge burst or the hardware bridge): card or staff badge."""
    db = get_session()
    try:
        visit = identify(db, g.kiosk, (request.form.get("scan") or "")[:300], g.visit)
    except ScanRefused as exc:
        return jsonify(ok=False, message=SCAN_MESSAGES[exc.reason]()), 400
    session["visit_id"] = visit.id
    _noted.pop(visit.id, None)  # a new visit (ids come back in tests rolled back)
    if visit.resident_id is None:  # a helper's badge: now the resident's card
        return jsonify(ok=True, next=url_for("kiosk.start"))
    return jsonify(ok=True, next=url_for("kiosk.home"))


@bp.post("/identify-reader")
def identify_reader() -> ResponseReturnValue:
    """The hardware bridge read an ID card on this kiosk's reader; the page passes the number on once.
    Only its keyed hash is compared; the number is neither stored nor logged."""
    db = get_session()
    try:
        visit = identify_by_id_card(db, vault(), g.kiosk, request.form.get("id_number") or "", g.visit)
    except ScanRefused as exc:
        reason = "id_unknown" if exc.reason == "unknown" else exc.reason
        return jsonify(ok=False, message=SCAN_MESSAGES[reason]()), 400
    session["visit_id"] = visit.id
    _noted.pop(visit.id, None)  # a new visit (ids come back in tests rolled back)
    return jsonify(ok=True, next=url_for("kiosk.home"))


@bp.post("/identify-id")
def identify_id_number() -> ResponseReturnValue:
    """Assisted mode: the helper types the resident's ID number (or the ID reader sends it). Only its
    keyed hash is compared; the number is neither stored nor logged."""
    if g.visit is None:
        abort(403)
    db = get_session()
    try:
        identify_by_id_number(db, vault(), g.visit, g.kiosk, request.form.get("id_number") or "")
    except NotHelping:
        abort(403)
    except ScanRefused:
        return render_template(
            "kiosk/start.html", id_error=_("No resident of this community has that ID number.")
        ), 400
    return redirect(url_for("kiosk.home"), code=303)


@bp.get("/home")
@personal_page
@visit_required
def home() -> ResponseReturnValue:
    from kiosk.learn import todays_class
    from kiosk.life import timebank_hours
    from webapp.domain.desk.notifications import home_items
    from webapp.domain.register.settings import closures_ahead

    db = get_session()
    # What is shown is marked seen; a read-only request (between the visit's notes) looks first and takes the
    # write lock only when there is news to mark, which most homes of a visit do not have.
    reading = bool(g.get("linli_read_only", False))
    items = home_items(db, g.visit.resident_id, mark=not reading)
    if reading and items.shown:
        start_writing()
        db = get_session()
        items = home_items(db, g.visit.resident_id)
    return render_template(
        "kiosk/home.html",
        today_class=todays_class(db, g.visit, g.kiosk),
        tiles=tiles_for(g.visit),
        news=news_lines(items.news),
        name=g.visit.resident.name,
        open_requests=items.open_requests,
        fresh=items.fresh,
        timebank_hours=timebank_hours(g.visit),
        closures=closures_ahead(g.kiosk.community),
        office_hours=g.kiosk.community.office_hours,
    )


@bp.post("/checkin")
@visit_required
def checkin() -> ResponseReturnValue:
    db = get_session()
    check_in(db, visit_actor(g.visit), g.visit.resident, f"kiosk:{g.kiosk.id}")
    return render_template(
        "kiosk/done.html",
        title=_("Thank you. Have a good day!"),
        message=_("We have noted that you are fine today."),
    )


@bp.get("/offline", endpoint="offline")
@background
def offline_page() -> ResponseReturnValue:
    """Shown by the service worker when the network is gone and a screen needs it (precached per language)."""
    return render_template("kiosk/offline.html")


@bp.route("/phone", methods=["GET", "POST"])
@visit_required
def phone() -> ResponseReturnValue:
    """Continue on my phone: the PIN first, then a one-time QR that signs the phone in."""
    visit = g.visit
    form = PinForm()
    ok, message, status = check_visit_pin(form)
    if ok:
        token = create_handoff(get_session(), visit_actor(visit), visit.resident, g.kiosk.id)
        return render_template("kiosk/handoff.html", url=f"{base_url()}/h/{token}")
    return render_template("kiosk/pin.html", form=form, message=message, fresh=pin_is_fresh(visit)), status


def check_visit_pin(form: PinForm) -> tuple[bool, str | None, int]:
    """The PIN of this visit's resident, through the throttle: (right?, words for the person, HTTP status).

    A right PIN marks the visit as freshly verified; a wrong one is kept although the answer is an error."""
    visit = g.visit
    if not form.validate_on_submit():
        form.pin.data = ""
        return False, None, 400 if request.method == "POST" else 200
    db = get_session()
    from webapp.domain.register.residents import active_card

    card = active_card(db, visit.resident)
    result = verify_pin(
        db,
        visit_actor(visit),
        visit.resident,
        form.pin.data or "",
        card_key_for(visit.resident, card.token_hash if card else None),
        device_key("kiosk", str(g.kiosk.id)),
        end_transaction=keep,
    )
    form.pin.data = ""
    if result.ok:
        visit.pin_verified_at = clock.now()
        return True, None, 200
    keep()  # the failed attempt counts
    return False, pin_message(result), PIN_STATUS.get(result.outcome, 403)


@bp.post("/still-here")
@background
def still_here() -> ResponseReturnValue:
    return Response(status=204)


@bp.post("/heartbeat")
@background
@json_body(Shape(version=Text(max_length=64, nullable=True), devices=Scalars(max_keys=20, nullable=True)))
def heartbeat_view(body: dict[str, Any]) -> ResponseReturnValue:
    """Every minute: the kiosk is alive; stale visits end; the page learns whether its visit still stands."""
    db = get_session()
    heartbeat(db, g.kiosk, (body.get("version") or "")[:32], body.get("devices"))
    sweep(db, g.kiosk)
    return jsonify(visit=g.visit is not None)


@bp.post("/finish")
def finish() -> ResponseReturnValue:
    """End the visit now: server session, then the page clears its storage and history (kiosk.js)."""
    if g.visit is not None:
        db = get_session()
        end_visit(db, g.visit, "finish")
    session.clear()
    response = redirect(url_for("kiosk.attract"), code=303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    forget_display_choices(response)
    return response


@bp.post("/speech")
@background
def speech() -> ResponseReturnValue:
    """Speak a screen's text with espeak-ng where the browser has no voice (typical on Linux kiosks)."""
    text = (request.form.get("text") or "")[:2000]
    lang = request.form.get("lang") or "zh-Hans"
    audio = synthesise(text, lang) if text.strip() else None
    if audio is None:
        abort(404)
    return Response(audio, mimetype="audio/wav", headers={"Cache-Control": "no-store"})
