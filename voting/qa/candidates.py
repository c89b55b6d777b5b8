"""Setting up a Q&A, admitting candidates, their profiles and photos, and the ballot.

The election officer sets the Q&A's period and limits, and admits candidates by member
number to one of the election's candidate elections (approval questions). Each admitted
candidate gets the candidate role and edits their own profile: the name they wish to be
addressed by, pronouns, motivation, experience, links and a photo.

Names: a display name is NFC, holds no control or bidirectional characters
(`voting.names.clean_name`), and may not look like another candidate's name or another
member's name (UTS #39 skeletons, THREATS T34). A candidate may use their own registered
name even when another member has the same one (people share names); what is refused is a
name that only looks like someone's: a look-alike spelling, or another member's name.

While the election is a draft, `sync_ballot` makes the admitted candidates the options of
their candidate election (through `voting.elections.preparation`); afterwards it links
each candidate to the option that carries their name. Once the key ceremony has started,
a candidate's display name is fixed, because the ballot shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.head import timestamp_of
from voting.accounts.models import Account, Role, RoleGrant
from voting.accounts.services import ensure_account
from voting.elections import preparation
from voting.elections.models import Election, ElectionQuestion, ElectionState, QuestionKind
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.events import record_event
from voting.keys import Keyring
from voting.members.models import Member, MemberStatus
from voting.names import NameRefused, clean_name, skeleton
from voting.qa import entries
from voting.qa.entries import EntryType
from voting.qa.models import QA, Candidate
from voting.qa.services import (
    FORM_ERROR,
    MAX_DISPLAY_NAME,
    active_candidates,
    flush_or_conflict,
)

MEETING_GRACE = dt.timedelta(days=1)


def _require_officer(session: Session, actor: Account, election: Election) -> None:
    roles = actor.role_set()
    if not roles & {Role.OFFICER, Role.ADMIN}:
        raise Forbidden
    preparation.require_manager(actor, election)  # object scope: the vote's own officers
    mine = session.scalar(
        select(Candidate.id).where(
            Candidate.election_id == election.id,
            Candidate.account_id == actor.id,
            Candidate.withdrawn_at.is_(None),
        )
    )
    if mine is not None:
        raise Forbidden(
            _l("You are a candidate in this election; another officer manages its Q&A.")
        )


def election_for_officer(session: Session, actor: Account, election_id: int) -> Election:
    """An election whose Q&A the actor may manage.

    Raises:
        NotFound: no such election.
        Forbidden: not an officer who runs this vote (`preparation.may_manage`), or a
            candidate in this election.
    """
    election = session.get(Election, election_id)
    if election is None:
        raise NotFound
    _require_officer(session, actor, election)
    return election


def approval_questions(election: Election) -> list[ElectionQuestion]:
    """The election's candidate elections (approval questions)."""
    return [q for q in election.questions if q.kind is QuestionKind.APPROVAL]


# ------------------------------------------------------------------ setting up


@dataclass(frozen=True, slots=True)
class Period:
    """What the officer chose: wall-clock times in the meeting's zone, and the limits."""

    opens_local: dt.datetime
    closes_local: dt.datetime
    continues_into_meeting: bool = False
    max_pending: int = 3
    max_questions: int = 10


def set_up(
    session: Session,
    actor: Account,
    election_id: int,
    period: Period,
    keyring: Keyring,
    now: dt.datetime,
) -> QA:
    """Create or change the Q&A of a candidate election.

    Raises:
        NotFound, Forbidden (see `election_for_officer`).
        FieldError: no candidate election in the vote; a time that does not exist or
            happens twice (DST); closing before opening; closing after voting opens
            without continuing into the meeting, or more than a day after the meeting
            starts; limits out of range.
    """
    election = election_for_officer(session, actor, election_id)
    if not approval_questions(election):
        raise FieldError(
            FORM_ERROR,
            _l("This vote has no candidate election. Add one (kind: candidates) first."),
        )
    zone = election.meeting.timezone
    opens_at = preparation.to_utc(period.opens_local, zone, "opens_at")
    closes_at = preparation.to_utc(period.closes_local, zone, "closes_at")
    if closes_at <= opens_at:
        raise FieldError("closes_at", _l("The Q&A must close after it opens."))
    if not period.continues_into_meeting and closes_at > election.opens_at:
        raise FieldError(
            "closes_at",
            _l("The Q&A must close before voting opens, unless it continues into the meeting."),
        )
    if closes_at > election.meeting.starts_at + MEETING_GRACE:
        raise FieldError(
            "closes_at", _l("The Q&A must close at the latest one day after the meeting starts.")
        )
    if not 1 <= period.max_pending <= 20:
        raise FieldError("max_pending", _l("Choose a number from 1 to 20."))
    if not 1 <= period.max_questions <= 100:
        raise FieldError("max_questions", _l("Choose a number from 1 to 100."))
    found = session.scalar(select(QA).where(QA.election_id == election.id))
    if found is None:
        found = QA(election=election, created_by_id=actor.id, created_at=now)
        session.add(found)
    found.opens_at, found.closes_at = opens_at, closes_at
    found.continues_into_meeting = period.continues_into_meeting
    found.max_pending, found.max_questions = period.max_pending, period.max_questions
    found.updated_at = now
    session.flush()
    entries.append_signed(
        session,
        keyring,
        found.log_id,
        EntryType.SET_UP,
        now,
        {
            "election": election.slug,
            "opens": timestamp_of(opens_at),
            "closes": timestamp_of(closes_at),
            "continues_into_meeting": period.continues_into_meeting,
            "max_pending": period.max_pending,
            "max_questions": period.max_questions,
        },
    )
    record_event(
        session,
        action="qa.set-up",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
    )
    session.commit()
    return found


