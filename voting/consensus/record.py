"""What the pages and the export show: a proposal as a participant sees it, and the
decision record with its minority report and the full history of rounds.

Reading never changes anything, with one exception made on purpose: opening a proposal
first closes its rounds and fallback vote whose deadline has passed (`refresh`), so
results appear at the deadline even between runs of `stembus consensus-close-due`.

Who sees what: only members of the group. Positions and reasons of a round are shown when
it has closed, or live if the group chose that (never for anonymous positions); questions
("I need more information") and their answers are shown at once. A hidden reason is
replaced by a notice naming the rule it broke.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.consensus.anonymity import RoundKeys
from voting.consensus.fallback import can_start_fallback, close_due_fallbacks
from voting.consensus.models import (
    Answer,
    DecisionGroup,
    FallbackVote,
    FallbackVoter,
    GroupMember,
    Position,
    PositionKind,
    Proposal,
    ProposalVersion,
    Report,
    Round,
)
from voting.consensus.proposals import (
    current_answer,
    fallback_of,
    latest_version,
    open_round_of,
    unanswered_objections,
)
from voting.consensus.rounds import (
    close_due,
    own_position,
    participant_ids,
    positions_of,
    responders,
)
from voting.consensus.rules import (
    ANSWERABLE,
    POSITIONS,
    group_label,
    position_label,
    reasons_visible,
)
from voting.consensus.services import load_proposal, membership, require_member
from voting.errors import NotFound
from voting.keys import Keyring
from voting.moderation.clauses import CLAUSE_TEXTS
from voting.names import are_confusable
from voting.spreadsheet import write_csv


@dataclass(frozen=True, slots=True)
class PositionView:
    """One position as a page shows it."""

    position: Position
    author: str | None  # None: anonymous
    label: object
    hidden_rule: object | None
    answer: Answer | None
    earlier_answer: Answer | None
    is_own: bool
    can_report: bool
    can_answer: bool

    @property
    def kind(self) -> PositionKind:
        """The position's kind."""
        return self.position.kind

    @property
    def reason(self) -> str:
        """The reason, or "" when hidden."""
        return "" if self.hidden_rule is not None else self.position.reason


@dataclass(frozen=True, slots=True)
class KindGroup:
    """The positions of one kind in a round."""

    kind: PositionKind
    label: object
    positions: list[PositionView]


@dataclass(frozen=True, slots=True)
class RoundView:
    """A round with its positions grouped by kind (when they may be shown)."""

    round: Round
    visible: bool
    groups: list[KindGroup]
    questions: list[PositionView]
    unanswered: int

    @property
    def counts(self) -> list[tuple[object, int]]:
        """(label, count) per kind, in the rule's order, once closed."""
        counts = self.round.counts
        rule = self.round.proposal.rule
        return [(group_label(kind), counts.get(str(kind), 0)) for kind in POSITIONS[rule]]


@dataclass(frozen=True, slots=True)
class Participant:
    """A participant of the open round and whether they responded (None: nobody knows)."""

    name: str
    responded: bool | None


@dataclass(frozen=True, slots=True)
class ProposalPage:
    """Everything the proposal page shows to one member."""

    proposal: Proposal
    group: DecisionGroup
    version: ProposalVersion
    is_facilitator: bool
    open_round: Round | None
    open_view: RoundView | None
    my_position: Position | None
    can_take_part: bool
    participants: list[Participant]
    responded_count: int | None
    last_closed: RoundView | None
    fallback: FallbackVote | None
    my_vote: FallbackVoter | None
    fallback_voters: list[tuple[str, str | None]]
    can_start_fallback: bool
    can_open_round: bool
    blockers: list[object] = field(default_factory=list)


def refresh(
    session: Session, keyring: Keyring, round_keys: RoundKeys, proposal_id: int, now: dt.datetime
) -> None:
    """Close the proposal's rounds and fallback vote whose deadline has passed."""
    close_due(session, keyring, round_keys, now, proposal_id)
    close_due_fallbacks(session, keyring, now, proposal_id)


