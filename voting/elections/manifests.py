"""From the officer's draft to the protocol's manifest (protocol.md §I.7), and back to words.

Question ids are `q1`, `q2`, … in ballot order; motion options are voor / tegen /
onthouding (no selection is a blank vote); other options are `o1`, `o2`, …. Each question
carries the SHA-256 of its frozen text, so the text people voted on can be proven later.
"""

from __future__ import annotations

import functools

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ballots import (
    Amends,
    BallotsError,
    Comparison,
    MajorityRule,
    Manifest,
    Option,
    Question,
    QuestionKind,
    RuleKind,
    TieRule,
    text_sha256,
)
from voting.elections.models import Election, ElectionOption, ElectionQuestion, stored
from voting.elections.models import QuestionKind as DbQuestionKind
from voting.errors import Conflict


def rule_of(question: ElectionQuestion) -> MajorityRule:
    """The question's majority rule."""
    return _parsed_rule(question.rule_json)


@functools.lru_cache(maxsize=512)
def _parsed_rule(text: str) -> MajorityRule:
    # A rule is immutable and its stored text is the key: a ballot page of 30 questions
    # would otherwise parse 30 rules on every view.
    return MajorityRule.from_json(stored(text), field="rule")


def manifest_question(question: ElectionQuestion) -> Question:
    """The protocol's view of one question.

    Raises:
        BallotsError: the question does not fit the protocol (ballots names the check).
    """
    amends = None
    if question.amends is not None:
        amends = Amends(question.amends.qid, f"p{question.amends_paragraph}")
    return Question(
        question.qid,
        QuestionKind(question.kind.value),
        question.title,
        text_sha256(question.text),
        tuple(Option(option.key, option.label) for option in question.options),
        question.min_selections,
        question.max_selections,
        rule_of(question),
        amends,
        question.seats,
    )


def build_manifest_questions(election: Election) -> tuple[Question, ...]:
    """Every question in protocol form.

    Raises:
        Conflict: naming the question that the protocol refuses, and why.
    """
    questions = []
    for question in election.questions:
        try:
            questions.append(manifest_question(question))
        except BallotsError as exc:
            raise Conflict(
                _l(
                    "Question %(number)d cannot be used: %(check)s.",
                    number=question.position,
                    check=exc.check,
                )
            ) from exc
    return tuple(questions)


def build_manifest(election: Election, electorate_size: int) -> Manifest:
    """The manifest frozen when voting opens."""
    return Manifest(
        election.slug, election.title, electorate_size, build_manifest_questions(election)
    )


def describe_rule(rule: MajorityRule) -> str:
    """The rule in plain words, as voters read it before they vote and on the projector."""
    return _described(rule, str(get_locale()))


@functools.lru_cache(maxsize=512)
def _described(rule: MajorityRule, locale: str) -> str:
    # The words depend on the rule and the language only (`locale` is the cache key).
    parts: list[str] = []
    if rule.kind is RuleKind.MAJORITY:
        share = f"{rule.threshold.numerator}/{rule.threshold.denominator}"
        if (rule.threshold.numerator, rule.threshold.denominator) == (
            1,
            2,
        ) and rule.comparison is Comparison.MORE_THAN:
            parts.append(str(_l("Adopted when more than half of the votes cast are for.")))
        elif rule.comparison is Comparison.AT_LEAST:
            parts.append(
                str(_l("Adopted when at least %(share)s of the votes cast are for.", share=share))
            )
        else:
            parts.append(
                str(
                    _l(
                        "Adopted when more than %(share)s of the votes cast are for.",
                        share=share,
                    )
                )
            )
    elif rule.kind is RuleKind.PLURALITY:
        parts.append(str(_l("The option with the most votes wins.")))
    else:
        parts.append(str(_l("The candidates with the most votes fill the seats.")))
    parts.append(_what_counts(rule))
    if rule.quorum is not None:
        percent = 100 * rule.quorum.numerator // rule.quorum.denominator
        parts.append(
            str(
                _l("Valid only if at least %(percent)d%% of the voters take part.", percent=percent)
            )
        )
    parts.append(_on_a_tie(rule))
    return " ".join(part for part in parts if part)


def _what_counts(rule: MajorityRule) -> str:
    """Which votes count as cast, in one sentence where one will do."""
    if rule.kind is RuleKind.APPROVAL:
        return ""  # every ballot counts: a seat needs votes, not a share of them
    if rule.kind is RuleKind.PLURALITY:
        if rule.blank_counts:
            return str(_l("Blank votes count as votes cast."))
        return str(_l("Blank votes do not count as votes cast."))
    if rule.abstain_counts and rule.blank_counts:
        return str(_l("Abstentions and blank votes count as votes cast."))
    if not rule.abstain_counts and not rule.blank_counts:
        return str(_l("Abstentions and blank votes do not count as votes cast."))
    if rule.abstain_counts:
        return str(_l("Abstentions count as votes cast; blank votes do not."))
    return str(_l("Blank votes count as votes cast; abstentions do not."))


def _on_a_tie(rule: MajorityRule) -> str:
    """What a tie becomes, in the words that fit the kind of question (ballots/counting.py)."""
    if rule.tie is TieRule.CHAIR:
        return str(_l("A tie is decided by the chair at the meeting."))
    if rule.tie is TieRule.LOT:
        return str(_l("A tie is decided by lot at the meeting."))
    if rule.kind is RuleKind.PLURALITY:
        return str(_l("If options tie for the most votes, none of them is chosen."))
    if rule.kind is RuleKind.APPROVAL:
        return str(
            _l("Candidates who tie for the last seats are not elected; those seats stay empty.")
        )
    return str(_l("A tie means rejected."))


MOTION_LABELS = {"voor": _l("For"), "tegen": _l("Against"), "onthouding": _l("Abstain")}


def option_label(option: ElectionOption) -> str:
    """An option as the reader's language says it (motion options are stored in Dutch)."""
    if (
        option.question.kind is not DbQuestionKind.MULTIPLE_CHOICE
        and option.question.kind is not DbQuestionKind.APPROVAL
    ):
        label = _motion_label(option.key, str(get_locale()))
        if label is not None:
            return label
    return option.label


@functools.lru_cache(maxsize=64)
def _motion_label(key: str, locale: str) -> str | None:
    # `locale` is the cache key: the label is translated in the current language.
    label = MOTION_LABELS.get(key)
    return str(label) if label is not None else None
