"""The development demo data and mail sink that `make run` relies on."""

from __future__ import annotations

import json
import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.mailsink import MailSink, free_port
from tests.voting.web import sign_in
from voting.accounts.models import Account, Role
from voting.config import Settings
from voting.demo import current_code, has_data, load_demo_data, saved_logins
from voting.devmail import start_sink
from voting.logging import JSONFormatter, RequestIdFilter
from voting.members.models import Member


def test_demo_data_gives_every_role_a_working_login(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    auth = factories.auth_config()
    assert not has_data(db)
    logins = load_demo_data(db, auth, factories.NOW, tmp_path)
    assert has_data(db)
    assert db.scalar(select(func.count()).select_from(Member)) == 50
    assert {login.role for login in logins} == {
        "admin",
        "officer",
        "moderator",
        "trustee",
        "member",
        "candidate",
    }
    assert saved_logins(tmp_path) == [
        type(login)(login.role, login.email, login.password, login.role) for login in logins
    ]
    assert (tmp_path / "demo-credentials.txt").stat().st_mode & 0o077 == 0
    officer = next(login for login in logins if login.role == "officer")
    client = app.test_client()
    response = sign_in(client, officer.email, officer.password)
    assert response.headers["Location"].startswith("/login/second-factor")
    account = db.scalar(select(Account).join(Member).where(Member.email == officer.email))
    assert account is not None
    assert Role.OFFICER in account.role_set()
    code = current_code(db, auth, officer.email, factories.NOW)
    assert code == pyotp.TOTP(auth.totp_box.open(account.id, account.totp_secret or b"")).at(
        factories.NOW
    )
    assert current_code(db, auth, "nobody@example.org", factories.NOW) is None


def test_development_mail_sink_saves_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    sink = start_sink(tmp_path / "mail", "127.0.0.1", port)
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = (
            "a@example.org",
            "b@example.org",
            "Hallo",
        )
        message.set_content("link: http://127.0.0.1:5000/invitation/x")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message)
    finally:
        sink.stop()
    saved = list((tmp_path / "mail").glob("*.eml"))
    assert len(saved) == 1
    assert b"/invitation/x" in saved[0].read_bytes()
    assert "mail to b@example.org: Hallo" in capsys.readouterr().out


def test_production_logs_are_json_lines_with_a_request_id() -> None:
    record = logging.LogRecord(
        "voting.test", logging.INFO, __file__, 1, "hello %s", ("world",), None
    )
    RequestIdFilter().filter(record)
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] == "hello world"
    assert line["request_id"] == "-"
    assert line["level"] == "INFO"


def test_request_id_is_echoed_or_made(app: Flask) -> None:
    client = app.test_client()
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc12345-6789"}).headers["X-Request-ID"]
        == "abc12345-6789"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert made != "<script>"
    assert len(made) == 16


def test_demo_election_is_open_and_its_trustee_files_open_with_the_printed_passphrase(
    db: Session, tmp_path: Path
) -> None:
    from ballots import open_secret
    from voting.demo import DEMO_PASSPHRASE, load_demo_election
    from voting.elections.models import Election, ElectionState
    from voting.keys import Keyring

    auth = factories.auth_config()
    load_demo_data(db, auth, factories.NOW, tmp_path)
    title = load_demo_election(db, Keyring("k" * 40), "k" * 40, factories.NOW, tmp_path)
    election = db.scalar(select(Election).where(Election.title == title))
    assert election is not None
    assert election.state is ElectionState.OPEN
    assert len(election.questions) == 4
    assert election.electorate_size == db.scalar(
        select(func.count()).select_from(Member).where(Member.status == "active")
    )
    secret = open_secret((tmp_path / "trustee-1.key").read_bytes(), DEMO_PASSPHRASE.format(index=1))
    assert secret.trustee == 1


def test_demo_consensus_and_qa_give_every_area_something_to_try(
    app: Flask, db: Session, tmp_path: Path, settings: Settings, mail: MailSink
) -> None:
    from voting.consensus.models import Position, Proposal
    from voting.demo import load_demo_consensus, load_demo_election, load_demo_qa
    from voting.keys import Keyring
    from voting.mail import SMTPMailer
    from voting.qa.models import QAAnswer, Question, QuestionState

    keyring = Keyring(settings.secret_key)
    logins = load_demo_data(db, factories.auth_config(), factories.NOW, tmp_path)
    with app.app_context():  # as `stembus dev` loads it
        load_demo_election(db, keyring, settings.secret_key, factories.NOW, tmp_path)
        title = load_demo_consensus(db, keyring, settings.secret_key, factories.NOW, logins)
        load_demo_qa(db, keyring, settings, SMTPMailer(settings), factories.NOW, logins)
    proposal = db.scalar(select(Proposal).where(Proposal.title == title))
    assert proposal is not None
    (opened,) = proposal.rounds
    assert opened.closed_at is None
    assert db.scalar(select(func.count()).select_from(Position)) == 3
    states = sorted(q.state for q in db.scalars(select(Question)))
    assert states == [QuestionState.APPROVED, QuestionState.PENDING]
    assert db.scalar(select(func.count()).select_from(QAAnswer)) == 1
    # The asker of the published question hears of the answer, with a link to it.
    member = next(login for login in logins if login.label == "member")
    (told,) = mail.wait_for(1, to=member.email)
    assert "/qa/questions/" in MailSink.body_of(told)
    # The demo members can take a position: they have not responded yet.
    client = app.test_client()
    sign_in(client, member.email, member.password)
    page = client.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    assert 'name="kind"' in page
    # The candidate signs in without a second step and answers in their own account.
    candidate = next(login for login in logins if login.label == "candidate")
    client = app.test_client()
    response = sign_in(client, candidate.email, candidate.password)
    assert not response.headers["Location"].startswith("/login/second-factor")
    published = db.scalar(select(Question).where(Question.state == QuestionState.APPROVED))
    assert published is not None
    assert "Iris Mulder" in client.get(f"/qa/questions/{published.id}").get_data(as_text=True)
