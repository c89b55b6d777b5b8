"""Routes for pages every visitor can open."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response as WerkzeugResponse

from voting.db import request_session, utcnow
from voting.i18n import LOCALE_SESSION_KEY, SUPPORTED_LOCALES
from voting.runtime import current_settings
from voting.security import Access, access, is_safe_next

bp = Blueprint("pages", __name__)


@bp.route("/")
@access(Access.PUBLIC)
def home() -> str:
    """The start page: what asks for the member's attention now (voting/pages/today.py)."""
    today = None
    if current_user.is_authenticated and current_user.second_factor_satisfied:
        from voting.pages.today import today_for

        today = today_for(
            request_session(), current_settings().secret_key, current_user.account, utcnow()
        )
    return render_template("pages/home.html", user=current_user, today=today)


@bp.route("/healthz")
@access(Access.PUBLIC)
def healthz() -> tuple[Response, int]:
    """Liveness and database check for load balancers and `make run`."""
    try:
        request_session().execute(text("SELECT 1"))
    except Exception:  # any failure means "not healthy"; details go to the log
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200


@bp.route("/language", methods=["POST"])
@access(Access.PUBLIC)
def language() -> WerkzeugResponse:
    """Switch the language for this browser (and the account, once signed in)."""
    locale = request.form.get("locale", "")
    if locale in SUPPORTED_LOCALES:
        session[LOCALE_SESSION_KEY] = locale
        if current_user.is_authenticated:
            from voting.accounts.services import set_preferences

            account = current_user.account
            set_preferences(request_session(), account, locale, account.member.timezone)
    target = request.form.get("next")
    return redirect(target if target and is_safe_next(target) else url_for(".home"))


@bp.route("/privacy")
@access(Access.PUBLIC)
def privacy() -> str:
    """What Stembus stores, why, and for how long."""
    return render_template("pages/privacy.html")


@bp.route("/accessibility")
@access(Access.PUBLIC)
def accessibility() -> str:
    """The accessibility statement."""
    return render_template("pages/accessibility.html")
