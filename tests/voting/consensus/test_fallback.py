"""The fallback vote after the agreed number of rounds: when it may start, open votes by name,
the stated supermajority, and the secret mode, which is an election of the group."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.voting.consensus import arrange
from tests.voting.consensus.arrange import KEYRING, WEEK
from tests.voting.web import sign_in
from voting.consensus import fallback, proposals
from voting.consensus.fallback import VoteClosed
from voting.consensus.models import (
    FallbackChoice,
    FallbackMode,
    FallbackVote,
    FallbackVoter,
    Outcome,
    PositionKind,
    Proposal,
)
from voting.consensus.record import decision_record
from voting.errors import Conflict, FieldError, Forbidden, NotFound

YES, NO, ABSTAIN = FallbackChoice.YES, FallbackChoice.NO, FallbackChoice.ABSTAIN


def _blocked(db: Session, *, members: int = 3, **changes: object):  # type: ignore[no-untyped-def]
    """A proposal whose only round closed with a standing, answered objection."""
    facilitator, *others = arrange.people(db, members + 1)
    found = arrange.group(db, facilitator, others, max_rounds=1, **changes)
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    arrange.take(db, others[0], first, PositionKind.OBJECT, "Too expensive.")
    for person in (facilitator, *others[1:]):
        arrange.take(db, person, first, PositionKind.AGREE)
    closed = arrange.close(db, first)
    arrange.answer_all(db, facilitator, closed, arrange.after(closed))
    return facilitator, others, proposal, arrange.after(closed)


def _start(db: Session, facilitator, proposal: Proposal, now: dt.datetime) -> FallbackVote:  # type: ignore[no-untyped-def]
    return fallback.open_fallback(db, facilitator, proposal.id, now + WEEK, KEYRING, now)


def _vote(
    db: Session, account, proposal: Proposal, choice: FallbackChoice, now: dt.datetime
) -> None:  # type: ignore[no-untyped-def]
    voter = db.scalar(
        select(FallbackVoter)
        .join(FallbackVote)
        .where(FallbackVote.proposal_id == proposal.id, FallbackVoter.account_id == account.id)
    )
    assert voter is not None
    fallback.cast_fallback(db, account, proposal.id, choice, voter.revision, now)


def test_fallback_waits_for_the_agreed_number_of_rounds(db: Session) -> None:
    facilitator, a, b = arrange.people(db, 3)
    found = arrange.group(db, facilitator, [a, b], max_rounds=2)
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    arrange.take(db, a, first, PositionKind.OBJECT, "No.")
    closed = arrange.close(db, first)
    arrange.answer_all(db, facilitator, closed, arrange.after(closed))
    with pytest.raises(Conflict, match="only after 2 rounds"):
        _start(db, facilitator, proposal, arrange.after(closed))
    assert db.scalar(select(FallbackVote)) is None


def test_no_fallback_when_the_rules_have_none(db: Session) -> None:
    facilitator, _others, proposal, later = _blocked(db, fallback=FallbackMode.NONE)
    with pytest.raises(Conflict, match="no fallback vote"):
        _start(db, facilitator, proposal, later)
    decided = proposals.decide(db, facilitator, proposal.id, "Not adopted.", KEYRING, later)
    assert decided.outcome is Outcome.NO_CONSENSUS


def test_fallback_adopted_with_exactly_the_supermajority_of_votes_cast(db: Session) -> None:
    facilitator, (a, b, c), proposal, later = _blocked(db)
    vote = _start(db, facilitator, proposal, later)
    assert (vote.mode, vote.numerator, vote.denominator, vote.eligible) == (
        FallbackMode.OPEN,
        2,
        3,
        4,
    )
    _vote(db, facilitator, proposal, YES, later)
    _vote(db, b, proposal, YES, later)
    _vote(db, a, proposal, NO, later)
    _vote(db, c, proposal, ABSTAIN, later)  # abstains: not a vote cast
    with pytest.raises(Conflict, match="still open"):
        proposals.decide(db, facilitator, proposal.id, "Too early.", KEYRING, later)
    assert fallback.close_due_fallbacks(db, KEYRING, vote.deadline - dt.timedelta(seconds=1)) == []
    assert fallback.close_due_fallbacks(db, KEYRING, vote.deadline) == [proposal.id]
    db.refresh(vote)
    assert (vote.yes, vote.no, vote.abstain, vote.adopted) == (2, 1, 1, True)
    decided = proposals.decide(
        db, facilitator, proposal.id, "Adopted by vote.", KEYRING, vote.deadline
    )
    assert decided.outcome is Outcome.ADOPTED_BY_VOTE
    record = decision_record(db, a, proposal.id)
    assert (a.member.name, "no") in record.fallback_voters
    assert (c.member.name, "abstain") in record.fallback_voters


def test_fallback_below_the_supermajority_is_rejected(db: Session) -> None:
    facilitator, (a, b, c), proposal, later = _blocked(
        db, fallback_numerator=3, fallback_denominator=4
    )
    vote = _start(db, facilitator, proposal, later)
    for person, choice in ((facilitator, YES), (b, YES), (c, NO), (a, NO)):
        _vote(db, person, proposal, choice, later)
    fallback.close_due_fallbacks(db, KEYRING, vote.deadline)
    db.refresh(vote)
    assert (vote.yes, vote.no, vote.adopted) == (2, 2, False)
    decided = proposals.decide(db, facilitator, proposal.id, "Not adopted.", KEYRING, vote.deadline)
    assert decided.outcome is Outcome.REJECTED_BY_VOTE


def test_a_vote_may_change_until_the_close_and_is_refused_after(db: Session) -> None:
    facilitator, (a, _b, _c), proposal, later = _blocked(db)
    vote = _start(db, facilitator, proposal, later)
    _vote(db, a, proposal, NO, later)
    _vote(db, a, proposal, YES, later)
    with pytest.raises(Conflict, match="sent twice"):  # the page from before the change
        fallback.cast_fallback(db, a, proposal.id, NO, 1, later)
    with pytest.raises(VoteClosed):
        _vote(db, a, proposal, NO, vote.deadline)
    voter = db.get(FallbackVoter, (vote.id, a.id))
    assert voter is not None
    assert (voter.choice, voter.revision) == (YES, 2)


def test_only_group_members_from_the_start_vote_and_only_yes_no_or_abstain(db: Session) -> None:
    facilitator, (a, _b, _c), proposal, later = _blocked(db)
    (outsider,) = arrange.people(db, 1, prefix="Outsider")
    _start(db, facilitator, proposal, later)
    with pytest.raises(Forbidden):
        fallback.cast_fallback(db, outsider, proposal.id, YES, 0, later)
    with pytest.raises(FieldError, match="yes, no or abstain"):
        fallback.cast_fallback(db, a, proposal.id, "maybe", 0, later)


def test_no_round_or_revision_once_the_fallback_has_started(db: Session) -> None:
    facilitator, _others, proposal, later = _blocked(db)
    _start(db, facilitator, proposal, later)
    with pytest.raises(Conflict, match="already started"):
        _start(db, facilitator, proposal, later)
    with pytest.raises(Conflict, match="fallback vote has started"):
        proposals.revise_proposal(
            db, facilitator, proposal.id, proposals.ProposalText("T", "New"), 1, KEYRING, later
        )


def test_secret_fallback_is_an_election_of_the_group_counted_by_the_trustees(db: Session) -> None:
    """The secret fallback vote uses the ballots encryption like any election: a listed
    electorate of exactly the group, the stated supermajority, the Partijraad's trustees."""
    from ballots import decrypt_share
    from tests import factories
    from voting.accounts.models import Role
    from voting.elections import lifecycle
    from voting.elections.casting import cast_ballot
    from voting.elections.manifests import rule_of
    from voting.elections.models import ElectionState, ElectorateKind
    from voting.elections.simulation import run_trustees_in_process

    for _ in range(3):
        factories.account(db, factories.auth_config(), roles=(Role.TRUSTEE,))
    facilitator, others, proposal, later = _blocked(db, members=4, fallback=FallbackMode.SECRET)
    vote = _start(db, facilitator, proposal, later)
    election = vote.election
    assert election is not None
    assert election.electorate_kind is ElectorateKind.LISTED
    assert election.state is ElectionState.CEREMONY
    rule = rule_of(election.questions[0])
    assert (rule.threshold.numerator, rule.threshold.denominator) == (
        proposal.fallback_numerator,
        proposal.fallback_denominator,
    )
    with pytest.raises(Conflict, match="secret"):
        _vote(db, others[0], proposal, YES, later)

    secrets_held = run_trustees_in_process(db, election, later)
    lifecycle.open_voting(db, KEYRING, arrange.SECRET, facilitator, election, later)
    members = [facilitator, *others]
    assert {m.id for m in lifecycle.electorate(db, election)} == {m.member_id for m in members}
    during = election.opens_at + dt.timedelta(seconds=1)
    for person, choice in zip(
        members, (["voor"], ["voor"], ["voor"], ["voor"], ["tegen"]), strict=True
    ):
        cast_ballot(
            db,
            KEYRING,
            arrange.SECRET,
            person,
            election.id,
            {"q1": choice},
            during,
            second_factor_done=False,
        )
    tally = lifecycle.close_voting(db, KEYRING, None, election.id, vote.deadline)
    assert (
        fallback.close_fallback(db, proposal.id, KEYRING, vote.deadline) is False
    )  # not counted yet
    doc = lifecycle.document(election)
    for trustee in election.trustees[:2]:
        share = decrypt_share(doc, tally, secrets_held[trustee.index])
        lifecycle.receive_share(db, KEYRING, trustee, share.to_json(), vote.deadline)
    lifecycle.decrypt(db, facilitator, election.id, vote.deadline)
    lifecycle.publish(db, KEYRING, facilitator, election.id, vote.deadline)
    assert fallback.close_fallback(db, proposal.id, KEYRING, vote.deadline) is True
    db.refresh(vote)
    assert (vote.yes, vote.no, vote.abstain) == (4, 1, 0)
    assert vote.adopted is (4 * proposal.fallback_denominator >= proposal.fallback_numerator * 5)


