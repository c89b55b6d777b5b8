"""Rounds: opening one, taking a position, and closing at the deadline.

Times are the server's clock (UTC). A round closes at its deadline, either through
`stembus consensus-close-due` or lazily when its proposal page is opened; a facilitator may
close it early only once everyone has responded. Closing and taking a position both lock
the round's row (`SELECT … FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so a
position saved before the close is in its counts, and one that arrives after it is
refused: there is no instant at which a position is accepted but not counted.

Objections carry over: when the next round opens, every objection that stood at the close
of the previous one is copied into it as its author's position, until the author changes
it. The facilitator must first answer every standing objection in writing (the answer is
shown beside it). With anonymous positions nothing links a person across rounds, so an
objection does not follow its author: it is shown, with its answer, and the author raises
it again if it still stands (docs/consensus.md).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from typing import Final
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from audit.head import timestamp_of
from voting.accounts.models import Account
from voting.consensus import entries
from voting.consensus.anonymity import RoundKeys
from voting.consensus.entries import EntryType
from voting.consensus.models import (
    Answer,
    CloseReason,
    GroupMember,
    Position,
    PositionKind,
    Proposal,
    Report,
    Round,
    RoundParticipant,
)
from voting.consensus.proposals import (
    DECIDED,
    fallback_of,
    latest_version,
    open_round_of,
    unanswered_objections,
)
from voting.consensus.rules import MAX_REASON_LENGTH, POSITIONS, REASON_REQUIRED, tally_round
from voting.consensus.services import lock_proposal, require_facilitator, require_member
from voting.errors import Conflict, FieldError, Forbidden, NotFound, VotingError
from voting.events import record_event
from voting.keys import Keyring

MIN_PARTICIPANTS: Final = 2
MIN_ROUND_LENGTH: Final = dt.timedelta(hours=1)
MAX_ROUND_LENGTH: Final = dt.timedelta(days=90)


class RoundClosed(VotingError):
    """The round is closed (or past its deadline): nothing is accepted any more."""

    status = 409
    default_message = _l("This round is closed. Your position was not saved.")


def lock_round(session: Session, round_id: int) -> Round:
    """A round, row-locked until the transaction ends. Raises NotFound."""
    found = session.scalar(
        select(Round)
        .where(Round.id == round_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound
    return found


def check_deadline(deadline: dt.datetime, now: dt.datetime, field: str = "deadline") -> None:
    """A deadline at least an hour and at most 90 days away. Raises FieldError."""
    if deadline < now + MIN_ROUND_LENGTH:
        raise FieldError(field, _l("Choose a deadline at least one hour from now."))
    if deadline > now + MAX_ROUND_LENGTH:
        raise FieldError(field, _l("Choose a deadline within 90 days."))


def deadline_from_local(local: dt.datetime, timezone: str, field: str = "deadline") -> dt.datetime:
    """A wall-clock time in `timezone` as UTC; refuses times that do not exist or occur twice.

    On the night the clocks change, 02:30 in Amsterdam either does not exist (spring) or
    happens twice (autumn); a deadline must never be ambiguous (THREATS T20).

    Raises:
        FieldError: on `field`, naming the problem.
    """
    zone = ZoneInfo(timezone)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise FieldError(
            field,
            _l(
                "This time happens twice on this day because the clocks change. Choose another time."
            ),
        )
    if first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise FieldError(
            field,
            _l(
                "This time does not exist on this day because the clocks change. Choose another time."
            ),
        )
    return first.astimezone(dt.UTC)


def eligible_accounts(session: Session, group_id: int) -> list[Account]:
    """Members of the group who can take part now: active membership, usable account."""
    members = session.scalars(
        select(GroupMember).where(GroupMember.group_id == group_id).order_by(GroupMember.account_id)
    ).all()
    return [m.account for m in members if m.account.is_usable]


# ------------------------------------------------------------------ opening


def open_round(
    session: Session,
    actor: Account,
    proposal_id: int,
    deadline: dt.datetime,
    after_round: int,
    keyring: Keyring,
    round_keys: RoundKeys,
    now: dt.datetime,
) -> Round:
    """Open the next round on the newest version.

    `after_round` is the number of rounds the facilitator saw: a form sent twice opens
    one round, not two. Before round n+1, round n must have a summary and an answer to
    every objection that stood at its close, and must not have reached consensus.

    Raises:
        NotFound, Forbidden, FieldError ("deadline"), Conflict naming what is missing.
    """
    proposal = lock_proposal(session, proposal_id)
    require_facilitator(session, proposal.group, actor)
    if proposal.is_decided:
        raise Conflict(DECIDED)
    if len(proposal.rounds) != after_round or open_round_of(proposal) is not None:
        raise Conflict(_l("This round was already opened. Nothing has changed."))
    if fallback_of(session, proposal) is not None:
        raise Conflict(_l("The fallback vote has started. Nothing has changed."))
    previous = proposal.rounds[-1] if proposal.rounds else None
    if previous is not None:
        _check_ready_for_next(session, proposal, previous)
    check_deadline(deadline, now)
    participants = eligible_accounts(session, proposal.group_id)
    if len(participants) < MIN_PARTICIPANTS:
        raise Conflict(
            _l("A round needs at least two group members who can sign in. Nothing has changed.")
        )
    version = latest_version(proposal)
    opened = Round(
        number=len(proposal.rounds) + 1,
        version_id=version.id,
        opened_at=now,
        deadline=deadline,
        eligible=len(participants),
    )
    proposal.rounds.append(opened)
    session.flush()
    session.add_all(RoundParticipant(round_id=opened.id, account_id=a.id) for a in participants)
    if proposal.anonymous:
        round_keys.create(session, opened.id)
    carried = _carry_objections(session, previous, opened, {a.id for a in participants}, now)
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(
            EntryType.ROUND_OPENED,
            now,
            {
                "carried_objections": carried,
                "deadline": timestamp_of(deadline),
                "eligible": opened.eligible,
                "proposal": proposal.id,
                "round": opened.number,
                "version": version.number,
                "version_sha256": version.sha256,
            },
        ),
        now,
    )
    record_event(
        session,
        action="consensus.round-opened",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
        details={"round": opened.number},
    )
    session.commit()
    return opened


def _check_ready_for_next(session: Session, proposal: Proposal, previous: Round) -> None:
    if previous.consensus:
        raise Conflict(
            _l("The last round reached consensus. Close the proposal with an outcome statement.")
        )
    if len(proposal.rounds) >= proposal.max_rounds:
        raise Conflict(
            _l(
                "This proposal has had its %(count)d rounds. Start the fallback vote, or close the proposal.",
                count=proposal.max_rounds,
            )
        )
    if not previous.summary:
        raise Conflict(_l("Write the summary of round %(number)d first.", number=previous.number))
    if unanswered_objections(session, previous):
        raise Conflict(_l("Answer every objection that still stands before the next round opens."))


def _carry_objections(
    session: Session,
    previous: Round | None,
    opened: Round,
    participants: set[int],
    now: dt.datetime,
) -> int:
    if previous is None or opened.proposal.anonymous:
        return 0
    standing = session.scalars(
        select(Position).where(
            Position.round_id == previous.id, Position.kind == PositionKind.OBJECT
        )
    ).all()
    carried = 0
    for objection in standing:
        if objection.account_id not in participants:
            continue
        session.add(
            Position(
                round_id=opened.id,
                account_id=objection.account_id,
                kind=PositionKind.OBJECT,
                reason=objection.reason,
                revision=1,
                carried_from_id=objection.id,
                updated_at=now,
                hidden_at=objection.hidden_at,
                hidden_rule=objection.hidden_rule,
                hidden_by_id=objection.hidden_by_id,
            )
        )
        carried += 1
    return carried


# ------------------------------------------------------------------ positions


def submit_position(
    session: Session,
    actor: Account,
    proposal_id: int,
    round_id: int,
    kind: PositionKind | str,
    reason: str,
    revision: int,
    round_keys: RoundKeys,
    now: dt.datetime,
) -> Position:
    """Take or change a position in an open round.

    `revision` is the revision of the position the form was made from (0: none yet); a
    form sent twice, or from an older page, is refused and changes nothing.

    Raises:
        NotFound; Conflict (another proposal's round, stale form); Forbidden (not in the
        group, or joined after the round opened); RoundClosed; FieldError ("kind", "reason").
    """
    found = lock_round(session, round_id)
    if found.proposal_id != proposal_id:
        raise Conflict(
            _l(
                "This form belongs to another proposal. Nothing has changed: open the proposal again."
            )
        )
    proposal = found.proposal
    require_member(session, proposal.group, actor)
    if proposal.is_decided or not found.is_open or now >= found.deadline:
        raise RoundClosed
    if session.get(RoundParticipant, (found.id, actor.id)) is None:
        raise Forbidden(
            _l(
                "You joined the group after this round opened. You can take part from the next round."
            )
        )
    chosen = _check_position(proposal, kind, reason)
    existing = _own_position(session, found, actor, round_keys)
    current = existing.revision if existing is not None else 0
    if revision != current:
        raise Conflict(
            _l(
                "Your position changed after you opened this page (in another window, or the form was sent twice). Nothing has changed: look at it again."
            )
        )
    if existing is None:
        existing = Position(round_id=found.id, revision=0)
        if proposal.anonymous:
            existing.responder_tag = round_keys.tag(session, found.id, actor.id)
        else:
            existing.account_id = actor.id
        session.add(existing)
    if existing.reason != reason:
        existing.hidden_at = existing.hidden_rule = existing.hidden_by_id = None
    existing.kind, existing.reason = chosen, reason
    existing.revision += 1
    existing.updated_at = None if proposal.anonymous else now
    session.commit()
    return existing


def _check_position(proposal: Proposal, kind: PositionKind | str, reason: str) -> PositionKind:
    try:
        chosen = PositionKind(kind)
    except ValueError:
        chosen = None
    if chosen is None or chosen not in POSITIONS[proposal.rule]:
        raise FieldError("kind", _l("Choose one of the positions."))
    if chosen in REASON_REQUIRED and not reason:
        if chosen is PositionKind.NEED_INFORMATION:
            raise FieldError("reason", _l("Write your question for the facilitator."))
        raise FieldError("reason", _l("Give a reason for this position."))
    if len(reason) > MAX_REASON_LENGTH:
        raise FieldError("reason", _l("Use at most %(max)d characters.", max=MAX_REASON_LENGTH))
    return chosen


def _own_position(
    session: Session, found: Round, account: Account, round_keys: RoundKeys
) -> Position | None:
    if found.proposal.anonymous:
        if not found.is_open:
            return None
        tag = round_keys.tag(session, found.id, account.id)
        return session.scalar(
            select(Position).where(Position.round_id == found.id, Position.responder_tag == tag)
        )
    return session.scalar(
        select(Position).where(Position.round_id == found.id, Position.account_id == account.id)
    )


def own_position(
    session: Session, found: Round, account: Account, round_keys: RoundKeys
) -> Position | None:
    """The account's position in the round (None if none, or anonymous and closed)."""
    return _own_position(session, found, account, round_keys)


