"""The fallback vote: after the agreed number of rounds without consensus, a vote with the
stated supermajority.

An open fallback vote is by name: every group member who can take part when it opens gets
one vote (yes, no or abstain), which they may change until it closes; the names and
choices are published with the decision. The proposal is adopted when the yes votes are at
least the stated fraction of the votes cast (yes + no) and the group's minimum
participation is met (rules.tally_fallback).

A secret fallback vote must use the `ballots` encryption like any election: it would
create an election through the elections service (voting/elections, trustees, key
ceremony, decryption) for the group's members. That service cannot yet make an election
for a list of accounts, so `open_fallback` refuses the secret mode with a clear message and
the pages say it is not available yet (see `_secret_election`).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.head import timestamp_of
from voting.accounts.models import Account
from voting.consensus import entries
from voting.consensus.entries import EntryType
from voting.consensus.models import (
    FallbackChoice,
    FallbackMode,
    FallbackVote,
    FallbackVoter,
    Proposal,
)
from voting.consensus.proposals import (
    DECIDED,
    fallback_of,
    latest_version,
    open_round_of,
    unanswered_objections,
)
from voting.consensus.rounds import MIN_PARTICIPANTS, check_deadline, eligible_accounts
from voting.consensus.rules import tally_fallback
from voting.consensus.services import (
    SECRET_FALLBACK_UNAVAILABLE,
    lock_proposal,
    require_facilitator,
    require_member,
)
from voting.errors import Conflict, FieldError, Forbidden, NotFound, VotingError
from voting.events import record_event
from voting.keys import Keyring


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
    if proposal.fallback is FallbackMode.SECRET:
        _secret_election(session, proposal, voters, deadline, now)
    version = latest_version(proposal)
    vote = FallbackVote(
        proposal_id=proposal.id,
        version_id=version.id,
        mode=proposal.fallback,
        numerator=proposal.fallback_numerator,
        denominator=proposal.fallback_denominator,
        opened_at=now,
        deadline=deadline,
        eligible=len(voters),
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
    proposal: Proposal,
    voters: list[Account],
    deadline: dt.datetime,
    now: dt.datetime,
) -> None:
    """The hook for a secret fallback vote: an election for `voters` through the elections
    service, one question (the proposal) under the proposal's supermajority, closing at
    `deadline`; its id would be kept on the FallbackVote and its result read back when it
    is published. The elections service has no way yet to make an election for a list of
    accounts (its electorates are all members, a branch or the council), so this refuses.
    """
    raise Conflict(SECRET_FALLBACK_UNAVAILABLE)


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
    if not vote.is_open or now < vote.deadline:
        session.commit()  # releases the lock
        return False
    proposal = vote.proposal
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


def close_due_fallbacks(
    session: Session, keyring: Keyring, now: dt.datetime, proposal_id: int | None = None
) -> list[int]:
    """Count every open fallback vote whose deadline has passed; returns their proposals."""
    statement = select(FallbackVote.proposal_id).where(
        FallbackVote.closed_at.is_(None), FallbackVote.deadline <= now
    )
    if proposal_id is not None:
        statement = statement.where(FallbackVote.proposal_id == proposal_id)
    closed = []
    for found in session.scalars(statement.order_by(FallbackVote.id)).all():
        if close_fallback(session, found, keyring, now):
            closed.append(found)
    return closed
