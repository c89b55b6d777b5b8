"""Moderating a Q&A under the code of conduct (the Safe(r) Space guidelines).

Moderators approve a waiting question, or reject it citing a clause and saying why; the
asker sees both and may appeal once, to another moderator. Moderators shortlist questions
to all candidates, so that every candidate gets the same shortlist. Members report
questions and answers; reports never hide anything by themselves (so organised flagging
cannot silence a candidate): a moderator hides the item citing a clause and saying why,
or dismisses the reports. Every decision is recorded three times in one transaction: in
the moderation log (who, when, which clause, why: for the candidate committee), in the
Q&A's public audit log (ids, states and clauses only), and in the event table.

Two moderators deciding on the same question or report at once cannot both win: each
decision is a conditional UPDATE on the state it expects, and the second finds it changed
("Another moderator has already decided").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.config import Settings
from voting.db import affected_rows
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.events import record_event
from voting.keys import Keyring
from voting.mail import Mailer
from voting.moderation.clauses import Clause, parse_clause
from voting.moderation.models import ActionKind
from voting.moderation.services import record_action
from voting.qa import entries, notices
from voting.qa.entries import EntryType
from voting.qa.models import (
    QA,
    Appeal,
    Candidate,
    QAAnswer,
    QAReport,
    Question,
    QuestionState,
    ReportResolution,
)
from voting.qa.questions import own_question
from voting.qa.services import (
    MAX_WHY,
    Viewer,
    active_candidates,
    clean_text,
    flush_or_conflict,
    question_in,
    require,
    viewer_of,
)


def _already_decided() -> Conflict:
    return Conflict(_l("Another moderator has already decided on this. Nothing has changed."))


def moderator_view(session: Session, actor: Account, election_id: int) -> Viewer:
    """The actor as a moderator of this Q&A.

    Raises:
        NotFound: no such Q&A. Forbidden: not a moderator, or a candidate in this election.
    """
    seen = viewer_of(session, actor, _qa(session, election_id))
    require(seen.can_moderate, _l("Only moderators who are not candidates here moderate this Q&A."))
    return seen


def _qa(session: Session, election_id: int) -> QA:
    found = session.scalar(select(QA).where(QA.election_id == election_id))
    if found is None:
        raise NotFound
    return found


def _clause_and_reason(clause: str | Clause | None, reason: str) -> tuple[Clause, str]:
    chosen = parse_clause(clause)
    if chosen is None:
        raise FieldError("clause", _l("Choose the clause of the code of conduct it breaks."))
    return chosen, clean_text(reason, "reason", MAX_WHY)


def _recipients(session: Session, question: Question) -> list[Candidate]:
    if question.candidate_id is None:
        return active_candidates(session, question.qa.election_id)
    candidate = question.candidate
    return [candidate] if candidate is not None and candidate.is_active else []


# ------------------------------------------------------------------ the queue


@dataclass(frozen=True, slots=True)
class ReportedItem:
    """A question or an answer with the open reports on it."""

    question: Question
    answer: QAAnswer | None
    reports: tuple[QAReport, ...]

    @property
    def first(self) -> QAReport:
        """The oldest open report (its id names the item in forms)."""
        return self.reports[0]


@dataclass(frozen=True, slots=True)
class Queue:
    """What waits for the moderators of one Q&A."""

    qa: QA
    pending: tuple[Question, ...]
    appeals: tuple[Appeal, ...]
    reported: tuple[ReportedItem, ...]
    approved: tuple[Question, ...]  # published questions to all, for the shortlist

    @property
    def size(self) -> int:
        """How many decisions wait."""
        return len(self.pending) + len(self.appeals) + len(self.reported)


def queue(session: Session, seen: Viewer) -> Queue:
    """Waiting questions (oldest first), undecided appeals, reported items."""
    qa = seen.qa
    pending = session.scalars(
        select(Question)
        .where(Question.qa_id == qa.id, Question.state == QuestionState.PENDING)
        .order_by(Question.created_at, Question.id)
    ).all()
    appeals = session.scalars(
        select(Appeal)
        .join(Question, Question.id == Appeal.question_id)
        .where(Question.qa_id == qa.id, Appeal.decided_at.is_(None))
        .order_by(Appeal.created_at, Appeal.id)
    ).all()
    reports = session.scalars(
        select(QAReport)
        .join(Question, Question.id == QAReport.question_id)
        .where(Question.qa_id == qa.id, QAReport.resolved_at.is_(None))
        .order_by(QAReport.created_at, QAReport.id)
    ).all()
    grouped: dict[tuple[int, int | None], list[QAReport]] = {}
    for found in reports:
        grouped.setdefault((found.question_id, found.answer_id), []).append(found)
    reported = tuple(
        ReportedItem(group[0].question, group[0].answer, tuple(group)) for group in grouped.values()
    )
    approved = session.scalars(
        select(Question)
        .where(
            Question.qa_id == qa.id,
            Question.state == QuestionState.APPROVED,
            Question.hidden_at.is_(None),
            Question.candidate_id.is_(None),
        )
        .order_by(Question.created_at, Question.id)
    ).all()
    return Queue(qa, tuple(pending), tuple(appeals), reported, tuple(approved))


def waiting_counts(session: Session, actor: Account) -> list[tuple[QA, int]]:
    """For the moderators' overview: each Q&A the actor moderates and how much waits there."""
    found = []
    for qa in session.scalars(select(QA).order_by(QA.closes_at.desc(), QA.id.desc())):
        seen = viewer_of(session, actor, qa)
        if seen.can_moderate:
            found.append((qa, queue(session, seen).size))
    return found


