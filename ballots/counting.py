"""Counting rules: from decrypted counts to outcomes, exactly.

Implements docs/protocol.md §I.13. Pure functions of the question, its counts, the number of
ballots counted and the electorate size, in integer arithmetic: a threshold p/q is met when
x*q > p*y (more-than) or x*q >= p*y (at-least); no floats anywhere, so the verifier
recomputes every outcome bit for bit. Outcomes are codes; the web service translates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ballots import _fields as f
from ballots.canonical import JSONObject, JSONValue
from ballots.errors import BallotsError, InvalidCount
from ballots.manifest import MAX_ELECTORATE, Manifest, Question
from ballots.result import DecryptedTally
from ballots.rules import Comparison, Fraction, MajorityRule, RuleKind, TieRule


class Outcome(StrEnum):
    """The outcome codes of §I.13."""

    ADOPTED = "adopted"
    REJECTED = "rejected"
    ELECTED = "elected"
    TIE = "tie"
    NO_QUORUM = "no-quorum"


@dataclass(frozen=True, slots=True)
class QuestionOutcome:
    """The outcome of one question (§I.13).

    `winners` are the adopted option (plurality) or elected candidates (approval), `tied` the
    options or candidates in an unresolved tie, both in manifest order; `cast` is the number
    of votes cast under the rule, `blank` the blank ballots (None when not derivable), `voters`
    the ballots counted.
    """

    question: str
    outcome: Outcome
    winners: tuple[str, ...]
    tied: tuple[str, ...]
    cast: int
    blank: int | None
    voters: int

    def to_json(self) -> JSONObject:
        """The §I.13 outcome object."""
        out: dict[str, JSONValue] = {
            "question": self.question,
            "outcome": self.outcome.value,
            "winners": list(self.winners),
            "tied": list(self.tied),
            "cast": self.cast,
            "voters": self.voters,
        }
        if self.blank is not None:
            out["blank"] = self.blank
        return out

    @classmethod
    def from_json(cls, value: JSONValue) -> QuestionOutcome:
        """Read an outcome object (recompute it with `count_question` to check it).

        Raises:
            InvalidCount: a malformed field, named.
        """
        try:
            obj = f.as_object(
                value,
                field="outcome",
                required=frozenset({"question", "outcome", "winners", "tied", "cast", "voters"}),
                optional=frozenset({"blank"}),
            )
            code = obj["outcome"]
            if not isinstance(code, str) or code not in {o.value for o in Outcome}:
                raise InvalidCount("format", field="outcome.outcome")
            lists = []
            for key in ("winners", "tied"):
                raw = f.get_list(obj, key, field="outcome", max_length=64)
                lists.append(tuple(f.get_id({"id": v}, "id", field=f"outcome.{key}") for v in raw))
            return cls(
                f.get_id(obj, "question", field="outcome"),
                Outcome(code),
                lists[0],
                lists[1],
                f.get_int(obj, "cast", field="outcome", low=0, high=64 * MAX_ELECTORATE),
                f.get_int(obj, "blank", field="outcome", low=0, high=MAX_ELECTORATE)
                if "blank" in obj
                else None,
                f.get_int(obj, "voters", field="outcome", low=0, high=MAX_ELECTORATE),
            )
        except InvalidCount:
            raise
        except BallotsError as exc:
            raise InvalidCount(exc.check, field=exc.field) from exc


def meets(x: int, threshold: Fraction, comparison: Comparison, y: int) -> bool:
    """x reaches `threshold` of y: x*q > p*y (more-than) or x*q >= p*y (at-least)."""
    left, right = x * threshold.denominator, threshold.numerator * y
    return left > right if comparison is Comparison.MORE_THAN else left >= right


def _on_boundary(x: int, rule: MajorityRule, y: int) -> bool:
    """x exactly on a more-than threshold (a tie); never for p = 0."""
    t = rule.threshold
    return (
        rule.comparison is Comparison.MORE_THAN
        and t.numerator > 0
        and x * t.denominator == t.numerator * y
    )


def _check_counts(question: Question, counts: Mapping[str, int], voters: int) -> None:
    if set(counts) != set(question.option_ids):
        raise InvalidCount("count-options", question=question.id)
    for oid, c in counts.items():
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c <= voters:
            raise InvalidCount("count-range", question=question.id, option=oid)
    total = sum(counts.values())
    if not question.min_selections * voters <= total <= question.max_selections * voters:
        raise InvalidCount("count-sum", question=question.id)


def count_question(
    question: Question, counts: Mapping[str, int], voters: int, electorate: int
) -> QuestionOutcome:
    """Apply `question.rule` to its counts (§I.13).

    `voters` is N, the number of ballots counted; `electorate` E, for the quorum.

    Raises:
        InvalidCount: ``count-options``, ``count-range``, ``count-sum`` (counts that no set
            of valid ballots can give), ``voters`` (N outside [0, E]).
    """
    if not 0 <= voters <= electorate:
        raise InvalidCount("voters", question=question.id)
    _check_counts(question, counts, voters)
    rule = question.rule
    blank = voters - sum(counts.values()) if question.max_selections == 1 else None

    def result(
        outcome: Outcome, cast: int, winners: tuple[str, ...] = (), tied: tuple[str, ...] = ()
    ) -> QuestionOutcome:
        order = question.option_ids
        return QuestionOutcome(
            question.id,
            outcome,
            tuple(o for o in order if o in winners),
            tuple(o for o in order if o in tied),
            cast,
            blank,
            voters,
        )

    if rule.kind is RuleKind.MAJORITY:
        cast = counts["voor"] + counts["tegen"]
        cast += counts["onthouding"] if rule.abstain_counts else 0
    elif rule.kind is RuleKind.PLURALITY:
        cast = sum(counts.values())
    else:
        cast = voters
    if rule.blank_counts and blank is not None:
        cast += blank
    if rule.quorum is not None and not meets(voters, rule.quorum, Comparison.AT_LEAST, electorate):
        return result(Outcome.NO_QUORUM, cast)
    if rule.kind is RuleKind.MAJORITY:
        return result(_majority(counts["voor"], cast, rule), cast)
    if rule.kind is RuleKind.PLURALITY:
        outcome, winners, tied = _plurality(question, counts, cast, rule)
        return result(outcome, cast, winners, tied)
    outcome, winners, tied = _approval(question, counts, voters, rule)
    return result(outcome, cast, winners, tied)


def _majority(voor: int, cast: int, rule: MajorityRule) -> Outcome:
    if cast == 0:
        return Outcome.REJECTED
    if meets(voor, rule.threshold, rule.comparison, cast):
        return Outcome.ADOPTED
    if _on_boundary(voor, rule, cast):
        return Outcome.REJECTED if rule.tie is TieRule.REJECTED else Outcome.TIE
    return Outcome.REJECTED


def _plurality(
    question: Question, counts: Mapping[str, int], cast: int, rule: MajorityRule
) -> tuple[Outcome, tuple[str, ...], tuple[str, ...]]:
    top = max(counts.values())
    if top == 0 or not meets(top, rule.threshold, rule.comparison, cast):
        return Outcome.REJECTED, (), ()
    leaders = tuple(o for o in question.option_ids if counts[o] == top)
    if len(leaders) == 1:
        return Outcome.ADOPTED, leaders, ()
    if rule.tie is TieRule.REJECTED:
        return Outcome.REJECTED, (), ()
    return Outcome.TIE, (), leaders


def _approval(
    question: Question, counts: Mapping[str, int], voters: int, rule: MajorityRule
) -> tuple[Outcome, tuple[str, ...], tuple[str, ...]]:
    seats = question.seats or 0
    eligible = [
        o
        for o in question.option_ids
        if counts[o] > 0 and meets(counts[o], rule.threshold, rule.comparison, voters)
    ]
    eligible.sort(key=lambda o: -counts[o])
    if len(eligible) <= seats:
        winners: tuple[str, ...] = tuple(eligible)
        tied: tuple[str, ...] = ()
    else:
        boundary = counts[eligible[seats - 1]]
        above = tuple(o for o in eligible if counts[o] > boundary)
        group = tuple(o for o in eligible if counts[o] == boundary)
        if len(above) + len(group) <= seats:
            # The seats end between two different counts: no tie.
            winners, tied = above + group, ()
        elif rule.tie is TieRule.REJECTED:
            winners, tied = above, ()
        else:
            return Outcome.TIE, above, group
    return (Outcome.ELECTED if winners else Outcome.REJECTED), winners, tied


def count_election(manifest: Manifest, result: DecryptedTally) -> tuple[QuestionOutcome, ...]:
    """Every question's outcome from a decrypted tally (§I.13).

    Raises:
        InvalidCount: as `count_question`, or ``election-id`` for a result of another election.
    """
    if result.election_id != manifest.election_id:
        raise InvalidCount("election-id")
    return tuple(
        count_question(q, result.counts_for(q.id), result.ballots_counted, manifest.electorate_size)
        for q in manifest.questions
    )
