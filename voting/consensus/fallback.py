"""The fallback vote: after the agreed number of rounds without consensus, a vote with the
stated supermajority.

An open fallback vote is by name: every group member who can take part when it opens gets
one vote (yes, no or abstain), which they may change until it closes; the names and
choices are published with the decision. The proposal is adopted when the yes votes are at
least the stated fraction of the votes cast (yes + no) and the group's minimum
participation is met (rules.tally_fallback).

A secret fallback vote uses the `ballots` encryption like any election: opening it makes an
election through the elections service for exactly the group's members (a listed
electorate), with one motion — the proposal's newest version — under the stated
supermajority and the group's minimum participation as quorum, closing at the deadline.
The Partijraad's trustees hold its key: the ceremony starts at once, an election officer
opens voting when it is complete, and the trustees decrypt after closing. When the result
is published, `close_fallback` reads the counts and the outcome from it. When the officers
cancel that election (a key ceremony that cannot finish, say), the fallback vote ends at once
without a result: the proposal is back where the last round left it, for the facilitator to
record the outcome (a proposal has one fallback vote; a new vote needs a new proposal).
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from audit.head import timestamp_of
from ballots import Outcome
from voting.accounts.models import Account
from voting.consensus import entries
from voting.consensus.entries import EntryType
from voting.consensus.models import (
    FallbackChoice,
    FallbackMode,
    FallbackVote,
    FallbackVoter,
    Proposal,
    ProposalVersion,
)
from voting.consensus.proposals import (
    DECIDED,
    fallback_of,
    latest_version,
    open_round_of,
    unanswered_objections,
)
from voting.consensus.rounds import MIN_PARTICIPANTS, check_deadline, eligible_accounts
from voting.consensus.rules import FallbackTally, tally_fallback
from voting.consensus.services import (
    lock_proposal,
    require_facilitator,
    require_member,
)
from voting.elections.ceremony import start_ceremony
from voting.elections.lifecycle import result_of
from voting.elections.models import Election, ElectionState, ElectorateKind, QuestionKind
from voting.elections.preparation import (
    RuleChoice,
    RulePreset,
    add_question,
    create_election,
    create_meeting,
    eligible_trustees,
    set_trustees,
)
from voting.errors import Conflict, FieldError, Forbidden, NotFound, VotingError
from voting.events import record_event
from voting.keys import Keyring

# The secret vote's times are kept in the Netherlands' zone; it opens shortly after it is
# made, as soon as the trustees' ceremony is complete and an officer opens it.
VOTE_ZONE: Final = "Europe/Amsterdam"
VOTE_OPENS_AFTER: Final = dt.timedelta(minutes=5)


class VoteClosed(VotingError):
    """The fallback vote is closed (or past its deadline)."""

    status = 409
    default_message = _l("The vote is closed. Your vote was not saved.")


def can_start_fallback(session: Session, proposal: Proposal) -> bool:
    """True when the rules allow the fallback vote now (all rounds held, no consensus)."""
    closed = [r for r in proposal.rounds if not r.is_open]
    return (
        not proposal.is_decided
        and proposal.fallback is not FallbackMode.NONE
        and open_round_of(proposal) is None
        and fallback_of(session, proposal) is None
        and len(closed) >= proposal.max_rounds
        and closed[-1].consensus is False
    )


def open_fallback(
    session: Session,
    actor: Account,
    proposal_id: int,
    deadline: dt.datetime,
    keyring: Keyring,
    now: dt.datetime,
) -> FallbackVote:
    """Start the fallback vote on the newest version.

    Raises:
        NotFound, Forbidden, FieldError ("deadline"), Conflict (not allowed by the rules yet,
        already started, objections unanswered, secret mode not available).
    """
    proposal = lock_proposal(session, proposal_id)
    require_facilitator(session, proposal.group, actor)
    if proposal.is_decided:
        raise Conflict(DECIDED)
    if proposal.fallback is FallbackMode.NONE:
        raise Conflict(_l("The rules of this proposal have no fallback vote."))
    if fallback_of(session, proposal) is not None:
        raise Conflict(_l("The fallback vote has already started. Nothing has changed."))
    if not can_start_fallback(session, proposal):
        raise Conflict(
            _l(
                "The fallback vote can start only after %(count)d rounds without consensus.",
                count=proposal.max_rounds,
            )
        )
    last = proposal.rounds[-1]
    if not last.summary:
        raise Conflict(_l("Write the summary of round %(number)d first.", number=last.number))
    if unanswered_objections(session, last):
        raise Conflict(_l("Answer every objection that still stands before the vote starts."))
    check_deadline(deadline, now)
    voters = eligible_accounts(session, proposal.group_id)
    if len(voters) < MIN_PARTICIPANTS:
        raise Conflict(
            _l("A vote needs at least two group members who can sign in. Nothing has changed.")
        )
    version = latest_version(proposal)
    election = (
        _secret_election(session, actor, proposal, version, voters, deadline, now)
        if proposal.fallback is FallbackMode.SECRET
        else None
    )
    vote = FallbackVote(
        proposal_id=proposal.id,
        version_id=version.id,
        mode=proposal.fallback,
        numerator=proposal.fallback_numerator,
        denominator=proposal.fallback_denominator,
        opened_at=now,
        deadline=deadline,
        eligible=len(voters),
        election_id=election.id if election is not None else None,
    )
    session.add(vote)
    session.flush()
    session.add_all(FallbackVoter(fallback_id=vote.id, account_id=a.id) for a in voters)
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(
            EntryType.FALLBACK_OPENED,
            now,
            {
                "deadline": timestamp_of(deadline),
                "denominator": vote.denominator,
                "eligible": vote.eligible,
                "mode": str(vote.mode),
                "numerator": vote.numerator,
                "proposal": proposal.id,
                "version": version.number,
                "version_sha256": version.sha256,
            },
        ),
        now,
    )
    record_event(
        session,
        action="consensus.fallback-opened",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
    )
    session.commit()
    return vote


def _secret_election(
    session: Session,
    actor: Account,
    proposal: Proposal,
    version: ProposalVersion,
    voters: list[Account],
    deadline: dt.datetime,
    now: dt.datetime,
) -> Election:
    """Make the election of a secret fallback vote and start its key ceremony.

    Raises:
        Conflict: the Partijraad has fewer than two trustees, or the times do not work.
    """
    trustees = eligible_trustees(session)
    if len(trustees) < 2:
        raise Conflict(
            _l("A secret vote needs at least two trustees of the Partijraad. Ask an administrator.")
        )
    zone = ZoneInfo(VOTE_ZONE)
    opens = (now + VOTE_OPENS_AFTER).astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    closes = deadline.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    group = proposal.group
    try:
        meeting = create_meeting(
            session,
            actor,
            title=f"{group.name}: {proposal.title}"[:200],
            starts_local=closes,
            timezone=VOTE_ZONE,
            location="",
            online=True,
            now=now,
        )
        election = create_election(
            session,
            actor,
            meeting,
            title=f"{proposal.title}"[:200],
            opens_local=opens,
            closes_local=closes,
            electorate_kind=ElectorateKind.LISTED,
            branch_id=None,
            cutoff=now.date(),
            require_second_factor=False,
            now=now,
            listed_members=[a.member_id for a in voters],
        )
        add_question(
            session,
            actor,
            election,
            kind=QuestionKind.MOTION,
            title=str(
                _l(
                    "Adopt version %(number)d of “%(title)s”?",
                    number=version.number,
                    title=proposal.title,
                )
            )[:200],
            text=version.body,
            rule=RuleChoice(
                RulePreset.SIMPLE,
                quorum_percent=proposal.min_participation or None,
                supermajority=(proposal.fallback_numerator, proposal.fallback_denominator),
            ),
            now=now,
        )
        set_trustees(
            session, actor, election, [t.id for t in trustees], len(trustees) // 2 + 1, now
        )
        start_ceremony(session, actor, election, now)
    except FieldError as error:
        raise Conflict(error.message) from error
    return election


def _close_from_election(vote: FallbackVote) -> FallbackTally | None:
    """The counts and outcome of a secret fallback vote, once its election is published."""
    election = vote.election
    if election is None or election.state is not ElectionState.PUBLISHED:
        return None
    result, outcomes = result_of(election)
    counts = dict(dict(result.counts)["q1"])
    outcome = outcomes[0]
    return FallbackTally(
        yes=counts["voor"],
        no=counts["tegen"],
        abstain=counts["onthouding"],
        eligible=vote.eligible,
        participation_met=outcome.outcome is not Outcome.NO_QUORUM,
        adopted=outcome.outcome is Outcome.ADOPTED,
    )


def lock_fallback(session: Session, proposal_id: int) -> FallbackVote:
    """The proposal's fallback vote, row-locked. Raises NotFound."""
    vote = session.scalar(
        select(FallbackVote)
        .where(FallbackVote.proposal_id == proposal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if vote is None:
        raise NotFound
    return vote


def cast_fallback(
    session: Session,
    actor: Account,
    proposal_id: int,
    choice: FallbackChoice | str,
    revision: int,
    now: dt.datetime,
) -> FallbackVoter:
    """Cast or change a vote in the open fallback vote.

    Raises:
        NotFound, Forbidden, VoteClosed, FieldError ("choice"), Conflict (stale form).
    """
    vote = lock_fallback(session, proposal_id)
    require_member(session, vote.proposal.group, actor)
    if vote.mode is FallbackMode.SECRET:
        raise Conflict(_l("This vote is secret: vote on its ballot page, under Votes."))
    if not vote.is_open or now >= vote.deadline:
        raise VoteClosed
    voter = session.get(FallbackVoter, (vote.id, actor.id))
    if voter is None:
        raise Forbidden(_l("You joined the group after the vote started. You cannot vote in it."))
    try:
        chosen = FallbackChoice(choice)
    except ValueError as error:
        raise FieldError("choice", _l("Choose yes, no or abstain.")) from error
    if revision != voter.revision:
        raise Conflict(
            _l(
                "Your vote changed after you opened this page (in another window, or the form was sent twice). Nothing has changed: look at it again."
            )
        )
    voter.choice, voter.cast_at = chosen, now
    voter.revision += 1
    session.commit()
    return voter


def close_fallback(session: Session, proposal_id: int, keyring: Keyring, now: dt.datetime) -> bool:
    """Count the fallback vote once its deadline has passed; True when this call counted it
    (False before the deadline, or when another process already did)."""
    vote = lock_fallback(session, proposal_id)
    cancelled = _cancelled_election(vote)
    if not vote.is_open or (now < vote.deadline and cancelled is None):
        session.commit()  # releases the lock
        return False
    proposal = vote.proposal
    if cancelled is not None:
        _end_without_result(session, keyring, vote, cancelled, now)
        return True
    if vote.mode is FallbackMode.SECRET:
        from_election = _close_from_election(vote)
        if from_election is None:  # counted at the meeting, not yet published
            session.commit()
            return False
        tally = from_election
    else:
        choices = session.scalars(
            select(FallbackVoter.choice).where(
                FallbackVoter.fallback_id == vote.id, FallbackVoter.choice.is_not(None)
            )
        ).all()
        tally = tally_fallback(
            [c for c in choices if c is not None],
            vote.eligible,
            vote.numerator,
            vote.denominator,
            proposal.min_participation,
        )
    vote.closed_at = vote.deadline
    vote.yes, vote.no, vote.abstain, vote.adopted = (
        tally.yes,
        tally.no,
        tally.abstain,
        tally.adopted,
    )
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(
            EntryType.FALLBACK_CLOSED,
            vote.deadline,
            {
                "abstain": tally.abstain,
                "adopted": tally.adopted,
                "eligible": tally.eligible,
                "no": tally.no,
                "participation_met": tally.participation_met,
                "proposal": proposal.id,
                "yes": tally.yes,
            },
        ),
        now,
    )
    record_event(
        session,
        action="consensus.fallback-closed",
        actor_id=None,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
        details={"adopted": tally.adopted},
    )
    session.commit()
    return True


def _cancelled_election(vote: FallbackVote) -> dt.datetime | None:
    """When the secret fallback vote's election was cancelled: the time, else None."""
    election = vote.election
    if election is None or election.state is not ElectionState.CANCELLED:
        return None
    return election.cancelled_at


def _end_without_result(
    session: Session, keyring: Keyring, vote: FallbackVote, at: dt.datetime, now: dt.datetime
) -> None:
    """Close a secret fallback vote whose election was cancelled: no counts, no outcome."""
    proposal = vote.proposal
    vote.closed_at = at
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(EntryType.FALLBACK_CANCELLED, at, {"proposal": proposal.id}),
        now,
    )
    record_event(
        session,
        action="consensus.fallback-cancelled",
        actor_id=None,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
    )
    session.commit()


def close_due_fallbacks(
    session: Session, keyring: Keyring, now: dt.datetime, proposal_id: int | None = None
) -> list[int]:
    """Count every open fallback vote whose deadline has passed, and end every one whose
    secret election was cancelled; returns their proposals."""
    cancelled = select(Election.id).where(Election.state == ElectionState.CANCELLED)
    statement = select(FallbackVote.proposal_id).where(
        FallbackVote.closed_at.is_(None),
        or_(FallbackVote.deadline <= now, FallbackVote.election_id.in_(cancelled)),
    )
    if proposal_id is not None:
        statement = statement.where(FallbackVote.proposal_id == proposal_id)
    closed = []
    for found in session.scalars(statement.order_by(FallbackVote.id)).all():
        if close_fallback(session, found, keyring, now):
            closed.append(found)
    return closed
