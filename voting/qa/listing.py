"""The lists members read: published questions sorted by upvotes or time, a candidate's
questions, the comparison of answers side by side, and a member's own questions.

Names of anonymous askers are left out for every reader except the asker and the Q&A's
moderators; hidden answers stay in the lists, to be shown as a notice with the clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.errors import NotFound
from voting.qa.models import QA, Candidate, QAAnswer, Question, QuestionState, Upvote
from voting.qa.services import Viewer, active_candidates, question_in, viewer


def vote_counts(session: Session, question_ids: Sequence[int]) -> dict[int, int]:
    """Upvotes per question."""
    if not question_ids:
        return {}
    rows = session.execute(
        select(Upvote.question_id, func.count())
        .where(Upvote.question_id.in_(question_ids))
        .group_by(Upvote.question_id)
    ).all()
    return {question_id: count for question_id, count in rows}


class Order(StrEnum):
    """How the list of questions is sorted."""

    VOTES = "votes"
    NEWEST = "newest"


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """A published question as a reader sees it."""

    question: Question
    votes: int
    upvoted: bool  # by the reader
    asker_name: str | None  # None when anonymous to this reader
    answers: tuple[QAAnswer, ...]  # by candidate name; hidden ones included (shown as notices)
    is_mine: bool


def _asker_name(seen: Viewer, question: Question) -> str | None:
    if question.anonymous and not seen.sees_askers and question.asker_id != seen.account.id:
        return None
    return question.asker.member.name


def question_rows(
    session: Session,
    seen: Viewer,
    questions: Sequence[Question],
    order: Order = Order.VOTES,
) -> list[QuestionRow]:
    """Rows for published questions, in the chosen order (ties: oldest first)."""
    counts = vote_counts(session, [q.id for q in questions])
    mine = set(
        session.scalars(
            select(Upvote.question_id).where(
                Upvote.account_id == seen.account.id,
                Upvote.question_id.in_([q.id for q in questions]),
            )
        )
    )
    rows = [
        QuestionRow(
            question=q,
            votes=counts.get(q.id, 0),
            upvoted=q.id in mine,
            asker_name=_asker_name(seen, q),
            answers=tuple(sorted(q.answers, key=lambda a: a.candidate.display_name.casefold())),
            is_mine=q.asker_id == seen.account.id,
        )
        for q in questions
    ]
    if order is Order.NEWEST:
        rows.sort(key=lambda r: (r.question.created_at, r.question.id), reverse=True)
    else:
        rows.sort(key=lambda r: (-r.votes, r.question.created_at, r.question.id))
    return rows


def published(session: Session, qa: QA, candidate_id: int | None = None) -> list[Question]:
    """The published questions of a Q&A; with `candidate_id`, those for that candidate
    (put to them, or to all)."""
    statement = select(Question).where(
        Question.qa_id == qa.id,
        Question.state == QuestionState.APPROVED,
        Question.hidden_at.is_(None),
    )
    if candidate_id is not None:
        statement = statement.where(
            (Question.candidate_id == candidate_id) | Question.candidate_id.is_(None)
        )
    return list(session.scalars(statement))


def readable_question(
    session: Session, actor: Account, question_id: int
) -> tuple[Viewer, Question]:
    """A published question with the reader's view of the Q&A; the asker and moderators
    may also open it while it waits or after a decision.

    Raises:
        NotFound: no such question, or not published and not the reader's to see.
        Forbidden: not a reader of this Q&A.
    """
    question = question_in(session, question_id)
    seen = viewer(session, actor, question.qa.election_id)
    if not question.is_public and question.asker_id != actor.id and not seen.can_moderate:
        raise NotFound
    return seen, question


def my_questions(session: Session, seen: Viewer) -> list[Question]:
    """The reader's own questions in this Q&A, newest first, in every state."""
    return list(
        session.scalars(
            select(Question)
            .where(Question.qa_id == seen.qa.id, Question.asker_id == seen.account.id)
            .order_by(Question.created_at.desc(), Question.id.desc())
        )
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """One question to all candidates, with each active candidate's answer (or None)."""

    row: QuestionRow
    answers: tuple[tuple[Candidate, QAAnswer | None], ...]


def comparison(
    session: Session, seen: Viewer, order: Order = Order.VOTES
) -> tuple[list[Candidate], list[Comparison]]:
    """The questions to all candidates, shortlisted ones first, with the answers side by side."""
    candidates = active_candidates(session, seen.qa.election_id)
    to_all = [q for q in published(session, seen.qa) if q.candidate_id is None]
    rows = question_rows(session, seen, to_all, order)
    rows.sort(key=lambda r: not r.question.is_shortlisted)  # stable: keeps the order within
    compared = []
    for row in rows:
        by_candidate = {a.candidate_id: a for a in row.question.answers}
        compared.append(Comparison(row, tuple((c, by_candidate.get(c.id)) for c in candidates)))
    return candidates, compared


@dataclass(frozen=True, slots=True)
class Assignment:
    """A published question a candidate is asked to answer, with their answer so far."""

    row: QuestionRow
    answer: QAAnswer | None


def assignments(session: Session, seen: Viewer, candidate: Candidate) -> list[Assignment]:
    """The questions for a candidate: unanswered shortlist first, then unanswered, then answered."""
    rows = question_rows(session, seen, published(session, seen.qa, candidate.id))
    found = []
    for row in rows:
        mine = next((a for a in row.question.answers if a.candidate_id == candidate.id), None)
        found.append(Assignment(row, mine))
    found.sort(key=lambda a: (a.answer is not None, not a.row.question.is_shortlisted))
    return found
