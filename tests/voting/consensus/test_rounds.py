"""Rounds through the services: positions, closing, carried-over objections, answers before the
next round, minimum participation, and every bad input refused with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.voting.consensus import arrange
from tests.voting.consensus.arrange import KEYRING, NOW, ROUND_KEYS, WEEK
from voting.consensus import proposals, rounds
from voting.consensus.models import (
    CloseReason,
    DecisionRule,
    Outcome,
    Position,
    PositionKind,
    Round,
)
from voting.consensus.rounds import RoundClosed
from voting.errors import Conflict, FieldError, Forbidden, NotFound

AGREE, CONCERNS, ASIDE, OBJECT, ASK = (
    PositionKind.AGREE,
    PositionKind.CONCERNS,
    PositionKind.STAND_ASIDE,
    PositionKind.OBJECT,
    PositionKind.NEED_INFORMATION,
)


def _positions(db: Session, found: Round) -> int:
    return (
        db.scalar(select(func.count()).select_from(Position).where(Position.round_id == found.id))
        or 0
    )


@pytest.fixture
def board(db: Session):  # type: ignore[no-untyped-def]
    """A facilitator and three members in a consensus group (50 % participation, 3 rounds)."""
    facilitator, *members = arrange.people(db, 4)
    found = arrange.group(db, facilitator, members)
    return facilitator, members, found


def test_round_without_objection_and_enough_participation_reaches_consensus(
    db: Session, board
) -> None:
    facilitator, (a, b, c), found = board
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    arrange.take(db, a, first, AGREE)
    arrange.take(db, b, first, CONCERNS, "Mind the cost.")
    arrange.take(db, c, first, ASIDE)
    closed = arrange.close(db, first)
    assert closed.consensus is True
    assert closed.counts == {
        "agree": 1,
        "concerns": 1,
        "stand-aside": 1,
        "object": 0,
        "need-information": 0,
    }
    assert (closed.responded, closed.eligible) == (3, 4)
    assert closed.close_reason is CloseReason.DEADLINE
    assert closed.closed_at == first.deadline
    decided = proposals.decide(
        db, facilitator, proposal.id, "Adopted.", KEYRING, arrange.after(closed)
    )
    assert decided.outcome is Outcome.CONSENSUS


def test_consent_template_refuses_stand_aside(db: Session) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member], rule=DecisionRule.CONSENT)
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    with pytest.raises(FieldError, match="Choose one of the positions") as refused:
        arrange.take(db, member, first, ASIDE)
    assert refused.value.field == "kind"
    assert _positions(db, first) == 0


def test_sense_check_closes_as_advisory_whatever_the_positions(db: Session) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member], rule=DecisionRule.SENSE_CHECK)
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    arrange.take(db, member, first, OBJECT, "I disagree.")
    closed = arrange.close(db, first)
    assert closed.consensus is None
    assert proposals.unanswered_objections(db, closed) == []  # a disagreement is not a block
    decided = proposals.decide(
        db, facilitator, proposal.id, "Noted.", KEYRING, arrange.after(closed)
    )
    assert decided.outcome is Outcome.ADVISORY


def test_too_few_positions_means_no_consensus(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    arrange.take(db, a, first, AGREE)
    closed = arrange.close(db, first)  # 1 of 4 took part; 50 % needed
    assert closed.consensus is False
    assert closed.responded == 1


def test_position_can_be_changed_until_the_round_closes(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    arrange.take(db, a, first, OBJECT, "Too expensive.")
    changed = arrange.take(db, a, first, AGREE)
    assert (changed.kind, changed.reason, changed.revision) == (AGREE, "", 2)
    assert _positions(db, first) == 1


def test_objection_carries_over_until_its_author_withdraws_it(db: Session, board) -> None:
    facilitator, (a, b, c), found = board
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    objection = arrange.take(db, a, first, OBJECT, "Too expensive.")
    arrange.take(db, b, first, AGREE)
    arrange.take(db, c, first, AGREE)
    closed = arrange.close(db, first)
    assert closed.consensus is False
    arrange.answer_all(db, facilitator, closed, arrange.after(closed))

    second = arrange.open_next(db, facilitator, proposal, now=arrange.after(closed))
    carried = rounds.own_position(db, second, a, ROUND_KEYS)
    assert carried is not None
    assert (carried.kind, carried.reason, carried.carried_from_id) == (
        OBJECT,
        "Too expensive.",
        objection.id,
    )
    assert rounds.own_position(db, second, b, ROUND_KEYS) is None  # agreement does not carry
    # b and c agree again; a does nothing: the objection still stands at the close.
    arrange.take(db, b, second, AGREE, now=arrange.after(closed))
    arrange.take(db, c, second, AGREE, now=arrange.after(closed))
    assert arrange.close(db, second).consensus is False
    arrange.answer_all(db, facilitator, second, arrange.after(second))

    third = arrange.open_next(db, facilitator, proposal, now=arrange.after(second))
    for person in (a, b, c):  # a withdraws by choosing another position
        arrange.take(db, person, third, AGREE, now=arrange.after(second))
    assert arrange.close(db, third).consensus is True


def test_next_round_waits_for_an_answer_to_every_standing_objection(db: Session, board) -> None:
    facilitator, (a, b, _c), found = board
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    objection = arrange.take(db, a, first, OBJECT, "Too expensive.")
    arrange.take(db, b, first, OBJECT, "Wrong colour.")
    closed = arrange.close(db, first)
    later = arrange.after(closed)
    proposals.write_summary(db, facilitator, closed.id, "Two objections.", KEYRING, later)
    proposals.answer_position(db, facilitator, objection.id, "Cheaper banner.", KEYRING, later)
    with pytest.raises(Conflict, match="Answer every objection"):
        arrange.open_next(db, facilitator, proposal, now=later)
    assert len(db.scalars(select(Round).where(Round.proposal_id == proposal.id)).all()) == 1
    arrange.answer_all(db, facilitator, closed, later)
    assert arrange.open_next(db, facilitator, proposal, now=later).number == 2


def test_next_round_waits_for_the_summary(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    arrange.take(db, a, first, AGREE)
    closed = arrange.close(db, first)
    with pytest.raises(Conflict, match="summary of round 1"):
        arrange.open_next(db, facilitator, proposal, now=arrange.after(closed))


def test_an_answer_to_an_older_reason_does_not_count(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal, now=NOW)
    arrange.take(db, a, first, OBJECT, "Too expensive.")
    closed = arrange.close(db, first)
    arrange.answer_all(db, facilitator, closed, arrange.after(closed))
    second = arrange.open_next(db, facilitator, proposal, now=arrange.after(closed))
    carried = rounds.own_position(db, second, a, ROUND_KEYS)
    assert carried is not None
    # The carried objection is a new position of the new round: it needs a new answer.
    arrange.close(db, second)
    assert [p.id for p in proposals.unanswered_objections(db, second)] == [carried.id]


def test_no_round_after_consensus_and_none_beyond_the_agreed_number(db: Session) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member], max_rounds=1)
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    arrange.take(db, member, first, OBJECT, "No.")
    closed = arrange.close(db, first)
    arrange.answer_all(db, facilitator, closed, arrange.after(closed))
    with pytest.raises(Conflict, match="has had its 1 rounds"):
        arrange.open_next(db, facilitator, proposal, now=arrange.after(closed))

    other = arrange.proposal(db, facilitator, found, title="Another")
    first = arrange.open_next(db, facilitator, other)
    arrange.take(db, member, first, AGREE)
    agreed = arrange.close(db, first)
    with pytest.raises(Conflict, match="reached consensus"):
        arrange.open_next(db, facilitator, other, now=arrange.after(agreed))


def test_closed_round_accepts_no_position(db: Session, board) -> None:
    facilitator, (a, b, _c), found = board
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    arrange.take(db, a, first, AGREE)
    arrange.close(db, first)
    with pytest.raises(RoundClosed):
        rounds.submit_position(
            db, b, first.proposal_id, first.id, AGREE, "", 0, ROUND_KEYS, first.deadline
        )
    with pytest.raises(RoundClosed):  # changing one's position is refused too
        arrange.take(db, a, first, OBJECT, "Late.", now=first.deadline - dt.timedelta(seconds=1))
    assert _positions(db, first) == 1


def test_position_at_the_deadline_is_refused_even_before_the_round_is_closed(
    db: Session, board
) -> None:
    facilitator, (a, b, _c), found = board
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    arrange.take(db, a, first, AGREE, now=first.deadline - dt.timedelta(seconds=1))
    with pytest.raises(RoundClosed):
        arrange.take(db, b, first, AGREE, now=first.deadline)
    assert first.is_open
    assert _positions(db, first) == 1


def test_position_for_a_round_of_another_proposal_is_refused(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    one = arrange.proposal(db, facilitator, found)
    other = arrange.proposal(db, facilitator, found, title="Other")
    round_one = arrange.open_next(db, facilitator, one)
    arrange.open_next(db, facilitator, other)
    with pytest.raises(Conflict, match="another proposal"):
        rounds.submit_position(db, a, other.id, round_one.id, AGREE, "", 0, ROUND_KEYS, NOW)
    with pytest.raises(NotFound):
        rounds.submit_position(db, a, one.id, 999_999, AGREE, "", 0, ROUND_KEYS, NOW)
    assert _positions(db, round_one) == 0


def test_position_for_an_earlier_closed_round_is_refused(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    arrange.take(db, a, first, AGREE)
    closed = arrange.close(db, first)
    arrange.answer_all(db, facilitator, closed, arrange.after(closed))
    arrange.open_next(db, facilitator, proposal, now=arrange.after(closed))
    with pytest.raises(RoundClosed):
        rounds.submit_position(
            db, a, proposal.id, first.id, OBJECT, "Old page.", 1, ROUND_KEYS, arrange.after(closed)
        )


@pytest.mark.parametrize("kind", [CONCERNS, OBJECT, ASK])
def test_concerns_objections_and_questions_need_a_reason(
    db: Session, board, kind: PositionKind
) -> None:
    facilitator, (a, _b, _c), found = board
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    with pytest.raises(FieldError) as refused:
        arrange.take(db, a, first, kind, "")
    assert refused.value.field == "reason"
    assert _positions(db, first) == 0


def test_oversized_reason_is_refused_and_nothing_is_stored(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    with pytest.raises(FieldError, match="at most 2000") as refused:
        arrange.take(db, a, first, OBJECT, "x" * 2001)
    assert refused.value.field == "reason"
    arrange.take(db, a, first, OBJECT, "x" * 2000)  # the limit itself is allowed
    assert _positions(db, first) == 1


def test_unknown_position_kind_is_refused(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    with pytest.raises(FieldError, match="Choose one of the positions"):
        rounds.submit_position(db, a, first.proposal_id, first.id, "veto", "", 0, ROUND_KEYS, NOW)


def test_double_submission_is_refused_and_changes_nothing(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    rounds.submit_position(db, a, first.proposal_id, first.id, OBJECT, "First.", 0, ROUND_KEYS, NOW)
    with pytest.raises(Conflict, match="sent twice"):
        rounds.submit_position(db, a, first.proposal_id, first.id, AGREE, "", 0, ROUND_KEYS, NOW)
    mine = rounds.own_position(db, first, a, ROUND_KEYS)
    assert mine is not None
    assert (mine.kind, mine.reason, mine.revision) == (OBJECT, "First.", 1)


def test_only_group_members_take_part(db: Session, board) -> None:
    facilitator, _members, found = board
    (outsider,) = arrange.people(db, 1, prefix="Outsider")
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    with pytest.raises(Forbidden):
        arrange.take(db, outsider, first, AGREE)
    assert _positions(db, first) == 0


def test_member_added_during_a_round_takes_part_from_the_next(db: Session, board) -> None:
    facilitator, _members, found = board
    (late,) = arrange.people(db, 1, prefix="Late")
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    from voting.consensus import services

    services.add_members(db, arrange.officer(db), found.id, late.member.number, False, NOW)
    with pytest.raises(Forbidden, match="next round"):
        arrange.take(db, late, first, AGREE)
    assert first.eligible == 4


def test_facilitator_closes_early_only_when_everyone_has_responded(db: Session, board) -> None:
    facilitator, (a, b, c), found = board
    first = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    for person in (facilitator, a, b):
        arrange.take(db, person, first, AGREE)
    with pytest.raises(Conflict, match="everyone has responded"):
        rounds.close_round(db, first.id, KEYRING, ROUND_KEYS, NOW, actor=facilitator)
    with pytest.raises(Forbidden):
        rounds.close_round(db, first.id, KEYRING, ROUND_KEYS, NOW, actor=a)
    arrange.take(db, c, first, AGREE)
    later = NOW + dt.timedelta(hours=2)
    closed = rounds.close_round(db, first.id, KEYRING, ROUND_KEYS, later, actor=facilitator)
    assert (closed.closed_at, closed.close_reason) == (later, CloseReason.EVERYONE_RESPONDED)
    assert closed.consensus is True
    with pytest.raises(Conflict, match="already closed"):
        rounds.close_round(db, first.id, KEYRING, ROUND_KEYS, later, actor=facilitator)


def test_close_due_closes_only_rounds_past_their_deadline(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    early = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
    late = rounds.open_round(
        db,
        facilitator,
        arrange.proposal(db, facilitator, found, title="Later").id,
        NOW + 2 * WEEK,
        0,
        KEYRING,
        ROUND_KEYS,
        NOW,
    )
    arrange.take(db, a, early, AGREE)
    assert rounds.close_due(db, KEYRING, ROUND_KEYS, early.deadline - dt.timedelta(seconds=1)) == []
    assert rounds.close_due(db, KEYRING, ROUND_KEYS, early.deadline) == [early.id]
    assert rounds.close_due(db, KEYRING, ROUND_KEYS, early.deadline) == []  # idempotent
    assert late.is_open
    # AGREE deadline close without an actor before the deadline changes nothing either.
    assert rounds.close_round(db, late.id, KEYRING, ROUND_KEYS, NOW).is_open


def test_deadline_must_be_an_hour_to_ninety_days_away(db: Session, board) -> None:
    facilitator, _members, found = board
    proposal = arrange.proposal(db, facilitator, found)
    for deadline in (NOW + dt.timedelta(minutes=59), NOW + dt.timedelta(days=91)):
        with pytest.raises(FieldError) as refused:
            rounds.open_round(db, facilitator, proposal.id, deadline, 0, KEYRING, ROUND_KEYS, NOW)
        assert refused.value.field == "deadline"
    assert db.scalars(select(Round).where(Round.proposal_id == proposal.id)).all() == []


def test_opening_twice_from_the_same_page_opens_one_round(db: Session, board) -> None:
    facilitator, _members, found = board
    proposal = arrange.proposal(db, facilitator, found)
    rounds.open_round(db, facilitator, proposal.id, NOW + WEEK, 0, KEYRING, ROUND_KEYS, NOW)
    with pytest.raises(Conflict, match="already opened"):
        rounds.open_round(db, facilitator, proposal.id, NOW + WEEK, 0, KEYRING, ROUND_KEYS, NOW)
    assert len(db.scalars(select(Round).where(Round.proposal_id == proposal.id)).all()) == 1


def test_only_facilitators_open_rounds_revise_answer_and_decide(db: Session, board) -> None:
    facilitator, (a, _b, _c), found = board
    proposal = arrange.proposal(db, facilitator, found)
    with pytest.raises(Forbidden):
        rounds.open_round(db, a, proposal.id, NOW + WEEK, 0, KEYRING, ROUND_KEYS, NOW)
    with pytest.raises(Forbidden):
        proposals.revise_proposal(
            db, a, proposal.id, proposals.ProposalText("T", "B"), 1, KEYRING, NOW
        )
    with pytest.raises(Forbidden):
        proposals.decide(db, a, proposal.id, "Mine.", KEYRING, NOW)
    with pytest.raises(Forbidden):
        proposals.start_proposal(
            db, a, found.id, proposals.ProposalText("T", "B"), DecisionRule.CONSENT, 7, KEYRING, NOW
        )


def test_round_needs_two_members_who_can_sign_in(db: Session) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member])
    member.password_hash = None  # invited, never signed in
    db.commit()
    with pytest.raises(Conflict, match="at least two"):
        arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, found))