def test_secret_fallback_needs_two_trustees(db: Session) -> None:
    facilitator, _others, proposal, later = _blocked(db, fallback=FallbackMode.SECRET)
    with pytest.raises(Conflict, match="trustees"):
        _start(db, facilitator, proposal, later)
    assert db.scalar(select(FallbackVote)) is None


def test_fallback_waits_for_answers_to_standing_objections(db: Session) -> None:
    facilitator, others = arrange.people(db, 1)[0], arrange.people(db, 2, prefix="M")
    found = arrange.group(db, facilitator, others, max_rounds=1)
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    arrange.take(db, others[0], first, PositionKind.OBJECT, "No.")
    closed = arrange.close(db, first)
    later = arrange.after(closed)
    proposals.write_summary(db, facilitator, closed.id, "Blocked.", KEYRING, later)
    with pytest.raises(Conflict, match="Answer every objection"):
        _start(db, facilitator, proposal, later)
    with pytest.raises(Conflict, match="Answer every objection"):
        proposals.decide(db, facilitator, proposal.id, "Closed.", KEYRING, later)


def test_vote_without_a_fallback_or_before_its_summary_is_refused(db: Session) -> None:
    facilitator, (a, _b, _c), proposal, later = _blocked(db)
    with pytest.raises(NotFound):
        fallback.cast_fallback(db, a, proposal.id, YES, 0, later)
    first = proposal.rounds[-1]
    first.summary = None
    db.commit()
    with pytest.raises(Conflict, match="summary of round 1"):
        _start(db, facilitator, proposal, later)


