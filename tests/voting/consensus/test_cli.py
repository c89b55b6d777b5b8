"""`stembus consensus-reminders` and `stembus consensus-close-due` against a real database and
a real SMTP server: a digest when a round opens, a reminder only to those who have not
responded, each sent once, times in each member's own time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests import factories
from tests.mailsink import MailSink, free_port
from tests.voting.conftest import base_settings, fresh_database_url, migrated_engine
from tests.voting.consensus import arrange
from tests.voting.consensus.arrange import KEYRING, ROUND_KEYS
from voting.cli import main
from voting.consensus import fallback, rounds
from voting.consensus.models import Notice, PositionKind, Round
from voting.db import Database, utcnow


@pytest.fixture
def engine(tmp_path: Path, mail: MailSink, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A committed database the commands run against, with mail to the test server."""
    url = fresh_database_url(tmp_path, "consensus_cli")
    settings = base_settings(url, mail.port)
    for name, value in {
        "STEMBUS_ENV": "test",
        "SECRET_KEY": settings.secret_key,
        "DATABASE_URL": url,
        "STEMBUS_BASE_URL": "http://stembus.test",
        "SMTP_PORT": str(mail.port),
        "STEMBUS_INSTANCE_PATH": str(tmp_path / "instance"),
        "DEFAULT_LOCALE": "en",
    }.items():
        monkeypatch.setenv(name, value)
    engine = migrated_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Database(engine).session() as session:
        yield session


def _run(*args: str) -> tuple[int, str]:
    """Run a command; its exit code and its last line of output (log lines come before)."""
    result = CliRunner().invoke(main, ["--language", "en", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    lines = result.output.splitlines()
    return result.exit_code, (lines[-1] + "\n") if lines else ""


def _round_closing_in(session: Session, hours: float, *, anonymous: bool = False):  # type: ignore[no-untyped-def]
    factories.branch(session, "bonaire", timezone="America/Kralendijk")
    facilitator, amsterdam = arrange.people(session, 2, prefix="Reminded")
    (kralendijk,) = arrange.people(session, 1, prefix="Caribbean", branch_code="bonaire")
    found = arrange.group(session, facilitator, [amsterdam, kralendijk], anonymous=anonymous)
    proposal = arrange.proposal(session, facilitator, found)
    now = utcnow()
    opened = rounds.open_round(
        session,
        facilitator,
        proposal.id,
        now + dt.timedelta(hours=hours),
        0,
        KEYRING,
        ROUND_KEYS,
        now,
    )
    return opened, facilitator, amsterdam, kralendijk


def test_digest_once_to_everyone_and_reminder_once_to_those_who_have_not_responded(
    session: Session, mail: MailSink
) -> None:
    opened, facilitator, amsterdam, kralendijk = _round_closing_in(session, 2)
    arrange.take(session, facilitator, opened, PositionKind.AGREE, now=utcnow())
    assert _run("consensus-reminders") == (0, "digests sent: 3; reminders sent: 2\n")
    digests = [m for m in mail.messages if m["Subject"].startswith("Round 1 has opened")]
    reminders = [m for m in mail.messages if m["Subject"].startswith("Reminder")]
    assert sorted(m["To"] for m in digests) == sorted(
        p.member.email for p in (facilitator, amsterdam, kralendijk)
    )
    assert sorted(m["To"] for m in reminders) == sorted(
        p.member.email for p in (amsterdam, kralendijk)
    )
    # Each in their own time zone: Bonaire has no daylight saving and is UTC-4.
    local = opened.deadline.astimezone(dt.timezone(dt.timedelta(hours=-4)))
    (caribbean,) = [m for m in reminders if m["To"] == kralendijk.member.email]
    assert local.strftime("%-I:%M") in MailSink.body_of(caribbean)
    assert f"http://stembus.test/consensus/proposals/{opened.proposal_id}" in MailSink.body_of(
        caribbean
    )
    assert _run("consensus-reminders") == (0, "digests sent: 0; reminders sent: 0\n")
    assert len(mail.messages) == 5


def test_reminder_waits_until_the_deadline_is_near(session: Session, mail: MailSink) -> None:
    _round_closing_in(session, 72)
    assert _run("consensus-reminders") == (0, "digests sent: 3; reminders sent: 0\n")
    assert _run("consensus-reminders", "--before-hours", "80") == (
        0,
        "digests sent: 0; reminders sent: 3\n",
    )


def test_anonymous_round_reminds_only_those_without_a_position(
    session: Session, mail: MailSink
) -> None:
    opened, facilitator, amsterdam, kralendijk = _round_closing_in(session, 2, anonymous=True)
    arrange.take(session, amsterdam, opened, PositionKind.AGREE, now=utcnow())
    assert _run("consensus-reminders")[0] == 0
    reminded = {m["To"] for m in mail.messages if m["Subject"].startswith("Reminder")}
    assert reminded == {facilitator.member.email, kralendijk.member.email}


def test_mail_server_failure_records_nothing_and_the_next_run_sends(
    session: Session, mail: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    _round_closing_in(session, 2)
    monkeypatch.setenv("SMTP_PORT", str(free_port()))
    code, output = _run("consensus-reminders")
    assert code == 1
    assert "mail server" in output
    assert session.scalars(select(Notice)).all() == []
    session.rollback()  # SQLite: a reading transaction would hold the write lock
    monkeypatch.setenv("SMTP_PORT", str(mail.port))
    assert _run("consensus-reminders") == (0, "digests sent: 3; reminders sent: 3\n")


def test_fallback_vote_digest_and_reminder(session: Session, mail: MailSink) -> None:
    facilitator, a, b = arrange.people(session, 3, prefix="Voter")
    found = arrange.group(session, facilitator, [a, b], max_rounds=1)
    proposal = arrange.proposal(session, facilitator, found)
    start = utcnow() - dt.timedelta(days=8)
    first = arrange.open_next(session, facilitator, proposal, now=start)
    arrange.take(session, a, first, PositionKind.OBJECT, "No.", now=start)
    closed = arrange.close(session, first)
    arrange.answer_all(session, facilitator, closed, arrange.after(closed))
    now = utcnow()
    fallback.open_fallback(
        session, facilitator, proposal.id, now + dt.timedelta(hours=3), KEYRING, now
    )
    fallback.cast_fallback(session, a, proposal.id, "no", 0, now)
    assert _run("consensus-reminders") == (0, "digests sent: 3; reminders sent: 2\n")
    reminded = {m["To"] for m in mail.messages if m["Subject"].startswith("Reminder: vote")}
    assert reminded == {facilitator.member.email, b.member.email}


def test_close_due_closes_rounds_past_their_deadline(session: Session) -> None:
    facilitator, a = arrange.people(session, 2, prefix="Due")
    found = arrange.group(session, facilitator, [a])
    past = utcnow() - dt.timedelta(days=8)
    due = arrange.open_next(
        session, facilitator, arrange.proposal(session, facilitator, found), now=past
    )
    later = arrange.open_next(
        session,
        facilitator,
        arrange.proposal(session, facilitator, found, title="Later"),
        now=utcnow(),
    )
    assert _run("consensus-close-due") == (0, "rounds closed: 1; fallback votes closed: 0\n")
    session.expire_all()
    assert session.get(Round, due.id).closed_at == due.deadline  # type: ignore[union-attr]
    assert session.get(Round, later.id).is_open  # type: ignore[union-attr]
    session.rollback()
    assert _run("consensus-close-due") == (0, "rounds closed: 0; fallback votes closed: 0\n")
