"""Member import (dry run and apply), member lists and exports, with branch scope.

An import is planned against the database first: what would be added, changed and
deactivated, and every problem by line. A file with any problem changes nothing.
Applying re-plans inside the transaction and refuses if the plan differs from the one
the officer saw, so what is applied is exactly what was shown; applying twice changes
nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from voting.accounts.models import Account, Role
from voting.errors import Conflict, Forbidden, NotFound, VotingError
from voting.events import record_event
from voting.members.importer import MemberRow, Problem, parse_member_file
from voting.members.models import Branch, ImportBatch, Member, MemberStatus
from voting.names import are_confusable, skeleton
from voting.spreadsheet import write_csv

# Deactivating more than this share of active members needs an explicit confirmation:
# a partial export (one branch only) must not silently end everyone else's membership.
MASS_DEACTIVATION_SHARE = 0.10
TRACKED_FIELDS = ("name", "email", "branch", "status", "member_since")


class ImportRefused(VotingError):
    """The file has problems, or the plan changed since the dry run."""


@dataclass(frozen=True, slots=True)
class Change:
    """An existing member whose data differs in the file."""

    number: str
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Caution:
    """Not an error, but worth a look (look-alike names)."""

    line: int
    message: object


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What applying the file would do."""

    added: tuple[MemberRow, ...] = ()
    changed: tuple[Change, ...] = ()
    deactivated: tuple[tuple[str, str], ...] = ()  # (number, name)
    unchanged: int = 0
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Caution, ...] = ()
    active_before: int = 0
    rows: tuple[MemberRow, ...] = field(default=(), repr=False)

    @property
    def is_applicable(self) -> bool:
        """True when the file has no problems."""
        return not self.problems

    @property
    def needs_mass_confirmation(self) -> bool:
        """True when many active members would be deactivated."""
        return (
            bool(self.deactivated)
            and len(self.deactivated) > self.active_before * MASS_DEACTIVATION_SHARE
        )

    def digest(self) -> str:
        """A fingerprint of the plan, to check that apply does what the dry run showed."""
        summary = {
            "added": [r.number for r in self.added],
            "changed": [[c.number, list(c.fields)] for c in self.changed],
            "deactivated": [number for number, _ in self.deactivated],
        }
        return hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        """Numbers for the summary and the event log."""
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "deactivated": len(self.deactivated),
            "unchanged": self.unchanged,
            "problems": len(self.problems),
            "warnings": len(self.warnings),
        }


def plan_import(session: Session, content: bytes, today: dt.date) -> ImportPlan:
    """Compare the file with the database; change nothing."""
    parsed = parse_member_file(content, today)
    branches = {b.code.lower(): b for b in session.scalars(select(Branch))}
    branches_by_name = {b.name.lower(): b for b in branches.values()}
    problems = list(parsed.problems)
    rows: list[MemberRow] = []
    for row in parsed.rows:
        key = row.branch.lower()
        if key not in branches and key not in branches_by_name:
            problems.append(
                Problem(
                    row.line, "branch", _l("Unknown branch “%(value)s”.", value=row.branch[:60])
                )
            )
        else:
            rows.append(row)
    existing = {
        m.number: m for m in session.scalars(select(Member).options(selectinload(Member.branch)))
    }
    active_before = sum(1 for m in existing.values() if m.status is MemberStatus.ACTIVE)

    in_file = {row.number for row in rows} | {row.number for row in parsed.rows}
    owners = {m.email: m.number for m in existing.values() if m.number not in in_file}
    for row in rows:
        owner = owners.get(row.email)
        if owner is not None:
            problems.append(
                Problem(
                    row.line,
                    "email",
                    _l("This e-mail address belongs to another member, who is not in this file."),
                )
            )
    if problems:
        return ImportPlan(
            problems=tuple(sorted(problems, key=lambda p: p.line)), active_before=active_before
        )

    added: list[MemberRow] = []
    changed: list[Change] = []
    unchanged = 0
    for row in rows:
        member = existing.get(row.number)
        if member is None:
            added.append(row)
            continue
        branch = _branch_for(row, branches, branches_by_name)
        differs = tuple(
            name
            for name, old, new in (
                ("name", member.name, row.name),
                ("email", member.email, row.email),
                ("branch", member.branch_id, branch.id),
                ("status", member.status, row.status),
                ("member_since", member.member_since, row.member_since),
            )
            if old != new
        )
        if differs:
            changed.append(Change(row.number, row.name, differs))
        else:
            unchanged += 1
    deactivated = tuple(
        (m.number, m.name)
        for m in sorted(existing.values(), key=lambda m: m.number)
        if m.number not in in_file and m.status is not MemberStatus.ENDED
    )
    return ImportPlan(
        added=tuple(added),
        changed=tuple(changed),
        deactivated=deactivated,
        unchanged=unchanged,
        warnings=tuple(_look_alikes(rows, existing)),
        active_before=active_before,
        rows=tuple(rows),
    )


