"""What asks for the member's attention now, for the start page.

Open votes they may cast (and whether a ballot of theirs is in), votes that open soon,
consensus rounds and open fallback votes in their groups that still wait for them, the
candidate Q&As they may take part in, and for moderators the questions and reported
reasons waiting for a decision. Read-only: the start page changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account, Role
from voting.consensus import rounds
from voting.consensus.anonymity import RoundKeys
from voting.consensus.models import (
    FallbackMode,
    FallbackVote,
    FallbackVoter,
    GroupMember,
    Proposal,
    Round,
    RoundParticipant,
)
from voting.consensus.moderation import open_reports
from voting.elections.casting import my_ballots
from voting.elections.models import Election, ElectionState, Voter
from voting.qa.models import QA
from voting.qa.moderation import waiting_counts
from voting.qa.services import readable_qas


@dataclass(frozen=True, slots=True)
class OpenVote:
    """A vote the member may cast now; `voted_at` is when their counted ballot came in."""

    election: Election
    voted_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class WaitingRound:
    """An open round (or open fallback vote) of one of the member's groups without their answer."""

    proposal: Proposal
    deadline: dt.datetime
    fallback: bool


@dataclass(slots=True)
class Today:
    """Everything the start page lists, each oldest deadline first."""

    open_votes: list[OpenVote] = field(default_factory=list)
    upcoming_votes: list[Election] = field(default_factory=list)
    waiting_rounds: list[WaitingRound] = field(default_factory=list)
    open_qas: list[QA] = field(default_factory=list)
    moderation: list[tuple[QA, int]] = field(default_factory=list)
    consensus_reports: int = 0

    @property
    def is_quiet(self) -> bool:
        """True when nothing asks for the member now."""
        return not (
            self.open_votes
            or self.upcoming_votes
            or self.waiting_rounds
            or self.open_qas
            or self.moderation
            or self.consensus_reports
        )


def _votes(
    session: Session, secret_key: str, account: Account, now: dt.datetime, today: Today
) -> None:
    elections = session.scalars(
        select(Election)
        .join(Voter, Voter.election_id == Election.id)
        .where(
            Voter.member_id == account.member_id,
            Election.state == ElectionState.OPEN,  # the list of voters is frozen at opening
            Election.closes_at > now,
        )
        .order_by(Election.closes_at, Election.id)
    ).all()
    for election in elections:
        if election.opens_at <= now:
            counted = [
                b
                for b in my_ballots(session, secret_key, account, election)
                if b.superseded_by_index is None
            ]
            today.open_votes.append(OpenVote(election, counted[-1].cast_at if counted else None))
        else:
            today.upcoming_votes.append(election)


def _rounds(
    session: Session, round_keys: RoundKeys, account: Account, now: dt.datetime, today: Today
) -> None:
    # Only the round's participants (the group's members when it opened) may answer, and
    # only before its deadline (a round past it waits for `consensus-close-due`).
    open_rounds = session.scalars(
        select(Round)
        .join(RoundParticipant, RoundParticipant.round_id == Round.id)
        .where(
            RoundParticipant.account_id == account.id,
            Round.closed_at.is_(None),
            Round.deadline > now,
        )
        .order_by(Round.deadline, Round.id)
    ).all()
    for found in open_rounds:
        if rounds.own_position(session, found, account, round_keys) is None:
            today.waiting_rounds.append(WaitingRound(found.proposal, found.deadline, False))
    open_fallbacks = session.scalars(
        select(FallbackVote)
        .join(FallbackVoter, FallbackVoter.fallback_id == FallbackVote.id)
        .join(Proposal, Proposal.id == FallbackVote.proposal_id)
        .join(
            GroupMember,
            (GroupMember.group_id == Proposal.group_id) & (GroupMember.account_id == account.id),
        )
        .where(
            FallbackVoter.account_id == account.id,
            FallbackVoter.choice.is_(None),
            FallbackVote.closed_at.is_(None),
            FallbackVote.deadline > now,
            FallbackVote.mode == FallbackMode.OPEN,
        )
        .order_by(FallbackVote.deadline, FallbackVote.id)
    ).all()
    for vote in open_fallbacks:
        proposal = session.get(Proposal, vote.proposal_id)
        assert proposal is not None  # the foreign key guarantees it
        today.waiting_rounds.append(WaitingRound(proposal, vote.deadline, True))
    today.waiting_rounds.sort(key=lambda w: w.deadline)


def today_for(session: Session, secret_key: str, account: Account, now: dt.datetime) -> Today:
    """What asks for `account`'s attention at `now`."""
    today = Today()
    _votes(session, secret_key, account, now, today)
    _rounds(session, RoundKeys(secret_key), account, now, today)
    today.open_qas = [qa for qa in readable_qas(session, account) if qa.is_open(now)]
    today.open_qas.sort(key=lambda qa: qa.closes_at)
    if Role.MODERATOR in account.role_set():
        today.moderation = [(qa, n) for qa, n in waiting_counts(session, account) if n]
        today.consensus_reports = len(open_reports(session))
    return today
