"""Moderating a Q&A under the code of conduct: approve (candidates told), reject with a
clause and a reason (asker told, appeal once to another moderator), shortlist, hide after
reports (author told), keep; the moderation log and its export for the candidate committee
(T32); the signed audit log, which holds neither rejected text nor reporters."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.log import Log
from audit.merkle import hash_leaf, verify_inclusion
from tests.mailsink import MailSink
from tests.voting.qa import arrange
from tests.voting.qa.arrange import CLOSED, KEYRING, NOW
from voting.auditlog import SQLLogStore
from voting.config import Settings
from voting.consensus.models import Position
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.events import Event
from voting.keys import Keyring
from voting.mail import SMTPMailer
from voting.moderation.clauses import Clause
from voting.moderation.models import ActionKind, ModerationAction
from voting.qa import candidates as candidacy
from voting.qa import listing, live, moderation, questions, record
from voting.qa.models import QAReport, QuestionState, ReportResolution
from voting.qa.services import viewer
from voting.spreadsheet import unescape_cell


def _mailer(settings: Settings) -> SMTPMailer:
    return SMTPMailer(settings)


def _entries(db: Session, log_id: str) -> list[dict[str, object]]:
    return [json.loads(e) for e in Log(SQLLogStore(db, log_id), log_id).entries()]


def test_clauses_are_the_consensus_guidelines() -> None:
    # One list of clauses for both areas: a hidden consensus reason names a Clause too.
    assert Position.__table__.c.hidden_rule.type.enum_class is Clause


# ------------------------------------------------------------------ approve


def test_approving_a_question_to_all_tells_every_active_candidate(
    db: Session, settings: Settings, mail: MailSink
) -> None:
    setup = arrange.set_up(db, candidates=("Anna de Vries", "Bram Bakker", "Chris Cohen"))
    candidacy.withdraw(db, setup.officer, setup.candidates[2].id, KEYRING, NOW)
    question = arrange.ask(db, setup, "Wat doet u aan *wonen*?", anonymous=True)
    mail.clear()
    moderation.approve(db, setup.moderator, question.id, KEYRING, settings, _mailer(settings), NOW)
    assert question.state is QuestionState.APPROVED
    assert question.moderated_by_id == setup.moderator.id
    for candidate in setup.candidates[:2]:
        (message,) = mail.wait_for(1, to=candidate.account.member.email)
        body = MailSink.body_of(message)
        assert "Wat doet u aan *wonen*?" in body
        assert f"/qa/questions/{question.id}/answer" in body
        assert setup.asker.member.name not in body  # asked anonymously
        assert message.get_content_type() == "text/plain"
    assert mail.wait_for(0, to=setup.candidates[2].account.member.email) == []
    entry = _entries(db, setup.qa.log_id)[-1]
    assert entry["type"] == "qa-question-approved"
    assert entry["to"] == "all"
    assert len(str(entry["sha256"])) == 64


def test_approving_a_question_to_one_tells_only_that_candidate(
    db: Session, settings: Settings, mail: MailSink
) -> None:
    setup = arrange.set_up(db)
    bram = setup.candidates[1]
    question = arrange.ask(db, setup, to=bram)
    mail.clear()
    moderation.approve(db, setup.moderator, question.id, KEYRING, settings, _mailer(settings), NOW)
    mail.wait_for(1, to=bram.account.member.email)
    assert [m["To"] for m in mail.messages] == [bram.account.member.email]


def test_a_decision_is_taken_once(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db)
    question = arrange.ask(db, setup)
    moderation.approve(db, setup.moderator, question.id, KEYRING, settings, _mailer(settings), NOW)
    with pytest.raises(Conflict, match="already decided"):
        moderation.reject(
            db,
            setup.second_moderator,
            question.id,
            Clause.ADDRESS,
            "Te laat.",
            KEYRING,
            settings,
            _mailer(settings),
            NOW,
        )
    db.refresh(question)
    assert question.state is QuestionState.APPROVED
    assert db.scalar(select(func.count()).select_from(ModerationAction)) == 1


def test_members_candidates_and_a_moderator_who_is_a_candidate_cannot_moderate(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    question = arrange.ask(db, setup)
    candidate_moderator = arrange.person(db, "Cora Kandidaat", arrange.Role.MODERATOR)
    candidacy.admit(
        db,
        setup.officer,
        setup.election.id,
        member_number=candidate_moderator.member.number,
        display_name="",
        question_id=None,
        keyring=KEYRING,
        now=NOW,
    )
    for account in (
        setup.members[1],
        setup.candidates[0].account,
        setup.officer,
        candidate_moderator,
    ):
        with pytest.raises(Forbidden):
            moderation.approve(db, account, question.id, KEYRING, settings, _mailer(settings), NOW)
    db.refresh(question)
    assert question.state is QuestionState.PENDING


# ------------------------------------------------------------------ reject and appeal


def test_rejection_names_a_clause_and_a_reason_and_the_asker_reads_both(
    db: Session, settings: Settings, mail: MailSink
) -> None:
    setup = arrange.set_up(db)
    question = arrange.ask(db, setup, "Is Bram niet gewoon lui?")
    for clause, reason, field in ((None, "Waarom.", "clause"), ("nonsense", "Waarom.", "clause")):
        with pytest.raises(FieldError) as refused:
            moderation.reject(
                db,
                setup.moderator,
                question.id,
                clause,
                reason,
                KEYRING,
                settings,
                _mailer(settings),
                NOW,
            )
        assert refused.value.field == field
    with pytest.raises(FieldError) as refused:
        moderation.reject(
            db,
            setup.moderator,
            question.id,
            Clause.WITH_PEOPLE,
            " ",
            KEYRING,
            settings,
            _mailer(settings),
            NOW,
        )
    assert refused.value.field == "reason"
    assert question.state is QuestionState.PENDING
    mail.clear()
    moderation.reject(
        db,
        setup.moderator,
        question.id,
        Clause.WITH_PEOPLE,
        "Dit gaat over de persoon, niet over het beleid.",
        KEYRING,
        settings,
        _mailer(settings),
        NOW,
    )
    db.refresh(question)
    assert (question.state, question.clause) == (QuestionState.REJECTED, Clause.WITH_PEOPLE)
    (message,) = mail.wait_for(1, to=setup.asker.member.email)
    body = MailSink.body_of(message)
    assert "2. Talk with people, not about them." in body
    assert "Dit gaat over de persoon, niet over het beleid." in body
    assert "appeal this decision once" in body
    # The public log has the clause, but neither the text, nor its digest, nor the reason.
    entry = _entries(db, setup.qa.log_id)[-1]
    assert entry == {
        "at": entry["at"],
        "clause": "with-people",
        "index": entry["index"],
        "question": question.id,
        "type": "qa-question-rejected",
        "version": 1,
    }
    everything = json.dumps(_entries(db, setup.qa.log_id))
    assert "lui" not in everything
    assert "persoon" not in everything


def _rejected(db: Session, setup: arrange.Setup, settings: Settings):  # type: ignore[no-untyped-def]
    question = arrange.ask(db, setup, "Waarom is Bram zo?")
    return moderation.reject(
        db,
        setup.moderator,
        question.id,
        Clause.WITH_PEOPLE,
        "Over een persoon.",
        KEYRING,
        settings,
        _mailer(settings),
        NOW,
    )


def test_the_asker_appeals_once_and_another_moderator_grants_it(
    db: Session, settings: Settings, mail: MailSink
) -> None:
    setup = arrange.set_up(db)
    question = _rejected(db, setup, settings)
    with pytest.raises(NotFound):
        moderation.appeal(db, setup.members[1], question.id, "Ik ook.", KEYRING, NOW)
    lodged = moderation.appeal(
        db, setup.asker, question.id, "Het gaat over zijn beleid.", KEYRING, NOW
    )
    with pytest.raises(Conflict, match="only once"):
        moderation.appeal(db, setup.asker, question.id, "Nog een keer.", KEYRING, NOW)
    with pytest.raises(Forbidden, match="Another moderator"):
        moderation.decide_appeal(
            db,
            setup.moderator,
            lodged.id,
            True,
            "Eigen besluit.",
            KEYRING,
            settings,
            _mailer(settings),
            NOW,
        )
    mail.clear()
    moderation.decide_appeal(
        db,
        setup.second_moderator,
        lodged.id,
        True,
        "Bij nader inzien gaat het over beleid.",
        KEYRING,
        settings,
        _mailer(settings),
        NOW,
    )
    db.refresh(question)
    assert question.is_public
    assert question.moderated_by_id == setup.second_moderator.id
    asker_mail = mail.wait_for(1, to=setup.asker.member.email)
    assert "granted your appeal" in MailSink.body_of(asker_mail[0])
    for candidate in setup.candidates:
        mail.wait_for(1, to=candidate.account.member.email)
    with pytest.raises(Conflict):
        moderation.decide_appeal(
            db,
            setup.second_moderator,
            lodged.id,
            False,
            "Toch niet.",
            KEYRING,
            settings,
            _mailer(settings),
            NOW,
        )
    types = [e["type"] for e in _entries(db, setup.qa.log_id)]
    assert types[-3:] == ["qa-appeal-lodged", "qa-appeal-decided", "qa-question-approved"]
    kinds = db.scalars(select(ModerationAction.kind).order_by(ModerationAction.id)).all()
    assert kinds == [ActionKind.REJECTED, ActionKind.APPEAL_GRANTED]


def test_a_refused_appeal_keeps_the_rejection_and_tells_the_asker_why(
    db: Session, settings: Settings, mail: MailSink
) -> None:
    setup = arrange.set_up(db)
    question = _rejected(db, setup, settings)
    lodged = moderation.appeal(db, setup.asker, question.id, "Toch graag.", KEYRING, NOW)
    mail.clear()
    moderation.decide_appeal(
        db,
        setup.second_moderator,
        lodged.id,
        False,
        "Het blijft persoonlijk.",
        KEYRING,
        settings,
        _mailer(settings),
        NOW,
    )
    db.refresh(question)
    assert question.state is QuestionState.REJECTED
    (message,) = mail.wait_for(1, to=setup.asker.member.email)
    assert "The rejection stands" in MailSink.body_of(message)
    assert "Het blijft persoonlijk." in MailSink.body_of(message)


def test_no_appeal_after_the_q_and_a_closes_or_against_an_approval(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    question = _rejected(db, setup, settings)
    with pytest.raises(Conflict, match="closed"):
        moderation.appeal(db, setup.asker, question.id, "Te laat.", KEYRING, CLOSED)
    published = arrange.approved(db, setup, settings)
    with pytest.raises(Conflict, match="rejected"):
        moderation.appeal(db, setup.asker, published.id, "Waarom?", KEYRING, NOW)


# ------------------------------------------------------------------ shortlist


def test_only_questions_to_all_go_on_the_shortlist(db: Session, settings: Settings) -> None:
    setup = arrange.set_up(db)
    to_all = arrange.approved(db, setup, settings)
    to_one = arrange.approved(db, setup, settings, to=setup.candidates[0], by=setup.members[1])
    moderation.set_shortlist(db, setup.moderator, to_all.id, True, KEYRING, NOW)
    assert to_all.is_shortlisted
    with pytest.raises(Conflict, match="all candidates"):
        moderation.set_shortlist(db, setup.moderator, to_one.id, True, KEYRING, NOW)
    moderation.set_shortlist(db, setup.moderator, to_all.id, False, KEYRING, NOW)
    assert not to_all.is_shortlisted
    entries = [e for e in _entries(db, setup.qa.log_id) if e["type"] == "qa-shortlist"]
    assert [e["shortlisted"] for e in entries] == [True, False]


# ------------------------------------------------------------------ hide and keep


def test_hiding_a_reported_question_takes_it_off_every_list_and_tells_the_asker(
    db: Session, settings: Settings, mail: MailSink
) -> None:
    setup = arrange.set_up(db, continues_into_meeting=False)
    question = arrange.approved(db, setup, settings, "Bram woont toch op de Dorpsstraat 4?")
    live.show(db, setup.moderator, setup.election.id, question.id, NOW)
    first = questions.report(db, setup.members[1], question.id, None, "Adres van iemand.", NOW)
    questions.report(db, setup.members[2], question.id, None, "Privé.", NOW)
    mail.clear()
    moderation.hide(
        db,
        setup.second_moderator,
        first.id,
        Clause.PERSONAL_DATA,
        "Een woonadres is privé.",
        KEYRING,
        settings,
        _mailer(settings),
        NOW,
    )
    db.refresh(question)
    assert question.is_hidden
    assert question.hidden_clause is Clause.PERSONAL_DATA
    assert question.discussed_at == NOW  # off the projector at once
    resolutions = db.scalars(select(QAReport.resolution)).all()
    assert resolutions == [ReportResolution.HIDDEN, ReportResolution.HIDDEN]
    assert listing.published(db, setup.qa) == []
    seen = viewer(db, setup.members[1], setup.election.id)
    assert live.state(db, seen).current is None
    (message,) = mail.wait_for(1, to=setup.asker.member.email)
    body = MailSink.body_of(message)
    assert "4. Do not share personal details of others." in body
    assert "Een woonadres is privé." in body
    everything = json.dumps(_entries(db, setup.qa.log_id))
    assert setup.members[1].member.name not in everything
    assert "privé" not in everything.lower()
    hidden = [e for e in _entries(db, setup.qa.log_id) if e["type"] == "qa-hidden"]
    assert hidden == [
        {
            "at": hidden[0]["at"],
            "clause": "personal-data",
            "id": question.id,
            "index": hidden[0]["index"],
            "kind": "question",
            "type": "qa-hidden",
            "version": 1,
        }
    ]
    with pytest.raises(Conflict):
        moderation.keep(db, setup.moderator, first.id, "", KEYRING, NOW)


def test_hiding_an_answer_tells_the_candidate_and_leaves_a_notice(
    db: Session, settings: Settings, mail: MailSink
) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    question = arrange.approved(db, setup, settings)
    answer = arrange.answered(db, setup, settings, question, anna, "Bram is een leugenaar.")
    filed = questions.report(db, setup.members[1], question.id, answer.id, "Over een persoon.", NOW)
    mail.clear()
    moderation.hide(
        db,
        setup.moderator,
        filed.id,
        Clause.WITH_PEOPLE,
        "Spreek over beleid.",
        KEYRING,
        settings,
        _mailer(settings),
        NOW,
    )
    db.refresh(answer)
    assert answer.is_hidden
    (message,) = mail.wait_for(1, to=anna.account.member.email)
    assert "hidden your answer" in MailSink.body_of(message)
    with pytest.raises(Conflict, match="hid this answer"):
        questions.answer(
            db,
            anna.account,
            question.id,
            "Nieuwe tekst.",
            KEYRING,
            settings,
            _mailer(settings),
            NOW,
        )
    with pytest.raises(NotFound):
        questions.report(db, setup.members[2], question.id, answer.id, "Nog eens.", NOW)


def test_keeping_dismisses_every_open_report_on_the_item_only(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    question = arrange.approved(db, setup, settings)
    answer = arrange.answered(db, setup, settings, question, setup.candidates[0])
    on_question = [
        questions.report(db, m, question.id, None, "Vind ik niet.", NOW) for m in setup.members[1:]
    ]
    on_answer = questions.report(db, setup.members[1], question.id, answer.id, "Ook niet.", NOW)
    moderation.keep(db, setup.moderator, on_question[0].id, "Een vraag over beleid.", KEYRING, NOW)
    db.expire_all()
    assert {db.get(QAReport, r.id).resolution for r in on_question} == {ReportResolution.KEPT}  # type: ignore[union-attr]
    assert db.get(QAReport, on_answer.id).resolved_at is None  # type: ignore[union-attr]
    assert question.is_public
    entry = _entries(db, setup.qa.log_id)[-1]
    assert (entry["type"], entry["kind"], entry["reports"]) == (
        "qa-reports-dismissed",
        "question",
        2,
    )


def test_queue_shows_waiting_questions_appeals_and_reported_items(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    waiting = arrange.ask(db, setup, "Wacht")
    rejected = _rejected(db, setup, settings)
    moderation.appeal(db, setup.asker, rejected.id, "Graag opnieuw.", KEYRING, NOW)
    published = arrange.approved(db, setup, settings, by=setup.members[1])
    questions.report(db, setup.members[2], published.id, None, "Hm.", NOW)
    questions.report(db, setup.asker, published.id, None, "Ook hm.", NOW)
    seen = moderation.moderator_view(db, setup.moderator, setup.election.id)
    found = moderation.queue(db, seen)
    assert [q.id for q in found.pending] == [waiting.id]
    assert [a.question_id for a in found.appeals] == [rejected.id]
    (item,) = found.reported
    assert (item.question.id, item.answer, len(item.reports)) == (published.id, None, 2)
    assert found.size == 3
    assert moderation.waiting_counts(db, setup.moderator) == [(setup.qa, 3)]
    assert moderation.waiting_counts(db, setup.members[0]) == []


# ------------------------------------------------------------------ the logs


def test_every_decision_is_in_the_moderation_log_and_the_event_table(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    published = arrange.approved(db, setup, settings)
    rejected = _rejected(db, setup, settings)
    moderation.set_shortlist(db, setup.moderator, published.id, True, KEYRING, NOW)
    filed = questions.report(db, setup.members[1], published.id, None, "Storend.", NOW)
    moderation.hide(
        db,
        setup.moderator,
        filed.id,
        Clause.ADDRESS,
        "Verkeerde voornaamwoorden.",
        KEYRING,
        settings,
        _mailer(settings),
        NOW,
    )
    seen = record.log_reader(db, setup.officer, setup.election.id)
    rows = [
        (a.moderator_id, a.kind, a.subject, a.clause, a.reason)
        for a in record.moderation_log(db, seen)
    ]
    assert rows == [
        (setup.moderator.id, ActionKind.APPROVED, f"question:{published.id}", None, ""),
        (
            setup.moderator.id,
            ActionKind.REJECTED,
            f"question:{rejected.id}",
            Clause.WITH_PEOPLE,
            "Over een persoon.",
        ),
        (setup.moderator.id, ActionKind.SHORTLISTED, f"question:{published.id}", None, ""),
        (
            setup.moderator.id,
            ActionKind.HIDDEN,
            f"question:{published.id}",
            Clause.ADDRESS,
            "Verkeerde voornaamwoorden.",
        ),
    ]
    actions = db.scalars(
        select(Event.action)
        .where(Event.actor_id == setup.moderator.id, Event.action.startswith("qa."))
        .order_by(Event.id)
    ).all()
    assert actions == [
        "qa.question-approved",
        "qa.question-rejected",
        "qa.shortlisted",
        "qa.question-hidden",
    ]
    with pytest.raises(Forbidden):
        record.log_reader(db, setup.members[1], setup.election.id)
    with pytest.raises(Forbidden):
        record.log_reader(db, setup.candidates[0].account, setup.election.id)


# Reasons are trimmed, so a leading tab or CR cannot reach the export through them.
FORMULAS = ['=HYPERLINK("http://evil.example","klik")', "+31 6 1234", "-2+3", "@SUM(A1)", "'quoted"]


def test_the_export_for_the_committee_neutralises_formulas_and_reads_back_unchanged(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db, members=len(FORMULAS) + 1)
    crafted = arrange.person(db, "=cmd|' /C calc'!A0", arrange.Role.MODERATOR)  # from the CRM
    for i, reason in enumerate(FORMULAS):
        question = arrange.ask(db, setup, f"Vraag {i}", by=setup.members[i])
        moderation.reject(
            db,
            crafted,
            question.id,
            Clause.OWN_EXPERIENCE,
            reason,
            KEYRING,
            settings,
            _mailer(settings),
            NOW,
        )
    seen = record.log_reader(db, setup.moderator, setup.election.id)
    text = record.moderation_csv(db, seen)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["when", "moderator", "decision", "about", "clause", "why"]
    body = rows[1:]
    assert len(body) == len(FORMULAS)
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert [unescape_cell(r[5]) for r in body] == FORMULAS
    assert body[0][0] == "2026-11-27 13:00:00"  # the reader's zone, Amsterdam
    assert body[0][1] == "'=cmd|' /C calc'!A0"
    assert unescape_cell(body[0][1]) == crafted.member.name
    assert body[0][2] == "rejected"
    assert body[0][4] == "1. Speak from your own experience."
    assert "Vraag" not in text  # no question text in the export
    assert setup.members[0].member.name not in text  # and no askers


def test_the_q_and_a_log_is_a_signed_merkle_log_that_proves_each_entry(
    db: Session, settings: Settings
) -> None:
    setup = arrange.set_up(db)
    question = arrange.approved(db, setup, settings)
    arrange.answered(db, setup, settings, question, setup.candidates[0])
    log = Log(SQLLogStore(db, setup.qa.log_id), setup.qa.log_id)
    heads = log.heads()
    assert len(heads) == log.size()  # a signed head after every entry
    key = Keyring.verifying_key(db, f"log:{setup.qa.log_id}")
    assert key is not None
    for head in heads:
        log.check_head(head, key)  # signed by the Q&A's key, consistent with the log
    newest = heads[-1].head
    for index, entry in enumerate(log.entries()):
        verify_inclusion(hash_leaf(entry), log.inclusion_proof(index, newest.size), newest.root)