# ------------------------------------------------------------------ names


def checked_display_name(
    session: Session, election_id: int, raw: str, member: Member, candidate_id: int | None
) -> str:
    """The display name, cleaned, if it is safe to show (THREATS T34).

    Raises:
        FieldError: ("display_name") empty, too long, hidden characters, or it looks like
            another candidate's name, another member's name, or is a look-alike spelling
            of the candidate's own name.
    """
    try:
        name = clean_name(raw)
    except NameRefused as refused:
        raise FieldError("display_name", refused.message) from refused
    if len(name) > MAX_DISPLAY_NAME:
        raise FieldError(
            "display_name", _l("Use at most %(max)d characters.", max=MAX_DISPLAY_NAME)
        )
    shape = skeleton(name)
    rivals = session.scalars(
        select(Candidate).where(
            Candidate.election_id == election_id,
            Candidate.withdrawn_at.is_(None),
            Candidate.name_skeleton == shape,
        )
    ).all()
    if any(c.id != candidate_id for c in rivals):
        raise FieldError(
            "display_name",
            _l(
                "This name looks like the name of another candidate. Choose a name that is clearly different."
            ),
        )
    if name == member.name:
        return name  # their own registered name: homonyms exist and are not an impersonation
    look_alikes = session.scalars(
        select(Member).where(Member.name_skeleton == shape, Member.status == MemberStatus.ACTIVE)
    ).all()
    for other in look_alikes:
        if other.id == member.id:
            raise FieldError(
                "display_name",
                _l(
                    "This name looks like your own name but is written with other characters. Type it with ordinary letters."
                ),
            )
        raise FieldError(
            "display_name",
            _l(
                "This name looks like the name of another member. Choose a name that is clearly yours."
            ),
        )
    return name


# ------------------------------------------------------------------ admitting


def _ensure_candidate_role(
    session: Session, actor: Account, account: Account, now: dt.datetime
) -> None:
    held = session.scalar(
        select(RoleGrant).where(
            RoleGrant.account_id == account.id, RoleGrant.role == Role.CANDIDATE
        )
    )
    if held is not None:
        return
    session.add(
        RoleGrant(account=account, role=Role.CANDIDATE, granted_by_id=actor.id, granted_at=now)
    )
    record_event(
        session,
        action="role.granted",
        actor_id=actor.id,
        now=now,
        subject=f"account:{account.id}",
        details={"role": Role.CANDIDATE.value, "branch": None},
    )


def admit(
    session: Session,
    actor: Account,
    election_id: int,
    *,
    member_number: str,
    display_name: str,
    question_id: int | None,
    keyring: Keyring,
    now: dt.datetime,
) -> Candidate:
    """Admit a member as a candidate in one of the election's candidate elections.

    The member gets an account if they have none (the officer then invites them) and the
    candidate role. A withdrawn candidate can be admitted again.

    Raises:
        NotFound, Forbidden (see `election_for_officer`); NotFound also when the election
            has no Q&A yet.
        FieldError: ("member_number") unknown or not a current member, already a
            candidate; ("question") no such candidate election; ("display_name") see
            `checked_display_name`.
    """
    election = election_for_officer(session, actor, election_id)
    qa = session.scalar(select(QA).where(QA.election_id == election.id))
    if qa is None:
        raise NotFound
    member = session.scalar(select(Member).where(Member.number == member_number.strip()))
    if member is None:
        raise FieldError("member_number", _l("There is no member with this number."))
    if not member.is_active:
        raise FieldError("member_number", _l("This person is not a current member."))
    choices = approval_questions(election)
    if question_id is None and len(choices) == 1:
        question_id = choices[0].id
    question = next((q for q in choices if q.id == question_id), None)
    if question is None:
        raise FieldError("question", _l("Choose the candidate election they stand in."))
    account = ensure_account(session, member, now)
    existing = session.scalar(
        select(Candidate).where(
            Candidate.election_id == election.id, Candidate.account_id == account.id
        )
    )
    if existing is not None and existing.is_active:
        raise FieldError(
            "member_number", _l("This member is a candidate in this election already.")
        )
    name = checked_display_name(
        session,
        election.id,
        display_name or member.name,
        member,
        existing.id if existing is not None else None,
    )
    if existing is None:
        candidate = Candidate(
            election=election,
            account=account,
            admitted_at=now,
            display_name=name,
            name_skeleton=skeleton(name),
        )
        session.add(candidate)
    else:
        candidate = existing
        candidate.display_name, candidate.name_skeleton = name, skeleton(name)
        candidate.withdrawn_at = None
    candidate.question_id = question.id
    candidate.admitted_at, candidate.admitted_by_id = now, actor.id
    _ensure_candidate_role(session, actor, account, now)
    flush_or_conflict(session, _l("This member is a candidate in this election already."))
    entries.append_signed(
        session,
        keyring,
        qa.log_id,
        EntryType.CANDIDATE_ADMITTED,
        now,
        {"candidate": candidate.id, "question": question.qid},
    )
    record_event(
        session,
        action="qa.candidate-admitted",
        actor_id=actor.id,
        now=now,
        subject=f"account:{account.id}",
        details={"election": election.id, "candidate": candidate.id},
    )
    session.commit()
    return candidate


