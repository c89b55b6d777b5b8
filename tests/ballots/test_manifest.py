"""Manifest, questions and majority rules (docs/protocol.md §I.7)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from ballots import (
    Amends,
    Comparison,
    Fraction,
    InvalidManifest,
    MajorityRule,
    Manifest,
    Option,
    Question,
    QuestionKind,
    RuleKind,
    TieRule,
    canonical_json,
    motion,
    parse_canonical_json,
    text_sha256,
)
from tests.ballots.ballots_fixtures import full_manifest


def _json(manifest: Manifest) -> dict[str, Any]:
    return json.loads(canonical_json(manifest.to_json()))


def test_manifest_round_trips_through_canonical_json() -> None:
    manifest = full_manifest()
    raw = canonical_json(manifest.to_json())
    assert Manifest.from_json(parse_canonical_json(raw, max_bytes=1 << 20)) == manifest
    assert len(manifest.digest()) == 32
    assert manifest.question("e1").seats == 2
    assert manifest.question("a1").amends == Amends("m1", "lid 2")


def test_text_hash_is_plain_sha256_of_the_frozen_text() -> None:
    # sha256sum of "abc" (FIPS 180-2 example).
    assert text_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_digest_changes_with_any_field() -> None:
    manifest = full_manifest()
    changed = dataclasses.replace(manifest, title="Andere titel")
    assert manifest.digest() != changed.digest()


def test_rule_constructors() -> None:
    assert MajorityRule.simple_majority().to_json() == {
        "kind": "majority",
        "threshold": [1, 2],
        "comparison": "more-than",
        "tie": "rejected",
        "abstain_counts": False,
        "blank_counts": False,
    }
    assert MajorityRule.two_thirds().threshold == Fraction(2, 3)


MUTATIONS: dict[str, tuple[Any, str]] = {
    "kind-unknown": (lambda d: d["questions"][0].update(kind="referendum"), "format"),
    "motion-options": (lambda d: d["questions"][0]["options"].pop(), "motion-options"),
    "motion-selections": (lambda d: d["questions"][0].update(max_selections=2), "motion-options"),
    "rule-kind": (lambda d: d["questions"][0]["rule"].update(kind="plurality"), "unknown-field"),
    "rule-mismatch": (
        lambda d: d["questions"][4].update(rule=MajorityRule.simple_majority().to_json()),
        "rule-kind",
    ),
    "fraction": (lambda d: d["questions"][0]["rule"].update(threshold=[3, 2]), "fraction"),
    "fraction-shape": (lambda d: d["questions"][0]["rule"].update(threshold=[1, 2, 3]), "fraction"),
    "fraction-type": (lambda d: d["questions"][0]["rule"].update(threshold=[True, 2]), "fraction"),
    "fraction-not-list": (lambda d: d["questions"][0]["rule"].update(threshold="1/2"), "fraction"),
    "comparison": (lambda d: d["questions"][0]["rule"].update(comparison="most"), "format"),
    "enum-type": (lambda d: d["questions"][0]["rule"].update(tie=3), "format"),
    "bool": (lambda d: d["questions"][0]["rule"].update(abstain_counts="yes"), "format"),
    "rule-not-object": (lambda d: d["questions"][0].update(rule=[]), "missing-field"),
    "blank-with-max-2": (
        lambda d: d["questions"][4]["rule"].update(blank_counts=True),
        "rule-blank",
    ),
    "amends-missing": (lambda d: d["questions"][1].pop("amends"), "amends"),
    "amends-later": (lambda d: d["questions"][1]["amends"].update(question="s1"), "amends"),
    "amends-non-motion": (
        lambda d: d["questions"][5].update(amends={"question": "m1", "paragraph": "x"}),
        "amends",
    ),
    "seats-missing": (lambda d: d["questions"][5].pop("seats"), "seats"),
    "seats-too-many": (lambda d: d["questions"][5].update(seats=9), "seats"),
    "seats-on-motion": (lambda d: d["questions"][0].update(seats=1), "seats"),
    "one-choice": (
        lambda d: (
            d["questions"][4]["options"].__delitem__(slice(1, None)),
            d["questions"][4].update(min_selections=0, max_selections=1),
        ),
        "option-count",
    ),
    "no-options": (
        lambda d: d["questions"][5].update(options=[], max_selections=1, min_selections=0),
        "option-count",
    ),
    "option-ids": (lambda d: d["questions"][4]["options"][1].update(id="utrecht"), "option-ids"),
    "question-ids": (lambda d: d["questions"][2].update(id="m1"), "question-ids"),
    "text-hash": (lambda d: d["questions"][0].update(text_sha256="ABC"), "format"),
    "electorate": (lambda d: d.update(electorate_size=0), "range"),
    "no-questions": (lambda d: d.update(questions=[]), "question-count"),
    "election-id": (lambda d: d.update(election_id="ALV 2026"), "format"),
    "version": (lambda d: d.update(version=0), "version"),
    "unknown-field": (lambda d: d["questions"][0].update(colour="red"), "unknown-field"),
    "long-title": (lambda d: d["questions"][0].update(title="x" * 301), "length"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_invalid_manifest_is_rejected_by_name(name: str) -> None:
    mutate, check = MUTATIONS[name]
    doc = _json(full_manifest())
    mutate(doc)
    with pytest.raises(InvalidManifest, match=check):
        Manifest.from_json(doc)


def test_invalid_objects_cannot_be_constructed() -> None:
    q = full_manifest().questions[0]
    with pytest.raises(InvalidManifest, match="format"):
        dataclasses.replace(q, id="Q1")
    with pytest.raises(InvalidManifest, match="fraction"):
        Fraction(1, 0)
    with pytest.raises(InvalidManifest, match="selections"):
        Question(
            "mc",
            QuestionKind.MULTIPLE_CHOICE,
            "t",
            text_sha256("t"),
            (Option("a", "A"), Option("b", "B")),
            0,
            0,
            MajorityRule(RuleKind.PLURALITY, Fraction(1, 2), Comparison.MORE_THAN, TieRule.LOT),
        )
    manifest = full_manifest()
    with pytest.raises(InvalidManifest, match="question-unknown"):
        manifest.question("zz")
    with pytest.raises(InvalidManifest, match="format"):
        dataclasses.replace(manifest, election_id="-bad")


def test_amendment_helper_builds_a_valid_amendment() -> None:
    amendment = motion(
        "a9", "Amendement", "tekst", kind=QuestionKind.AMENDMENT, amends=Amends("m1", "lid 1")
    )
    assert amendment.option_ids == ("voor", "tegen", "onthouding")
    assert amendment.to_json()["amends"] == {"question": "m1", "paragraph": "lid 1"}


def test_rule_with_quorum_round_trips() -> None:
    rule = MajorityRule(
        RuleKind.MAJORITY,
        Fraction(1, 2),
        Comparison.MORE_THAN,
        TieRule.CHAIR,
        Fraction(1, 10),
        True,
        True,
    )
    assert MajorityRule.from_json(rule.to_json(), field="rule") == rule
    approval = MajorityRule(RuleKind.APPROVAL, Fraction(0, 1), Comparison.MORE_THAN, TieRule.LOT)
    assert "blank_counts" not in approval.to_json()
    assert MajorityRule.from_json(approval.to_json(), field="rule") == approval


def test_manifest_from_json_reports_non_manifest_errors_as_manifest_errors() -> None:
    with pytest.raises(InvalidManifest, match="json-shape"):
        Manifest.from_json([])
