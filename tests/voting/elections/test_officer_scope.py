"""What officers may do when they prepare votes.

Object scope (docs/security.md): an officer of one branch prepares and runs the votes of that
branch's members only, never a vote of all members, of the Partijraad or of another branch —
checked in the views and again in the services. And the rules their input must keep: at
least two trustees needed to decrypt, and the fewest choices of a multiple-choice question."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.elections.conftest import Setup, make_election, officer_client, ready_and_open
from tests.voting.web import csrf_from, page_token
from voting.accounts.models import Account, Role
from voting.elections import ceremony, lifecycle, preparation
from voting.elections.models import (
    Election,
    ElectionQuestion,
    ElectionState,
    ElectorateKind,
    QuestionKind,
)
from voting.elections.preparation import RuleChoice, RulePreset
from voting.errors import FieldError, Forbidden
from voting.events import Event

OPENS = dt.datetime(2026, 12, 1, 10, 0)
CLOSES = dt.datetime(2026, 12, 10, 19, 0)


def _branch_officer(db: Session, branch: str) -> Account:
    return factories.account(
        db,
        factories.auth_config(),
        roles=(Role.OFFICER,),
        totp=True,
        officer_branch=branch,
        branch_code=branch,
        name=f"Officer {branch}",
    )


def _branch_vote(db: Session, setup: Setup, officer: Account, branch: str) -> Election:
    election = preparation.create_election(
        db,
        officer,
        setup.election.meeting,
        title=f"Afdelingsvoorzitter {branch}",
        opens_local=OPENS,
        closes_local=CLOSES,
        electorate_kind=ElectorateKind.BRANCH,
        branch_id=factories.branch(db, branch).id,
        cutoff=dt.date(2026, 11, 1),
        require_second_factor=False,
        now=factories.NOW,
    )
    db.commit()
    return election


def _events(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Event)) or 0


OFFICER_POSTS = (
    "questions",
    "questions/{question}/remove",
    "trustees",
    "ceremony",
    "ceremony/resolve",
    "open",
    "close",
    "decrypt",
    "publish",
    "cancel",
    "copy",
)


@pytest.mark.parametrize("state", ["draft", "open"])
def test_a_branch_officer_reaches_no_route_of_a_party_wide_vote(
    app: Flask, db: Session, state: str
) -> None:
    setup = make_election(db, questions=2)
    if state == "open":
        ready_and_open(db, setup)
    election = setup.election
    questions = [q.id for q in election.questions]
    client = officer_client(app, db, _branch_officer(db, "groningen"))
    before = _events(db)
    base = f"/elections/{election.id}"
    for path in (f"{base}/manage", f"{base}/preview", f"{base}/copy"):
        assert client.get(path).status_code == 403, path
    token = page_token(client, "/privacy")
    for action in OFFICER_POSTS:
        path = f"{base}/{action.format(question=questions[0])}"
        data = {
            "csrf_token": token,
            "kind": "motion",
            "title": "Motie van een ander",
            "rule": "simple",
            "tie": "rejected",
            "threshold": "2",
            "trustees": [str(a.id) for a in setup.trustee_accounts],
            "reason": "Niet van jou.",
            "confirm": "y",
            "opens_at": "2026-12-20T10:00",
            "closes_at": "2026-12-27T10:00",
            "cutoff": "2026-11-01",
        }
        assert client.post(path, data=data).status_code == 403, path
    db.expire_all()
    assert [q.id for q in db.get(Election, election.id).questions] == questions
    assert db.get(Election, election.id).state is (
        ElectionState.DRAFT if state == "draft" else ElectionState.OPEN
    )
    assert _events(db) == before
    # The meeting's page lists the vote, without a way into it.
    page = client.get(f"/meetings/{election.meeting_id}").get_data(as_text=True)
    assert election.title in page
    assert f'href="{base}/manage"' not in page


def test_the_services_refuse_a_branch_officer_too(db: Session) -> None:
    setup = make_election(db, questions=1)
    officer = _branch_officer(db, "groningen")
    with pytest.raises(Forbidden):
        preparation.add_question(
            db,
            officer,
            setup.election,
            kind=QuestionKind.MOTION,
            title="Motie",
            text="Tekst.",
            rule=RuleChoice(RulePreset.SIMPLE),
            now=factories.NOW,
        )
    db.rollback()
    with pytest.raises(Forbidden):
        preparation.set_trustees(
            db, officer, setup.election, [a.id for a in setup.trustee_accounts], 2, factories.NOW
        )
    db.rollback()
    with pytest.raises(Forbidden):
        ceremony.start_ceremony(db, officer, setup.election, factories.NOW)
    db.rollback()
    ready_and_open(db, setup)
    with pytest.raises(Forbidden):
        lifecycle.close_voting(db, setup.keyring, officer, setup.election.id, factories.NOW)
    db.rollback()
    assert db.get(Election, setup.election.id).state is ElectionState.OPEN


def test_a_branch_officer_runs_the_votes_of_their_own_branch_only(app: Flask, db: Session) -> None:
    setup = make_election(db, questions=1)
    groningen = _branch_officer(db, "groningen")
    own = _branch_vote(db, setup, groningen, "groningen")
    other = _branch_vote(db, setup, setup.officer, "utrecht")  # by a national officer
    client = officer_client(app, db, groningen)
    assert client.get(f"/elections/{own.id}/manage").status_code == 200
    assert client.get(f"/elections/{other.id}/manage").status_code == 403
    page = client.get(f"/elections/{own.id}/manage").get_data(as_text=True)
    response = client.post(
        f"/elections/{own.id}/questions",
        data={
            "csrf_token": csrf_from(page),
            "kind": "motion",
            "title": "Motie van de afdeling",
            "text": "De afdeling besluit.",
            "rule": "simple",
            "tie": "rejected",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert db.scalar(select(func.count()).where(ElectionQuestion.election_id == own.id)) == 1


def test_a_branch_officer_may_only_create_votes_of_their_branch(app: Flask, db: Session) -> None:
    setup = make_election(db, questions=1)
    officer = _branch_officer(db, "groningen")
    factories.branch(db, "utrecht")
    meeting = setup.election.meeting
    page = officer_client(app, db, officer).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'value="all-members"' not in page
    assert 'value="council"' not in page
    assert ">Groningen<" in page or "groningen" in page.lower()
    count = db.scalar(select(func.count()).select_from(Election))
    for kind, branch in (
        (ElectorateKind.ALL_MEMBERS, None),
        (ElectorateKind.COUNCIL, None),
        (ElectorateKind.BRANCH, "utrecht"),
    ):
        with pytest.raises(FieldError) as refused:
            preparation.create_election(
                db,
                officer,
                meeting,
                title="Niet van mij",
                opens_local=OPENS,
                closes_local=CLOSES,
                electorate_kind=kind,
                branch_id=factories.branch(db, branch).id if branch else None,
                cutoff=dt.date(2026, 11, 1),
                require_second_factor=False,
                now=factories.NOW,
            )
        assert refused.value.field == ("branch" if branch else "electorate")
        db.rollback()
    assert db.scalar(select(func.count()).select_from(Election)) == count
    client = officer_client(app, db, officer)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    response = client.post(
        f"/meetings/{meeting.id}",
        data={
            "csrf_token": csrf_from(page),
            "title": "Alle leden",
            "opens_at": "2026-12-01T10:00",
            "closes_at": "2026-12-10T19:00",
            "electorate": "all-members",
            "cutoff": "2026-11-01",
        },
    )
    assert response.status_code == 400
    assert db.scalar(select(func.count()).select_from(Election)) == count


def test_one_trustee_alone_may_never_be_enough(db: Session) -> None:
    """k = 1 would let any single trustee decrypt every ballot of the record."""
    setup = make_election(db, questions=1)
    with pytest.raises(FieldError) as refused:
        preparation.set_trustees(
            db,
            setup.officer,
            setup.election,
            [a.id for a in setup.trustee_accounts],
            1,
            factories.NOW,
        )
    assert refused.value.field == "threshold"
    db.rollback()
    assert db.get(Election, setup.election.id).threshold == 2


@pytest.mark.parametrize(("fewest", "expected"), [("0", 0), ("2", 2), ("", 1)])
def test_the_officer_sets_the_fewest_choices_of_a_multiple_choice_question(
    app: Flask, db: Session, fewest: str, expected: int
) -> None:
    """0 lets a voter leave the question blank (and cast the rest of the ballot)."""
    setup = make_election(db, questions=1)
    client = officer_client(app, db, setup.officer)
    page = client.get(f"/elections/{setup.election.id}/manage").get_data(as_text=True)
    assert 'name="min_selections"' in page
    response = client.post(
        f"/elections/{setup.election.id}/questions",
        data={
            "csrf_token": csrf_from(page),
            "kind": "multiple-choice",
            "title": "Waar is de volgende ALV?",
            "options": "Utrecht\nZwolle\nGroningen",
            "min_selections": fewest,
            "max_selections": "2",
            "rule": "plurality",
            "tie": "rejected",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    question = db.scalars(
        select(ElectionQuestion).where(ElectionQuestion.title == "Waar is de volgende ALV?")
    ).one()
    assert (question.min_selections, question.max_selections) == (expected, 2)


def test_fewest_choices_above_the_most_is_refused_and_adds_nothing(app: Flask, db: Session) -> None:
    setup = make_election(db, questions=1)
    client = officer_client(app, db, setup.officer)
    page = client.get(f"/elections/{setup.election.id}/manage").get_data(as_text=True)
    response = client.post(
        f"/elections/{setup.election.id}/questions",
        data={
            "csrf_token": csrf_from(page),
            "kind": "multiple-choice",
            "title": "Te veel",
            "options": "A\nB\nC",
            "min_selections": "3",
            "max_selections": "2",
            "rule": "plurality",
            "tie": "rejected",
        },
    )
    assert response.status_code == 400
    assert "between the minimum and the number of options" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).where(ElectionQuestion.title == "Te veel")) == 0