# ------------------------------------------------------------------ approve and reject


def _decide(
    session: Session,
    question: Question,
    state: QuestionState,
    actor: Account,
    now: dt.datetime,
    **values: object,
) -> None:
    changed = session.execute(
        update(Question)
        .where(Question.id == question.id, Question.state == QuestionState.PENDING)
        .values(state=state, moderated_at=now, moderated_by_id=actor.id, **values)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(changed) != 1:
        session.rollback()
        raise _already_decided()
    session.refresh(question)


def approve(
    session: Session,
    actor: Account,
    question_id: int,
    keyring: Keyring,
    settings: Settings,
    mailer: Mailer,
    now: dt.datetime,
) -> Question:
    """Publish a waiting question; the candidates it is for are told by e-mail.

    Raises:
        NotFound; Forbidden (see `moderator_view`); Conflict: already decided.
    """
    question = question_in(session, question_id)
    moderator_view(session, actor, question.qa.election_id)
    _decide(session, question, QuestionState.APPROVED, actor, now)
    _log_approval(session, keyring, question, now)
    record_action(
        session,
        scope=question.qa.log_id,
        moderator=actor,
        kind=ActionKind.APPROVED,
        subject=f"question:{question.id}",
        now=now,
    )
    record_event(
        session,
        action="qa.question-approved",
        actor_id=actor.id,
        now=now,
        subject=f"qa-question:{question.id}",
    )
    session.commit()
    notices.question_approved(settings, mailer, question, _recipients(session, question))
    return question


def _log_approval(session: Session, keyring: Keyring, question: Question, now: dt.datetime) -> None:
    entries.append_signed(
        session,
        keyring,
        question.qa.log_id,
        EntryType.QUESTION_APPROVED,
        now,
        {
            "question": question.id,
            "sha256": entries.text_digest(question.text),
            "to": question.candidate_id if question.candidate_id is not None else "all",
        },
    )


def reject(
    session: Session,
    actor: Account,
    question_id: int,
    clause: str | Clause | None,
    reason: str,
    keyring: Keyring,
    settings: Settings,
    mailer: Mailer,
    now: dt.datetime,
) -> Question:
    """Reject a waiting question under a clause, saying why; the asker is told by e-mail.

    Raises:
        NotFound; Forbidden (see `moderator_view`); FieldError: ("clause", "reason");
            Conflict: already decided.
    """
    question = question_in(session, question_id)
    moderator_view(session, actor, question.qa.election_id)
    chosen, why = _clause_and_reason(clause, reason)
    _decide(session, question, QuestionState.REJECTED, actor, now, clause=chosen, reason=why)
    entries.append_signed(
        session,
        keyring,
        question.qa.log_id,
        EntryType.QUESTION_REJECTED,
        now,
        {"clause": str(chosen), "question": question.id},
    )
    record_action(
        session,
        scope=question.qa.log_id,
        moderator=actor,
        kind=ActionKind.REJECTED,
        subject=f"question:{question.id}",
        clause=chosen,
        reason=why,
        now=now,
    )
    record_event(
        session,
        action="qa.question-rejected",
        actor_id=actor.id,
        now=now,
        subject=f"qa-question:{question.id}",
        details={"clause": str(chosen)},
    )
    session.commit()
    notices.question_rejected(settings, mailer, question)
    return question


# ------------------------------------------------------------------ appeals


def appeal(
    session: Session,
    actor: Account,
    question_id: int,
    text: str,
    keyring: Keyring,
    now: dt.datetime,
) -> Appeal:
    """The asker appeals a rejection, once, while the Q&A has not closed.

    Raises:
        NotFound (see `own_question`); Conflict: not rejected, appealed already, or the
            Q&A closed; FieldError: ("text").
    """
    question = own_question(session, actor, question_id)
    if question.state is not QuestionState.REJECTED:
        raise Conflict(_l("Only a rejected question can be appealed."))
    if question.appeal is not None:
        raise Conflict(_l("You can appeal only once. Your appeal has been received."))
    if question.qa.has_closed(now):
        raise Conflict(_l("The Q&A is closed. Nothing has changed."))
    lodged = Appeal(question=question, text=clean_text(text, "text", MAX_WHY), created_at=now)
    session.add(lodged)
    flush_or_conflict(session, _l("You can appeal only once. Your appeal has been received."))
    entries.append_signed(
        session,
        keyring,
        question.qa.log_id,
        EntryType.APPEAL_LODGED,
        now,
        {"question": question.id},
    )
    record_event(
        session,
        action="qa.appealed",
        actor_id=actor.id,
        now=now,
        subject=f"qa-question:{question.id}",
    )
    session.commit()
    return lodged


def decide_appeal(
    session: Session,
    actor: Account,
    appeal_id: int,
    grant: bool,
    reason: str,
    keyring: Keyring,
    settings: Settings,
    mailer: Mailer,
    now: dt.datetime,
) -> Appeal:
    """Another moderator grants the appeal (the question is published) or refuses it.

    Raises:
        NotFound; Forbidden: not a moderator here, or the moderator who rejected it;
            FieldError: ("reason"); Conflict: already decided.
    """
    lodged = session.get(Appeal, appeal_id)
    if lodged is None:
        raise NotFound
    question = lodged.question
    moderator_view(session, actor, question.qa.election_id)
    if lodged.decided_at is not None:
        raise _already_decided()
    if question.moderated_by_id == actor.id:
        raise Forbidden(_l("Another moderator decides on an appeal against your own decision."))
    why = clean_text(reason, "reason", MAX_WHY)
    changed = session.execute(
        update(Appeal)
        .where(Appeal.id == lodged.id, Appeal.decided_at.is_(None))
        .values(decided_at=now, decided_by_id=actor.id, granted=grant, reason=why)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(changed) != 1:
        session.rollback()
        raise _already_decided()
    session.refresh(lodged)
    if grant:
        question.state = QuestionState.APPROVED
        question.moderated_at, question.moderated_by_id = now, actor.id
        question.clause, question.reason = None, ""
        session.flush()
    entries.append_signed(
        session,
        keyring,
        question.qa.log_id,
        EntryType.APPEAL_DECIDED,
        now,
        {"granted": grant, "question": question.id},
    )
    if grant:
        _log_approval(session, keyring, question, now)
    record_action(
        session,
        scope=question.qa.log_id,
        moderator=actor,
        kind=ActionKind.APPEAL_GRANTED if grant else ActionKind.APPEAL_UPHELD,
        subject=f"question:{question.id}",
        reason=why,
        now=now,
    )
    record_event(
        session,
        action="qa.appeal-decided",
        actor_id=actor.id,
        now=now,
        subject=f"qa-question:{question.id}",
        details={"granted": grant},
    )
    session.commit()
    notices.appeal_decided(settings, mailer, question, grant, why)
    if grant:
        notices.question_approved(settings, mailer, question, _recipients(session, question))
    return lodged


# ------------------------------------------------------------------ the shortlist


def set_shortlist(
    session: Session, actor: Account, question_id: int, on: bool, keyring: Keyring, now: dt.datetime
) -> Question:
    """Put a published question to all candidates on the shortlist, or take it off.

    Raises:
        NotFound: no such published question. Forbidden (see `moderator_view`).
        Conflict: the question is for one candidate (the shortlist is the same for all).
    """
    question = question_in(session, question_id)
    moderator_view(session, actor, question.qa.election_id)
    if not question.is_public:
        raise NotFound
    if question.candidate_id is not None:
        raise Conflict(_l("Only questions to all candidates go on the shortlist."))
    if question.is_shortlisted == on:
        return question
    question.shortlisted_at = now if on else None
    entries.append_signed(
        session,
        keyring,
        question.qa.log_id,
        EntryType.SHORTLIST,
        now,
        {"question": question.id, "shortlisted": on},
    )
    record_action(
        session,
        scope=question.qa.log_id,
        moderator=actor,
        kind=ActionKind.SHORTLISTED if on else ActionKind.UNSHORTLISTED,
        subject=f"question:{question.id}",
        now=now,
    )
    record_event(
        session,
        action="qa.shortlisted" if on else "qa.unshortlisted",
        actor_id=actor.id,
        now=now,
        subject=f"qa-question:{question.id}",
    )
    session.commit()
    return question


# ------------------------------------------------------------------ reports


def _open_report(session: Session, actor: Account, report_id: int) -> QAReport:
    found = session.get(QAReport, report_id)
    if found is None:
        raise NotFound
    moderator_view(session, actor, found.question.qa.election_id)
    if found.resolved_at is not None:
        raise _already_decided()
    return found


def _resolve(
    session: Session,
    found: QAReport,
    resolution: ReportResolution,
    actor: Account,
    now: dt.datetime,
) -> int:
    statement = (
        update(QAReport)
        .where(
            QAReport.question_id == found.question_id,
            QAReport.answer_id == found.answer_id
            if found.answer_id is not None
            else QAReport.answer_id.is_(None),
            QAReport.resolved_at.is_(None),
        )
        .values(resolved_at=now, resolved_by_id=actor.id, resolution=resolution)
        .execution_options(synchronize_session=False)
    )
    resolved = affected_rows(session.execute(statement))
    if resolved == 0:
        session.rollback()
        raise _already_decided()
    return resolved


def _subject(found: QAReport) -> tuple[str, str, int]:
    if found.answer_id is not None:
        return "answer", f"answer:{found.answer_id}", found.answer_id
    return "question", f"question:{found.question_id}", found.question_id


def hide(
    session: Session,
    actor: Account,
    report_id: int,
    clause: str | Clause | None,
    reason: str,
    keyring: Keyring,
    settings: Settings,
    mailer: Mailer,
    now: dt.datetime,
) -> QAReport:
    """Hide a reported question or answer under a clause, saying why; its author is told.

    Raises:
        NotFound; Forbidden (see `moderator_view`); FieldError: ("clause", "reason");
            Conflict: the reports were decided on already.
    """
    found = _open_report(session, actor, report_id)
    chosen, why = _clause_and_reason(clause, reason)
    kind, subject, item_id = _subject(found)
    _resolve(session, found, ReportResolution.HIDDEN, actor, now)
    question = found.question
    target: Question | QAAnswer = found.answer if found.answer is not None else question
    target.hidden_at, target.hidden_by_id = now, actor.id
    target.hidden_clause, target.hidden_reason = chosen, why
    if isinstance(target, Question) and target.shown_at is not None and target.discussed_at is None:
        target.discussed_at = now  # off the projector at once
    entries.append_signed(
        session,
        keyring,
        question.qa.log_id,
        EntryType.HIDDEN,
        now,
        {"clause": str(chosen), "id": item_id, "kind": kind},
    )
    record_action(
        session,
        scope=question.qa.log_id,
        moderator=actor,
        kind=ActionKind.HIDDEN,
        subject=subject,
        clause=chosen,
        reason=why,
        now=now,
    )
    record_event(
        session,
        action=f"qa.{kind}-hidden",
        actor_id=actor.id,
        now=now,
        subject=f"qa-{kind}:{item_id}",
        details={"clause": str(chosen)},
    )
    session.commit()
    author = found.answer.candidate.account if found.answer is not None else question.asker
    notices.item_hidden(
        settings,
        mailer,
        author,
        is_answer=found.answer is not None,
        question=question,
        clause=chosen,
        reason=why,
    )
    return found


def keep(
    session: Session,
    actor: Account,
    report_id: int,
    reason: str,
    keyring: Keyring,
    now: dt.datetime,
) -> QAReport:
    """Dismiss every open report on an item: it stays as it is.

    Raises:
        NotFound; Forbidden (see `moderator_view`); Conflict: decided already.
    """
    found = _open_report(session, actor, report_id)
    why = clean_text(reason, "reason", MAX_WHY, required=False)
    kind, subject, item_id = _subject(found)
    dismissed = _resolve(session, found, ReportResolution.KEPT, actor, now)
    entries.append_signed(
        session,
        keyring,
        found.question.qa.log_id,
        EntryType.REPORTS_DISMISSED,
        now,
        {"id": item_id, "kind": kind, "reports": dismissed},
    )
    record_action(
        session,
        scope=found.question.qa.log_id,
        moderator=actor,
        kind=ActionKind.KEPT,
        subject=subject,
        reason=why,
        now=now,
    )
    record_event(
        session,
        action="qa.reports-dismissed",
        actor_id=actor.id,
        now=now,
        subject=f"qa-{kind}:{item_id}",
    )
    session.commit()
    return found
