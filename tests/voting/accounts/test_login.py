"""Signing in and out: one answer for every failure, fresh sessions, no replay (T24, T29)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.web import csrf_from, page_token, post_form, sign_in
from voting.accounts.identity import auth_config
from voting.accounts.models import AuthSession
from voting.members.models import MemberStatus


def _auth(app: Flask):
    with app.app_context():
        return auth_config()


def test_member_signs_in_and_sees_their_name(app: Flask, client: FlaskClient, db: Session) -> None:
    account = factories.account(db, _auth(app), name="Sanne Visser")
    response = sign_in(client, account.member.email, factories.PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Sanne Visser" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_address_get_identical_responses(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    account = factories.account(db, _auth(app))
    token = page_token(client)
    wrong = client.post(
        "/login",
        data={"csrf_token": token, "email": account.member.email, "password": "not the password"},
    )
    unknown = client.post(
        "/login",
        data={"csrf_token": token, "email": "nobody@example.org", "password": "not the password"},
    )
    assert wrong.status_code == unknown.status_code == 200

    # The page echoes the address that was typed, and its CSRF token is a signed
    # timestamp unrelated to the account; mask both, and all else must be equal.
    def masked(text: str, typed: str) -> str:
        return text.replace(csrf_from(text), "TOKEN").replace(typed, "ADDRESS")

    assert masked(wrong.get_data(as_text=True), account.member.email) == masked(
        unknown.get_data(as_text=True), "nobody@example.org"
    )
    assert wrong.headers.getlist("Set-Cookie") == unknown.headers.getlist("Set-Cookie") == []
    assert "not right" in wrong.get_data(as_text=True)


def test_member_whose_membership_ended_cannot_sign_in(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    account = factories.account(db, _auth(app), status=MemberStatus.ENDED)
    response = sign_in(client, account.member.email, factories.PASSWORD)
    assert response.status_code == 200
    assert "not right" in response.get_data(as_text=True)


def test_cookie_from_before_sign_in_stays_anonymous(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    account = factories.account(db, _auth(app))
    client.get("/login")
    planted = client.get_cookie("stembus")
    assert planted is not None
    sign_in(client, account.member.email, factories.PASSWORD)
    signed_in = client.get_cookie("stembus")
    assert signed_in is not None
    assert signed_in.value != planted.value
    attacker = app.test_client()
    attacker.set_cookie("stembus", planted.value)
    assert attacker.get("/account").status_code == 302  # sent to sign in


def test_old_cookie_replayed_after_logout_is_anonymous(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    account = factories.account(db, _auth(app))
    sign_in(client, account.member.email, factories.PASSWORD)
    stolen = client.get_cookie("stembus")
    assert stolen is not None
    assert client.get("/account").status_code == 200
    logout = post_form(client, "/logout", {}, token_from="/account")
    assert logout.status_code == 302
    replay = app.test_client()
    replay.set_cookie("stembus", stolen.value)
    response = replay.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    row = db.scalar(select(AuthSession).where(AuthSession.account_id == account.id))
    assert row is not None
    assert row.end_reason == "logout"


def test_each_sign_in_makes_a_new_server_session(app: Flask, db: Session) -> None:
    account = factories.account(db, _auth(app))
    for _ in range(2):
        sign_in(app.test_client(), account.member.email, factories.PASSWORD)
    hashes = db.scalars(
        select(AuthSession.token_hash).where(AuthSession.account_id == account.id)
    ).all()
    assert len(set(hashes)) == 2


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example/x",
        "/\n/evil.example/x",
        "/\\evil.example/x",
        "\t//evil.example/x",
        "https://evil.example/x",
        "/ /evil.example/x",
    ],
)
def test_next_with_hidden_characters_does_not_lead_off_the_site(
    app: Flask, client: FlaskClient, db: Session, target: str
) -> None:
    """Werkzeug and browsers drop tabs and line breaks from a Location and read a backslash
    as "/": none of these may come out as //evil.example, after signing in or a language."""
    account = factories.account(db, _auth(app))
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_from(client.get("/login").get_data(as_text=True)),
            "email": account.member.email,
            "password": factories.PASSWORD,
            "next": target,
        },
    )
    assert response.headers["Location"] == "/"
    response = client.post(
        "/language",
        data={"csrf_token": page_token(client), "locale": "nl", "next": target},
    )
    assert response.headers["Location"] == "/"


def test_next_parameter_only_leads_to_local_pages(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    account = factories.account(db, _auth(app))
    html = client.get("/login?next=//evil.example/x").get_data(as_text=True)
    token = csrf_from(html)
    next_value = re.search(r'name="next" type="hidden" value="([^"]*)"', html)
    assert next_value is not None
    response = client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": account.member.email,
            "password": factories.PASSWORD,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["Location"] == "/"
