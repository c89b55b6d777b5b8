"""A candidate election with a Q&A, built through the services, for the Q&A tests.

The election is a draft for the Utrecht branch (members of other branches are outside its
electorate), with one candidate election; the Q&A is open from `OPENS` to `CLOSES`, and
`NOW` lies in between.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tests import factories
from voting.accounts.models import Account, Role
from voting.config import Settings
from voting.elections import preparation
from voting.elections.models import Election, ElectorateKind, QuestionKind
from voting.elections.preparation import RuleChoice, RulePreset
from voting.keys import Keyring
from voting.mail import SMTPMailer
from voting.members.models import Branch
from voting.qa import candidates as candidacy
from voting.qa import moderation, questions
from voting.qa.models import QA, Candidate, QAAnswer, Question


def wall(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time, naive on purpose: the services read it in the meeting's zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC).replace(tzinfo=None)


SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
KEYRING = Keyring(SECRET_KEY)
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
OPENS_LOCAL = wall(2026, 11, 26, 14, 0)  # 13:00 UTC; wall clock in Amsterdam
CLOSES_LOCAL = wall(2026, 11, 30, 20, 0)  # 19:00 UTC
CLOSED = dt.datetime(2026, 11, 30, 19, 0, tzinfo=dt.UTC)
BEFORE = dt.datetime(2026, 11, 26, 12, 59, tzinfo=dt.UTC)
ELECTION_OPENS_LOCAL = wall(2026, 12, 1, 10, 0)
MEETING_LOCAL = wall(2026, 12, 12, 10, 0)


@dataclass
class Setup:
    """A Q&A with its people; `candidates` are admitted in name order."""

    election: Election
    qa: QA
    officer: Account
    moderator: Account
    second_moderator: Account
    members: list[Account]
    outsider: Account  # a member of another branch: not in the electorate
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def asker(self) -> Account:
        """The first member of the electorate."""
        return self.members[0]


def person(
    db: Session, name: str, *roles: Role, branch: str = "utrecht", totp: bool | None = None
) -> Account:
    """An account with a password (and a second factor for privileged roles, unless told)."""
    privileged = bool(set(roles) & {Role.MODERATOR, Role.OFFICER, Role.ADMIN, Role.TRUSTEE})
    return factories.account(
        db,
        factories.auth_config(),
        name=name,
        roles=roles,
        totp=privileged if totp is None else totp,
        branch_code=branch,
    )


def noon(moment: dt.datetime, days: int = 0) -> dt.datetime:
    """Noon in Amsterdam, `days` after the day of `moment`, as a wall-clock time (never in a
    DST gap)."""
    day = moment.astimezone(ZoneInfo("Europe/Amsterdam")).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(12, 0))


def election(
    db: Session,
    officer: Account,
    *,
    title: str = "Bestuursverkiezing",
    around: dt.datetime | None = None,
) -> Election:
    """A draft branch election with a candidate election (placeholder options); with
    `around`, voting opens five days after that moment instead of on 1 December 2026."""
    now = around or factories.NOW
    meeting = preparation.create_meeting(
        db,
        officer,
        title="ALV december",
        starts_local=noon(around, 15) if around else MEETING_LOCAL,
        timezone="Europe/Amsterdam",
        location="Utrecht",
        online=False,
        now=now,
    )
    utrecht = db.query(Branch).filter_by(code="utrecht").one()
    created = preparation.create_election(
        db,
        officer,
        meeting,
        title=title,
        opens_local=noon(around, 5) if around else ELECTION_OPENS_LOCAL,
        closes_local=noon(around, 8) if around else wall(2026, 12, 10, 19),
        electorate_kind=ElectorateKind.BRANCH,
        branch_id=utrecht.id,
        cutoff=now.date(),
        require_second_factor=False,
        now=now,
    )
    preparation.add_question(
        db,
        officer,
        created,
        kind=QuestionKind.APPROVAL,
        title="Bestuur",
        text="Kies twee bestuursleden.",
        rule=RuleChoice(RulePreset.APPROVAL),
        options=["Plaats 1", "Plaats 2"],
        seats=2,
        now=now,
    )
    return created


def set_up(
    db: Session,
    *,
    candidates: tuple[str, ...] = ("Anna de Vries", "Bram Bakker"),
    members: int = 3,
    max_pending: int = 3,
    max_questions: int = 10,
    continues_into_meeting: bool = False,
    around: dt.datetime | None = None,
) -> Setup:
    """The whole cast: officer, two moderators, members, an outsider, the candidates.

    The Q&A runs from `OPENS_LOCAL` to `CLOSES_LOCAL`; with `around` (the web tests pass the
    real clock, which the views use) from noon the day before to noon three days after.
    """
    officer = person(db, "Olga Officier", Role.OFFICER)
    moderator = person(db, "Mia Moderator", Role.MODERATOR)
    second = person(db, "Max Moderator", Role.MODERATOR)
    voters = [person(db, f"Lid {i}") for i in range(members)]
    outsider = person(db, "Gerrit Groningen", branch="groningen")
    found = election(db, officer, around=around)
    qa = candidacy.set_up(
        db,
        officer,
        found.id,
        candidacy.Period(
            noon(around, -1) if around else OPENS_LOCAL,
            noon(around, 3) if around else CLOSES_LOCAL,
            continues_into_meeting=continues_into_meeting,
            max_pending=max_pending,
            max_questions=max_questions,
        ),
        KEYRING,
        around or factories.NOW,
    )
    setup = Setup(found, qa, officer, moderator, second, voters, outsider)
    for name in candidates:
        setup.candidates.append(admit(db, setup, name, now=around or factories.NOW))
    return setup


def admit(
    db: Session,
    setup: Setup,
    name: str,
    *,
    display_name: str = "",
    now: dt.datetime = factories.NOW,
) -> Candidate:
    """Admit a new member of the branch as a candidate."""
    account = person(db, name)
    return candidacy.admit(
        db,
        setup.officer,
        setup.election.id,
        member_number=account.member.number,
        display_name=display_name,
        question_id=None,
        keyring=KEYRING,
        now=now,
    )


def ask(
    db: Session,
    setup: Setup,
    text: str = "Wat is uw plan voor de afdeling?",
    *,
    by: Account | None = None,
    to: Candidate | None = None,
    anonymous: bool = False,
    now: dt.datetime = NOW,
) -> Question:
    """A waiting question from a member (the first, unless `by`)."""
    return questions.ask(
        db,
        by or setup.asker,
        setup.election.id,
        candidate_id=to.id if to else None,
        text=text,
        anonymous=anonymous,
        keyring=KEYRING,
        now=now,
    )


def approved(
    db: Session, setup: Setup, settings: Settings, text: str = "Wat is uw plan?", **kwargs: object
) -> Question:
    """A published question."""
    question = ask(db, setup, text, **kwargs)  # type: ignore[arg-type]
    return moderation.approve(
        db, setup.moderator, question.id, KEYRING, settings, SMTPMailer(settings), NOW
    )


def answered(
    db: Session,
    setup: Setup,
    settings: Settings,
    question: Question,
    candidate: Candidate,
    text: str = "Meer groen.",
) -> QAAnswer:
    """A candidate's answer."""
    return questions.answer(
        db, candidate.account, question.id, text, KEYRING, settings, SMTPMailer(settings), NOW
    )
