"""Asking, withdrawing, upvoting, answering and reporting; and the lists members read.

Limits per member hold in the database, across every worker and without Redis: asking
locks the Q&A's row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE`
serialises writers), counts the asker's questions and only then inserts, so two questions
sent at once by one member can never both pass the last free place. Upvotes are one row
per member and question (primary key); answers one per candidate and question (unique
constraint); reports one per reporter and item (unique indexes).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.config import Settings
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.events import record_event
from voting.keys import Keyring
from voting.mail import Mailer
from voting.qa import entries, notices
from voting.qa.entries import EntryType
from voting.qa.models import QA, Candidate, QAAnswer, QAReport, Question, QuestionState, Upvote
from voting.qa.services import (
    FORM_ERROR,
    MAX_ANSWER,
    MAX_QUESTION,
    MAX_WHY,
    Viewer,
    candidacy,
    clean_text,
    flush_or_conflict,
    question_in,
    require,
    viewer,
)


def _closed_message() -> object:
    return _l("The Q&A is closed. Nothing has changed.")


# ------------------------------------------------------------------ asking


def ask(
    session: Session,
    actor: Account,
    election_id: int,
    *,
    candidate_id: int | None,
    text: str,
    anonymous: bool,
    keyring: Keyring,
    now: dt.datetime,
) -> Question:
    """Submit a question to one candidate (or to all, `candidate_id` None) for moderation.

    Raises:
        NotFound, Forbidden (see `viewer`); Forbidden also for a candidate or a reader
            outside the electorate.
        Conflict: the Q&A is not open.
        FieldError: ("text") empty, too long, control characters; ("candidate") not a
            candidate here; (form) the member's limit of waiting or total questions.
    """
    seen = viewer(session, actor, election_id)
    require(
        seen.can_ask,
        _l("Only members who vote in this election can ask questions; candidates answer them."),
    )
    if not seen.qa.is_open(now):
        raise Conflict(_closed_message())
    cleaned = clean_text(text, "text", MAX_QUESTION)
    if candidate_id is not None:
        target = session.get(Candidate, candidate_id)
        if target is None or target.election_id != election_id or not target.is_active:
            raise FieldError("candidate", _l("Choose one of the candidates, or all of them."))
    qa = _locked(session, seen.qa.id)
    mine = session.execute(
        select(Question.state, func.count())
        .where(Question.qa_id == qa.id, Question.asker_id == actor.id)
        .group_by(Question.state)
    ).all()
    counts = {state: count for state, count in mine}
    if counts.get(QuestionState.PENDING, 0) >= qa.max_pending:
        raise FieldError(
            FORM_ERROR,
            _l(
                "You have %(count)d questions waiting for a moderator. You can ask again when a moderator has looked at them.",
                count=qa.max_pending,
            ),
        )
    asked = sum(n for state, n in counts.items() if state is not QuestionState.WITHDRAWN)
    if asked >= qa.max_questions:
        raise FieldError(
            FORM_ERROR,
            _l(
                "You have asked %(count)d questions, the most one member can ask here.",
                count=qa.max_questions,
            ),
        )
    question = Question(
        qa=qa,
        asker_id=actor.id,
        candidate_id=candidate_id,
        text=cleaned,
        anonymous=anonymous,
        state=QuestionState.PENDING,
        created_at=now,
    )
    session.add(question)
    session.flush()
    entries.append_signed(
        session,
        keyring,
        qa.log_id,
        EntryType.QUESTION_RECEIVED,
        now,
        {"question": question.id, "to": candidate_id if candidate_id is not None else "all"},
    )
    record_event(
        session,
        action="qa.question-asked",
        actor_id=actor.id,
        now=now,
        subject=f"qa-question:{question.id}",
    )
    session.commit()
    return question


def _locked(session: Session, qa_id: int) -> QA:
    qa = session.scalar(
        select(QA).where(QA.id == qa_id).with_for_update().execution_options(populate_existing=True)
    )
    if qa is None:  # pragma: no cover  # the caller found it in this transaction
        raise NotFound
    return qa


def own_question(session: Session, actor: Account, question_id: int) -> Question:
    """A question the actor asked.

    Raises:
        NotFound: no such question, or someone else's (whose existence is not revealed).
        Forbidden: not a reader of its Q&A.
    """
    question = question_in(session, question_id)
    viewer(session, actor, question.qa.election_id)
    if question.asker_id != actor.id:
        raise NotFound
    return question


def withdraw_question(
    session: Session, actor: Account, question_id: int, keyring: Keyring, now: dt.datetime
) -> Question:
    """The asker takes back a question that no moderator has decided on yet.

    Raises:
        NotFound (see `own_question`); Conflict: already decided.
    """
    question = own_question(session, actor, question_id)
    if question.state is not QuestionState.PENDING:
        raise Conflict(_l("A moderator has decided on this question already. Nothing has changed."))
    question.state = QuestionState.WITHDRAWN
    entries.append_signed(
        session,
        keyring,
        question.qa.log_id,
        EntryType.QUESTION_WITHDRAWN,
        now,
        {"question": question.id},
    )
    record_event(
        session,
        action="qa.question-withdrawn",
        actor_id=actor.id,
        now=now,
        subject=f"qa-question:{question.id}",
    )
    session.commit()
    return question


# ------------------------------------------------------------------ upvotes


def supportable(session: Session, actor: Account, question_id: int) -> tuple[Viewer, Question]:
    """A question the actor may upvote: published, in a Q&A where they may ask.

    Raises:
        NotFound: no such published question. Forbidden: a candidate in this election, or
            a reader outside the electorate.
    """
    question = question_in(session, question_id)
    seen = viewer(session, actor, question.qa.election_id)
    require(
        seen.can_ask, _l("Only members who vote in this election can upvote; candidates cannot.")
    )
    if not question.is_public:
        raise NotFound
    return seen, question


def set_support(
    session: Session, actor: Account, question_id: int, support: bool, now: dt.datetime
) -> bool:
    """Upvote a published question, or withdraw the upvote; returns whether it is upvoted.

    Sending the same choice twice (a double click, two tabs) changes nothing.

    Raises:
        NotFound: no such published question. Forbidden: a candidate in this election, or
            a reader outside the electorate. Conflict: the Q&A is closed, or it is the
            member's own question.
    """
    seen, question = supportable(session, actor, question_id)
    if not seen.qa.is_open(now):
        raise Conflict(_closed_message())
    if question.asker_id == actor.id:
        raise Conflict(_l("You cannot upvote your own question."))
    existing = session.get(Upvote, (question.id, actor.id))
    if support and existing is None:
        try:
            with session.begin_nested():
                session.add(Upvote(question_id=question.id, account_id=actor.id, created_at=now))
        except IntegrityError:
            pass  # the same member's other request upvoted it a moment ago
    elif not support and existing is not None:
        session.delete(existing)
    session.commit()
    return support


# ------------------------------------------------------------------ answers


def answerable(session: Session, actor: Account, question_id: int) -> tuple[Question, Candidate]:
    """A published question the actor, as a candidate, may answer.

    Raises:
        NotFound: no such published question. Forbidden: not a candidate in this
            election, or the question is for another candidate.
    """
    question = question_in(session, question_id)
    candidate = candidacy(session, question.qa.election_id, actor.id)
    if candidate is None:
        raise Forbidden(_l("Only the candidates in this election answer its questions."))
    if not question.is_public:
        raise NotFound
    if question.candidate_id not in (None, candidate.id):
        raise Forbidden(_l("This question is for another candidate."))
    return question, candidate


def answer(
    session: Session,
    actor: Account,
    question_id: int,
    text: str,
    keyring: Keyring,
    settings: Settings,
    mailer: Mailer,
    now: dt.datetime,
) -> QAAnswer:
    """Publish the candidate's answer (or change it while the Q&A is open).

    The asker is told by e-mail the first time a candidate answers.

    Raises:
        NotFound, Forbidden (see `answerable`); Conflict: the Q&A is closed, or a
            moderator hid this answer; FieldError: ("text").
    """
    question, candidate = answerable(session, actor, question_id)
    if not question.qa.is_open(now):
        raise Conflict(_closed_message())
    cleaned = clean_text(text, "text", MAX_ANSWER)
    found = session.scalar(
        select(QAAnswer).where(
            QAAnswer.question_id == question.id, QAAnswer.candidate_id == candidate.id
        )
    )
    first = found is None
    if found is None:
        found = QAAnswer(question=question, candidate=candidate, text=cleaned, created_at=now)
        session.add(found)
    elif found.is_hidden:
        raise Conflict(_l("A moderator hid this answer; it cannot be changed."))
    else:
        found.text, found.edited_at = cleaned, now
    flush_or_conflict(
        session, _l("Your answer was saved a moment ago. Open it again to change it.")
    )
    entries.append_signed(
        session,
        keyring,
        question.qa.log_id,
        EntryType.ANSWER_PUBLISHED,
        now,
        {
            "answer": found.id,
            "candidate": candidate.id,
            "edited": not first,
            "question": question.id,
            "sha256": entries.text_digest(cleaned),
        },
    )
    record_event(
        session,
        action="qa.answered" if first else "qa.answer-edited",
        actor_id=actor.id,
        now=now,
        subject=f"qa-question:{question.id}",
    )
    session.commit()
    if first and question.asker_id != actor.id:
        notices.question_answered(settings, mailer, found)
    return found


# ------------------------------------------------------------------ reports


def reportable(
    session: Session, actor: Account, question_id: int, answer_id: int | None
) -> tuple[Question, QAAnswer | None]:
    """A published question, or a visible answer to one, that the actor can read.

    Raises:
        NotFound: no such item, not published, or hidden already. Forbidden: not a reader.
    """
    question = question_in(session, question_id)
    viewer(session, actor, question.qa.election_id)
    if not question.is_public:
        raise NotFound
    found = None
    if answer_id is not None:
        found = session.get(QAAnswer, answer_id)
        if found is None or found.question_id != question.id or found.is_hidden:
            raise NotFound
    return question, found


def report(
    session: Session,
    actor: Account,
    question_id: int,
    answer_id: int | None,
    why: str,
    now: dt.datetime,
) -> QAReport:
    """Report a question or an answer to the moderators. It stays visible: only a
    moderator's decision hides anything, however many reports come in.

    Raises:
        NotFound, Forbidden (see `reportable`); FieldError: ("why"); Conflict: the actor
            reported this item already.
    """
    question, reported_answer = reportable(session, actor, question_id, answer_id)
    cleaned = clean_text(why, "why", MAX_WHY)
    duplicate = session.scalar(
        select(QAReport.id).where(
            QAReport.question_id == question.id,
            QAReport.reporter_id == actor.id,
            QAReport.answer_id == reported_answer.id
            if reported_answer is not None
            else QAReport.answer_id.is_(None),
        )
    )
    if duplicate is not None:
        raise Conflict(_l("You reported this already. A moderator will look at it."))
    filed = QAReport(
        question=question,
        answer=reported_answer,
        reporter_id=actor.id,
        why=cleaned,
        created_at=now,
    )
    session.add(filed)
    flush_or_conflict(session, _l("You reported this already. A moderator will look at it."))
    record_event(
        session,
        action="qa.reported",
        actor_id=actor.id,
        now=now,
        subject=f"qa-answer:{reported_answer.id}"
        if reported_answer
        else f"qa-question:{question.id}",
    )
    session.commit()
    return filed