def _branch_for(row: MemberRow, by_code: dict[str, Branch], by_name: dict[str, Branch]) -> Branch:
    key = row.branch.lower()
    return by_code.get(key) or by_name[key]


def _look_alikes(rows: Sequence[MemberRow], existing: dict[str, Member]) -> list[Caution]:
    final: dict[str, tuple[str, int]] = {m.number: (m.name, 0) for m in existing.values()}
    final.update({row.number: (row.name, row.line) for row in rows})
    by_skeleton: dict[str, list[tuple[str, str, int]]] = {}
    for number, (name, line) in final.items():
        by_skeleton.setdefault(skeleton(name), []).append((number, name, line))
    warnings: list[Caution] = []
    for group in by_skeleton.values():
        for number, name, line in group:
            if line == 0:
                continue
            others = [o for o in group if o[0] != number and are_confusable(name, o[1])]
            if others:
                warnings.append(
                    Caution(
                        line,
                        _l(
                            "“%(name)s” looks like “%(other)s” (member %(number)s) but is spelled differently.",
                            name=name,
                            other=others[0][1],
                            number=others[0][0],
                        ),
                    )
                )
    return sorted(warnings, key=lambda w: w.line)


def store_upload(
    session: Session, actor: Account, filename: str, content: bytes, now: dt.datetime
) -> ImportBatch:
    """Keep an uploaded file until it is applied (or replaced by a newer upload)."""
    batch = ImportBatch(
        uploaded_by_id=actor.id,
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        created_at=now,
    )
    session.add(batch)
    session.commit()
    return batch


def apply_import(
    session: Session,
    content: bytes,
    *,
    expected_digest: str | None,
    confirm_mass_deactivation: bool,
    actor: Account | None,
    now: dt.datetime,
    batch: ImportBatch | None = None,
) -> ImportPlan:
    """Apply a member file in one transaction; returns the plan that was applied.

    Raises:
        ImportRefused: the file has problems, the plan differs from `expected_digest`, or
            a mass deactivation was not confirmed. Nothing has changed then.
    """
    plan = plan_import(session, content, now.date())
    if not plan.is_applicable:
        raise ImportRefused(
            _l(
                "The file has problems. Fix them in the CRM and upload it again. Nothing has changed."
            )
        )
    if expected_digest is not None and plan.digest() != expected_digest:
        raise ImportRefused(
            _l(
                "The member list changed since the preview. Check the new preview. Nothing has changed."
            )
        )
    if plan.needs_mass_confirmation and not confirm_mass_deactivation:
        raise ImportRefused(
            _l(
                "This file would deactivate many members. Confirm that this is right. Nothing has changed."
            )
        )
    branches = {b.code.lower(): b for b in session.scalars(select(Branch))}
    by_name = {b.name.lower(): b for b in branches.values()}
    existing = {m.number: m for m in session.scalars(select(Member))}
    to_write = {row.number for row in plan.added} | {change.number for change in plan.changed}
    # Two members may swap addresses in one file; free the old addresses first so the
    # unique constraint holds at every flush.
    for change in plan.changed:
        if "email" in change.fields:
            existing[change.number].email = f"moving-{change.number}@stembus.invalid"
    session.flush()
    for row in plan.rows:
        if row.number not in to_write:
            continue
        branch = _branch_for(row, branches, by_name)
        member = existing.get(row.number)
        if member is None:
            member = Member(number=row.number, created_at=now, timezone=branch.timezone)
            session.add(member)
        member.name = row.name
        member.name_skeleton = skeleton(row.name)
        member.email = row.email
        member.branch = branch
        member.status = row.status
        member.member_since = row.member_since
        member.updated_at = now
    for number, _name in plan.deactivated:
        existing[number].status = MemberStatus.ENDED
        existing[number].updated_at = now
    if batch is not None:
        batch.applied_at = now
        batch.content = None  # minimal data: the file is not kept once applied
        batch.summary_json = json.dumps(plan.counts())
    record_event(
        session,
        action="members.imported",
        actor_id=actor.id if actor else None,
        now=now,
        subject=f"import:{batch.id}" if batch is not None else "import:cli",
        details=plan.counts(),
    )
    session.commit()
    return plan


