"""Decision groups: who may do what, and setting groups up.

Officers (national, or of the group's branch) set groups up and keep their member lists;
facilitators of a group start proposals, revise them, answer objections and questions,
write round summaries and close a proposal with an outcome statement (proposals.py).
Every service takes `session`, `actor` and `now`, checks scope first (NotFound, then
Forbidden), writes the audit-log entry and the event in the same transaction, and commits.
Rounds and positions are in rounds.py, the fallback vote in fallback.py, reports in
moderation.py, reminders in notices.py, and what pages and exports show in record.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.accounts.services import ensure_account
from voting.consensus import entries
from voting.consensus.entries import EntryType
from voting.consensus.models import (
    DecisionGroup,
    DecisionRule,
    FallbackMode,
    GroupKind,
    GroupMember,
    Proposal,
    Round,
)
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.events import record_event
from voting.keys import Keyring
from voting.members.models import Member
from voting.members.services import officer_branch_ids

MAX_DESCRIPTION: Final = 4000
MAX_MEMBERS_PER_CHANGE: Final = 500
_NUMBERS: Final = re.compile(r"[\s,;]+")

NOT_IN_GROUP = _l("Only members of this group can see this.")
NOT_FACILITATOR = _l("Only a facilitator of this group can do this.")


# ------------------------------------------------------------------ access


def load_group(session: Session, group_id: int) -> DecisionGroup:
    """A group by id. Raises NotFound."""
    group = session.get(DecisionGroup, group_id)
    if group is None:
        raise NotFound
    return group


def load_proposal(session: Session, proposal_id: int) -> Proposal:
    """A proposal by id. Raises NotFound."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound
    return proposal


