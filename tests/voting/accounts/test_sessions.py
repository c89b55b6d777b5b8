"""Server-side sessions end for real: logout, other sessions, password change, disabled
account, idle and absolute expiry (THREATS T24, fact 3)."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.web import post_form, sign_in
from voting.accounts.identity import auth_config
from voting.accounts.models import Account, AuthSession, Role
from voting.accounts.services import AuthConfig, disable_account, load_session, start_session


def _auth(app: Flask) -> AuthConfig:
    with app.app_context():
        return auth_config()


def _signed_in_twice(app: Flask, db: Session) -> tuple[Account, FlaskClient, FlaskClient]:
    account = factories.account(db, _auth(app))
    first, second = app.test_client(), app.test_client()
    sign_in(first, account.member.email, factories.PASSWORD)
    sign_in(second, account.member.email, factories.PASSWORD)
    assert first.get("/account").status_code == second.get("/account").status_code == 200
    return account, first, second


def test_ending_other_sessions_signs_out_the_other_browser_only(app: Flask, db: Session) -> None:
    _account, first, second = _signed_in_twice(app, db)
    response = post_form(first, "/account/sessions/end-others", {}, token_from="/account/sessions")
    assert response.status_code == 302
    assert first.get("/account").status_code == 200
    assert second.get("/account").status_code == 302


def test_ending_one_session_from_the_list(app: Flask, db: Session) -> None:
    account, first, second = _signed_in_twice(app, db)
    rows = db.scalars(
        select(AuthSession).where(AuthSession.account_id == account.id).order_by(AuthSession.id)
    ).all()
    other = rows[1]  # the second browser's session
    post_form(first, f"/account/sessions/{other.id}/end", {}, token_from="/account/sessions")
    assert second.get("/account").status_code == 302
    assert first.get("/account").status_code == 200


def test_member_cannot_end_someone_elses_session(app: Flask, db: Session) -> None:
    _account, first, _second = _signed_in_twice(app, db)
    stranger = factories.account(db, _auth(app))
    sign_in(app.test_client(), stranger.member.email, factories.PASSWORD)
    theirs = db.scalar(select(AuthSession).where(AuthSession.account_id == stranger.id))
    assert theirs is not None
    response = post_form(
        first, f"/account/sessions/{theirs.id}/end", {}, token_from="/account/sessions"
    )
    assert response.status_code == 404
    db.refresh(theirs)
    assert theirs.ended_at is None


def test_password_change_ends_other_sessions_and_keeps_this_one(app: Flask, db: Session) -> None:
    _account, first, second = _signed_in_twice(app, db)
    new = "another long pass phrase for stembus 7"
    response = post_form(
        first,
        "/account/password",
        {"current_password": factories.PASSWORD, "password": new, "confirmation": new},
    )
    assert response.status_code == 302
    assert first.get("/account").status_code == 200
    assert second.get("/account").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(
    app: Flask, db: Session
) -> None:
    account, first, second = _signed_in_twice(app, db)
    before = account.password_hash
    response = post_form(
        first,
        "/account/password",
        {"current_password": "wrong", "password": "x" * 30, "confirmation": "x" * 30},
    )
    assert response.status_code == 200
    assert "not your current password" in response.get_data(as_text=True)
    db.refresh(account)
    assert account.password_hash == before
    assert second.get("/account").status_code == 200


def test_disabling_an_account_ends_its_sessions(app: Flask, db: Session) -> None:
    account, first, second = _signed_in_twice(app, db)
    admin = factories.account(db, _auth(app), roles=(Role.ADMIN,))
    disable_account(db, account, admin, factories.NOW, "left the party")
    assert first.get("/account").status_code == 302
    assert second.get("/account").status_code == 302
    assert sign_in(app.test_client(), account.member.email, factories.PASSWORD).status_code == 200


def test_session_expires_after_idle_time_and_absolute_lifetime(app: Flask, db: Session) -> None:
    auth = _auth(app)
    account = factories.account(db, auth)
    start = factories.NOW
    row, token = start_session(db, auth, account, start, user_agent="test")
    assert (
        load_session(db, auth, token, start + auth.session_idle - dt.timedelta(seconds=1))
        is not None
    )
    assert load_session(db, auth, token, start + 2 * auth.session_idle) is None
    db.refresh(row)
    assert row.end_reason == "idle"

    row, token = start_session(db, auth, account, start, user_agent="test")
    moment = start
    while moment < start + auth.session_absolute - auth.session_idle:
        moment += auth.session_idle / 2
        assert load_session(db, auth, token, moment) is not None
    assert load_session(db, auth, token, start + auth.session_absolute) is None
    db.refresh(row)
    assert row.end_reason == "expired"


def test_session_of_a_member_whose_membership_ends_is_closed(app: Flask, db: Session) -> None:
    from voting.members.models import MemberStatus

    account, first, second = _signed_in_twice(app, db)
    account.member.status = MemberStatus.ENDED
    db.commit()

    def reasons() -> list[str | None]:
        db.expire_all()
        rows = db.scalars(
            select(AuthSession)
            .where(AuthSession.account_id == account.id)
            .order_by(AuthSession.id)  # the first browser's session first (no heap order)
        ).all()
        return [row.end_reason for row in rows]

    assert first.get("/account").status_code == 302
    assert reasons() == ["account-unusable", None]  # ended on its next request
    assert second.get("/account").status_code == 302
    assert reasons() == ["account-unusable", "account-unusable"]


def test_sessions_page_lists_this_browser(app: Flask, db: Session) -> None:
    _account, first, _second = _signed_in_twice(app, db)
    html = first.get("/account/sessions").get_data(as_text=True)
    assert html.count('action="/account/sessions/') >= 3  # two rows and "end others"


def test_session_cookie_is_httponly_and_samesite(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    account = factories.account(db, _auth(app))
    response = sign_in(client, account.member.email, factories.PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("stembus="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
