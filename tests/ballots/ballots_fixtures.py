"""Elections, ceremonies and manifests for the ballots/ tests (imported by conftest.py).

The key ceremony is a real Joint-Feldman DKG through the public functions; the manifest has a
question of every kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from ballots import (
    Amends,
    Announcement,
    Comparison,
    ElectionKey,
    Fraction,
    MajorityRule,
    Manifest,
    Option,
    Question,
    QuestionKind,
    RuleKind,
    TieRule,
    TrusteeSecret,
    announce,
    deal_shares,
    election_key,
    finish_ceremony,
    motion,
    receive_shares,
    text_sha256,
)


@dataclass(frozen=True)
class Ceremony:
    """A finished ceremony: announcements, the key, and each trustee's final secret."""

    announcements: tuple[Announcement, ...]
    key: ElectionKey
    secrets: tuple[TrusteeSecret, ...]


def run_ceremony(election_id: str, threshold: int, trustees: int) -> Ceremony:
    """Run the whole DKG with honest trustees."""
    pairs = [announce(election_id, i, threshold, trustees) for i in range(1, trustees + 1)]
    secrets = [s for s, _ in pairs]
    announcements = [a for _, a in pairs]
    messages = [m for s in secrets for m in deal_shares(s, announcements)]
    key = election_key(announcements)
    finals = []
    for s in secrets:
        shares, complaints = receive_shares(s, announcements, messages)
        assert complaints == []
        finals.append(finish_ceremony(s, key, shares))
    return Ceremony(tuple(announcements), key, tuple(finals))


def full_manifest(election_id: str = "alv-2026-11", electorate: int = 50) -> Manifest:
    """One question of every kind."""
    candidates = tuple(Option(f"c{i}", f"Kandidaat {i}") for i in range(1, 5))
    return Manifest(
        election_id,
        "Algemene ledenvergadering november 2026",
        electorate,
        (
            motion("m1", "Motie 1: klimaat", "De ALV besluit ..."),
            motion(
                "a1",
                "Amendement op motie 1",
                "Vervang lid 2 door ...",
                kind=QuestionKind.AMENDMENT,
                amends=Amends("m1", "lid 2"),
            ),
            motion("s1", "Statutenwijziging", "Artikel 7 ...", rule=MajorityRule.two_thirds()),
            motion("b1", "Begrotingspost campagne", "EUR 12.000", kind=QuestionKind.BUDGET_LINE),
            Question(
                "mc1",
                QuestionKind.MULTIPLE_CHOICE,
                "Locatie volgend congres",
                text_sha256("Kies een of twee steden"),
                (
                    Option("utrecht", "Utrecht"),
                    Option("zwolle", "Zwolle"),
                    Option("kralendijk", "Kralendijk"),
                ),
                1,
                2,
                MajorityRule(
                    RuleKind.PLURALITY, Fraction(0, 1), Comparison.MORE_THAN, TieRule.CHAIR
                ),
            ),
            Question(
                "e1",
                QuestionKind.APPROVAL,
                "Verkiezing partijraad",
                text_sha256("Kies maximaal twee kandidaten"),
                candidates,
                0,
                2,
                MajorityRule(RuleKind.APPROVAL, Fraction(0, 1), Comparison.MORE_THAN, TieRule.LOT),
                seats=2,
            ),
        ),
    )


BLANK_CHOICES = {"m1": [], "a1": [], "s1": [], "b1": [], "mc1": ["utrecht"], "e1": []}
