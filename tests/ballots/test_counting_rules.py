"""Counting rules (docs/protocol.md §I.13): exact fractions, quorum, ties, seats."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballots import (
    Comparison,
    DecryptedTally,
    Fraction,
    InvalidCount,
    MajorityRule,
    Option,
    Outcome,
    Question,
    QuestionKind,
    QuestionOutcome,
    RuleKind,
    TieRule,
    count_election,
    count_question,
    motion,
    text_sha256,
)
from ballots.counting import meets
from tests.ballots.ballots_fixtures import full_manifest

SIMPLE = motion("m1", "Motie", "tekst")
TWO_THIRDS = motion("s1", "Statuten", "tekst", rule=MajorityRule.two_thirds())


def _motion(rule: MajorityRule) -> Question:
    return motion("m1", "Motie", "tekst", rule=rule)


def _rule(**changes: Any) -> MajorityRule:
    return dataclasses.replace(MajorityRule.simple_majority(), **changes)


@pytest.mark.parametrize(
    ("voor", "tegen", "onthouding", "voters", "outcome"),
    [
        (10, 9, 5, 30, Outcome.ADOPTED),
        (9, 10, 0, 19, Outcome.REJECTED),
        (10, 10, 3, 23, Outcome.REJECTED),  # tie, and the tie rule says rejected
        (0, 0, 4, 10, Outcome.REJECTED),  # nothing cast
        (1, 0, 0, 1, Outcome.ADOPTED),
    ],
)
def test_simple_majority_of_votes_cast(
    voor: int, tegen: int, onthouding: int, voters: int, outcome: Outcome
) -> None:
    result = count_question(
        SIMPLE, {"voor": voor, "tegen": tegen, "onthouding": onthouding}, voters, 100
    )
    assert result.outcome is outcome
    assert result.cast == voor + tegen  # abstentions and blanks are not cast by default
    assert result.blank == voters - voor - tegen - onthouding


def test_abstentions_and_blanks_count_only_when_the_rule_says_so() -> None:
    counts = {"voor": 10, "tegen": 8, "onthouding": 4}
    assert count_question(SIMPLE, counts, 25, 100).outcome is Outcome.ADOPTED
    with_abstain = _motion(_rule(abstain_counts=True))
    result = count_question(with_abstain, counts, 25, 100)
    assert (result.outcome, result.cast) == (Outcome.REJECTED, 22)
    with_blank = _motion(_rule(blank_counts=True))
    result = count_question(with_blank, counts, 25, 100)
    assert (result.outcome, result.cast) == (Outcome.REJECTED, 21)  # 10 is not more than 21/2


@pytest.mark.parametrize(
    ("voor", "tegen", "outcome"),
    [
        (20, 10, Outcome.ADOPTED),
        (19, 10, Outcome.REJECTED),
        (2, 1, Outcome.ADOPTED),
        (0, 0, Outcome.REJECTED),
    ],
)
def test_two_thirds_is_at_least_two_thirds_exactly(voor: int, tegen: int, outcome: Outcome) -> None:
    assert (
        count_question(
            TWO_THIRDS, {"voor": voor, "tegen": tegen, "onthouding": 0}, voor + tegen, 100
        ).outcome
        is outcome
    )


@pytest.mark.parametrize(
    ("tie", "outcome"),
    [
        (TieRule.REJECTED, Outcome.REJECTED),
        (TieRule.CHAIR, Outcome.TIE),
        (TieRule.LOT, Outcome.TIE),
    ],
)
def test_exact_tie_follows_the_tie_rule(tie: TieRule, outcome: Outcome) -> None:
    result = count_question(
        _motion(_rule(tie=tie)), {"voor": 7, "tegen": 7, "onthouding": 1}, 15, 100
    )
    assert result.outcome is outcome


def test_quorum_is_measured_on_turnout() -> None:
    rule = _rule(quorum=Fraction(1, 4))
    counts = {"voor": 20, "tegen": 1, "onthouding": 3}
    assert count_question(_motion(rule), counts, 24, 100).outcome is Outcome.NO_QUORUM
    assert count_question(_motion(rule), counts, 25, 100).outcome is Outcome.ADOPTED  # 25 >= 100/4


def test_zero_threshold_never_makes_a_tie() -> None:
    rule = _rule(threshold=Fraction(0, 1), tie=TieRule.LOT)
    assert (
        count_question(_motion(rule), {"voor": 0, "tegen": 3, "onthouding": 0}, 3, 10).outcome
        is Outcome.REJECTED
    )


def _choice(rule: MajorityRule, max_selections: int = 1) -> Question:
    options = (Option("a", "A"), Option("b", "B"), Option("c", "C"))
    return Question(
        "mc",
        QuestionKind.MULTIPLE_CHOICE,
        "Keuze",
        text_sha256("t"),
        options,
        0,
        max_selections,
        rule,
    )


PLURALITY = MajorityRule(RuleKind.PLURALITY, Fraction(0, 1), Comparison.MORE_THAN, TieRule.LOT)


def test_plurality_picks_the_single_leader() -> None:
    result = count_question(_choice(PLURALITY), {"a": 3, "b": 5, "c": 1}, 10, 20)
    assert (result.outcome, result.winners, result.blank) == (Outcome.ADOPTED, ("b",), 1)


def test_plurality_tie_between_leaders() -> None:
    result = count_question(_choice(PLURALITY), {"a": 4, "b": 1, "c": 4}, 9, 20)
    assert (result.outcome, result.tied) == (Outcome.TIE, ("a", "c"))
    rejecting = dataclasses.replace(PLURALITY, tie=TieRule.REJECTED)
    assert (
        count_question(_choice(rejecting), {"a": 4, "b": 1, "c": 4}, 9, 20).outcome
        is Outcome.REJECTED
    )


def test_plurality_with_a_majority_threshold_and_blanks() -> None:
    rule = dataclasses.replace(PLURALITY, threshold=Fraction(1, 2), blank_counts=True)
    assert (
        count_question(_choice(rule), {"a": 5, "b": 3, "c": 1}, 10, 20).outcome is Outcome.REJECTED
    )  # 5 of 10
    assert (
        count_question(_choice(rule), {"a": 6, "b": 3, "c": 1}, 10, 20).outcome is Outcome.ADOPTED
    )
    assert (
        count_question(_choice(PLURALITY), {"a": 0, "b": 0, "c": 0}, 4, 20).outcome
        is Outcome.REJECTED
    )


def _election(
    seats: int, tie: TieRule = TieRule.LOT, threshold: Fraction | None = None
) -> Question:
    threshold = threshold or Fraction(0, 1)
    options = tuple(Option(f"c{i}", f"K{i}") for i in range(1, 6))
    rule = MajorityRule(RuleKind.APPROVAL, threshold, Comparison.MORE_THAN, tie)
    return Question(
        "e1",
        QuestionKind.APPROVAL,
        "Verkiezing",
        text_sha256("t"),
        options,
        0,
        seats,
        rule,
        seats=seats,
    )


def test_approval_elects_the_top_candidates() -> None:
    result = count_question(_election(2), {"c1": 5, "c2": 9, "c3": 7, "c4": 0, "c5": 1}, 12, 50)
    assert (result.outcome, result.winners, result.tied, result.blank) == (
        Outcome.ELECTED,
        ("c2", "c3"),
        (),
        None,
    )


def test_approval_reports_a_tie_at_the_last_seat() -> None:
    counts = {"c1": 5, "c2": 9, "c3": 5, "c4": 0, "c5": 1}
    result = count_question(_election(2), counts, 12, 50)
    assert (result.outcome, result.winners, result.tied) == (Outcome.TIE, ("c2",), ("c1", "c3"))
    rejecting = count_question(_election(2, TieRule.REJECTED), counts, 12, 50)
    assert (rejecting.outcome, rejecting.winners) == (Outcome.ELECTED, ("c2",))


def test_approval_with_threshold_and_fewer_eligible_than_seats() -> None:
    question = _election(3, threshold=Fraction(1, 2))
    result = count_question(question, {"c1": 7, "c2": 6, "c3": 5, "c4": 0, "c5": 0}, 12, 50)
    assert (result.outcome, result.winners) == (
        Outcome.ELECTED,
        ("c1",),
    )  # 6 is not more than half of 12
    nobody = count_question(question, {"c1": 1, "c2": 0, "c3": 0, "c4": 0, "c5": 0}, 12, 50)
    assert (nobody.outcome, nobody.winners) == (Outcome.REJECTED, ())
    tie_only = count_question(
        _election(1, TieRule.REJECTED), {"c1": 3, "c2": 3, "c3": 0, "c4": 0, "c5": 0}, 6, 50
    )
    assert (tie_only.outcome, tie_only.winners) == (Outcome.REJECTED, ())


@pytest.mark.parametrize(
    ("counts", "voters", "check"),
    [
        ({"voor": 1, "tegen": 1}, 5, "count-options"),
        ({"voor": -1, "tegen": 1, "onthouding": 0}, 5, "count-range"),
        ({"voor": 6, "tegen": 0, "onthouding": 0}, 5, "count-range"),
        ({"voor": 3, "tegen": 3, "onthouding": 0}, 5, "count-sum"),
        ({"voor": True, "tegen": 0, "onthouding": 0}, 5, "count-range"),
        ({"voor": 1, "tegen": 0, "onthouding": 0}, 101, "voters"),
    ],
)
def test_counts_no_valid_ballots_can_give_are_rejected(
    counts: dict[str, int], voters: int, check: str
) -> None:
    with pytest.raises(InvalidCount, match=check):
        count_question(SIMPLE, counts, voters, 100)


def test_count_election_and_outcome_json() -> None:
    manifest = full_manifest()
    counts = (
        ("m1", (("voor", 3), ("tegen", 1), ("onthouding", 0))),
        ("a1", (("voor", 1), ("tegen", 1), ("onthouding", 0))),
        ("s1", (("voor", 2), ("tegen", 1), ("onthouding", 0))),
        ("b1", (("voor", 0), ("tegen", 0), ("onthouding", 0))),
        ("mc1", (("utrecht", 2), ("zwolle", 2), ("kralendijk", 1))),
        ("e1", (("c1", 1), ("c2", 3), ("c3", 0), ("c4", 0))),
    )
    result = DecryptedTally(manifest.election_id, bytes(32), 4, (1, 2), counts)
    outcomes = count_election(manifest, result)
    assert [o.outcome for o in outcomes] == [
        Outcome.ADOPTED,
        Outcome.REJECTED,
        Outcome.ADOPTED,
        Outcome.REJECTED,
        Outcome.TIE,
        Outcome.ELECTED,
    ]
    for o in outcomes:
        assert QuestionOutcome.from_json(o.to_json()) == o
    with pytest.raises(InvalidCount, match="election-id"):
        count_election(dataclasses.replace(manifest, election_id="other"), result)


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        (lambda d: d.update(outcome="won"), "format"),
        (lambda d: d.update(winners=["Bad Id"]), "format"),
        (lambda d: d.pop("cast"), "missing-field"),
    ],
)
def test_malformed_outcome_is_rejected(mutate: Any, check: str) -> None:
    doc = dict(count_question(SIMPLE, {"voor": 1, "tegen": 0, "onthouding": 0}, 1, 10).to_json())
    mutate(doc)
    with pytest.raises(InvalidCount, match=check):
        QuestionOutcome.from_json(doc)


fractions = st.tuples(st.integers(1, 1000), st.integers(0, 1000)).map(
    lambda t: Fraction(min(t[1], t[0]), t[0])
)


@given(
    st.integers(0, 500),
    st.integers(0, 500),
    st.integers(0, 500),
    fractions,
    st.sampled_from(list(Comparison)),
)
def test_property_majority_outcome_matches_exact_rational_arithmetic(
    voor: int, tegen: int, onthouding: int, threshold: Fraction, comparison: Comparison
) -> None:
    from fractions import Fraction as Exact

    rule = _rule(threshold=threshold, comparison=comparison, tie=TieRule.CHAIR)
    voters = voor + tegen + onthouding
    result = count_question(
        _motion(rule),
        {"voor": voor, "tegen": tegen, "onthouding": onthouding},
        voters,
        max(voters, 1),
    )
    cast = voor + tegen
    share = Exact(voor, cast) if cast else None
    bound = Exact(threshold.numerator, threshold.denominator)
    if cast == 0:
        assert result.outcome is Outcome.REJECTED
    elif (share > bound) if comparison is Comparison.MORE_THAN else (share >= bound):
        assert result.outcome is Outcome.ADOPTED
    elif share == bound and threshold.numerator > 0:
        assert result.outcome is Outcome.TIE
    else:
        assert result.outcome is Outcome.REJECTED
    if cast:
        assert meets(voor, threshold, comparison, cast) == (result.outcome is Outcome.ADOPTED)
