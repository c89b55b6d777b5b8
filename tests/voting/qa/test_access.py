"""Who may do what in a Q&A (T23 at the level of the objects), the frozen electorate, live
mode at the meeting, and what a member's data export holds."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.elections.conftest import make_election, ready_and_open
from tests.voting.qa import arrange
from tests.voting.qa.arrange import KEYRING, NOW, wall
from voting.accounts.models import Role
from voting.accounts.personal_data import personal_data
from voting.config import Settings
from voting.errors import Conflict, Forbidden, NotFound
from voting.mail import SMTPMailer
from voting.members.models import MemberStatus
from voting.moderation.clauses import Clause
from voting.qa import candidates as candidacy
from voting.qa import live, moderation, questions
from voting.qa.services import readable_qas, viewer


def test_the_electorate_reads_and_asks_and_others_are_refused(db: Session) -> None:
    setup = arrange.set_up(db)
    member = viewer(db, setup.asker, setup.election.id)
    assert (member.can_read, member.can_ask, member.can_moderate, member.can_manage) == (
        True,
        True,
        False,
        False,
    )
    with pytest.raises(Forbidden):
        viewer(db, setup.outsider, setup.election.id)
    suspended = arrange.person(db, "Geschorst Lid")
    suspended.member.status = MemberStatus.SUSPENDED
    db.commit()
    with pytest.raises(Forbidden):
        viewer(db, suspended, setup.election.id)
    with pytest.raises(NotFound):
        viewer(db, setup.asker, setup.election.id + 1000)
    assert readable_qas(db, setup.outsider) == []
    assert readable_qas(db, setup.asker) == [setup.qa]


def test_a_candidate_reads_and_answers_but_neither_asks_nor_moderates_in_their_election(
    db: Session,
) -> None:
    setup = arrange.set_up(db)
    moderator_candidate = arrange.person(db, "Mo Kandidaat", Role.MODERATOR, Role.OFFICER)
    candidacy.admit(
        db,
        setup.officer,
        setup.election.id,
        member_number=moderator_candidate.member.number,
        display_name="",
        question_id=None,
        keyring=KEYRING,
        now=NOW,
    )
    seen = viewer(db, moderator_candidate, setup.election.id)
    assert seen.can_read
    assert seen.candidate is not None
    assert not seen.can_ask
    assert not seen.can_moderate
    assert not seen.can_manage
    assert not seen.can_run_live
    assert not seen.sees_askers


def test_moderators_and_officers_read_even_outside_the_electorate(db: Session) -> None:
    setup = arrange.set_up(db)
    far_moderator = arrange.person(db, "Verre Moderator", Role.MODERATOR, branch="groningen")
    far_officer = arrange.person(db, "Verre Officier", Role.OFFICER, branch="groningen")
    moderating = viewer(db, far_moderator, setup.election.id)
    assert (moderating.can_read, moderating.can_ask, moderating.can_moderate) == (True, False, True)
    managing = viewer(db, far_officer, setup.election.id)
    assert (managing.can_read, managing.can_ask, managing.can_manage) == (True, False, True)


def test_the_electorate_is_frozen_when_voting_opens(db: Session) -> None:
    built = make_election(db, questions=2)
    candidacy.set_up(
        db,
        built.officer,
        built.election.id,
        candidacy.Period(wall(2026, 11, 26, 14), wall(2026, 11, 30, 20)),
        KEYRING,
        NOW,
    )
    ready_and_open(db, built)
    assert viewer(db, built.voters[0], built.election.id).can_ask
    latecomer = factories.account(db, factories.auth_config(), name="Laat Lid")
    assert latecomer.member.member_since < built.election.electorate_cutoff  # eligible by rule
    with pytest.raises(Forbidden):
        viewer(db, latecomer, built.election.id)


# ------------------------------------------------------------------ live mode


def test_live_mode_shows_one_question_and_the_top_voted_open_ones(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db, continues_into_meeting=True)
    first = arrange.approved(db, setup, settings, "Eerste", anonymous=True)
    second = arrange.approved(db, setup, settings, "Tweede", by=setup.members[1])
    third = arrange.approved(db, setup, settings, "Derde", by=setup.members[2])
    questions.set_support(db, setup.members[0], third.id, True, NOW)
    seen = viewer(db, setup.members[1], setup.election.id)
    before = live.state(db, seen)
    assert before.current is None
    assert [r.question.id for r in before.top] == [third.id, first.id, second.id]
    live.show(db, setup.moderator, setup.election.id, first.id, NOW)
    during = live.state(db, seen)
    assert during.current is not None
    assert during.current.question.id == first.id
    assert during.current.asker_name is None  # anonymous on the screen, for everyone
    as_json = live.state(db, viewer(db, setup.moderator, setup.election.id)).to_json("All")
    assert as_json["current"]["asker"] == ""  # type: ignore[index]
    live.show(db, setup.officer, setup.election.id, second.id, NOW + dt.timedelta(minutes=5))
    db.refresh(first)
    assert first.discussed_at == NOW + dt.timedelta(minutes=5)
    after = live.state(db, seen)
    assert after.current is not None
    assert after.current.question.id == second.id
    assert [r.question.id for r in after.top] == [third.id]
    with pytest.raises(Conflict, match="discussed"):
        live.show(db, setup.moderator, setup.election.id, first.id, NOW)
    live.finish(db, setup.moderator, setup.election.id, NOW)
    assert live.state(db, seen).current is None


def test_only_moderators_and_officers_run_the_projector(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db)
    question = arrange.approved(db, setup, settings)
    for account in (setup.members[1], setup.candidates[0].account):
        with pytest.raises(Forbidden):
            live.show(db, account, setup.election.id, question.id, NOW)
        with pytest.raises(Forbidden):
            live.finish(db, account, setup.election.id, NOW)
    with pytest.raises(Forbidden):
        live.runner(db, setup.outsider, setup.election.id)
    waiting = arrange.ask(db, setup, "Nog niet goedgekeurd", by=setup.members[1])
    with pytest.raises(NotFound):
        live.show(db, setup.moderator, setup.election.id, waiting.id, NOW)


def test_the_database_keeps_one_question_on_the_projector(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db)
    first = arrange.approved(db, setup, settings, "Een")
    second = arrange.approved(db, setup, settings, "Twee", by=setup.members[1])
    live.show(db, setup.moderator, setup.election.id, first.id, NOW)
    second.shown_at = NOW  # as a service without the check would
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


# ------------------------------------------------------------------ personal data


def test_the_data_export_holds_own_questions_also_anonymous_ones_votes_reports_and_answers(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    mine = arrange.approved(db, setup, settings, "Mijn anonieme vraag", anonymous=True)
    rejected = arrange.ask(db, setup, "Afgewezen vraag")
    moderation.reject(
        db,
        setup.moderator,
        rejected.id,
        Clause.ADDRESS,
        "Gebruik de juiste naam.",
        KEYRING,
        settings,
        SMTPMailer(settings),
        NOW,
    )
    other = arrange.approved(db, setup, settings, "Andermans vraag", by=setup.members[1])
    questions.set_support(db, setup.asker, other.id, True, NOW)
    questions.report(db, setup.asker, other.id, None, "Past niet.", NOW)
    arrange.answered(db, setup, settings, mine, anna, "Mijn antwoord.")
    data = personal_data(db, setup.asker)["candidate_qa"]
    assert isinstance(data, dict)
    texts = [(q["text"], q["anonymous"], q["state"], q["clause"]) for q in data["questions"]]
    assert texts == [
        ("Mijn anonieme vraag", True, "approved", None),
        ("Afgewezen vraag", False, "rejected", "address"),
    ]
    assert data["questions"][1]["reason"] == "Gebruik de juiste naam."
    assert [u["question"] for u in data["upvotes"]] == [other.id]
    assert [r["why"] for r in data["reports"]] == ["Past niet."]
    assert data["answers"] == []
    candidate_data = personal_data(db, anna.account)["candidate_qa"]
    assert isinstance(candidate_data, dict)
    assert [a["text"] for a in candidate_data["answers"]] == ["Mijn antwoord."]
    assert [c["display_name"] for c in candidate_data["candidacies"]] == ["Anna de Vries"]
    # Nobody else's export names the anonymous asker's question as theirs.
    other_data = personal_data(db, setup.members[1])["candidate_qa"]
    assert isinstance(other_data, dict)
    assert "Mijn anonieme vraag" not in str(other_data)