def withdraw(
    session: Session, actor: Account, candidate_id: int, keyring: Keyring, now: dt.datetime
) -> Candidate:
    """Withdraw a candidate; the candidate role goes when they stand nowhere else.

    Their answers stay in the archive, marked as from a withdrawn candidate.

    Raises:
        NotFound, Forbidden (see `election_for_officer`); Conflict: already withdrawn.
    """
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound
    election = election_for_officer(session, actor, candidate.election_id)
    if not candidate.is_active:
        raise Conflict(_l("This candidate has withdrawn already."))
    candidate.withdrawn_at = now
    others = session.scalar(
        select(Candidate.id).where(
            Candidate.account_id == candidate.account_id,
            Candidate.id != candidate.id,
            Candidate.withdrawn_at.is_(None),
        )
    )
    if others is None:
        for grant in list(candidate.account.roles):
            if grant.role is Role.CANDIDATE:
                candidate.account.roles.remove(grant)
                record_event(
                    session,
                    action="role.revoked",
                    actor_id=actor.id,
                    now=now,
                    subject=f"account:{candidate.account_id}",
                    details={"role": Role.CANDIDATE.value, "branch": None},
                )
    qa = session.scalar(select(QA).where(QA.election_id == election.id))
    if qa is not None:
        entries.append_signed(
            session,
            keyring,
            qa.log_id,
            EntryType.CANDIDATE_WITHDRAWN,
            now,
            {"candidate": candidate.id},
        )
    record_event(
        session,
        action="qa.candidate-withdrawn",
        actor_id=actor.id,
        now=now,
        subject=f"account:{candidate.account_id}",
        details={"election": election.id, "candidate": candidate.id},
    )
    session.commit()
    return candidate


# ------------------------------------------------------------------ the ballot


@dataclass(frozen=True, slots=True)
class BallotSync:
    """What `sync_ballot` did: options written (drafts), candidates linked, names not found."""

    replaced: int
    linked: int
    unmatched: tuple[str, ...]


def sync_ballot(session: Session, actor: Account, election_id: int, now: dt.datetime) -> BallotSync:
    """Make the admitted candidates the options of their candidate elections (drafts), or
    link each candidate to the option that carries their name (once the vote is fixed).

    Raises:
        NotFound, Forbidden (see `election_for_officer`).
        FieldError: (from `preparation.replace_candidate_options`) fewer than two
            candidates, or more seats than candidates.
    """
    election = election_for_officer(session, actor, election_id)
    candidates = active_candidates(session, election.id)
    replaced = linked = 0
    unmatched: list[str] = []
    for question in approval_questions(election):
        standing = [c for c in candidates if c.question_id == question.id]
        if not standing:
            continue
        if election.state is ElectionState.DRAFT:
            for candidate in standing:
                candidate.option_id = None
            session.flush()
            options = preparation.replace_candidate_options(
                session, actor, election, question, [c.display_name for c in standing], now
            )
            replaced += 1
        else:
            options = list(question.options)
        by_label = {option.label: option for option in options}
        for candidate in standing:
            option = by_label.get(candidate.display_name)
            if option is None:
                unmatched.append(candidate.display_name)
                continue
            candidate.option_id = option.id
            linked += 1
    record_event(
        session,
        action="qa.ballot-synced",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
        details={"replaced": replaced, "linked": linked, "unmatched": len(unmatched)},
    )
    session.commit()
    return BallotSync(replaced, linked, tuple(unmatched))
