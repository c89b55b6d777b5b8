"""The application factory of the web service.

`create_app(settings)` builds the Flask app from a checked `Settings` (tests pass their
own; otherwise they come from the environment). It refuses to start when any route lacks
an access level.
"""

from __future__ import annotations

import os
from logging import getLogger
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from voting.accounts.identity import AUTH_EXTENSION_KEY, load_user
from voting.accounts.services import AuthConfig
from voting.config import Environment, Settings
from voting.db import EXTENSION_KEY, Database, close_request_session
from voting.errors import VotingError
from voting.extensions import babel, csrf, limiter, login_manager
from voting.i18n import SUPPORTED_LOCALES, select_locale, select_timezone
from voting.keys import Keyring
from voting.logging import configure_logging, install_access_log, install_request_ids
from voting.mail import Mailer, SMTPMailer
from voting.runtime import KEYRING_KEY, MAILER_KEY, SETTINGS_KEY
from voting.security import (
    Access,
    access,
    check_every_route_declares_access,
    enforce_access,
    security_headers,
)
from voting.templating import install_template_helpers

logger = getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    mailer: Mailer | None = None,
) -> Flask:
    """Build the web application.

    Args:
        settings: the deployment settings; read from the environment when omitted.
        database: an open `Database` (tests bind one to a rolled-back transaction).
        mailer: where mail goes; SMTP per the settings when omitted.
    """
    settings = settings or Settings.from_env(os.environ)
    configure_logging(settings)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(Path(settings.instance_path).resolve()),
    )
    production = settings.env is Environment.PRODUCTION
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_NAME="__Host-stembus" if production else "stembus",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=production,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the server-side session
        WTF_CSRF_SSL_STRICT=True,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_ENABLED=settings.rate_limits_enabled,
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_KEY_PREFIX=settings.ratelimit_key_prefix,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE="Europe/Amsterdam",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        TEMPLATES_AUTO_RELOAD=False,
    )
    if production:
        # Links in mail and QR codes use STEMBUS_BASE_URL; requests for any other host are
        # refused, so a forged Host header cannot steer anything (Flask's TRUSTED_HOSTS).
        app.config["TRUSTED_HOSTS"] = [urlsplit(settings.base_url).hostname]
    if settings.proxy_hops:
        # The client's own address for the per-address rate limits, from the proxies we
        # were told to trust (and only those: a client's own X-Forwarded-For is ignored).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops
        )
    app.extensions[SETTINGS_KEY] = settings
    app.extensions[EXTENSION_KEY] = database or Database.from_url(
        settings.database_url, settings.witness_path or None
    )
    app.extensions[AUTH_EXTENSION_KEY] = AuthConfig.from_settings(settings)
    app.extensions[MAILER_KEY] = mailer or SMTPMailer(settings)
    app.extensions[KEYRING_KEY] = Keyring(settings.secret_key)

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.session_protection = None  # server-side sessions decide instead
    login_manager.login_view = "accounts.login"

    install_request_ids(app)
    install_access_log(app)
    app.before_request(enforce_access)
    app.after_request(security_headers(settings))
    app.teardown_appcontext(close_request_session)
    install_template_helpers(app, SUPPORTED_LOCALES)
    _register_blueprints(app)
    _register_error_handlers(app)
    app.view_functions["static"] = access(Access.PUBLIC)(app.view_functions["static"])
    check_every_route_declares_access(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from voting.accounts.views import bp as accounts_bp
    from voting.admin.views import bp as admin_bp
    from voting.consensus.views import bp as consensus_bp
    from voting.elections.public_views import bp as public_bp
    from voting.elections.trustee_views import api as trustee_api_bp
    from voting.elections.trustee_views import bp as trustee_bp
    from voting.elections.views import bp as elections_bp
    from voting.elections.voter_views import bp as vote_bp
    from voting.members.views import bp as members_bp
    from voting.moderation.views import bp as moderation_bp
    from voting.pages.views import bp as pages_bp
    from voting.qa.views import bp as qa_bp

    for blueprint in (
        pages_bp,
        accounts_bp,
        members_bp,
        admin_bp,
        elections_bp,
        vote_bp,
        public_bp,
        trustee_bp,
        trustee_api_bp,
        consensus_bp,
        qa_bp,
        moderation_bp,
    ):
        app.register_blueprint(blueprint)


def _register_error_handlers(app: Flask) -> None:
    def page(status: int, title: str, message: object) -> tuple[str, int]:
        body = render_template("errors/error.html", title=title, message=message, status=status)
        if app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            # A request that came without our cookie (a cross-site POST under SameSite=Lax)
            # must not get a new session cookie with its error: that would replace the
            # member's own cookie and sign them out from another site.
            session.modified = False
        return body, status

    @app.errorhandler(VotingError)
    def _domain_error(error: VotingError) -> tuple[str, int]:
        return page(error.status, _("That did not work"), error.message)

    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError) -> tuple[str, int]:
        return page(
            400,
            _("The form had expired"),
            _("For your safety the form was not sent. Go back, reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        status = error.code or 500
        messages = {
            400: _("Something in your request was not right. Nothing has changed."),
            403: _("You do not have permission for this."),
            404: _("This page does not exist."),
            405: _("This page cannot be used this way."),
            413: _("What you sent is too large. Nothing has changed."),
            429: _("Too many attempts. Wait a few minutes and try again."),
        }
        if status not in messages:
            return error
        return page(status, _("That did not work"), messages[status])

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        logger.exception("unexpected error on %s %s", request.method, request.path)
        return page(
            500,
            _("Something went wrong on our side"),
            _("Nothing has changed. Try again later; if it happens again, tell the secretariat."),
        )
