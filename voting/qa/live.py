"""Live mode at the meeting: the question on the projector and the top-voted open ones.

A moderator or an officer puts a published question on the projector; the one shown
before is then marked as discussed. A unique partial index keeps at most one question on
the projector per Q&A in the database itself. The projector page polls `state()` as JSON
and updates itself without a reload (voting/static/js/qa-live.js); without JavaScript it
refreshes itself. The JSON carries plain text only, which the script puts into the page
as text (never as markup).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.errors import Conflict, NotFound
from voting.events import record_event
from voting.qa.listing import Order, QuestionRow, question_rows
from voting.qa.models import QA, Question, QuestionState
from voting.qa.services import Viewer, question_in, require, viewer

TOP: Final = 5


@dataclass(frozen=True, slots=True)
class LiveState:
    """What the projector shows."""

    qa: QA
    current: QuestionRow | None
    top: tuple[QuestionRow, ...]

    def to_json(self, everyone: str) -> dict[str, object]:
        """The state as the projector's script reads it (plain text, no markup)."""

        def one(row: QuestionRow) -> dict[str, object]:
            question = row.question
            return {
                "id": question.id,
                "text": question.text,
                "to": question.candidate.display_name if question.candidate else everyone,
                "to_all": question.candidate is None,
                "votes": row.votes,
                "asker": row.asker_name or "",
            }

        return {
            "version": 1,
            "current": one(self.current) if self.current is not None else None,
            "top": [one(row) for row in self.top],
        }


def _public_open(session: Session, qa: QA) -> list[Question]:
    return list(
        session.scalars(
            select(Question).where(
                Question.qa_id == qa.id,
                Question.state == QuestionState.APPROVED,
                Question.hidden_at.is_(None),
                Question.discussed_at.is_(None),
            )
        )
    )


def state(session: Session, seen: Viewer) -> LiveState:
    """The question on the projector and the top-voted questions not yet discussed.

    Names of anonymous askers are left out, also when a moderator runs the projector:
    the screen is for the whole room.
    """
    rows = question_rows(session, seen, _public_open(session, seen.qa), Order.VOTES)
    rows = [
        QuestionRow(
            r.question,
            r.votes,
            False,
            None if r.question.anonymous else r.asker_name,
            r.answers,
            False,
        )
        for r in rows
    ]
    current = next((r for r in rows if r.question.shown_at is not None), None)
    top = tuple(r for r in rows if r is not current)[:TOP]
    return LiveState(seen.qa, current, top)


def runner(session: Session, actor: Account, election_id: int) -> Viewer:
    """The actor as the one who runs the projector (a moderator or an officer).

    Raises:
        NotFound: no such Q&A. Forbidden: anyone else.
    """
    seen = viewer(session, actor, election_id)
    require(seen.can_run_live, _l("Only moderators and officers choose what the projector shows."))
    return seen


def show(
    session: Session, actor: Account, election_id: int, question_id: int, now: dt.datetime
) -> Question:
    """Put a published question on the projector; the one before is marked discussed.

    Raises:
        NotFound: no such published question in this Q&A. Forbidden: not a moderator or
            officer here. Conflict: discussed already.
    """
    seen = runner(session, actor, election_id)
    question = question_in(session, question_id)
    if question.qa_id != seen.qa.id or not question.is_public:
        raise NotFound
    if question.discussed_at is not None:
        raise Conflict(_l("This question has been discussed already."))
    if question.shown_at is not None:
        return question  # on the projector already
    _finish_current(session, seen.qa, now)
    session.flush()  # the unique index allows one question on screen at a time
    question.shown_at = now
    record_event(
        session,
        action="qa.live-shown",
        actor_id=actor.id,
        now=now,
        subject=f"qa-question:{question.id}",
    )
    session.commit()
    return question


def finish(session: Session, actor: Account, election_id: int, now: dt.datetime) -> None:
    """Mark the question on the projector as discussed (the screen then shows none).

    Raises:
        NotFound, Forbidden (see `show`).
    """
    seen = runner(session, actor, election_id)
    if _finish_current(session, seen.qa, now):
        record_event(
            session,
            action="qa.live-finished",
            actor_id=actor.id,
            now=now,
            subject=f"election:{election_id}",
        )
    session.commit()


def _finish_current(session: Session, qa: QA, now: dt.datetime) -> bool:
    current = session.scalar(
        select(Question).where(
            Question.qa_id == qa.id, Question.shown_at.is_not(None), Question.discussed_at.is_(None)
        )
    )
    if current is None:
        return False
    current.discussed_at = now
    return True