def test_member_added_after_the_vote_started_cannot_vote_and_counting_waits(db: Session) -> None:
    facilitator, _others, proposal, later = _blocked(db)
    vote = _start(db, facilitator, proposal, later)
    (late,) = arrange.people(db, 1, prefix="Late")
    from voting.consensus import services

    services.add_members(
        db, arrange.officer(db), proposal.group_id, late.member.number, False, later
    )
    with pytest.raises(Forbidden, match="after the vote started"):
        fallback.cast_fallback(db, late, proposal.id, YES, 0, later)
    assert fallback.close_fallback(db, proposal.id, KEYRING, vote.deadline - WEEK) is False
    assert fallback.close_fallback(db, proposal.id, KEYRING, vote.deadline) is True
    assert fallback.close_fallback(db, proposal.id, KEYRING, vote.deadline) is False
    decided = proposals.decide(db, facilitator, proposal.id, "Closed.", KEYRING, vote.deadline)
    assert decided.outcome is Outcome.REJECTED_BY_VOTE  # nobody voted
    with pytest.raises(Conflict, match="closed"):
        _start(db, facilitator, proposal, vote.deadline)


def test_a_secret_fallback_whose_election_is_cancelled_ends_without_a_result(
    app: Flask, db: Session
) -> None:
    """The officers cancel the secret vote's election (its ceremony could not finish): the
    fallback vote ends at the next run, before its deadline, with no counts; the group's log
    says so, and the proposal is back where its last round left it."""
    from tests import factories
    from voting.accounts.models import Role
    from voting.auditlog import AuditLogEntry
    from voting.consensus.entries import EntryType
    from voting.elections.cancellation import cancel_election
    from voting.elections.models import ElectionState

    for _ in range(3):
        factories.account(db, factories.auth_config(), roles=(Role.TRUSTEE,))
    officer = factories.account(db, factories.auth_config(), roles=(Role.OFFICER,))
    facilitator, _others, proposal, later = _blocked(db, members=4, fallback=FallbackMode.SECRET)
    vote = _start(db, facilitator, proposal, later)
    assert vote.election is not None
    assert fallback.close_due_fallbacks(db, KEYRING, later) == []  # nothing is due yet
    cancel_election(
        db,
        KEYRING,
        arrange.SECRET,
        officer,
        vote.election.id,
        "Te weinig sleutelbeheerders.",
        later,
    )
    assert vote.election.state is ElectionState.CANCELLED
    assert later < vote.deadline
    assert fallback.close_due_fallbacks(db, KEYRING, later) == [proposal.id]
    db.refresh(vote)
    assert not vote.is_open
    assert (vote.yes, vote.no, vote.abstain, vote.adopted) == (None, None, None, None)
    last = db.scalars(
        select(AuditLogEntry.entry)
        .where(AuditLogEntry.log_id == proposal.group.log_id)
        .order_by(AuditLogEntry.index.desc())
    ).first()
    assert last is not None
    assert json.loads(bytes(last))["type"] == EntryType.FALLBACK_CANCELLED
    assert proposals.outcome_of(db, proposal) is Outcome.NO_CONSENSUS
    assert decision_record(db, facilitator, proposal.id).fallback is vote
    client = app.test_client()
    sign_in(client, facilitator.member.email, factories.PASSWORD)
    for path in (
        f"/consensus/proposals/{proposal.id}",
        f"/consensus/proposals/{proposal.id}/record",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "The secret vote was cancelled, so the fallback vote has no result" in page
        assert "Te weinig sleutelbeheerders." in page
    assert fallback.close_due_fallbacks(db, KEYRING, later) == []  # once
