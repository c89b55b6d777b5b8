"""The majority rule in plain words, as voters read it on the ballot and the projector: one
sentence on what counts as cast where one will do, and a tie described as the count
(ballots/counting.py) really resolves it for that kind of question."""

from __future__ import annotations

from fractions import Fraction

import pytest
from flask import Flask
from flask_babel import force_locale

from ballots import Comparison, MajorityRule, RuleKind, TieRule
from voting.elections.manifests import describe_rule


def _rule(
    kind: RuleKind, tie: TieRule, *, abstain: bool = False, blank: bool = False
) -> MajorityRule:
    threshold = Fraction(1, 2) if kind is RuleKind.MAJORITY else Fraction(0, 1)
    return MajorityRule(
        kind, threshold, Comparison.MORE_THAN, tie, abstain_counts=abstain, blank_counts=blank
    )


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            _rule(RuleKind.MAJORITY, TieRule.REJECTED),
            "Aangenomen als meer dan de helft van de uitgebrachte stemmen “voor” is. "
            "Onthoudingen en blanco stemmen tellen niet mee als uitgebrachte stem. "
            "Bij een gelijke stand is de uitkomst: verworpen.",
        ),
        (
            _rule(RuleKind.MAJORITY, TieRule.CHAIR, abstain=True),
            "Aangenomen als meer dan de helft van de uitgebrachte stemmen “voor” is. "
            "Onthoudingen tellen mee als uitgebrachte stem, blanco stemmen niet. "
            "Bij een gelijke stand beslist de voorzitter tijdens de vergadering.",
        ),
        (
            _rule(RuleKind.PLURALITY, TieRule.REJECTED),
            "De optie met de meeste stemmen wint. "
            "Blanco stemmen tellen niet mee als uitgebrachte stem. "
            "Als twee of meer opties de meeste stemmen hebben, wint geen van die opties.",
        ),
        (
            _rule(RuleKind.APPROVAL, TieRule.REJECTED),
            "De kandidaten met de meeste stemmen krijgen de plaatsen. "
            "Hebben kandidaten evenveel stemmen voor de laatste plaatsen, dan wordt geen van hen "
            "gekozen. Die plaatsen blijven leeg.",
        ),
    ],
)
def test_rules_read_as_one_plain_paragraph(app: Flask, rule: MajorityRule, expected: str) -> None:
    with app.test_request_context(), force_locale("nl"):
        assert describe_rule(rule) == expected


def test_a_candidate_election_never_says_a_tie_means_rejected(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        words = describe_rule(_rule(RuleKind.APPROVAL, TieRule.REJECTED))
    assert "rejected" not in words
    assert "those seats stay empty" in words
