"""Invitation and reset links: unguessable, stored hashed, single use (also under a race),
expiring, and failing alike; no enumeration through reset (THREATS T28, T29)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests import factories
from tests.mailsink import MailSink
from tests.voting.concurrency import (
    committed_engine,
    requires_postgres,
    run_in_thread,
    wait_until_blocked,
)
from tests.voting.web import csrf_from, post_form, sign_in
from voting.accounts.identity import auth_config
from voting.accounts.invitations import invite_members
from voting.accounts.models import AccountToken, Role, TokenPurpose
from voting.accounts.services import AuthConfig, InvalidToken, issue_token, redeem_token
from voting.db import Database
from voting.runtime import current_mailer, current_settings

NEW_PASSWORD = "a long and unusual pass phrase 2026"


def _auth(app: Flask) -> AuthConfig:
    with app.app_context():
        return auth_config()


def _link(body: str) -> str:
    found = re.search(r"http://stembus\.test(/\S+)", body)
    assert found is not None, body
    return found.group(1)


def test_officer_invites_a_member_who_sets_a_password_and_signs_in(
    app: Flask, db: Session, mail: MailSink
) -> None:
    auth = _auth(app)
    officer = factories.account(db, auth, roles=(Role.OFFICER,), totp=True)
    newcomer = factories.member(db, name="Noor Newcomer", email="noor@example.org")
    client = app.test_client()
    sign_in(client, officer.member.email, factories.PASSWORD, factories.totp_secret(auth, officer))
    response = post_form(
        client, f"/members/{newcomer.id}/invite", {}, token_from=f"/members/{newcomer.id}"
    )
    assert response.status_code == 302

    [message] = mail.wait_for(1, to="noor@example.org")
    path = _link(mail.body_of(message))
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits in URL-safe base64
    stored = db.scalars(select(AccountToken.token_hash)).all()
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored

    visitor = app.test_client()
    assert visitor.get(path).status_code == 200  # opening the link does not spend it
    assert visitor.get(path).status_code == 200
    done = post_form(visitor, path, {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert done.headers["Location"] == "/login"
    assert sign_in(visitor, "noor@example.org", NEW_PASSWORD).headers["Location"] == "/"


def test_used_expired_and_unknown_links_fail_alike(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    auth = _auth(app)
    member = factories.account(db, auth, password=None)
    used = issue_token(db, member, TokenPurpose.INVITATION, factories.NOW, dt.timedelta(days=3650))
    db.commit()
    redeem_token(db, used, TokenPurpose.INVITATION, dt.datetime.now(dt.UTC))
    db.commit()
    other = factories.account(db, auth, password=None)
    expired = issue_token(
        db,
        other,
        TokenPurpose.INVITATION,
        factories.NOW - dt.timedelta(days=30),
        dt.timedelta(days=7),
    )
    db.commit()
    wrong_purpose = issue_token(
        db, other, TokenPurpose.RESET, factories.NOW, dt.timedelta(days=3650)
    )
    db.commit()
    bodies = set()
    for token in (used, expired, "x" * 43, wrong_purpose):
        response = client.get(f"/invitation/{token}")
        assert response.status_code == 400
        # The page echoes its own path (the language switch returns to it) and a CSRF
        # token with a timestamp; apart from those, every failure looks the same.
        html = response.get_data(as_text=True)
        bodies.add(html.replace(token, "TOKEN").replace(csrf_from(html), "CSRF"))
    assert len(bodies) == 1
    assert "does not work" in bodies.pop()


def test_refused_password_keeps_the_link_usable(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    member = factories.account(db, _auth(app), password=None)
    token = issue_token(db, member, TokenPurpose.INVITATION, factories.NOW, dt.timedelta(days=3650))
    db.commit()
    response = post_form(
        client, f"/invitation/{token}", {"password": "password123", "confirmation": "password123"}
    )
    assert response.status_code == 200
    assert "too easy to guess" in response.get_data(as_text=True)
    db.refresh(member)
    assert member.password_hash is None
    assert (
        post_form(
            client, f"/invitation/{token}", {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("password", "confirmation", "message"),
    [
        ("short", "short", "at least 10"),
        ("welkom12345", "welkom12345", "too easy"),
        ("a long and unusual pass phrase", "a different one", "not the same"),
        ("x" * 201, "x" * 201, "at most"),
    ],
)
def test_weak_or_mismatched_passwords_are_refused(
    app: Flask, client: FlaskClient, db: Session, password: str, confirmation: str, message: str
) -> None:
    member = factories.account(db, _auth(app), password=None)
    token = issue_token(db, member, TokenPurpose.INVITATION, factories.NOW, dt.timedelta(days=3650))
    db.commit()
    response = post_form(
        client, f"/invitation/{token}", {"password": password, "confirmation": confirmation}
    )
    assert message in response.get_data(as_text=True)
    db.refresh(member)
    assert member.password_hash is None


def test_a_new_invitation_replaces_the_old_link(app: Flask, db: Session, mail: MailSink) -> None:
    member = factories.member(db)
    with app.app_context():
        invite_members(
            db, auth_config(), current_settings(), current_mailer(), [member], None, factories.NOW
        )
        invite_members(
            db, auth_config(), current_settings(), current_mailer(), [member], None, factories.NOW
        )
    first, second = (mail.body_of(m) for m in mail.wait_for(2, to=member.email))
    client = app.test_client()
    assert client.get(_link(first)).status_code == 400
    assert client.get(_link(second)).status_code == 200


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(
    app: Flask, db: Session, mail: MailSink
) -> None:
    member = factories.account(db, _auth(app))
    answers = []
    for address in (member.member.email, "stranger@example.org"):
        client = app.test_client()
        page = client.get("/reset").get_data(as_text=True)
        response = client.post("/reset", data={"csrf_token": csrf_from(page), "email": address})
        html = response.get_data(as_text=True)
        # Each browser has its own CSRF token (in the language switch); all else is equal.
        answers.append(
            (
                response.status_code,
                html.replace(csrf_from(html), "CSRF"),
                response.headers.getlist("Set-Cookie"),
            )
        )
    assert answers[0] == answers[1]
    [message] = mail.wait_for(1, to=member.member.email)
    assert "/reset/" in mail.body_of(message)


def test_reset_link_sets_a_new_password_and_ends_sessions(
    app: Flask, db: Session, mail: MailSink
) -> None:
    member = factories.account(db, _auth(app))
    browser = app.test_client()
    sign_in(browser, member.member.email, factories.PASSWORD)
    post_form(app.test_client(), "/reset", {"email": member.member.email})
    [message] = mail.wait_for(1, to=member.member.email)
    path = _link(mail.body_of(message))
    response = post_form(
        app.test_client(), path, {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert browser.get("/account").status_code == 302
    assert sign_in(app.test_client(), member.member.email, NEW_PASSWORD).headers["Location"] == "/"


def test_invitation_mail_is_in_the_members_language(
    app: Flask, db: Session, mail: MailSink
) -> None:
    member = factories.member(db)
    with app.app_context():
        from voting.accounts.services import ensure_account

        ensure_account(db, member, factories.NOW).locale = "en"
        invite_members(
            db, auth_config(), current_settings(), current_mailer(), [member], None, factories.NOW
        )
    [message] = mail.wait_for(1, to=member.email)
    assert message["Subject"] == "Your invitation to Stembus"


# ------------------------------------------------------------------ race (PostgreSQL)


@pytest.fixture
def race_engine(tmp_path: Path) -> Iterator[Engine]:
    yield from committed_engine(tmp_path, "links_race")


@requires_postgres
def test_two_simultaneous_redemptions_of_one_link_only_one_wins(race_engine: Engine) -> None:
    auth = factories.auth_config()
    with Database(race_engine).session() as setup:
        member = factories.account(setup, auth, password=None)
        token = issue_token(
            setup, member, TokenPurpose.INVITATION, factories.NOW, dt.timedelta(days=3650)
        )
        setup.commit()
    now = dt.datetime.now(dt.UTC)
    with Database(race_engine).session() as first:
        redeem_token(
            first, token, TokenPurpose.INVITATION, now
        )  # holds the row lock, not committed
        thread, second = run_in_thread(
            race_engine, lambda s: redeem_token(s, token, TokenPurpose.INVITATION, now)
        )  # type: ignore[arg-type]
        wait_until_blocked(race_engine, second)
        first.commit()
    thread.join(20)
    assert isinstance(second.error, InvalidToken), second
