"""Administration services: roles, and accounts switched off and on."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting.accounts.models import Account, Role, RoleGrant
from voting.accounts.services import ensure_account
from voting.errors import Conflict, FieldError, NotFound
from voting.events import Event, record_event
from voting.members.models import Branch, Member

# Candidates are admitted per election (issue 8), not granted here.
GRANTABLE_ROLES = (Role.OFFICER, Role.MODERATOR, Role.TRUSTEE, Role.ADMIN)


def grant_role(
    session: Session,
    actor: Account | None,
    member_number: str,
    role: Role,
    branch_id: int | None,
    now: dt.datetime,
) -> RoleGrant:
    """Give a member a role (officers may be limited to one branch).

    Raises:
        FieldError: unknown member number or branch, or a branch for a role without scope.
        Conflict: the member has this role already.
    """
    member = session.scalar(select(Member).where(Member.number == member_number.strip()))
    if member is None:
        raise FieldError("member_number", _l("There is no member with this number."))
    if not member.is_active:
        raise FieldError("member_number", _l("This person is not a current member."))
    if branch_id is not None:
        if role is not Role.OFFICER:
            raise FieldError("branch", _l("Only election officers can be limited to a branch."))
        if session.get(Branch, branch_id) is None:
            raise FieldError("branch", _l("Unknown branch."))
    account = ensure_account(session, member, now)
    duplicate = session.scalar(
        select(RoleGrant).where(
            RoleGrant.account_id == account.id,
            RoleGrant.role == role,
            RoleGrant.branch_id.is_(None)
            if branch_id is None
            else RoleGrant.branch_id == branch_id,
        )
    )
    if duplicate is not None:
        raise Conflict(_l("This member has this role already."))
    grant = RoleGrant(
        account=account,
        role=role,
        branch_id=branch_id,
        granted_by_id=actor.id if actor else None,
        granted_at=now,
    )
    session.add(grant)
    session.flush()
    record_event(
        session,
        action="role.granted",
        actor_id=actor.id if actor else None,
        now=now,
        subject=f"account:{account.id}",
        details={"role": role.value, "branch": branch_id},
    )
    session.commit()
    return grant


def revoke_role(session: Session, actor: Account, grant_id: int, now: dt.datetime) -> None:
    """Take a role away; the last administrator cannot be removed.

    Raises:
        NotFound: no such grant.
        Conflict: it is the last administrator.
    """
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound
    if grant.role is Role.ADMIN:
        admins = session.scalar(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.role == Role.ADMIN)
        )
        if admins == 1:
            raise Conflict(_l("This is the last administrator. Appoint another one first."))
    record_event(
        session,
        action="role.revoked",
        actor_id=actor.id,
        now=now,
        subject=f"account:{grant.account_id}",
        details={"role": grant.role.value, "branch": grant.branch_id},
    )
    session.delete(grant)
    session.commit()


def account_of_member(session: Session, member_id: int) -> Account:
    """The account of a member.

    Raises:
        NotFound: the member has no account.
    """
    account = session.scalar(select(Account).where(Account.member_id == member_id))
    if account is None:
        raise NotFound
    return account


def recent_events(
    session: Session, *, action: str = "", page: int = 1, per_page: int = 100
) -> tuple[list[Event], int]:
    """The event table, newest first, optionally for one action."""
    statement = select(Event)
    if action:
        statement = statement.where(Event.action == action)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(Event.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(rows), total