def load_batch(session: Session, batch_id: int) -> ImportBatch:
    """An uploaded file that has not been applied yet.

    Raises:
        NotFound: unknown, or already applied.
    """
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.content is None:
        raise NotFound(_l("This upload is no longer available. Upload the file again."))
    return batch


# ------------------------------------------------------------------ lists and scope


def officer_branch_ids(account: Account) -> frozenset[int] | None:
    """Branches whose members this officer may see; None means all (admin or national officer)."""
    if Role.ADMIN in account.role_set():
        return None
    scoped: set[int] = set()
    for grant in account.roles:
        if grant.role is Role.OFFICER:
            if grant.branch_id is None:
                return None
            scoped.add(grant.branch_id)
    return frozenset(scoped)


def visible_members(
    session: Session,
    account: Account,
    *,
    query: str = "",
    branch_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Member], int]:
    """Members this account may see, filtered and paginated; with the total count."""
    allowed = officer_branch_ids(account)
    statement = select(Member).options(selectinload(Member.branch))
    if allowed is not None:
        statement = statement.where(Member.branch_id.in_(allowed))
    if branch_id is not None:
        if allowed is not None and branch_id not in allowed:
            raise Forbidden
        statement = statement.where(Member.branch_id == branch_id)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            func.lower(Member.name).like(pattern)
            | func.lower(Member.email).like(pattern)
            | (Member.number == query)
        )
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    members = session.scalars(
        statement.order_by(Member.name, Member.number).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(members), total


def member_for_officer(session: Session, account: Account, member_id: int) -> Member:
    """One member, if the officer's scope includes their branch.

    Raises:
        NotFound: no such member, or outside the officer's branches (not revealed).
    """
    member = session.get(Member, member_id)
    allowed = officer_branch_ids(account)
    if member is None or (allowed is not None and member.branch_id not in allowed):
        raise NotFound
    return member


def branch_for_member_view(session: Session, account: Account, code: str) -> Branch:
    """A branch page: for its own members, its officers and national officers/admins.

    Raises:
        NotFound: unknown branch.
        Forbidden: a member of another branch.
    """
    branch = session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        raise NotFound
    allowed = officer_branch_ids(account)
    is_officer = Role.OFFICER in account.role_set() or Role.ADMIN in account.role_set()
    if account.member.branch_id == branch.id:
        return branch
    if is_officer and (allowed is None or branch.id in allowed):
        return branch
    raise Forbidden


def export_members_csv(session: Session, account: Account, now: dt.datetime) -> str:
    """The visible members as spreadsheet-safe CSV, in the import format (re-importable)."""
    allowed = officer_branch_ids(account)
    statement = select(Member).options(selectinload(Member.branch)).order_by(Member.number)
    if allowed is not None:
        statement = statement.where(Member.branch_id.in_(allowed))
    members = session.scalars(statement).all()
    status_words = {
        MemberStatus.ACTIVE: "actief",
        MemberStatus.SUSPENDED: "geschorst",
        MemberStatus.ENDED: "opgezegd",
    }
    record_event(
        session,
        action="members.exported",
        actor_id=account.id,
        now=now,
        details={"count": len(members)},
    )
    session.commit()
    return write_csv(
        ["lidnummer", "naam", "e-mail", "afdeling", "status", "lid sinds"],
        (
            [
                m.number,
                m.name,
                m.email,
                m.branch.code,
                status_words[m.status],
                m.member_since.isoformat(),
            ]
            for m in members
        ),
    )


def create_branch(
    session: Session, code: str, name: str, timezone: str, actor: Account | None, now: dt.datetime
) -> Branch:
    """Add a branch.

    Raises:
        Conflict: the code is taken.
    """
    code = code.strip().lower()
    if session.scalar(select(Branch).where(Branch.code == code)) is not None:
        raise Conflict(_l("A branch with this code exists already."))
    branch = Branch(code=code, name=name.strip(), timezone=timezone, created_at=now)
    session.add(branch)
    session.flush()
    record_event(
        session,
        action="branch.created",
        actor_id=actor.id if actor else None,
        now=now,
        subject=f"branch:{branch.id}",
        details={"code": code},
    )
    session.commit()
    return branch