def lock_proposal(session: Session, proposal_id: int) -> Proposal:
    """A proposal, row-locked until the transaction ends (PostgreSQL). Raises NotFound."""
    proposal = session.scalar(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if proposal is None:
        raise NotFound
    # Rounds and versions may have been added by another transaction: read them afresh.
    session.expire(proposal, ["rounds", "versions"])
    return proposal


def membership(session: Session, group: DecisionGroup, account: Account) -> GroupMember | None:
    """The account's membership of the group, if any."""
    return session.get(GroupMember, (group.id, account.id))


def is_manager(account: Account, group: DecisionGroup) -> bool:
    """True for administrators, national officers and officers of the group's branch."""
    allowed = officer_branch_ids(account)
    if allowed is None:
        return True
    return group.branch_id is not None and group.branch_id in allowed


def require_member(session: Session, group: DecisionGroup, account: Account) -> GroupMember:
    """The account's membership. Raises Forbidden for anyone outside the group."""
    found = membership(session, group, account)
    if found is None:
        raise Forbidden(NOT_IN_GROUP)
    return found


def require_facilitator(session: Session, group: DecisionGroup, account: Account) -> GroupMember:
    """The facilitator's membership. Raises Forbidden for anyone else."""
    found = require_member(session, group, account)
    if not found.is_facilitator:
        raise Forbidden(NOT_FACILITATOR)
    return found


def require_viewer(session: Session, group: DecisionGroup, account: Account) -> None:
    """Members and the group's managers may see the group page. Raises Forbidden."""
    if membership(session, group, account) is None and not is_manager(account, group):
        raise Forbidden(NOT_IN_GROUP)


def require_manager(account: Account, group: DecisionGroup) -> None:
    """Raises Forbidden unless the account may manage the group."""
    if not is_manager(account, group):
        raise Forbidden(_l("Only an election officer for this group can do this."))


def group_for_viewer(session: Session, account: Account, group_id: int) -> DecisionGroup:
    """A group its members and managers may see. Raises NotFound, Forbidden."""
    group = load_group(session, group_id)
    require_viewer(session, group, account)
    return group


def group_for_manager(session: Session, account: Account, group_id: int) -> DecisionGroup:
    """A group the account may manage. Raises NotFound, Forbidden."""
    group = load_group(session, group_id)
    require_manager(account, group)
    return group


def group_for_facilitator(session: Session, account: Account, group_id: int) -> DecisionGroup:
    """A group the account facilitates. Raises NotFound, Forbidden."""
    group = load_group(session, group_id)
    require_facilitator(session, group, account)
    return group


def proposal_for_facilitator(session: Session, account: Account, proposal_id: int) -> Proposal:
    """A proposal whose group the account facilitates. Raises NotFound, Forbidden."""
    proposal = load_proposal(session, proposal_id)
    require_facilitator(session, proposal.group, account)
    return proposal


def proposal_for_member(session: Session, account: Account, proposal_id: int) -> Proposal:
    """A proposal whose group the account belongs to. Raises NotFound, Forbidden."""
    proposal = load_proposal(session, proposal_id)
    require_member(session, proposal.group, account)
    return proposal


def round_for_facilitator(session: Session, account: Account, round_id: int) -> Round:
    """A round of a proposal whose group the account facilitates. Raises NotFound, Forbidden."""
    found = session.get(Round, round_id)
    if found is None:
        raise NotFound
    require_facilitator(session, found.proposal.group, account)
    return found


def groups_of(session: Session, account: Account) -> list[DecisionGroup]:
    """The groups the account belongs to, by name."""
    return list(
        session.scalars(
            select(DecisionGroup)
            .join(GroupMember)
            .where(GroupMember.account_id == account.id)
            .order_by(DecisionGroup.name)
        )
    )


def managed_groups(session: Session, account: Account) -> list[DecisionGroup]:
    """The groups the account may manage as an officer, by name."""
    return [
        g
        for g in session.scalars(select(DecisionGroup).order_by(DecisionGroup.name))
        if is_manager(account, g)
    ]


# ------------------------------------------------------------------ groups


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """What an officer chooses for a group; the proposals' defaults."""

    name: str
    description: str
    kind: GroupKind
    branch_id: int | None
    rule: DecisionRule
    anonymous: bool
    live_positions: bool
    min_participation: int
    max_rounds: int
    fallback: FallbackMode
    fallback_numerator: int
    fallback_denominator: int


def _check_settings(account: Account, settings: GroupSettings) -> None:
    if not settings.name or len(settings.name) > 120:
        raise FieldError("name", _l("Give the group a name of at most 120 characters."))
    if len(settings.description) > MAX_DESCRIPTION:
        raise FieldError("description", _l("Use at most %(max)d characters.", max=MAX_DESCRIPTION))
    allowed = officer_branch_ids(account)
    if allowed is not None and settings.branch_id not in allowed:
        raise FieldError("branch", _l("Choose one of your own branches."))
    if not 0 <= settings.min_participation <= 100:
        raise FieldError("min_participation", _l("Choose a percentage from 0 to 100."))
    if not 1 <= settings.max_rounds <= 10:
        raise FieldError("max_rounds", _l("Choose from 1 to 10 rounds."))
    if not 1 <= settings.fallback_numerator < settings.fallback_denominator <= 100:
        raise FieldError("threshold", _l("Choose a majority of more than half."))
    if settings.fallback_numerator * 2 <= settings.fallback_denominator:
        raise FieldError("threshold", _l("Choose a majority of more than half."))
    if settings.anonymous and settings.live_positions:
        raise FieldError(
            "live_positions",
            _l(
                "Anonymous positions cannot be shown while a round is open: who just responded would give them away."
            ),
        )


def create_group(
    session: Session,
    actor: Account,
    settings: GroupSettings,
    member_numbers: str,
    facilitator_numbers: str,
    keyring: Keyring,
    now: dt.datetime,
) -> DecisionGroup:
    """Set up a group with its members and facilitators, and open its audit log.

    Raises:
        FieldError: a setting out of range, or member numbers unknown or out of scope.
    """
    _check_settings(actor, settings)
    facilitators = _members_by_number(session, actor, facilitator_numbers, "facilitators")
    if not facilitators:
        raise FieldError("facilitators", _l("Name at least one facilitator."))
    members = _members_by_number(session, actor, member_numbers, "members")
    group = DecisionGroup(**_settings_fields(settings), created_by_id=actor.id, created_at=now)
    session.add(group)
    session.flush()
    for member in {m.id: m for m in (*members, *facilitators)}.values():
        account = ensure_account(session, member, now)
        group.members.append(
            GroupMember(account_id=account.id, is_facilitator=member in facilitators, added_at=now)
        )
    session.flush()
    log_id = group.log_id
    entries.append_signed(
        session,
        keyring,
        log_id,
        entries.entry(
            EntryType.GROUP_CREATED,
            now,
            {"group": group.id, "log_key": entries.log_key_text(session, keyring, log_id, now)},
        ),
        now,
    )
    record_event(
        session,
        action="consensus.group-created",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-group:{group.id}",
        details={"members": len(group.members)},
    )
    session.commit()
    return group


def _settings_fields(settings: GroupSettings) -> dict[str, object]:
    return {
        "name": settings.name,
        "description": settings.description,
        "kind": settings.kind,
        "branch_id": settings.branch_id,
        "rule": settings.rule,
        "anonymous": settings.anonymous,
        "live_positions": settings.live_positions,
        "min_participation": settings.min_participation,
        "max_rounds": settings.max_rounds,
        "fallback": settings.fallback,
        "fallback_numerator": settings.fallback_numerator,
        "fallback_denominator": settings.fallback_denominator,
    }


def update_group(
    session: Session, actor: Account, group_id: int, settings: GroupSettings, now: dt.datetime
) -> DecisionGroup:
    """Change a group's name and default rules; proposals already started keep theirs.

    Raises:
        NotFound, Forbidden, FieldError.
    """
    group = load_group(session, group_id)
    require_manager(actor, group)
    _check_settings(actor, settings)
    for name, value in _settings_fields(settings).items():
        setattr(group, name, value)
    record_event(
        session,
        action="consensus.group-changed",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-group:{group.id}",
    )
    session.commit()
    return group


def _members_by_number(session: Session, actor: Account, text: str, field: str) -> list[Member]:
    numbers = [n for n in _NUMBERS.split(text) if n]
    if len(numbers) > MAX_MEMBERS_PER_CHANGE:
        raise FieldError(
            field, _l("Add at most %(max)d members at a time.", max=MAX_MEMBERS_PER_CHANGE)
        )
    if not numbers:
        return []
    found = {m.number: m for m in session.scalars(select(Member).where(Member.number.in_(numbers)))}
    allowed = officer_branch_ids(actor)
    wrong = [
        n
        for n in dict.fromkeys(numbers)
        if n not in found
        or not found[n].is_active
        or (allowed is not None and found[n].branch_id not in allowed)
    ]
    if wrong:
        raise FieldError(
            field,
            _l(
                "These member numbers are unknown, not active, or outside your branches: %(numbers)s",
                numbers=", ".join(wrong[:20]),
            ),
        )
    return [found[n] for n in dict.fromkeys(numbers)]


def add_members(
    session: Session,
    actor: Account,
    group_id: int,
    member_numbers: str,
    as_facilitators: bool,
    now: dt.datetime,
) -> int:
    """Add members (or make them facilitators); returns how many were new.

    They take part from the next round that opens. Raises NotFound, Forbidden, FieldError.
    """
    group = load_group(session, group_id)
    require_manager(actor, group)
    members = _members_by_number(session, actor, member_numbers, "numbers")
    if not members:
        raise FieldError("numbers", _l("Enter at least one member number."))
    added = 0
    for member in members:
        account = ensure_account(session, member, now)
        existing = membership(session, group, account)
        if existing is None:
            group.members.append(
                GroupMember(account_id=account.id, is_facilitator=as_facilitators, added_at=now)
            )
            added += 1
        elif as_facilitators:
            existing.is_facilitator = True
    record_event(
        session,
        action="consensus.members-added",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-group:{group.id}",
        details={"added": added, "facilitators": as_facilitators},
    )
    session.commit()
    return added


def change_member(
    session: Session,
    actor: Account,
    group_id: int,
    account_id: int,
    *,
    remove: bool,
    facilitator: bool,
    now: dt.datetime,
) -> None:
    """Remove a member, or set whether they facilitate; a group keeps one facilitator.

    A removed member no longer sees the group; positions they took stay in the record.
    Raises NotFound, Forbidden, Conflict.
    """
    group = load_group(session, group_id)
    require_manager(actor, group)
    found = session.get(GroupMember, (group.id, account_id))
    if found is None:
        raise NotFound
    others = [m for m in group.members if m.is_facilitator and m.account_id != account_id]
    if (remove or not facilitator) and found.is_facilitator and not others:
        raise Conflict(_l("A group needs at least one facilitator. Name another one first."))
    if remove:
        group.members.remove(found)
    else:
        found.is_facilitator = facilitator
    record_event(
        session,
        action="consensus.member-removed" if remove else "consensus.member-changed",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-group:{group.id}",
        details={"account": account_id, "facilitator": facilitator and not remove},
    )
    session.commit()