def close_everything_due(
    session: Session, keyring: Keyring, secret_key: str, now: dt.datetime
) -> tuple[int, int]:
    """Close every round and fallback vote past its deadline (`stembus consensus-close-due`);
    returns how many of each."""
    rounds = close_due(session, keyring, RoundKeys(secret_key), now)
    votes = close_due_fallbacks(session, keyring, now)
    return len(rounds), len(votes)


def _names(session: Session, account_ids: Sequence[int]) -> dict[int, str]:
    if not account_ids:
        return {}
    return {
        a.id: a.member.name
        for a in session.scalars(select(Account).where(Account.id.in_(list(account_ids))))
    }


def round_view(
    session: Session,
    found: Round,
    viewer: Account,
    *,
    is_facilitator: bool,
    own: Position | None,
    latest: bool,
) -> RoundView:
    """A round's positions as `viewer` may see them."""
    proposal = found.proposal
    positions = positions_of(session, found)
    names = _names(session, [p.account_id for p in positions if p.account_id is not None])
    visible = not found.is_open or proposal.live_positions
    views = []
    for position in positions:
        answer = current_answer(session, position)
        earlier = None
        if position.carried_from_id is not None:
            earlier = session.scalar(
                select(Answer).where(Answer.position_id == position.carried_from_id)
            )
        is_own = own is not None and own.id == position.id
        shown = reasons_visible(position) or is_own
        views.append(
            PositionView(
                position=position,
                author=names.get(position.account_id) if position.account_id else None,
                label=position_label(proposal.rule, position.kind),
                hidden_rule=CLAUSE_TEXTS[position.hidden_rule] if position.hidden_rule else None,
                answer=answer,
                earlier_answer=earlier,
                is_own=is_own,
                can_report=shown and bool(position.reason) and not position.is_hidden,
                can_answer=(
                    is_facilitator
                    and latest
                    and not proposal.is_decided
                    and position.kind in ANSWERABLE
                    and reasons_visible(position)
                ),
            )
        )
    views.sort(key=lambda v: (v.author or "", v.position.id))
    groups = [
        KindGroup(kind, group_label(kind), [v for v in views if v.kind is kind])
        for kind in POSITIONS[proposal.rule]
    ]
    questions = [v for v in views if v.kind is PositionKind.NEED_INFORMATION]
    return RoundView(
        round=found,
        visible=visible,
        groups=groups if visible else [],
        questions=questions,
        unanswered=len(unanswered_objections(session, found)),
    )


def proposal_page(
    session: Session, viewer: Account, proposal_id: int, round_keys: RoundKeys
) -> ProposalPage:
    """The proposal page for a member of its group.

    Raises NotFound, Forbidden (not in the group).
    """
    proposal = load_proposal(session, proposal_id)
    member = require_member(session, proposal.group, viewer)
    facilitating = member.is_facilitator
    current = open_round_of(proposal)
    closed = [r for r in proposal.rounds if not r.is_open]
    mine = own_position(session, current, viewer, round_keys) if current else None
    participants: list[Participant] = []
    responded_count = None
    can_take_part = False
    open_view = None
    if current is not None:
        ids = participant_ids(session, current)
        can_take_part = viewer.id in ids
        answered = responders(session, current, round_keys)
        names = _names(session, ids)
        participants = sorted(
            (Participant(names[i], (i in answered) if answered is not None else None) for i in ids),
            key=lambda p: p.name,
        )
        responded_count = len(positions_of(session, current))
        open_view = round_view(
            session, current, viewer, is_facilitator=facilitating, own=mine, latest=True
        )
    last_closed = (
        round_view(
            session,
            closed[-1],
            viewer,
            is_facilitator=facilitating,
            own=None,
            latest=current is None,
        )
        if closed
        else None
    )
    fallback = fallback_of(session, proposal)
    my_vote = session.get(FallbackVoter, (fallback.id, viewer.id)) if fallback else None
    voters: list[tuple[str, str | None]] = []
    if fallback is not None and not fallback.is_open:
        rows = session.scalars(
            select(FallbackVoter).where(FallbackVoter.fallback_id == fallback.id)
        ).all()
        voters = sorted((v.account.member.name, str(v.choice) if v.choice else None) for v in rows)
    blockers = _blockers(session, proposal, closed[-1] if closed else None) if facilitating else []
    return ProposalPage(
        proposal=proposal,
        group=proposal.group,
        version=latest_version(proposal),
        is_facilitator=facilitating,
        open_round=current,
        open_view=open_view,
        my_position=mine,
        can_take_part=can_take_part,
        participants=participants,
        responded_count=responded_count,
        last_closed=last_closed,
        fallback=fallback,
        my_vote=my_vote,
        fallback_voters=voters,
        can_start_fallback=facilitating and can_start_fallback(session, proposal),
        can_open_round=facilitating and not blockers and _next_round_allowed(session, proposal),
        blockers=blockers,
    )


