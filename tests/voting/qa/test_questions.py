"""Asking (who, when, limits per member, text rules), upvotes, answers, reports and the lists
members read, through the services, with real SMTP for the notices."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.mailsink import MailSink
from tests.voting.qa import arrange
from tests.voting.qa.arrange import BEFORE, CLOSED, KEYRING, NOW
from voting.auditlog import AuditLogEntry
from voting.config import Settings
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.mail import SMTPMailer
from voting.qa import candidates as candidacy
from voting.qa import listing, moderation, questions
from voting.qa.models import QAAnswer, QAReport, Question, QuestionState, Upvote
from voting.qa.services import FORM_ERROR, viewer


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _log(db: Session, log_id: str) -> list[dict[str, object]]:
    rows = db.scalars(
        select(AuditLogEntry.entry)
        .where(AuditLogEntry.log_id == log_id)
        .order_by(AuditLogEntry.index)
    )
    return [json.loads(row) for row in rows]


# ------------------------------------------------------------------ asking


def test_member_asks_one_candidate_and_the_log_holds_no_text_and_no_asker(db: Session) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    question = arrange.ask(db, setup, "Hoe  zie jij de  toekomst?\r\nEn verder?", to=anna)
    assert question.state is QuestionState.PENDING
    assert question.text == "Hoe  zie jij de  toekomst?\nEn verder?"
    entry = _log(db, setup.qa.log_id)[-1]
    assert entry["type"] == "qa-question-received"
    assert (entry["question"], entry["to"]) == (question.id, anna.id)
    assert set(entry) == {"at", "index", "question", "to", "type", "version"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write something"),
        ("   \n ", "Write something"),
        ("x" * 1001, "1000 characters"),
        ("nul\x00byte", "control character"),
        ("bel\x07l", "control character"),
    ],
)
def test_empty_overlong_or_control_character_questions_are_refused(
    db: Session, text: str, message: str
) -> None:
    setup = arrange.set_up(db)
    with pytest.raises(FieldError, match=message) as refused:
        arrange.ask(db, setup, text)
    assert refused.value.field == "text"
    assert _count(db, Question) == 0


def test_a_one_megabyte_question_is_refused_and_nothing_is_stored(db: Session) -> None:
    setup = arrange.set_up(db)
    with pytest.raises(FieldError, match="1000 characters"):
        arrange.ask(db, setup, "a" * 1024 * 1024)
    assert _count(db, Question) == 0
    assert [e["type"] for e in _log(db, setup.qa.log_id)].count("qa-question-received") == 0


def test_only_the_electorate_asks_candidates_do_not(db: Session) -> None:
    setup = arrange.set_up(db)
    with pytest.raises(Forbidden):
        arrange.ask(db, setup, by=setup.outsider)
    with pytest.raises(Forbidden, match="candidates answer"):
        arrange.ask(db, setup, by=setup.candidates[0].account)
    assert _count(db, Question) == 0


def test_asking_before_the_q_and_a_opens_or_after_it_closes_is_refused(db: Session) -> None:
    setup = arrange.set_up(db)
    for moment in (BEFORE, CLOSED, CLOSED + dt.timedelta(days=3)):
        with pytest.raises(Conflict, match="closed"):
            arrange.ask(db, setup, now=moment)
    arrange.ask(db, setup, now=CLOSED - dt.timedelta(seconds=1))
    assert _count(db, Question) == 1


def test_a_question_for_a_withdrawn_or_foreign_candidate_is_refused(db: Session) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    candidacy.withdraw(db, setup.officer, anna.id, KEYRING, NOW)
    with pytest.raises(FieldError) as refused:
        arrange.ask(db, setup, to=anna)
    assert refused.value.field == "candidate"


def test_waiting_questions_per_member_are_limited(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db, max_pending=2, max_questions=10)
    arrange.ask(db, setup, "Een?")
    arrange.ask(db, setup, "Twee?")
    with pytest.raises(FieldError, match="waiting for a moderator") as refused:
        arrange.ask(db, setup, "Drie?")
    assert refused.value.field == FORM_ERROR
    # Another member is not limited by this one; a decision frees a place.
    arrange.ask(db, setup, "Van een ander?", by=setup.members[1])
    first = db.scalars(select(Question).order_by(Question.id)).first()
    assert first is not None
    moderation.approve(db, setup.moderator, first.id, KEYRING, settings, SMTPMailer(settings), NOW)
    arrange.ask(db, setup, "Drie, nu wel?")
    assert _count(db, Question) == 4


def test_questions_per_member_are_limited_in_all_and_withdrawn_ones_do_not_count(
    db: Session,
) -> None:
    setup = arrange.set_up(db, max_pending=5, max_questions=2)
    first = arrange.ask(db, setup, "Een?")
    questions.withdraw_question(db, setup.asker, first.id, KEYRING, NOW)
    arrange.ask(db, setup, "Twee?")
    arrange.ask(db, setup, "Drie?")
    with pytest.raises(FieldError, match="the most one member"):
        arrange.ask(db, setup, "Vier?")
    assert _count(db, Question) == 3


def test_only_the_asker_withdraws_and_only_while_it_waits(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db)
    question = arrange.ask(db, setup)
    with pytest.raises(NotFound):
        questions.withdraw_question(db, setup.members[1], question.id, KEYRING, NOW)
    with pytest.raises(Forbidden):
        questions.withdraw_question(db, setup.outsider, question.id, KEYRING, NOW)
    moderation.approve(
        db, setup.moderator, question.id, KEYRING, settings, SMTPMailer(settings), NOW
    )
    with pytest.raises(Conflict):
        questions.withdraw_question(db, setup.asker, question.id, KEYRING, NOW)


# ------------------------------------------------------------------ upvotes


def test_one_upvote_per_member_and_it_can_be_withdrawn(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db)
    question = arrange.approved(db, setup, settings)
    voter = setup.members[1]
    questions.set_support(db, voter, question.id, True, NOW)
    questions.set_support(db, voter, question.id, True, NOW)  # a double click
    assert listing.vote_counts(db, [question.id]) == {question.id: 1}
    questions.set_support(db, setup.members[2], question.id, True, NOW)
    assert listing.vote_counts(db, [question.id]) == {question.id: 2}
    questions.set_support(db, voter, question.id, False, NOW)
    questions.set_support(db, voter, question.id, False, NOW)
    assert listing.vote_counts(db, [question.id]) == {question.id: 1}


def test_candidates_outsiders_and_askers_cannot_upvote(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db)
    question = arrange.approved(db, setup, settings)
    with pytest.raises(Forbidden):
        questions.set_support(db, setup.candidates[0].account, question.id, True, NOW)
    with pytest.raises(Forbidden):
        questions.set_support(db, setup.outsider, question.id, True, NOW)
    with pytest.raises(Conflict, match="own question"):
        questions.set_support(db, setup.asker, question.id, True, NOW)
    with pytest.raises(Conflict, match="closed"):
        questions.set_support(db, setup.members[1], question.id, True, CLOSED)
    assert _count(db, Upvote) == 0


def test_waiting_questions_cannot_be_upvoted(db: Session) -> None:
    setup = arrange.set_up(db)
    waiting = arrange.ask(db, setup)
    with pytest.raises(NotFound):
        questions.set_support(db, setup.members[1], waiting.id, True, NOW)


def test_the_list_sorts_by_upvotes_or_by_time_and_filters_by_candidate(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    anna, bram = setup.candidates
    old = arrange.approved(db, setup, settings, "Oud", to=anna, now=NOW)
    popular = arrange.approved(
        db, setup, settings, "Populair", by=setup.members[1], now=NOW + dt.timedelta(hours=1)
    )
    new = arrange.approved(
        db, setup, settings, "Nieuw", to=bram, by=setup.members[2], now=NOW + dt.timedelta(hours=2)
    )
    for voter in (setup.members[0], setup.members[2]):
        questions.set_support(db, voter, popular.id, True, NOW)
    seen = viewer(db, setup.members[0], setup.election.id)
    by_votes = listing.question_rows(db, seen, listing.published(db, setup.qa))
    assert [r.question.id for r in by_votes] == [popular.id, old.id, new.id]
    assert [r.votes for r in by_votes] == [2, 0, 0]
    assert [r.upvoted for r in by_votes] == [True, False, False]
    newest = listing.question_rows(db, seen, listing.published(db, setup.qa), listing.Order.NEWEST)
    assert [r.question.id for r in newest] == [new.id, popular.id, old.id]
    for_anna = {q.id for q in listing.published(db, setup.qa, anna.id)}
    assert for_anna == {old.id, popular.id}  # to her, and to all


def test_anonymous_askers_are_named_only_to_themselves_and_to_moderators(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    question = arrange.approved(db, setup, settings, anonymous=True)

    def name_for(account):  # type: ignore[no-untyped-def]
        seen = viewer(db, account, setup.election.id)
        (row,) = listing.question_rows(db, seen, [question])
        return row.asker_name

    assert name_for(setup.members[1]) is None
    assert name_for(setup.candidates[0].account) is None
    assert name_for(setup.officer) is None
    assert name_for(setup.asker) == setup.asker.member.name
    assert name_for(setup.moderator) == setup.asker.member.name


# ------------------------------------------------------------------ answers


def test_a_question_to_all_is_answered_by_each_candidate_side_by_side(
    db: Session, settings: Settings, mail: MailSink
) -> None:
    setup = arrange.set_up(db)
    anna, bram = setup.candidates
    question = arrange.approved(db, setup, settings, "Wat is uw prioriteit?")
    mail.clear()
    arrange.answered(db, setup, settings, question, anna, "Groen.")
    arrange.answered(db, setup, settings, question, bram, "Geld.")
    seen = viewer(db, setup.members[1], setup.election.id)
    standing, compared = listing.comparison(db, seen)
    assert [c.display_name for c in standing] == ["Anna de Vries", "Bram Bakker"]
    (item,) = compared
    assert [(c.display_name, a.text if a else None) for c, a in item.answers] == [
        ("Anna de Vries", "Groen."),
        ("Bram Bakker", "Geld."),
    ]
    messages = mail.wait_for(2, to=setup.asker.member.email)
    bodies = [MailSink.body_of(m) for m in messages]
    assert any("Anna de Vries has answered" in b for b in bodies)
    assert any("Bram Bakker has answered" in b for b in bodies)


def test_a_candidate_answers_only_questions_for_them_and_changes_it_while_open(
    db: Session, settings: Settings, mail: MailSink
) -> None:
    setup = arrange.set_up(db)
    anna, bram = setup.candidates
    for_bram = arrange.approved(db, setup, settings, to=bram)
    with pytest.raises(Forbidden, match="another candidate"):
        arrange.answered(db, setup, settings, for_bram, anna)
    with pytest.raises(Forbidden):
        questions.answer(
            db, setup.members[1], for_bram.id, "Ik?", KEYRING, settings, SMTPMailer(settings), NOW
        )
    first = arrange.answered(db, setup, settings, for_bram, bram, "Eerst.")
    mail.wait_for(1, to=setup.asker.member.email)
    mail.clear()
    changed = questions.answer(
        db, bram.account, for_bram.id, "Later beter.", KEYRING, settings, SMTPMailer(settings), NOW
    )
    assert changed.id == first.id
    assert changed.text == "Later beter."
    assert changed.edited_at == NOW
    assert _count(db, QAAnswer) == 1
    entries = [e for e in _log(db, setup.qa.log_id) if e["type"] == "qa-answer-published"]
    assert [e["edited"] for e in entries] == [False, True]
    assert all("Later" not in json.dumps(e) for e in entries)
    with pytest.raises(Conflict, match="closed"):
        questions.answer(
            db,
            bram.account,
            for_bram.id,
            "Te laat.",
            KEYRING,
            settings,
            SMTPMailer(settings),
            CLOSED,
        )
    assert mail.messages == []  # only the first answer is mailed to the asker


def test_waiting_or_rejected_questions_cannot_be_answered(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db)
    waiting = arrange.ask(db, setup)
    with pytest.raises(NotFound):
        arrange.answered(db, setup, settings, waiting, setup.candidates[0])


def test_the_candidates_list_puts_the_unanswered_shortlist_first(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    plain = arrange.approved(db, setup, settings, "Gewoon", now=NOW)
    answered = arrange.approved(db, setup, settings, "Beantwoord", by=setup.members[1])
    listed = arrange.approved(db, setup, settings, "Shortlist", by=setup.members[2])
    moderation.set_shortlist(db, setup.moderator, listed.id, True, KEYRING, NOW)
    arrange.answered(db, setup, settings, answered, anna)
    seen = viewer(db, anna.account, setup.election.id)
    order = [a.row.question.id for a in listing.assignments(db, seen, anna)]
    assert order == [listed.id, plain.id, answered.id]


# ------------------------------------------------------------------ reports


def test_reports_never_hide_anything_by_themselves(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db, members=3)
    question = arrange.approved(db, setup, settings)
    answer = arrange.answered(db, setup, settings, question, setup.candidates[0], "Mijn antwoord.")
    flaggers = [arrange.person(db, f"Flagger {i}") for i in range(25)]
    for flagger in flaggers:
        questions.report(db, flagger, question.id, None, "Weg ermee.", NOW)
        questions.report(db, flagger, question.id, answer.id, "Weg ermee.", NOW)
    db.refresh(question)
    db.refresh(answer)
    assert question.is_public
    assert not answer.is_hidden
    seen = viewer(db, setup.members[1], setup.election.id)
    (row,) = listing.question_rows(db, seen, listing.published(db, setup.qa))
    assert [a.text for a in row.answers] == ["Mijn antwoord."]
    assert _count(db, QAReport) == 50


def test_a_member_reports_an_item_once_and_only_what_they_can_read(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    question = arrange.approved(db, setup, settings)
    questions.report(db, setup.members[1], question.id, None, "Niet netjes.", NOW)
    with pytest.raises(Conflict, match="already"):
        questions.report(db, setup.members[1], question.id, None, "Nog eens.", NOW)
    with pytest.raises(Forbidden):
        questions.report(db, setup.outsider, question.id, None, "Van buiten.", NOW)
    with pytest.raises(FieldError) as refused:
        questions.report(db, setup.members[2], question.id, None, "  ", NOW)
    assert refused.value.field == "why"
    waiting = arrange.ask(db, setup, "Nog niet gepubliceerd")
    with pytest.raises(NotFound):
        questions.report(db, setup.members[1], waiting.id, None, "Ik zie hem niet.", NOW)
    assert _count(db, QAReport) == 1


def test_a_candidate_may_report_a_question_put_to_them(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    question = arrange.approved(db, setup, settings, to=anna)
    filed = questions.report(db, anna.account, question.id, None, "Persoonlijke aanval.", NOW)
    assert filed.reporter_id == anna.account_id
