"""The second factor: enrolment, required for privileged roles, single use, lockout,
recovery codes, and no way around it through a reset (THREATS T27)."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.web import csrf_from, post_form, sign_in
from voting.accounts import second_factor, totp
from voting.accounts.identity import auth_config
from voting.accounts.models import Account, AuthSession, Role, TokenPurpose
from voting.accounts.services import AuthConfig, issue_token, start_session
from voting.errors import FieldError


def _auth(app: Flask) -> AuthConfig:
    with app.app_context():
        return auth_config()


def test_officer_without_second_factor_must_enrol_before_anything_else(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    officer = factories.account(db, _auth(app), roles=(Role.OFFICER,))
    response = sign_in(client, officer.member.email, factories.PASSWORD)
    assert response.headers["Location"] == "/account/second-factor/setup"
    assert client.get("/members").headers["Location"] == "/account/second-factor/setup"
    assert client.get("/account").headers["Location"] == "/account/second-factor/setup"

    page = client.get("/account/second-factor/setup").get_data(as_text=True)
    assert "<svg" in page  # the QR code, inline
    secret = "".join(re.search(r'class="secret"[^>]*>([^<]+)<', page).group(1).split())  # type: ignore[union-attr]
    done = client.post(
        "/account/second-factor/setup",
        data={"csrf_token": csrf_from(page), "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 200
    codes = re.findall(
        r"<li>([2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4})</li>", done.get_data(as_text=True)
    )
    assert len(codes) == 10
    assert client.get("/members").status_code == 200


def test_member_with_second_factor_is_asked_for_it(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, totp=True)
    response = sign_in(client, member.member.email, factories.PASSWORD)
    assert response.headers["Location"].startswith("/login/second-factor")
    assert client.get("/account").headers["Location"].startswith("/login/second-factor")
    secret = factories.totp_secret(auth, member)
    assert (
        post_form(client, "/login/second-factor", {"code": pyotp.TOTP(secret).now()}).status_code
        == 302
    )
    assert client.get("/account").status_code == 200


def test_half_signed_in_session_cannot_replace_the_second_factor(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    member = factories.account(db, _auth(app), totp=True)
    before = member.totp_secret
    sign_in(client, member.member.email, factories.PASSWORD)
    response = client.get("/account/second-factor/setup")
    assert response.headers["Location"] == "/login/second-factor"
    db.refresh(member)
    assert member.totp_secret == before
    assert member.totp_pending_secret is None


def _pending_session(db: Session, auth: AuthConfig, account: Account) -> AuthSession:
    row, _token = start_session(db, auth, account, factories.NOW, user_agent="test")
    return row


def test_same_code_is_accepted_only_once(app: Flask, db: Session) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, totp=True)
    secret = factories.totp_secret(auth, member)
    now = dt.datetime.now(dt.UTC)
    code = pyotp.TOTP(secret).at(now)
    second_factor.verify(db, auth, _pending_session(db, auth, member), code, now)
    with pytest.raises(FieldError, match="not right"):
        second_factor.verify(db, auth, _pending_session(db, auth, member), code, now)


def test_a_code_older_than_the_last_accepted_one_is_refused(app: Flask, db: Session) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, totp=True)
    secret = factories.totp_secret(auth, member)
    now = dt.datetime.now(dt.UTC)
    later = now + dt.timedelta(seconds=30)
    second_factor.verify(
        db, auth, _pending_session(db, auth, member), pyotp.TOTP(secret).at(later), later
    )
    with pytest.raises(FieldError):
        second_factor.verify(
            db, auth, _pending_session(db, auth, member), pyotp.TOTP(secret).at(now), later
        )


def test_sixth_try_is_refused_even_when_right(app: Flask, db: Session) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, totp=True)
    secret = factories.totp_secret(auth, member)
    now = dt.datetime.now(dt.UTC)
    for _ in range(totp.MAX_FAILURES):
        with pytest.raises(FieldError):
            second_factor.verify(
                db,
                auth,
                _pending_session(db, auth, member),
                "000000" if pyotp.TOTP(secret).at(now) != "000000" else "111111",
                now,
            )
    with pytest.raises(FieldError, match="Too many"):
        second_factor.verify(
            db, auth, _pending_session(db, auth, member), pyotp.TOTP(secret).at(now), now
        )
    after_lock = now + dt.timedelta(minutes=totp.LOCK_MINUTES, seconds=31)
    second_factor.verify(
        db, auth, _pending_session(db, auth, member), pyotp.TOTP(secret).at(after_lock), after_lock
    )


def test_recovery_code_works_once(app: Flask, db: Session) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, totp=True)
    codes = second_factor.regenerate_recovery_codes(db, member, factories.NOW)
    now = dt.datetime.now(dt.UTC)
    second_factor.verify(db, auth, _pending_session(db, auth, member), codes[3].upper(), now)
    with pytest.raises(FieldError):
        second_factor.verify(db, auth, _pending_session(db, auth, member), codes[3], now)
    second_factor.verify(db, auth, _pending_session(db, auth, member), codes[4], now)


def test_new_recovery_codes_replace_the_old_ones(app: Flask, db: Session) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, totp=True)
    old = second_factor.regenerate_recovery_codes(db, member, factories.NOW)
    second_factor.regenerate_recovery_codes(db, member, factories.NOW)
    with pytest.raises(FieldError):
        second_factor.verify(
            db, auth, _pending_session(db, auth, member), old[0], dt.datetime.now(dt.UTC)
        )


def test_password_reset_does_not_skip_the_second_factor(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, totp=True)
    token = issue_token(db, member, TokenPurpose.RESET, factories.NOW, dt.timedelta(days=3650))
    db.commit()
    new = "a brand new pass phrase for stembus"
    response = post_form(client, f"/reset/{token}", {"password": new, "confirmation": new})
    assert response.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302  # the reset did not sign in
    response = sign_in(client, member.member.email, new)
    assert response.headers["Location"].startswith("/login/second-factor")
    assert client.get("/account").headers["Location"].startswith("/login/second-factor")


def test_privileged_member_cannot_turn_the_second_factor_off(app: Flask, db: Session) -> None:
    auth = _auth(app)
    trustee = factories.account(db, auth, roles=(Role.TRUSTEE,), totp=True)
    from voting.errors import Conflict

    with pytest.raises(Conflict):
        second_factor.disable(db, auth, trustee, factories.PASSWORD, factories.NOW)
    db.refresh(trustee)
    assert trustee.has_totp


def test_member_turns_the_second_factor_off_with_the_password(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, totp=True)
    sign_in(client, member.member.email, factories.PASSWORD, factories.totp_secret(auth, member))
    post_form(
        client, "/account/second-factor/disable", {"password": "wrong"}, token_from="/account"
    )
    db.refresh(member)
    assert member.has_totp
    post_form(
        client,
        "/account/second-factor/disable",
        {"password": factories.PASSWORD},
        token_from="/account",
    )
    db.refresh(member)
    assert not member.has_totp


def test_totp_secret_is_stored_encrypted_and_bound_to_the_account(app: Flask, db: Session) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, totp=True)
    other = factories.account(db, auth)
    secret = factories.totp_secret(auth, member)
    assert member.totp_secret is not None
    assert secret.encode() not in member.totp_secret
    with pytest.raises(ValueError, match="cannot be opened"):
        auth.totp_box.open(other.id, member.totp_secret)
    row = db.scalar(select(Account.totp_secret).where(Account.id == member.id))
    assert row is not None
    assert secret.encode() not in row