def _next_round_allowed(session: Session, proposal: Proposal) -> bool:
    if proposal.is_decided or open_round_of(proposal) is not None:
        return False
    if fallback_of(session, proposal) is not None:
        return False
    if not proposal.rounds:
        return True
    last = proposal.rounds[-1]
    return not last.consensus and len(proposal.rounds) < proposal.max_rounds


def _blockers(session: Session, proposal: Proposal, last: Round | None) -> list[object]:
    """What the facilitator must still do before the next step (round, vote or closing)."""
    if last is None or proposal.is_decided or open_round_of(proposal) is not None:
        return []
    missing: list[object] = []
    if not last.summary:
        missing.append(_("Write the summary of round %(number)d.", number=last.number))
    unanswered = len(unanswered_objections(session, last))
    if unanswered:
        missing.append(
            _(
                "Answer the objections that still stand (%(count)d without an answer).",
                count=unanswered,
            )
        )
    return missing


# ------------------------------------------------------------------ the decision record


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """The outcome, the minority report and the full history of one proposal."""

    proposal: Proposal
    group: DecisionGroup
    rounds: list[RoundView]
    minority: list[PositionView]
    fallback: FallbackVote | None
    fallback_voters: list[tuple[str, str | None]]
    decided_by: str | None


def decision_record(session: Session, viewer: Account, proposal_id: int) -> DecisionRecord:
    """The decision record (so far, while the proposal is still open).

    Raises NotFound, Forbidden (not in the group).
    """
    proposal = load_proposal(session, proposal_id)
    member = require_member(session, proposal.group, viewer)
    closed = [r for r in proposal.rounds if not r.is_open]
    views = [
        round_view(
            session,
            r,
            viewer,
            is_facilitator=member.is_facilitator,
            own=None,
            latest=r is proposal.rounds[-1],
        )
        for r in closed
    ]
    minority: list[PositionView] = []
    if views:
        minority = [
            v
            for group in views[-1].groups
            for v in group.positions
            if v.kind in (PositionKind.OBJECT, PositionKind.CONCERNS, PositionKind.STAND_ASIDE)
        ]
        minority.sort(
            key=lambda v: [
                PositionKind.OBJECT,
                PositionKind.CONCERNS,
                PositionKind.STAND_ASIDE,
            ].index(v.kind)
        )
    fallback = fallback_of(session, proposal)
    voters: list[tuple[str, str | None]] = []
    if fallback is not None and not fallback.is_open:
        voters = sorted(
            (v.account.member.name, str(v.choice) if v.choice else None)
            for v in session.scalars(
                select(FallbackVoter).where(FallbackVoter.fallback_id == fallback.id)
            )
        )
    decided_by = None
    if proposal.decided_by_id is not None:
        account = session.get(Account, proposal.decided_by_id)
        decided_by = account.member.name if account is not None else None
    return DecisionRecord(
        proposal=proposal,
        group=proposal.group,
        rounds=views,
        minority=minority,
        fallback=fallback,
        fallback_voters=voters,
        decided_by=decided_by,
    )


def record_csv(session: Session, viewer: Account, proposal_id: int) -> str:
    """Every closed round's positions as CSV (formula-safe, THREATS T32)."""
    record = decision_record(session, viewer, proposal_id)
    rows: list[list[object]] = []
    for view in record.rounds:
        for group in view.groups:
            for position in group.positions:
                rows.append(
                    [
                        view.round.number,
                        view.round.version.number,
                        str(group.label),
                        position.author if position.author is not None else _("anonymous"),
                        (
                            _("Hidden by a moderator: %(rule)s", rule=position.hidden_rule)
                            if position.hidden_rule is not None
                            else position.position.reason
                        ),
                        position.answer.text if position.answer is not None else "",
                    ]
                )
    return write_csv(
        [_("Round"), _("Version"), _("Position"), _("Name"), _("Reason"), _("Answer")], rows
    )


