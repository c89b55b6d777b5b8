"""Objects for the route-by-role policy table (tests/voting/test_authorization.py).

A Utrecht branch election with a Q&A that is open now (the views use the real clock). The
table's subject is a candidate; when the role is "candidate", the signed-in actor is
admitted too, so that the candidate routes (profile, questions for me, answering) are
theirs. Every role but "other_branch" (a member in Groningen) is in the electorate. A
third member asked a question to all candidates (published, answered by the subject and
reported), one that waits, and one that was rejected and appealed; another moderator
decided on those, so the table's moderator may decide on the appeal.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy.orm import Session

from tests.voting.qa.arrange import KEYRING, person
from voting.accounts.models import Account, Role
from voting.db import utcnow
from voting.elections import preparation
from voting.elections.models import ElectorateKind, QuestionKind
from voting.elections.preparation import RuleChoice, RulePreset
from voting.mail import SMTPMailer
from voting.members.models import Branch
from voting.qa import candidates as candidacy
from voting.qa import moderation, questions
from voting.qa.models import Candidate
from voting.runtime import current_settings

ZONE = ZoneInfo("Europe/Amsterdam")


def _noon(moment: dt.datetime) -> dt.datetime:
    """Noon on that day, as a wall-clock time in Amsterdam (never in a DST gap)."""
    return dt.datetime.combine(moment.astimezone(ZONE).date(), dt.time(12, 0))


def _admit(
    db: Session, officer: Account, election_id: int, account: Account, now: dt.datetime
) -> Candidate:
    return candidacy.admit(
        db,
        officer,
        election_id,
        member_number=account.member.number,
        display_name="",
        question_id=None,
        keyring=KEYRING,
        now=now,
    )


def qa_args(
    app: Flask, db: Session, subject: Account, actor: Account | None, role: str
) -> dict[str, object]:
    """Ids for the Q&A routes' paths."""
    with app.test_request_context():  # mail is rendered in a language
        return _arrange(db, subject, actor, role)


def _arrange(db: Session, subject: Account, actor: Account | None, role: str) -> dict[str, object]:
    now = utcnow()
    settings = current_settings()
    mailer = SMTPMailer(settings)
    # They act through the services only: no second factor needed.
    officer = person(db, "Policy Officer", Role.OFFICER, totp=False)
    moderator = person(db, "Policy Moderator", Role.MODERATOR, totp=False)
    asker = person(db, "Policy Asker")
    meeting = preparation.create_meeting(
        db,
        officer,
        title="Policy ALV",
        starts_local=_noon(now + dt.timedelta(days=20)),
        timezone="Europe/Amsterdam",
        location="Utrecht",
        online=False,
        now=now,
    )
    utrecht = db.query(Branch).filter_by(code="utrecht").one()
    election = preparation.create_election(
        db,
        officer,
        meeting,
        title="Policy election",
        opens_local=_noon(now + dt.timedelta(days=10)),
        closes_local=_noon(now + dt.timedelta(days=15)),
        electorate_kind=ElectorateKind.BRANCH,
        branch_id=utrecht.id,
        cutoff=now.date(),
        require_second_factor=False,
        now=now,
    )
    preparation.add_question(
        db,
        officer,
        election,
        kind=QuestionKind.APPROVAL,
        title="Bestuur",
        text="",
        rule=RuleChoice(RulePreset.APPROVAL),
        options=["A", "B"],
        seats=1,
        now=now,
    )
    candidacy.set_up(
        db,
        officer,
        election.id,
        candidacy.Period(_noon(now - dt.timedelta(days=1)), _noon(now + dt.timedelta(days=5))),
        KEYRING,
        now,
    )
    standing = _admit(db, officer, election.id, subject, now)
    own = (
        _admit(db, officer, election.id, actor, now) if role == "candidate" and actor else standing
    )
    published = questions.ask(
        db,
        asker,
        election.id,
        candidate_id=None,
        text="Wat gaat u doen?",
        anonymous=False,
        keyring=KEYRING,
        now=now,
    )
    moderation.approve(db, moderator, published.id, KEYRING, settings, mailer, now)
    answer = questions.answer(db, subject, published.id, "Veel.", KEYRING, settings, mailer, now)
    report = questions.report(db, asker, published.id, None, "Dit is niet netjes.", now)
    pending = questions.ask(
        db,
        asker,
        election.id,
        candidate_id=None,
        text="Nog een vraag?",
        anonymous=True,
        keyring=KEYRING,
        now=now,
    )
    rejected = questions.ask(
        db,
        asker,
        election.id,
        candidate_id=None,
        text="Een derde vraag.",
        anonymous=False,
        keyring=KEYRING,
        now=now,
    )
    moderation.reject(
        db, moderator, rejected.id, "with-people", "Over personen.", KEYRING, settings, mailer, now
    )
    appeal = moderation.appeal(db, asker, rejected.id, "Het gaat over beleid.", KEYRING, now)
    return {
        "election_id": election.id,
        "question_id": published.id,
        "pending_id": pending.id,
        "answer_id": answer.id,
        "candidate_id": standing.id,
        "own_candidate_id": own.id,
        "appeal_id": appeal.id,
        "qa_report_id": report.id,
    }
