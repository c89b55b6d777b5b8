"""Mail about the Q&A, sent after the decision is committed.

- to each candidate a question is for, when a moderator approves it (also after a granted
  appeal);
- to the asker, when a candidate answers their question for the first time, when it is
  rejected (with the clause and the moderator's reason), and when their appeal is decided;
- to the author of a question or an answer that a moderator hides after a report.

Each mail is in its recipient's language, with times in their own zone. Mail never names
a reporter, and an anonymous asker's name never reaches a candidate. If the SMTP server
fails, the decision stands (the pages show it) and the failure is logged, not shown.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from voting.accounts.models import Account
from voting.config import Settings
from voting.mail import Mailer, MailError, compose
from voting.moderation.clauses import CLAUSE_TEXTS, Clause, clause_number
from voting.qa.models import Candidate, QAAnswer, Question

logger = logging.getLogger(__name__)


def _message(
    settings: Settings, account: Account, template: str, subject: object, **context: object
) -> EmailMessage:
    member = account.member
    with force_locale(account.locale or settings.default_locale):
        body = render_template(template, name=member.name, **context)
        title = str(subject)  # a lazy string, translated in the recipient's language
    return compose(settings, to=member.email, subject=title, body=body)


def _send(mailer: Mailer, messages: Sequence[EmailMessage], what: str) -> None:
    if not messages:
        return
    try:
        mailer.send(messages)
    except MailError:
        logger.warning("Q&A mail (%s) not delivered", what)


def _link(settings: Settings, path: str) -> str:
    return f"{settings.base_url}{path}"


def _clause_text(clause: Clause | None) -> str:
    if clause is None:
        return ""
    return f"{clause_number(clause)}. {CLAUSE_TEXTS[clause]}"


def question_approved(
    settings: Settings, mailer: Mailer, question: Question, candidates: Sequence[Candidate]
) -> None:
    """Tell each candidate the question is for that it is published and waits for them."""
    election = question.qa.election
    messages = [
        _message(
            settings,
            candidate.account,
            "qa/mail/approved.txt",
            _l("A question for you in the Q&A"),
            candidate=candidate.display_name,
            election=election.title,
            text=question.text,
            to_all=question.candidate_id is None,
            link=_link(settings, f"/qa/questions/{question.id}/answer"),
        )
        for candidate in candidates
        if candidate.account.is_usable
    ]
    _send(mailer, messages, "approved")


def question_rejected(settings: Settings, mailer: Mailer, question: Question) -> None:
    """Tell the asker why their question was rejected, and that they can appeal once."""
    message = _message(
        settings,
        question.asker,
        "qa/mail/rejected.txt",
        _l("Your question was not published"),
        election=question.qa.election.title,
        text=question.text,
        clause=_clause_text(question.clause),
        reason=question.reason,
        link=_link(settings, f"/qa/{question.qa.election_id}/mine"),
    )
    _send(mailer, [message], "rejected")


def appeal_decided(
    settings: Settings, mailer: Mailer, question: Question, granted: bool, reason: str
) -> None:
    """Tell the asker how another moderator decided on their appeal."""
    message = _message(
        settings,
        question.asker,
        "qa/mail/appeal.txt",
        _l("Your appeal was decided"),
        election=question.qa.election.title,
        text=question.text,
        granted=granted,
        reason=reason,
        link=_link(settings, f"/qa/{question.qa.election_id}/mine"),
    )
    _send(mailer, [message], "appeal")


def question_answered(settings: Settings, mailer: Mailer, answer: QAAnswer) -> None:
    """Tell the asker that a candidate answered their question."""
    question = answer.question
    message = _message(
        settings,
        question.asker,
        "qa/mail/answered.txt",
        _l("A candidate answered your question"),
        candidate=answer.candidate.display_name,
        election=question.qa.election.title,
        text=question.text,
        link=_link(settings, f"/qa/questions/{question.id}"),
    )
    _send(mailer, [message], "answered")


def item_hidden(
    settings: Settings,
    mailer: Mailer,
    author: Account,
    *,
    is_answer: bool,
    question: Question,
    clause: Clause,
    reason: str,
) -> None:
    """Tell the author of a hidden question or answer which clause it broke, and why."""
    message = _message(
        settings,
        author,
        "qa/mail/hidden.txt",
        _l("A moderator hid your answer") if is_answer else _l("A moderator hid your question"),
        is_answer=is_answer,
        election=question.qa.election.title,
        clause=_clause_text(clause),
        reason=reason,
        link=_link(settings, f"/qa/{question.qa.election_id}"),
    )
    _send(mailer, [message], "hidden")
