"""The start page lists what asks for the member now: open votes (and whether their ballot
is in), votes that open soon, rounds and fallback votes still waiting for their position,
open candidate Q&As, and for moderators the decisions that wait."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.consensus import arrange as consensus
from tests.voting.elections.conftest import DURING, OPENS, SECRET_KEY, make_election, ready_and_open
from tests.voting.qa import arrange as qa
from tests.voting.web import sign_in
from voting.accounts.models import Role
from voting.consensus import fallback, moderation, services
from voting.consensus.models import FallbackChoice, PositionKind
from voting.db import utcnow
from voting.elections.casting import cast_ballot
from voting.pages.today import today_for


def test_an_open_vote_shows_whether_the_members_ballot_is_in(db: Session) -> None:
    setup = make_election(db)
    voter, other = setup.voters[0], setup.voters[1]
    assert today_for(db, SECRET_KEY, voter, DURING).is_quiet  # no list of voters before opening
    ready_and_open(db, setup)  # the list of voters is frozen; voting starts at OPENS
    before = today_for(db, SECRET_KEY, voter, OPENS - dt.timedelta(hours=1))
    assert before.open_votes == []
    assert [e.id for e in before.upcoming_votes] == [setup.election.id]
    during = today_for(db, SECRET_KEY, voter, DURING)
    assert [(v.election.id, v.voted_at) for v in during.open_votes] == [(setup.election.id, None)]
    cast_ballot(
        db,
        setup.keyring,
        SECRET_KEY,
        voter,
        setup.election.id,
        {"q1": ["voor"]},
        DURING,
        second_factor_done=False,
    )
    (mine,) = today_for(db, SECRET_KEY, voter, DURING).open_votes
    assert mine.voted_at == DURING
    (theirs,) = today_for(db, SECRET_KEY, other, DURING).open_votes
    assert theirs.voted_at is None  # another member's ballot is not theirs
    outsider = factories.account(
        db, factories.auth_config(), name="Not On The List", branch_code="groningen"
    )
    assert today_for(db, SECRET_KEY, outsider, DURING).is_quiet
    after = today_for(db, SECRET_KEY, voter, setup.election.closes_at)
    assert after.open_votes == []
    assert after.upcoming_votes == []


def test_a_round_waits_until_the_member_takes_a_position(db: Session) -> None:
    facilitator, member = consensus.people(db, 2, prefix="Today")
    group = consensus.group(db, facilitator, [member])
    proposal = consensus.proposal(db, facilitator, group)
    found = consensus.open_next(db, facilitator, proposal)
    (waiting,) = today_for(db, SECRET_KEY, member, consensus.NOW).waiting_rounds
    assert (waiting.proposal.id, waiting.deadline, waiting.fallback) == (
        proposal.id,
        found.deadline,
        False,
    )
    # Past the deadline the round only waits to be closed: nothing can be answered.
    assert today_for(db, SECRET_KEY, member, found.deadline).waiting_rounds == []
    consensus.take(db, member, found, PositionKind.AGREE)
    assert today_for(db, SECRET_KEY, member, consensus.NOW).waiting_rounds == []
    stranger = consensus.people(db, 1, prefix="Stranger")[0]
    assert today_for(db, SECRET_KEY, stranger, consensus.NOW).waiting_rounds == []
    # A member who joins while the round is open takes part from the next round on.
    (late,) = consensus.people(db, 1, prefix="Late")
    services.add_members(
        db, consensus.officer(db), group.id, late.member.number, False, consensus.NOW
    )
    assert today_for(db, SECRET_KEY, late, consensus.NOW).waiting_rounds == []


def test_moderators_see_what_waits_and_members_the_open_qa(db: Session) -> None:
    setup = qa.set_up(db)
    qa.ask(db, setup)
    member_view = today_for(db, SECRET_KEY, setup.members[1], qa.NOW)
    assert [q.id for q in member_view.open_qas] == [setup.qa.id]
    assert member_view.moderation == []  # not a moderator
    (waiting,) = today_for(db, SECRET_KEY, setup.moderator, qa.NOW).moderation
    assert waiting == (setup.qa, 1)
    closed = today_for(db, SECRET_KEY, setup.members[1], setup.qa.closes_at)
    assert closed.open_qas == []


def test_the_start_page_lists_the_waiting_round_in_words(app: Flask, db: Session) -> None:
    facilitator, member = consensus.people(db, 2, prefix="Page")
    group = consensus.group(db, facilitator, [member])
    proposal = consensus.proposal(db, facilitator, group, title="Een nieuwe vlag")
    consensus.open_next(db, facilitator, proposal, now=utcnow())
    client = app.test_client()
    sign_in(client, member.member.email, factories.PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert "Decisions waiting for your position" in page
    assert f'href="/consensus/proposals/{proposal.id}">Een nieuwe vlag</a>' in page
    quiet = app.test_client()
    sign_in(quiet, facilitator.member.email, factories.PASSWORD)
    assert "Een nieuwe vlag" in quiet.get("/").get_data(as_text=True)
    consensus.take(db, facilitator, proposal.rounds[0], PositionKind.AGREE, now=utcnow())
    assert "Een nieuwe vlag" not in quiet.get("/").get_data(as_text=True)


def test_an_open_fallback_vote_waits_until_the_member_votes(db: Session) -> None:
    facilitator, member = consensus.people(db, 2, prefix="Fallback")
    group = consensus.group(db, facilitator, [member], max_rounds=1)
    proposal = consensus.proposal(db, facilitator, group)
    first = consensus.open_next(db, facilitator, proposal)
    consensus.take(db, member, first, PositionKind.OBJECT, "Te duur.")
    consensus.take(db, facilitator, first, PositionKind.AGREE)
    closed = consensus.close(db, first)
    later = consensus.after(closed)
    consensus.answer_all(db, facilitator, closed, later)
    vote = fallback.open_fallback(
        db, facilitator, proposal.id, later + consensus.WEEK, consensus.KEYRING, later
    )
    (waiting,) = today_for(db, SECRET_KEY, member, later).waiting_rounds
    assert (waiting.proposal.id, waiting.deadline, waiting.fallback) == (
        proposal.id,
        vote.deadline,
        True,
    )
    fallback.cast_fallback(db, member, proposal.id, FallbackChoice.NO, 0, later)
    assert today_for(db, SECRET_KEY, member, later).waiting_rounds == []


def test_moderators_see_reported_reasons_in_consensus_rounds(db: Session) -> None:
    facilitator, member = consensus.people(db, 2, prefix="Report")
    group = consensus.group(db, facilitator, [member], live_positions=True)
    proposal = consensus.proposal(db, facilitator, group)
    found = consensus.open_next(db, facilitator, proposal)
    position = consensus.take(db, member, found, PositionKind.OBJECT, "Jullie zijn dom.")
    moderator = factories.account(
        db, factories.auth_config(), name="Mo Derator", roles=(Role.MODERATOR,)
    )
    assert today_for(db, SECRET_KEY, moderator, consensus.NOW).is_quiet
    moderation.report_reason(db, facilitator, position.id, "Niet respectvol.", consensus.NOW)
    assert today_for(db, SECRET_KEY, moderator, consensus.NOW).consensus_reports == 1
    assert today_for(db, SECRET_KEY, member, consensus.NOW).consensus_reports == 0
