"""Routes of the accounts area: sign in and out, second factor, links, password, sessions."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from voting.accounts import second_factor as factor
from voting.accounts.forms import (
    ChangePasswordForm,
    EnrolForm,
    LoginForm,
    NewPasswordForm,
    PasswordConfirmForm,
    PreferencesForm,
    ResetRequestForm,
    SecondFactorForm,
)
from voting.accounts.identity import SignedIn, auth_config
from voting.accounts.models import AuthSession, TokenPurpose
from voting.accounts.personal_data import personal_data
from voting.accounts.readable import cell, event_label, role_label, status_label, tables
from voting.accounts.services import (
    authenticate,
    change_password,
    end_session,
    end_sessions,
    live_sessions,
    peek_token,
    set_password_with_token,
    set_preferences,
    start_session,
)
from voting.accounts.totp import provisioning_uri, qr_svg
from voting.db import request_session, utcnow
from voting.errors import FieldError, NotFound
from voting.extensions import limiter, signed_in_account_key, submitted_email_key
from voting.i18n import LOCALE_SESSION_KEY
from voting.runtime import current_mailer, current_settings
from voting.security import Access, access, is_safe_next

bp = Blueprint("accounts", __name__)
bp.add_app_template_global(role_label, "role_label")
bp.add_app_template_global(event_label, "event_label")
bp.add_app_template_global(status_label, "status_label")

# Limits per client address and per named account; shared by all workers through Redis
# when RATELIMIT_STORAGE_URI points there (THREATS T26).
LOGIN_LIMIT_PER_ADDRESS = "30 per 10 minutes"
LOGIN_LIMIT_PER_ACCOUNT = "10 per 10 minutes"
SECOND_FACTOR_LIMIT = "10 per 10 minutes"
LINK_LIMIT_PER_ADDRESS = "20 per 10 minutes"
RESET_LIMIT_PER_ACCOUNT = "3 per hour"

Reply = str | WerkzeugResponse | tuple[str, int]


def _next_or_home(target: str | None) -> str:
    return target if target is not None and is_safe_next(target) else url_for("pages.home")


# ------------------------------------------------------------------ sign in and out


@bp.route("/login", methods=["GET", "POST"])
@access(Access.PUBLIC)
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"])
@limiter.limit(LOGIN_LIMIT_PER_ACCOUNT, methods=["POST"], key_func=submitted_email_key)
def login() -> Reply:
    """Sign in with e-mail address and password; the same answer for every failure."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        db = request_session()
        now = utcnow()
        account = authenticate(db, auth_config(), form.email.data, form.password.data, now)
        if account is not None:
            # A fresh cookie session: nothing from before signing in carries over (T24).
            session.clear()
            auth_session, token = start_session(
                db, auth_config(), account, now, user_agent=request.user_agent.string
            )
            login_user(SignedIn(auth_session, token))
            target = form.next.data if is_safe_next(form.next.data) else None
            if account.has_totp:
                return redirect(url_for(".second_factor", next=target or ""))
            if account.needs_second_factor():
                return redirect(url_for(".second_factor_setup"))
            return redirect(_next_or_home(target))
        form.form_errors.append(_("The e-mail address or the password is not right."))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@access(Access.SESSION)
def logout() -> Reply:
    """End this session on the server and in the browser."""
    end_session(request_session(), current_user.auth_session, utcnow(), "logout")
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("pages.home"))


