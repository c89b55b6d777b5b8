"""Setting groups up and writing proposals: every setting out of range, every text too long
or empty, and every step at the wrong moment is refused by name, and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.voting.consensus import arrange
from tests.voting.consensus.arrange import KEYRING, NOW, WEEK
from voting.consensus import proposals, rounds, services
from voting.consensus.models import (
    DecisionGroup,
    DecisionRule,
    FallbackMode,
    GroupMember,
    Outcome,
    PositionKind,
    Proposal,
    ProposalVersion,
)
from voting.consensus.proposals import ProposalText
from voting.errors import Conflict, FieldError, Forbidden, NotFound


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"description": "x" * 4001}, "description"),
        ({"min_participation": 101}, "min_participation"),
        ({"min_participation": -1}, "min_participation"),
        ({"max_rounds": 0}, "max_rounds"),
        ({"max_rounds": 11}, "max_rounds"),
        ({"fallback_numerator": 1, "fallback_denominator": 2}, "threshold"),
        ({"fallback_numerator": 3, "fallback_denominator": 3}, "threshold"),
        ({"fallback_numerator": 0, "fallback_denominator": 0}, "threshold"),
        ({"anonymous": True, "live_positions": True}, "live_positions"),
    ],
)
def test_group_settings_out_of_range_are_refused_by_field(
    db: Session, changes: dict[str, object], field: str
) -> None:
    facilitator, member = arrange.people(db, 2)
    with pytest.raises(FieldError) as refused:
        arrange.group(db, facilitator, [member], **changes)
    assert refused.value.field == field
    assert _count(db, DecisionGroup) == 0


def test_group_needs_a_facilitator_and_known_active_members(db: Session) -> None:
    officer = arrange.officer(db)
    (member,) = arrange.people(db, 1)
    with pytest.raises(FieldError, match="at least one facilitator"):
        services.create_group(
            db, officer, arrange.settings(), member.member.number, "", KEYRING, NOW
        )
    with pytest.raises(FieldError, match="no-such-number") as refused:
        services.create_group(
            db, officer, arrange.settings(), "no-such-number", member.member.number, KEYRING, NOW
        )
    assert refused.value.field == "members"
    with pytest.raises(FieldError, match="at most 500"):
        services.create_group(
            db,
            officer,
            arrange.settings(),
            " ".join(["1"] * 501),
            member.member.number,
            KEYRING,
            NOW,
        )
    assert _count(db, DecisionGroup) == 0


def test_officer_changes_the_rules_for_new_proposals_only(db: Session) -> None:
    officer = arrange.officer(db)
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member], by=officer)
    before = arrange.proposal(db, facilitator, found)
    services.update_group(
        db,
        officer,
        found.id,
        arrange.settings(name="Renamed", max_rounds=5, min_participation=80),
        NOW,
    )
    after = arrange.proposal(db, facilitator, found, title="After")
    assert (before.max_rounds, before.min_participation) == (3, 50)
    assert (after.max_rounds, after.min_participation) == (5, 80)
    assert found.name == "Renamed"
    with pytest.raises(Forbidden):  # a facilitator is not an officer
        services.update_group(db, facilitator, found.id, arrange.settings(), NOW)
    with pytest.raises(NotFound):
        services.update_group(db, officer, 999_999, arrange.settings(), NOW)


def test_branch_officer_manages_only_groups_of_their_branch(db: Session) -> None:
    utrecht_officer = arrange.officer(db, branch="utrecht")
    national = arrange.officer(db)
    facilitator, member = arrange.people(db, 2)
    national_group = arrange.group(db, facilitator, [member], by=national)
    assert not services.is_manager(utrecht_officer, national_group)
    with pytest.raises(Forbidden):
        services.add_members(
            db, utrecht_officer, national_group.id, member.member.number, False, NOW
        )
    with pytest.raises(FieldError, match="your own branches"):
        arrange.group(db, facilitator, [member], by=utrecht_officer, branch_id=None)
    assert services.managed_groups(db, utrecht_officer) == []
    assert services.managed_groups(db, national) == [national_group]


def test_adding_members_again_makes_them_facilitators_without_duplicates(db: Session) -> None:
    officer = arrange.officer(db)
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member], by=officer)
    assert services.add_members(db, officer, found.id, member.member.number, True, NOW) == 0
    assert _count(db, GroupMember) == 2
    assert services.membership(db, found, member).is_facilitator  # type: ignore[union-attr]
    with pytest.raises(FieldError, match="at least one member number"):
        services.add_members(db, officer, found.id, " ,; ", False, NOW)
    with pytest.raises(NotFound):
        services.change_member(
            db, officer, found.id, 999_999, remove=True, facilitator=False, now=NOW
        )


def test_unknown_group_proposal_and_round_are_not_found(db: Session) -> None:
    (account,) = arrange.people(db, 1)
    with pytest.raises(NotFound):
        services.group_for_viewer(db, account, 999_999)
    with pytest.raises(NotFound):
        services.proposal_for_member(db, account, 999_999)
    with pytest.raises(NotFound):
        services.round_for_facilitator(db, account, 999_999)
    with pytest.raises(NotFound):
        proposals.answerable_position(db, account, 999_999)
    with pytest.raises(NotFound):
        proposals.write_summary(db, account, 999_999, "Text.", KEYRING, NOW)
    with pytest.raises(NotFound):
        rounds.open_round(db, account, 999_999, NOW + WEEK, 0, KEYRING, arrange.ROUND_KEYS, NOW)


# ------------------------------------------------------------------ proposal text


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (ProposalText("", "Body"), "title"),
        (ProposalText("x" * 201, "Body"), "title"),
        (ProposalText("Title", ""), "body"),
        (ProposalText("Title", "x" * 20_001), "body"),
        (ProposalText("Title", "Body", change_note="x" * 4001), "change_note"),
        (ProposalText("Title", "Body", links="\n".join(["https://e.org"] * 21)), "links"),
        (ProposalText("Title", "Body", links="ftp://e.org/file"), "links"),
        (ProposalText("Title", "Body", links="https://"), "links"),
        (ProposalText("Title", "Body", links="x" * 201 + " https://e.org"), "links"),
        (ProposalText("Title", "Body", links="https://e.org/" + "a" * 500), "links"),
    ],
)
def test_proposal_text_is_checked_field_by_field(
    db: Session, text: ProposalText, field: str
) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member])
    with pytest.raises(FieldError) as refused:
        proposals.start_proposal(
            db, facilitator, found.id, text, DecisionRule.CONSENSUS, 7, KEYRING, NOW
        )
    assert refused.value.field == field
    assert _count(db, Proposal) == 0


def test_links_keep_their_labels_and_round_days_are_bounded(db: Session) -> None:
    assert proposals.parse_links("Budget 2027 https://e.org/b.pdf\n\nhttps://e.org/x") == [
        {"label": "Budget 2027", "url": "https://e.org/b.pdf"},
        {"label": "https://e.org/x", "url": "https://e.org/x"},
    ]
    assert proposals.links_text(proposals.parse_links("Plan https://e.org/p https://e.org/q")) == (
        "Plan https://e.org/p https://e.org/q"
    )
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member])
    for days in (0, 61):
        with pytest.raises(FieldError) as refused:
            proposals.start_proposal(
                db,
                facilitator,
                found.id,
                ProposalText("T", "B"),
                DecisionRule.CONSENT,
                days,
                KEYRING,
                NOW,
            )
        assert refused.value.field == "round_days"


def test_sense_check_proposal_has_no_fallback(db: Session) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member], fallback=FallbackMode.SECRET)
    check = arrange.proposal(db, facilitator, found, rule=DecisionRule.SENSE_CHECK)
    assert check.fallback is FallbackMode.NONE
    secret = arrange.proposal(db, facilitator, found, title="Secret")
    assert secret.fallback is FallbackMode.SECRET


def test_revision_must_change_something_and_waits_for_the_round_to_close(db: Session) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member])
    proposal = arrange.proposal(db, facilitator, found)
    current = proposal.versions[-1]
    with pytest.raises(FieldError, match="same as the current version"):
        proposals.revise_proposal(
            db, facilitator, proposal.id, ProposalText(current.title, current.body), 1, KEYRING, NOW
        )
    arrange.open_next(db, facilitator, proposal)
    with pytest.raises(Conflict, match="A round is open"):
        proposals.revise_proposal(
            db, facilitator, proposal.id, ProposalText("T", "New body"), 1, KEYRING, NOW
        )
    assert _count(db, ProposalVersion) == 1


# ------------------------------------------------------------------ answers, summaries, deciding


@pytest.fixture
def closed_with_objection(db: Session):  # type: ignore[no-untyped-def]
    facilitator, member, other = arrange.people(db, 3)
    found = arrange.group(db, facilitator, [member, other])
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    objection = arrange.take(db, member, first, PositionKind.OBJECT, "No.")
    agreement = arrange.take(db, other, first, PositionKind.AGREE)
    arrange.close(db, first)
    return facilitator, member, proposal, first, objection, agreement


def test_answers_are_for_objections_concerns_and_questions_of_the_latest_round(
    db: Session, closed_with_objection
) -> None:
    facilitator, member, proposal, first, objection, agreement = closed_with_objection
    later = arrange.after(first)
    with pytest.raises(Conflict, match="Only objections, concerns and questions"):
        proposals.answer_position(db, facilitator, agreement.id, "Thanks.", KEYRING, later)
    with pytest.raises(FieldError, match="Write your answer"):
        proposals.answer_position(db, facilitator, objection.id, "", KEYRING, later)
    with pytest.raises(FieldError, match="at most 4000"):
        proposals.answer_position(db, facilitator, objection.id, "x" * 4001, KEYRING, later)
    with pytest.raises(Forbidden):
        proposals.answer_position(db, member, objection.id, "Me.", KEYRING, later)
    first_answer = proposals.answer_position(db, facilitator, objection.id, "One.", KEYRING, later)
    again = proposals.answer_position(db, facilitator, objection.id, "Two.", KEYRING, later)
    assert (first_answer.id, again.text) == (again.id, "Two.")  # replaced, one answer
    arrange.answer_all(db, facilitator, first, later)
    arrange.open_next(db, facilitator, proposal, now=later)
    with pytest.raises(Conflict, match="earlier round"):
        proposals.answer_position(db, facilitator, objection.id, "Late.", KEYRING, later)
    with pytest.raises(Conflict, match="later round has opened"):
        proposals.write_summary(db, facilitator, first.id, "Late.", KEYRING, later)


def test_summary_is_for_a_closed_round_and_must_be_written(db: Session) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member])
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    with pytest.raises(Conflict, match="still open"):
        proposals.write_summary(db, facilitator, first.id, "Early.", KEYRING, NOW)
    arrange.close(db, first)
    with pytest.raises(FieldError, match="Write the summary"):
        proposals.write_summary(db, facilitator, first.id, "", KEYRING, NOW)
    with pytest.raises(FieldError, match="at most 4000"):
        proposals.write_summary(db, facilitator, first.id, "x" * 4001, KEYRING, NOW)
    with pytest.raises(Forbidden):
        proposals.write_summary(db, member, first.id, "Me.", KEYRING, NOW)


def test_deciding_needs_a_statement_and_happens_once(db: Session, closed_with_objection) -> None:
    facilitator, _member, proposal, first, _objection, _agreement = closed_with_objection
    later = arrange.after(first)
    arrange.answer_all(db, facilitator, first, later)
    with pytest.raises(FieldError, match="outcome statement"):
        proposals.decide(db, facilitator, proposal.id, "", KEYRING, later)
    with pytest.raises(FieldError, match="at most 4000"):
        proposals.decide(db, facilitator, proposal.id, "x" * 4001, KEYRING, later)
    decided = proposals.decide(db, facilitator, proposal.id, "Not adopted.", KEYRING, later)
    assert decided.outcome is Outcome.NO_CONSENSUS
    for attempt in (
        lambda: proposals.decide(db, facilitator, proposal.id, "Again.", KEYRING, later),
        lambda: proposals.revise_proposal(
            db, facilitator, proposal.id, ProposalText("T", "B2"), 1, KEYRING, later
        ),
        lambda: proposals.write_summary(db, facilitator, first.id, "Later.", KEYRING, later),
        lambda: arrange.open_next(db, facilitator, proposal, now=later),
    ):
        with pytest.raises(Conflict, match="closed"):
            attempt()
    with pytest.raises(Conflict):
        proposals.answerable_position(db, facilitator, _objection.id)


def test_a_proposal_closed_before_any_round_is_withdrawn_and_none_while_a_round_is_open(
    db: Session,
) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member])
    withdrawn = arrange.proposal(db, facilitator, found)
    assert proposals.decide(db, facilitator, withdrawn.id, "Withdrawn.", KEYRING, NOW).outcome is (
        Outcome.WITHDRAWN
    )
    busy = arrange.proposal(db, facilitator, found, title="Busy")
    arrange.open_next(db, facilitator, busy)
    with pytest.raises(Conflict, match="A round is open"):
        proposals.decide(db, facilitator, busy.id, "Now.", KEYRING, NOW)
