"""Majority rules: thresholds as exact fractions, what counts as cast, quorum and ties.

Implements the RULE objects of docs/protocol.md §I.7, which §I.13 (ballots/counting.py)
applies. Fractions are integer pairs, never floats, so the verifier recomputes every outcome
exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from ballots import _fields as f
from ballots.canonical import JSONObject, JSONValue
from ballots.errors import InvalidManifest


class RuleKind(StrEnum):
    """How a question's counts become an outcome (§I.13)."""

    MAJORITY = "majority"
    PLURALITY = "plurality"
    APPROVAL = "approval"


class Comparison(StrEnum):
    """x compared with a fraction p/q of y: x*q > p*y or x*q >= p*y."""

    MORE_THAN = "more-than"
    AT_LEAST = "at-least"


class TieRule(StrEnum):
    """What an exact tie becomes: rejected, or decided at the meeting by the chair or by lot."""

    REJECTED = "rejected"
    CHAIR = "chair"
    LOT = "lot"


@dataclass(frozen=True, slots=True)
class Fraction:
    """An exact fraction p/q with 0 <= p <= q and 1 <= q <= 1000 (never a float)."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if not (1 <= self.denominator <= 1000 and 0 <= self.numerator <= self.denominator):
            raise InvalidManifest("fraction", detail=f"{self.numerator}/{self.denominator}")

    @classmethod
    def from_json(cls, value: JSONValue, *, field: str) -> Fraction:
        """Read ``[p, q]``."""
        if isinstance(value, str) or not isinstance(value, list | tuple) or len(value) != 2:
            raise InvalidManifest("fraction", field=field)
        p, q = value
        if (
            isinstance(p, bool)
            or isinstance(q, bool)
            or not isinstance(p, int)
            or not isinstance(q, int)
        ):
            raise InvalidManifest("fraction", field=field)
        try:
            return cls(p, q)
        except InvalidManifest as exc:
            raise InvalidManifest("fraction", field=field) from exc

    def to_json(self) -> list[JSONValue]:
        """``[p, q]``."""
        return [self.numerator, self.denominator]


@dataclass(frozen=True, slots=True)
class MajorityRule:
    """A question's rule (§I.7, §I.13), shown to voters before they vote.

    `threshold` and `comparison` say how much is needed; `abstain_counts` and `blank_counts`
    whether abstentions and blank ballots count as cast; `quorum` the turnout needed (a
    fraction of the electorate), or None; `tie` what an exact tie becomes.
    """

    kind: RuleKind
    threshold: Fraction
    comparison: Comparison
    tie: TieRule
    quorum: Fraction | None = None
    abstain_counts: bool = False
    blank_counts: bool = False

    @classmethod
    def simple_majority(cls, *, tie: TieRule = TieRule.REJECTED) -> MajorityRule:
        """More than half of the votes cast for and against."""
        return cls(RuleKind.MAJORITY, Fraction(1, 2), Comparison.MORE_THAN, tie)

    @classmethod
    def two_thirds(cls) -> MajorityRule:
        """At least two thirds of the votes cast (changes to the statutes)."""
        return cls(RuleKind.MAJORITY, Fraction(2, 3), Comparison.AT_LEAST, TieRule.REJECTED)

    def to_json(self) -> JSONObject:
        """The §I.7 RULE object."""
        out: dict[str, JSONValue] = {
            "kind": self.kind.value,
            "threshold": self.threshold.to_json(),
            "comparison": self.comparison.value,
            "tie": self.tie.value,
        }
        if self.quorum is not None:
            out["quorum"] = self.quorum.to_json()
        if self.kind is RuleKind.MAJORITY:
            out["abstain_counts"] = self.abstain_counts
        if self.kind is not RuleKind.APPROVAL:
            out["blank_counts"] = self.blank_counts
        return out

    @classmethod
    def from_json(cls, value: JSONValue, *, field: str) -> MajorityRule:
        """Read and check a RULE object."""
        if not isinstance(value, Mapping) or "kind" not in value:
            raise InvalidManifest("missing-field", field=f"{field}.kind")
        kind = parse_enum(RuleKind, value["kind"], f"{field}.kind")
        required = {"kind", "threshold", "comparison", "tie"}
        if kind is RuleKind.MAJORITY:
            required |= {"abstain_counts", "blank_counts"}
        elif kind is RuleKind.PLURALITY:
            required.add("blank_counts")
        obj = f.as_object(
            value, field=field, required=frozenset(required), optional=frozenset({"quorum"})
        )
        return cls(
            kind,
            Fraction.from_json(obj["threshold"], field=f"{field}.threshold"),
            parse_enum(Comparison, obj["comparison"], f"{field}.comparison"),
            parse_enum(TieRule, obj["tie"], f"{field}.tie"),
            Fraction.from_json(obj["quorum"], field=f"{field}.quorum") if "quorum" in obj else None,
            _bool(obj, "abstain_counts", field) if "abstain_counts" in obj else False,
            _bool(obj, "blank_counts", field) if "blank_counts" in obj else False,
        )


_E = TypeVar("_E", bound=StrEnum)


def parse_enum(kind: type[_E], value: JSONValue, field: str) -> _E:
    if not isinstance(value, str):
        raise InvalidManifest("format", field=field)
    try:
        return kind(value)
    except ValueError:
        raise InvalidManifest("format", field=field) from None


def _bool(obj: JSONObject, key: str, field: str) -> bool:
    value = obj[key]
    if not isinstance(value, bool):
        raise InvalidManifest("format", field=f"{field}.{key}")
    return value