@bp.route("/login/second-factor", methods=["GET", "POST"])
@access(Access.SESSION)
@limiter.limit(SECOND_FACTOR_LIMIT, methods=["POST"], key_func=signed_in_account_key)
def second_factor() -> Reply:
    """The second step of signing in: a TOTP code or a recovery code."""
    if not current_user.account.has_totp:
        return redirect(url_for(".second_factor_setup"))
    if current_user.second_factor_satisfied:
        return redirect(url_for("pages.home"))
    form = SecondFactorForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            factor.verify(
                request_session(),
                auth_config(),
                current_user.auth_session,
                form.code.data,
                utcnow(),
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            return redirect(_next_or_home(form.next.data))
    return render_template("accounts/second_factor.html", form=form)


@bp.route("/account/second-factor/setup", methods=["GET", "POST"])
@access(Access.SESSION)
@limiter.limit(SECOND_FACTOR_LIMIT, methods=["POST"], key_func=signed_in_account_key)
def second_factor_setup() -> Reply:
    """Set up an authenticator app; required for privileged roles, offered to everyone."""
    account = current_user.account
    if account.has_totp:
        # Re-enrolling would let a half-signed-in session replace the factor it must pass.
        return redirect(
            url_for(".overview" if current_user.second_factor_satisfied else ".second_factor")
        )
    db = request_session()
    auth = auth_config()
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = factor.confirm_enrolment(
                db, auth, current_user.auth_session, form.code.data, utcnow()
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            return render_template("accounts/recovery_codes.html", codes=codes, first_time=True)
    secret = factor.pending_secret(auth, account) or factor.begin_enrolment(db, auth, account)
    uri = provisioning_uri(secret, account.member.email)
    return render_template(
        "accounts/second_factor_setup.html",
        form=form,
        secret=secret,
        qr=qr_svg(uri),
        required=account.needs_second_factor(),
    )


@bp.route("/account/second-factor/disable", methods=["POST"])
@access(Access.MEMBER)
def second_factor_disable() -> Reply:
    """Turn the second factor off (members without a privileged role)."""
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            factor.disable(
                request_session(), auth_config(), current_user.account, form.password.data, utcnow()
            )
        except FieldError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The second factor is off."), "info")
    else:
        flash(_("Enter your password."), "error")
    return redirect(url_for(".overview"))


@bp.route("/account/recovery-codes", methods=["POST"])
@access(Access.MEMBER)
def recovery_codes() -> Reply:
    """Make new recovery codes; the old ones stop working."""
    if not current_user.account.has_totp:
        return redirect(url_for(".overview"))
    codes = factor.regenerate_recovery_codes(request_session(), current_user.account, utcnow())
    return render_template("accounts/recovery_codes.html", codes=codes, first_time=False)


# ------------------------------------------------------------------ one-time links


def _password_from_link(token: str, purpose: TokenPurpose, template: str) -> Reply:
    db = request_session()
    now = utcnow()
    account = peek_token(
        db, token, purpose, now
    )  # GET must not spend it: mail scanners follow links
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            set_password_with_token(
                db, auth_config(), token, purpose, form.password.data, form.confirmation.data, now
            )
        except FieldError as error:
            db.rollback()
            form.add_service_error(error.field, error.message)
        else:
            flash(_("Your password is set. You can sign in now."), "info")
            return redirect(url_for(".login"))
    return render_template(template, form=form, name=account.member.name)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
@limiter.limit(LINK_LIMIT_PER_ADDRESS, methods=["POST"])
def invitation(token: str) -> Reply:
    """Accept an invitation by choosing a password."""
    return _password_from_link(token, TokenPurpose.INVITATION, "accounts/invitation.html")


@bp.route("/reset", methods=["GET", "POST"])
@access(Access.PUBLIC)
@limiter.limit(LINK_LIMIT_PER_ADDRESS, methods=["POST"])
@limiter.limit(RESET_LIMIT_PER_ACCOUNT, methods=["POST"], key_func=submitted_email_key)
def reset_request() -> Reply:
    """Ask for a password-reset link; the answer never says whether the address is known."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        from voting.accounts.invitations import request_password_reset

        request_password_reset(
            request_session(),
            auth_config(),
            current_settings(),
            current_mailer(),
            form.email.data,
            utcnow(),
        )
        return render_template("accounts/reset_sent.html")
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
@limiter.limit(LINK_LIMIT_PER_ADDRESS, methods=["POST"])
def reset(token: str) -> Reply:
    """Choose a new password with a reset link."""
    return _password_from_link(token, TokenPurpose.RESET, "accounts/reset.html")


# ------------------------------------------------------------------ my account


@bp.route("/account")
@access(Access.MEMBER)
def overview() -> Reply:
    """What the member can manage: password, second factor, language, sessions, data."""
    account = current_user.account
    form = PreferencesForm(
        locale=account.locale or str(get_locale()), timezone=account.member.timezone
    )
    return render_template(
        "accounts/overview.html",
        account=account,
        form=form,
        disable_form=PasswordConfirmForm(),
    )


@bp.route("/account/preferences", methods=["POST"])
@access(Access.MEMBER)
def preferences() -> Reply:
    """Save language and time zone."""
    form = PreferencesForm()
    if form.validate_on_submit():
        set_preferences(
            request_session(), current_user.account, form.locale.data, form.timezone.data
        )
        session[LOCALE_SESSION_KEY] = form.locale.data
        flash(_("Your preferences are saved."), "info")
        return redirect(url_for(".overview"))
    return render_template(
        "accounts/overview.html",
        account=current_user.account,
        form=form,
        disable_form=PasswordConfirmForm(),
    ), 400


@bp.route("/account/password", methods=["GET", "POST"])
@access(Access.MEMBER)
def password() -> Reply:
    """Change the password; other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = request_session()
        try:
            change_password(
                db,
                auth_config(),
                current_user.auth_session,
                form.current_password.data,
                form.password.data,
                form.confirmation.data,
                utcnow(),
            )
        except FieldError as error:
            db.rollback()
            form.add_service_error(error.field, error.message)
        else:
            flash(_("Your password is changed. You are signed out everywhere else."), "info")
            return redirect(url_for(".overview"))
    return render_template("accounts/password.html", form=form)


@bp.route("/account/sessions")
@access(Access.MEMBER)
def sessions() -> Reply:
    """Where this account is signed in."""
    rows = live_sessions(request_session(), current_user.account, utcnow())
    return render_template(
        "accounts/sessions.html", rows=rows, current_id=current_user.auth_session.id
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@access(Access.MEMBER)
def end_one_session(session_id: int) -> Reply:
    """End one of the account's own sessions."""
    db = request_session()
    row = db.get(AuthSession, session_id)
    if row is None or row.account_id != current_user.account.id:
        raise NotFound
    end_session(db, row, utcnow(), "ended-by-member")
    if row.id == current_user.auth_session.id:
        logout_user()
        session.clear()
        return redirect(url_for("pages.home"))
    flash(_("That session is ended."), "info")
    return redirect(url_for(".sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@access(Access.MEMBER)
def end_other_sessions() -> Reply:
    """End every session of this account except this one."""
    count = end_sessions(
        request_session(),
        current_user.account,
        utcnow(),
        "ended-by-member",
        keep=current_user.auth_session,
    )
    flash(ngettext("%(num)d other session ended.", "%(num)d other sessions ended.", count), "info")
    return redirect(url_for(".sessions"))


@bp.route("/account/data")
@access(Access.MEMBER)
def my_data() -> Reply:
    """Everything stored about the member (GDPR art. 15)."""
    data = personal_data(request_session(), current_user.account)
    areas = [
        (_("Consensus decisions"), tables(data["consensus"])),  # type: ignore[arg-type]  # lists of rows
        (_("Candidate Q&A"), tables(data["candidate_qa"])),  # type: ignore[arg-type]  # lists of rows
    ]
    return render_template("accounts/my_data.html", data=data, areas=areas, cell=cell)


@bp.route("/account/data.json")
@access(Access.MEMBER)
def my_data_download() -> Response:
    """The same as a JSON download."""
    data = personal_data(request_session(), current_user.account)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="stembus-my-data.json"'},
    )
