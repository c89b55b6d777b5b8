"""What the Q&A stores about a member (their data export), and the committee's export.

`personal_data` lists a member's own questions, also those asked anonymously (anonymity
hides the asker from other members, not from themselves), with their state, the clause
and reason of a rejection and any appeal; the questions they upvoted; their reports; and,
for candidates, their candidacies and answers.

`moderation_csv` is the moderation log of one Q&A for the candidate committee: who, when,
which clause, why, and what it was about (question number and candidate), never the text
of a rejected or hidden item and never who reported it.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.moderation.models import ModerationAction
from voting.moderation.services import actions, actions_csv
from voting.qa.models import Candidate, QAAnswer, QAReport, Question, Upvote
from voting.qa.services import Viewer, require, viewer

PersonalValue = str | int | bool | None

ALL_CANDIDATES = "all candidates"
"""The addressee of a question put to every candidate, in the data export (a stable code)."""


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data(session: Session, account: Account) -> dict[str, list[dict[str, PersonalValue]]]:
    """Everything the Q&A holds that is about the member or written by them."""
    questions = session.scalars(
        select(Question).where(Question.asker_id == account.id).order_by(Question.id)
    ).all()
    upvotes = session.scalars(
        select(Upvote).where(Upvote.account_id == account.id).order_by(Upvote.question_id)
    ).all()
    reports = session.scalars(
        select(QAReport).where(QAReport.reporter_id == account.id).order_by(QAReport.id)
    ).all()
    candidacies = session.scalars(
        select(Candidate).where(Candidate.account_id == account.id).order_by(Candidate.id)
    ).all()
    answers = session.scalars(
        select(QAAnswer)
        .join(Candidate, Candidate.id == QAAnswer.candidate_id)
        .where(Candidate.account_id == account.id)
        .order_by(QAAnswer.id)
    ).all()
    return {
        "questions": [
            {
                "election": q.qa.election.title,
                "question": q.id,
                "to": q.candidate.display_name if q.candidate else ALL_CANDIDATES,
                "text": q.text,
                "anonymous": q.anonymous,
                "asked_at": q.created_at.isoformat(),
                "state": q.state.value,
                "clause": q.clause.value if q.clause else None,
                "reason": q.reason or None,
                "appeal": q.appeal.text if q.appeal else None,
                "appeal_granted": q.appeal.granted if q.appeal else None,
                "hidden_clause": q.hidden_clause.value if q.hidden_clause else None,
                "hidden_reason": q.hidden_reason or None,
            }
            for q in questions
        ],
        "upvotes": [{"question": u.question_id, "at": u.created_at.isoformat()} for u in upvotes],
        "reports": [
            {
                "question": r.question_id,
                "answer_number": r.answer_id,
                "why": r.why,
                "at": r.created_at.isoformat(),
                "resolution": r.resolution.value if r.resolution else None,
            }
            for r in reports
        ],
        "candidacies": [
            {
                "election": c.election.title,
                "display_name": c.display_name,
                "pronouns": c.pronouns,
                "motivation": c.motivation,
                "experience": c.experience,
                "links": c.links_json,
                "photo": c.photo is not None,
                "admitted_at": c.admitted_at.isoformat(),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in candidacies
        ],
        "answers": [
            {
                "question": a.question_id,
                "text": a.text,
                "at": a.created_at.isoformat(),
                "edited_at": _iso(a.edited_at),
                "hidden_clause": a.hidden_clause.value if a.hidden_clause else None,
                "hidden_reason": a.hidden_reason or None,
            }
            for a in answers
        ],
    }


def log_reader(session: Session, actor: Account, election_id: int) -> Viewer:
    """The actor as a reader of a Q&A's moderation log: its moderators and officers.

    Raises:
        NotFound; Forbidden: anyone else (candidates included).
    """
    seen = viewer(session, actor, election_id)
    require(
        seen.can_moderate or seen.can_manage,
        _l("The moderation log is for the moderators and the candidate committee."),
    )
    return seen


def describe(session: Session, subject: str) -> str:
    """A moderation subject in words: "question 12 to Anna", "answer 7 by Bram"."""
    kind, _sep, raw = subject.partition(":")
    if not raw.isdigit():
        return subject
    if kind == "question":
        question = session.get(Question, int(raw))
        to = (
            question.candidate.display_name
            if question and question.candidate
            else _("all candidates")
        )
        return _("question %(number)s to %(to)s", number=raw, to=to)
    if kind == "answer":
        found = session.get(QAAnswer, int(raw))
        by = found.candidate.display_name if found else "?"
        number = found.question_id if found else "?"
        return _("answer by %(by)s to question %(number)s", by=by, number=number)
    return subject


def moderation_log(session: Session, seen: Viewer) -> list[ModerationAction]:
    """The moderation log of a Q&A, oldest first."""
    return list(actions(session, seen.qa.log_id))


def moderation_csv(session: Session, seen: Viewer) -> str:
    """The moderation log of a Q&A as formula-safe CSV, in the reader's time zone."""
    return actions_csv(
        session,
        seen.qa.log_id,
        seen.account.member.timezone,
        lambda subject: describe(session, subject),
    )