def responders(session: Session, found: Round, round_keys: RoundKeys) -> set[int] | None:
    """Accounts that took a position; None when nobody can know (anonymous, closed)."""
    if not found.proposal.anonymous:
        return set(
            session.scalars(
                select(Position.account_id).where(
                    Position.round_id == found.id, Position.account_id.is_not(None)
                )
            )
        )
    if not found.is_open:
        return None
    participants = participant_ids(session, found)
    tags = round_keys.tags(session, found.id, participants)
    stored = set(
        session.scalars(select(Position.responder_tag).where(Position.round_id == found.id))
    )
    return {account_id for account_id, tag in tags.items() if tag in stored}


def participant_ids(session: Session, found: Round) -> list[int]:
    """Accounts that may take a position in the round."""
    return list(
        session.scalars(
            select(RoundParticipant.account_id)
            .where(RoundParticipant.round_id == found.id)
            .order_by(RoundParticipant.account_id)
        )
    )


def positions_of(session: Session, found: Round) -> Sequence[Position]:
    """Every position in the round, in a stable order."""
    return session.scalars(
        select(Position).where(Position.round_id == found.id).order_by(Position.id)
    ).all()


# ------------------------------------------------------------------ closing


def close_round(
    session: Session,
    round_id: int,
    keyring: Keyring,
    round_keys: RoundKeys,
    now: dt.datetime,
    *,
    actor: Account | None = None,
) -> Round:
    """Close a round whose deadline has passed (no actor), or early by its facilitator once
    everyone has responded.

    Closing counts the positions, applies the rule, and for anonymous rounds deletes the
    round key, erases the tags and rewrites the rows in random order.

    Raises (facilitator only):
        NotFound, Forbidden, Conflict (already closed, or not everyone has responded).
    """
    found = lock_round(session, round_id)
    proposal = found.proposal
    if actor is not None:
        require_facilitator(session, proposal.group, actor)
        if not found.is_open:
            raise Conflict(_l("This round is already closed. Nothing has changed."))
        if now < found.deadline and len(positions_of(session, found)) < found.eligible:
            raise Conflict(
                _l(
                    "You can close a round before its deadline only when everyone has responded. Nothing has changed."
                )
            )
    elif not found.is_open or now < found.deadline:
        return found
    _close(session, found, keyring, round_keys, now, actor)
    return found


