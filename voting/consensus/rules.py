"""The decision rules: which positions each template offers, when a reason is needed, when a
round reaches consensus, and when a fallback vote passes.

Templates (docs/consensus.md):
- consent: agree, agree with concerns, object, or ask for information; consensus when no
  objection stands and enough people took part.
- consensus: the same plus "stand aside"; an objection is a block.
- sense check: advisory; "object" reads "disagree" and blocks nothing; no outcome rule.

A fallback vote passes when the yes votes are at least the stated fraction of the votes
cast (yes + no; abstentions are not votes cast) and enough people took part. Fractions are
compared in integers, so 2/3 means exactly two thirds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from flask_babel import lazy_gettext as _l

from voting.consensus.models import (
    DecisionRule,
    FallbackChoice,
    GroupKind,
    Outcome,
    Position,
    PositionKind,
)

MAX_REASON_LENGTH: Final = 2000
"""Longest reason, question or concern, in characters."""

POSITIONS: Final[dict[DecisionRule, tuple[PositionKind, ...]]] = {
    DecisionRule.CONSENT: (
        PositionKind.AGREE,
        PositionKind.CONCERNS,
        PositionKind.OBJECT,
        PositionKind.NEED_INFORMATION,
    ),
    DecisionRule.CONSENSUS: (
        PositionKind.AGREE,
        PositionKind.CONCERNS,
        PositionKind.STAND_ASIDE,
        PositionKind.OBJECT,
        PositionKind.NEED_INFORMATION,
    ),
    DecisionRule.SENSE_CHECK: (
        PositionKind.AGREE,
        PositionKind.CONCERNS,
        PositionKind.STAND_ASIDE,
        PositionKind.OBJECT,
        PositionKind.NEED_INFORMATION,
    ),
}

REASON_REQUIRED: Final = frozenset(
    {PositionKind.CONCERNS, PositionKind.OBJECT, PositionKind.NEED_INFORMATION}
)
"""Concerns and objections need a reason; a request for information needs the question."""

ANSWERABLE: Final = REASON_REQUIRED
"""The facilitator answers objections and questions (and may answer concerns)."""

_LABELS: Final = {
    PositionKind.AGREE: _l("I agree"),
    PositionKind.CONCERNS: _l("I agree, with concerns"),
    PositionKind.STAND_ASIDE: _l("I stand aside"),
    PositionKind.OBJECT: _l("I object"),
    PositionKind.NEED_INFORMATION: _l("I need more information"),
}
_CONSENT_LABELS: Final = {
    PositionKind.AGREE: _l("I consent"),
    PositionKind.CONCERNS: _l("I consent, with concerns"),
}
_CONSENSUS_LABELS: Final = {PositionKind.OBJECT: _l("I block (a principled objection)")}
_SENSE_CHECK_LABELS: Final = {PositionKind.OBJECT: _l("I disagree")}

_HINTS: Final = {
    PositionKind.AGREE: _l("You support the proposal."),
    PositionKind.CONCERNS: _l("You support it, but want your worries on record. Give a reason."),
    PositionKind.STAND_ASIDE: _l("You do not support it, but you will not stop the group."),
    PositionKind.OBJECT: _l(
        "The proposal goes against the values or interests of the group. Give your reason: the facilitator must answer it before the next round."
    ),
    PositionKind.NEED_INFORMATION: _l(
        "You cannot decide yet. Write your question: the facilitator answers it."
    ),
}
_SENSE_CHECK_OBJECT_HINT: Final = _l("You do not agree. Give a reason. This does not block.")

_GROUP_LABELS: Final = {
    PositionKind.AGREE: _l("Agree"),
    PositionKind.CONCERNS: _l("Agree with concerns"),
    PositionKind.STAND_ASIDE: _l("Stand aside"),
    PositionKind.OBJECT: _l("Objections"),
    PositionKind.NEED_INFORMATION: _l("Need more information"),
}

RULE_NAMES: Final = {
    DecisionRule.CONSENT: _l("Consent"),
    DecisionRule.CONSENSUS: _l("Consensus"),
    DecisionRule.SENSE_CHECK: _l("Sense check"),
}
RULE_DESCRIPTIONS: Final = {
    DecisionRule.CONSENT: _l(
        "The proposal is adopted when a round closes with no objection standing and enough people took part."
    ),
    DecisionRule.CONSENSUS: _l(
        "The proposal is adopted when a round closes with no block standing and enough people took part. Concerns and stand-asides are recorded with the decision."
    ),
    DecisionRule.SENSE_CHECK: _l(
        "An advisory round: the group shows where it stands. There is no rule for adopting; the facilitator writes the outcome."
    ),
}

OUTCOME_LABELS: Final = {
    Outcome.CONSENSUS: _l("Consensus: the proposal is adopted"),
    Outcome.NO_CONSENSUS: _l("No consensus: the proposal is not adopted"),
    Outcome.ADOPTED_BY_VOTE: _l("Adopted by the fallback vote"),
    Outcome.REJECTED_BY_VOTE: _l("Not adopted by the fallback vote"),
    Outcome.ADVISORY: _l("Advisory: the group's view is recorded"),
    Outcome.WITHDRAWN: _l("Withdrawn before any round closed"),
}
KIND_LABELS: Final = {
    GroupKind.BOARD: _l("The board"),
    GroupKind.COUNCIL: _l("The party council (Partijraad)"),
    GroupKind.BRANCH_BOARD: _l("A branch board"),
    GroupKind.WORKING_GROUP: _l("A working group"),
    GroupKind.AD_HOC: _l("Another group of members"),
}
CHOICE_LABELS: Final = {
    FallbackChoice.YES: _l("Yes, adopt the proposal"),
    FallbackChoice.NO: _l("No, do not adopt it"),
    FallbackChoice.ABSTAIN: _l("I abstain"),
}


def position_label(rule: DecisionRule, kind: PositionKind) -> object:
    """The label of a position under a rule, as the participant chooses it."""
    if rule is DecisionRule.CONSENT and kind in _CONSENT_LABELS:
        return _CONSENT_LABELS[kind]
    if rule is DecisionRule.CONSENSUS and kind in _CONSENSUS_LABELS:
        return _CONSENSUS_LABELS[kind]
    if rule is DecisionRule.SENSE_CHECK and kind in _SENSE_CHECK_LABELS:
        return _SENSE_CHECK_LABELS[kind]
    return _LABELS[kind]


def position_hint(rule: DecisionRule, kind: PositionKind) -> object:
    """A one-line explanation of a position under a rule."""
    if rule is DecisionRule.SENSE_CHECK and kind is PositionKind.OBJECT:
        return _SENSE_CHECK_OBJECT_HINT
    return _HINTS[kind]


def group_label(kind: PositionKind) -> object:
    """The heading of the group of positions of one kind."""
    return _GROUP_LABELS[kind]


def reasons_visible(position: Position) -> bool:
    """True when participants may read this position's reason now: after the round closes,
    during it when the group shows positions live, and always for questions."""
    found = position.round
    return (
        not found.is_open
        or found.proposal.live_positions
        or position.kind is PositionKind.NEED_INFORMATION
    )


def blocks(rule: DecisionRule, kind: PositionKind) -> bool:
    """True when a standing position of this kind stops the proposal under the rule."""
    return kind is PositionKind.OBJECT and rule is not DecisionRule.SENSE_CHECK


def has_outcome_rule(rule: DecisionRule) -> bool:
    """False for a sense check, which is advisory."""
    return rule is not DecisionRule.SENSE_CHECK


@dataclass(frozen=True, slots=True)
class RoundTally:
    """Positions per kind at the close of a round, and what they mean under the rule."""

    counts: Mapping[PositionKind, int]
    responded: int
    eligible: int
    participation_met: bool
    standing_objections: int
    consensus: bool | None


def participation_met(responded: int, eligible: int, min_percent: int) -> bool:
    """True when at least `min_percent` % of those eligible took part (0 % always passes)."""
    return responded * 100 >= eligible * min_percent


def tally_round(
    rule: DecisionRule, kinds: Iterable[PositionKind], eligible: int, min_percent: int
) -> RoundTally:
    """Count the final positions of a round and apply the rule."""
    counts = dict.fromkeys(POSITIONS[rule], 0)
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    responded = sum(counts.values())
    met = participation_met(responded, eligible, min_percent)
    standing = sum(n for kind, n in counts.items() if blocks(rule, kind))
    consensus = (met and standing == 0) if has_outcome_rule(rule) else None
    return RoundTally(counts, responded, eligible, met, standing, consensus)


@dataclass(frozen=True, slots=True)
class FallbackTally:
    """The counted fallback vote."""

    yes: int
    no: int
    abstain: int
    eligible: int
    participation_met: bool
    adopted: bool


def tally_fallback(
    choices: Iterable[FallbackChoice],
    eligible: int,
    numerator: int,
    denominator: int,
    min_percent: int,
) -> FallbackTally:
    """Count a fallback vote: adopted when yes ≥ numerator/denominator of yes + no, at least
    one vote is cast, and participation (including abstentions) is met."""
    counted = dict.fromkeys(FallbackChoice, 0)
    for choice in choices:
        counted[choice] += 1
    yes, no, abstain = (
        counted[FallbackChoice.YES],
        counted[FallbackChoice.NO],
        counted[FallbackChoice.ABSTAIN],
    )
    met = participation_met(yes + no + abstain, eligible, min_percent)
    cast = yes + no
    adopted = met and cast > 0 and yes * denominator >= numerator * cast
    return FallbackTally(yes, no, abstain, eligible, met, adopted)
