"""Reporting a reason, and moderators hiding it under a stated guideline: the text is replaced
by a notice everywhere, and its author is told by e-mail (real SMTP)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.mailsink import MailSink
from tests.voting.consensus import arrange
from tests.voting.consensus.arrange import KEYRING
from tests.voting.web import post_form, sign_in
from voting.accounts.models import Role
from voting.config import Settings
from voting.consensus import moderation
from voting.consensus.models import PositionKind, Report, ReportResolution
from voting.consensus.record import decision_record, record_csv
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.mail import SMTPMailer
from voting.moderation.clauses import Clause


@pytest.fixture
def context(app: Flask) -> Iterator[None]:
    """A request context: the export and the mail are written in a language."""
    with app.test_request_context():
        yield


@pytest.fixture
def closed_round(db: Session):  # type: ignore[no-untyped-def]
    facilitator, author, reader = arrange.people(db, 3, prefix="Mod")
    found = arrange.group(db, facilitator, [author, reader])
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    position = arrange.take(db, author, first, PositionKind.OBJECT, "The treasurer is an idiot.")
    plain = arrange.take(db, reader, first, PositionKind.AGREE)
    arrange.close(db, first)
    return facilitator, author, reader, proposal, position, plain


def _moderator(db: Session):  # type: ignore[no-untyped-def]
    return factories.account(
        db, factories.auth_config(), name="Mia Moderator", roles=(Role.MODERATOR,), totp=True
    )


@pytest.mark.usefixtures("context")
def test_hidden_reason_is_replaced_by_a_notice_and_its_author_is_told(
    db: Session, closed_round, settings: Settings, mail: MailSink
) -> None:
    _facilitator, author, reader, proposal, position, _plain = closed_round
    report = moderation.report_reason(db, reader, position.id, "Talks about a person.", arrange.NOW)
    moderator = _moderator(db)
    moderation.hide_reason(
        db,
        moderator,
        report.id,
        Clause.WITH_PEOPLE,
        KEYRING,
        settings,
        SMTPMailer(settings),
        arrange.NOW,
    )
    db.refresh(position)
    assert (position.hidden_rule, position.hidden_by_id) == (Clause.WITH_PEOPLE, moderator.id)
    assert db.get(Report, report.id).resolution is ReportResolution.HIDDEN  # type: ignore[union-attr]
    (message,) = mail.wait_for(1, to=author.member.email)
    body = MailSink.body_of(message)
    assert "Talk with people, not about them." in body
    assert "idiot" not in body
    record = decision_record(db, reader, proposal.id)
    (shown,) = [v for v in record.minority if v.position.id == position.id]
    assert shown.reason == ""
    assert shown.hidden_rule is not None
    csv = record_csv(db, reader, proposal.id)
    assert "idiot" not in csv
    assert "Hidden by a moderator" in csv


def test_a_reason_is_reported_once_per_member_with_a_stated_why(db: Session, closed_round) -> None:
    _facilitator, _author, reader, _proposal, position, plain = closed_round
    with pytest.raises(FieldError) as empty:
        moderation.report_reason(db, reader, position.id, "", arrange.NOW)
    assert empty.value.field == "why"
    with pytest.raises(FieldError, match="at most 1000"):
        moderation.report_reason(db, reader, position.id, "x" * 1001, arrange.NOW)
    moderation.report_reason(db, reader, position.id, "Rude.", arrange.NOW)
    with pytest.raises(Conflict, match="already reported"):
        moderation.report_reason(db, reader, position.id, "Still rude.", arrange.NOW)
    with pytest.raises(Conflict, match="no reason to report"):
        moderation.report_reason(db, reader, plain.id, "Empty.", arrange.NOW)
    assert len(db.scalars(select(Report)).all()) == 1


def test_only_group_members_report_and_only_what_they_can_read(db: Session) -> None:
    facilitator, author, reader = arrange.people(db, 3, prefix="Early")
    (outsider,) = arrange.people(db, 1, prefix="Outsider")
    found = arrange.group(db, facilitator, [author, reader])
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    position = arrange.take(db, author, first, PositionKind.OBJECT, "Not yet visible.")
    with pytest.raises(NotFound):  # reasons are shown when the round closes
        moderation.report_reason(db, reader, position.id, "Rude.", arrange.NOW)
    with pytest.raises(Forbidden):
        moderation.report_reason(db, outsider, position.id, "Rude.", arrange.NOW)
    question = arrange.take(db, reader, first, PositionKind.NEED_INFORMATION, "Who pays?")
    moderation.report_reason(db, author, question.id, "Questions are visible.", arrange.NOW)


@pytest.mark.usefixtures("context")
def test_keeping_closes_every_report_on_the_reason_and_a_report_is_decided_once(
    db: Session, closed_round, settings: Settings
) -> None:
    facilitator, _author, reader, _proposal, position, _plain = closed_round
    first = moderation.report_reason(db, reader, position.id, "Rude.", arrange.NOW)
    second = moderation.report_reason(db, facilitator, position.id, "Also rude.", arrange.NOW)
    moderator = _moderator(db)
    moderation.keep_reason(db, moderator, first.id, arrange.NOW)
    assert moderation.open_reports(db) == []
    assert db.get(Report, second.id).resolution is ReportResolution.KEPT  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="already decided"):
        moderation.hide_reason(
            db,
            moderator,
            second.id,
            "address",
            KEYRING,
            settings,
            SMTPMailer(settings),
            arrange.NOW,
        )
    db.refresh(position)
    assert not position.is_hidden


def test_a_new_reason_while_the_round_is_open_is_shown_again(db: Session) -> None:
    facilitator, author, reader = arrange.people(db, 3, prefix="Live")
    found = arrange.group(db, facilitator, [author, reader], live_positions=True)
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    position = arrange.take(db, author, first, PositionKind.CONCERNS, "Rude words.")
    report = moderation.report_reason(db, reader, position.id, "Rude.", arrange.NOW)
    position.hidden_at, position.hidden_rule = arrange.NOW, Clause.ADDRESS
    db.commit()
    assert report.position.is_hidden
    changed = arrange.take(db, author, first, PositionKind.CONCERNS, "Kinder words.")
    assert not changed.is_hidden


def test_moderator_hides_through_the_reports_page(
    app: Flask, db: Session, closed_round, mail: MailSink
) -> None:
    _facilitator, author, reader, _proposal, position, _plain = closed_round
    moderation.report_reason(db, reader, position.id, "Insult <script>x()</script>", arrange.NOW)
    moderator = _moderator(db)
    client = app.test_client()
    sign_in(
        client,
        moderator.member.email,
        factories.PASSWORD,
        factories.totp_secret(factories.auth_config(), moderator),
    )
    page = client.get("/consensus/reports").get_data(as_text=True)
    assert "The treasurer is an idiot." in page
    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    report = db.scalar(select(Report))
    assert report is not None
    response = post_form(
        client,
        f"/consensus/reports/{report.id}/hide",
        {"rule": "own-experience"},
        token_from="/consensus/reports",
    )
    assert response.status_code == 302
    db.refresh(position)
    assert position.hidden_rule is Clause.OWN_EXPERIENCE
    mail.wait_for(1, to=author.member.email)
    assert "No reports are waiting." in client.get("/consensus/reports").get_data(as_text=True)


@pytest.mark.usefixtures("context")
def test_unknown_reports_positions_and_rules_are_refused(
    db: Session, closed_round, settings: Settings
) -> None:
    _facilitator, _author, reader, _proposal, position, _plain = closed_round
    moderator = _moderator(db)
    with pytest.raises(NotFound):
        moderation.report_reason(db, reader, 999_999, "Rude.", arrange.NOW)
    with pytest.raises(NotFound):
        moderation.keep_reason(db, moderator, 999_999, arrange.NOW)
    report = moderation.report_reason(db, reader, position.id, "Rude.", arrange.NOW)
    with pytest.raises(FieldError, match="guideline"):
        moderation.hide_reason(
            db,
            moderator,
            report.id,
            "be-nice",
            KEYRING,
            settings,
            SMTPMailer(settings),
            arrange.NOW,
        )
    db.refresh(position)
    assert not position.is_hidden


@pytest.mark.usefixtures("context")
def test_hiding_stands_when_the_mail_to_the_author_fails(
    db: Session, closed_round, settings: Settings
) -> None:
    from tests.mailsink import free_port

    _facilitator, _author, reader, _proposal, position, _plain = closed_round
    report = moderation.report_reason(db, reader, position.id, "Rude.", arrange.NOW)
    down = settings.with_changes(smtp_port=free_port())
    moderation.hide_reason(
        db, _moderator(db), report.id, "address", KEYRING, down, SMTPMailer(down), arrange.NOW
    )
    db.refresh(position)
    assert position.is_hidden