def _close(
    session: Session,
    found: Round,
    keyring: Keyring,
    round_keys: RoundKeys,
    now: dt.datetime,
    actor: Account | None,
) -> None:
    proposal = found.proposal
    early = now < found.deadline
    positions = positions_of(session, found)
    tally = tally_round(
        proposal.rule, [p.kind for p in positions], found.eligible, proposal.min_participation
    )
    found.closed_at = now if early else found.deadline
    found.close_reason = CloseReason.EVERYONE_RESPONDED if early else CloseReason.DEADLINE
    found.responded = tally.responded
    found.counts_json = json.dumps({str(k): n for k, n in tally.counts.items()}, sort_keys=True)
    found.consensus = tally.consensus
    if proposal.anonymous:
        _erase_links(session, found, positions)
        round_keys.forget(session, found.id)
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(
            EntryType.ROUND_CLOSED,
            found.closed_at,
            {
                "counts": {str(k): n for k, n in tally.counts.items()},
                "eligible": tally.eligible,
                "outcome": (
                    "advisory"
                    if tally.consensus is None
                    else ("consensus" if tally.consensus else "no-consensus")
                ),
                "participation_met": tally.participation_met,
                "proposal": proposal.id,
                "closing": str(found.close_reason),
                "responded": tally.responded,
                "round": found.number,
            },
        ),
        now,
    )
    record_event(
        session,
        action="consensus.round-closed",
        actor_id=actor.id if actor is not None else None,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
        details={"round": found.number, "reason": str(found.close_reason)},
    )
    session.commit()