# ------------------------------------------------------------------ groups and versions


@dataclass(frozen=True, slots=True)
class GroupMemberView:
    """A member of a group as the group pages list them."""

    member: GroupMember
    name: str
    looks_like_another: bool  # THREATS T34: another member's name looks the same on screen


def group_members(session: Session, group: DecisionGroup) -> list[GroupMemberView]:
    """The group's members with their names, facilitators first; look-alike names flagged."""
    members = session.scalars(select(GroupMember).where(GroupMember.group_id == group.id)).all()
    names = [m.account.member.name for m in members]
    views = [
        GroupMemberView(
            member=m,
            name=name,
            looks_like_another=any(are_confusable(name, other) for other in names),
        )
        for m, name in zip(members, names, strict=True)
    ]
    return sorted(views, key=lambda v: (not v.member.is_facilitator, v.name))


def group_proposals(session: Session, group: DecisionGroup) -> Sequence[Proposal]:
    """The group's proposals, newest first."""
    return session.scalars(
        select(Proposal).where(Proposal.group_id == group.id).order_by(Proposal.id.desc())
    ).all()


def version_of(session: Session, viewer: Account, proposal_id: int, number: int) -> ProposalVersion:
    """One version of a proposal, for a member of its group. Raises NotFound, Forbidden."""
    proposal = load_proposal(session, proposal_id)
    require_member(session, proposal.group, viewer)
    version = session.scalar(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == number
        )
    )
    if version is None:
        raise NotFound
    return version


def viewer_is_member(session: Session, group: DecisionGroup, viewer: Account) -> bool:
    """True when the viewer belongs to the group."""
    return membership(session, group, viewer) is not None


# ------------------------------------------------------------------ personal data


PersonalValue = str | int | bool | None


def personal_data(session: Session, account: Account) -> dict[str, list[dict[str, PersonalValue]]]:
    """What the consensus area stores about a member, for their data export (GDPR art. 15).

    Positions by name, open fallback votes, reports and answers. Anonymous positions are
    never included: nothing links them to the member (and while a round is open, this does
    not recompute the member's tag either).
    """
    memberships = session.scalars(
        select(GroupMember).where(GroupMember.account_id == account.id)
    ).all()
    positions = session.scalars(
        select(Position).where(Position.account_id == account.id).order_by(Position.id)
    ).all()
    votes = session.scalars(
        select(FallbackVoter).where(
            FallbackVoter.account_id == account.id, FallbackVoter.choice.is_not(None)
        )
    ).all()
    reports = session.scalars(select(Report).where(Report.reporter_id == account.id)).all()
    answers = session.scalars(select(Answer).where(Answer.answered_by_id == account.id)).all()
    return {
        "groups": [
            {
                "group": m.group.name,
                "facilitator": m.is_facilitator,
                "since": m.added_at.isoformat(),
            }
            for m in memberships
        ],
        "positions": [
            {
                "proposal": p.round.proposal.title,
                "round": p.round.number,
                "position": str(p.kind),
                "reason": p.reason,
                "hidden_by_moderator": p.is_hidden,
                "saved_at": p.updated_at.isoformat() if p.updated_at else None,
            }
            for p in positions
        ],
        "fallback_votes": [
            {
                "proposal": session.get(FallbackVote, v.fallback_id).proposal.title,  # type: ignore[union-attr]  # the foreign key guarantees it
                "vote": str(v.choice),
                "cast_at": v.cast_at.isoformat() if v.cast_at else None,
            }
            for v in votes
        ],
        "reports_made": [
            {
                "proposal": r.position.round.proposal.title,
                "why": r.why,
                "made_at": r.created_at.isoformat(),
                "decision": str(r.resolution) if r.resolution else None,
            }
            for r in reports
        ],
        "answers_written": [
            {
                "proposal": a.position.round.proposal.title,
                "round": a.position.round.number,
                "answer": a.text,
                "at": a.answered_at.isoformat(),
            }
            for a in answers
        ],
    }
