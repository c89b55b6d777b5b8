"""Results as people read them: counts, percentages, the rule in words, the outcome in the
statutes' wording, and the numbers a bar chart needs (rendered as SVG by the template)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots import Outcome, RuleKind
from voting.elections.lifecycle import result_of
from voting.elections.manifests import describe_rule, option_label, rule_of
from voting.elections.models import Election, ElectionState, Meeting

OUTCOME_WORDS = {
    Outcome.ADOPTED: _l("adopted"),
    Outcome.REJECTED: _l("rejected"),
    Outcome.ELECTED: _l("elected"),
    Outcome.TIE: _l("tie: decided at the meeting"),
    Outcome.NO_QUORUM: _l("not valid: too few voters (quorum)"),
}


@dataclass(frozen=True, slots=True)
class OptionLine:
    """One option's count and share, and whether it won."""

    label: str
    count: int
    percent: float | None  # None: the option does not count as cast under the rule
    winner: bool


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One question's result, ready for a page, the projector or the minutes."""

    number: int
    title: str
    rule: str
    outcome: str
    outcome_code: str
    voters: int
    cast: int
    blank: int | None
    options: tuple[OptionLine, ...]
    # The question's kind: where options compete (multiple choice, candidates), the page
    # names the winners in words, not by the colour of their bar alone (WCAG 1.4.1).
    kind: str


def present(election: Election) -> list[QuestionResult]:
    """The counted result of an election, question by question."""
    result, outcomes = result_of(election)
    counts = {qid: dict(options) for qid, options in result.counts}
    by_question = {o.question: o for o in outcomes}
    out = []
    for question in election.questions:
        outcome = by_question[question.qid]
        rule = rule_of(question)
        question_counts = counts[question.qid]
        base = outcome.cast if rule.kind is RuleKind.MAJORITY else outcome.voters
        lines = []
        for option in question.options:
            count = question_counts[option.key]
            counted = not (
                rule.kind is RuleKind.MAJORITY
                and option.key == "onthouding"
                and not rule.abstain_counts
            )
            percent = (round(100 * count / base, 1) if base else 0.0) if counted else None
            winner = option.key in outcome.winners or (
                outcome.outcome is Outcome.ADOPTED and option.key == "voor"
            )
            lines.append(OptionLine(option_label(option), count, percent, winner))
        out.append(
            QuestionResult(
                question.position,
                question.title,
                describe_rule(rule),
                str(OUTCOME_WORDS[outcome.outcome]),
                outcome.outcome.value,
                outcome.voters,
                outcome.cast,
                outcome.blank,
                tuple(lines),
                question.kind.value,
            )
        )
    return out


def published_elections(session: Session, meeting: Meeting) -> list[Election]:
    """The meeting's elections whose results are published."""
    return list(
        session.scalars(
            select(Election)
            .where(Election.meeting_id == meeting.id, Election.state == ElectionState.PUBLISHED)
            .order_by(Election.published_at)
        )
    )