def _erase_links(session: Session, found: Round, positions: Sequence[Position]) -> None:
    """Copy the anonymous positions without their tags, in random order, then delete the
    originals: neither the tag nor the order of insertion (ids, storage order) survives."""
    shuffled = list(positions)
    secrets.SystemRandom().shuffle(shuffled)
    moved: dict[int, Position] = {}
    for old in shuffled:
        copy = Position(
            round_id=found.id,
            kind=old.kind,
            reason=old.reason,
            revision=1,  # how often someone changed their mind is not kept either
            hidden_at=old.hidden_at,
            hidden_rule=old.hidden_rule,
            hidden_by_id=old.hidden_by_id,
        )
        session.add(copy)
        session.flush()
        moved[old.id] = copy
    for old_id, copy in moved.items():
        session.execute(
            update(Answer).where(Answer.position_id == old_id).values(position_id=copy.id)
        )
        session.execute(
            update(Report).where(Report.position_id == old_id).values(position_id=copy.id)
        )
    for old in positions:
        session.delete(old)
    session.flush()


def close_due(
    session: Session,
    keyring: Keyring,
    round_keys: RoundKeys,
    now: dt.datetime,
    proposal_id: int | None = None,
) -> list[int]:
    """Close every open round whose deadline has passed (of one proposal, or all); each in
    its own transaction. Returns the ids this call closed."""
    statement = select(Round.id).where(Round.closed_at.is_(None), Round.deadline <= now)
    if proposal_id is not None:
        statement = statement.where(Round.proposal_id == proposal_id)
    closed = []
    for round_id in session.scalars(statement.order_by(Round.id)).all():
        found = lock_round(session, round_id)
        if found.is_open:  # another process may have closed it since the query
            _close(session, found, keyring, round_keys, now, None)
            closed.append(round_id)
        session.commit()
    return closed
