"""What is stored about a member, for them to see and download (GDPR art. 15).

Secrets appear only as facts ("a password is set"), never as hashes. Later areas add
their own sections (receipts, positions, questions) here; a vote never appears, because
none is stored in a form that names the member.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from voting.accounts.models import Account, AccountToken, AuthSession, RecoveryCode
from voting.consensus.record import personal_data as consensus_data
from voting.events import Event
from voting.qa.record import personal_data as qa_data

JSONValue = str | int | bool | None | list["JSONValue"] | dict[str, "JSONValue"]


def personal_data(session: Session, account: Account) -> dict[str, JSONValue]:
    """Everything the service holds about the account's member, as plain data."""
    member = account.member
    subject = f"account:{account.id}"
    events = session.scalars(
        select(Event)
        .where(or_(Event.actor_id == account.id, Event.subject == subject))
        .order_by(Event.id)
    ).all()
    sessions = session.scalars(
        select(AuthSession).where(AuthSession.account_id == account.id).order_by(AuthSession.id)
    ).all()
    tokens = session.scalars(
        select(AccountToken).where(AccountToken.account_id == account.id).order_by(AccountToken.id)
    ).all()
    unused_codes = len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )
    return {
        "member": {
            "member_number": member.number,
            "name": member.name,
            "email": member.email,
            "branch": member.branch.name,
            "status": member.status.value,
            "member_since": member.member_since.isoformat(),
            "time_zone": member.timezone,
            "imported_at": member.created_at.isoformat(),
            "last_updated_at": member.updated_at.isoformat(),
        },
        "account": {
            "created_at": account.created_at.isoformat(),
            "password_set": account.password_hash is not None,
            "password_changed_at": _iso(account.password_changed_at),
            "language": account.locale,
            "second_factor_enabled_at": _iso(account.totp_enabled_at),
            "unused_recovery_codes": unused_codes,
            "disabled_at": _iso(account.disabled_at),
            "last_login_at": _iso(account.last_login_at),
            "roles": [
                {
                    "role": grant.role.value,
                    "branch": grant.branch_id,
                    "granted_at": grant.granted_at.isoformat(),
                }
                for grant in account.roles
            ],
        },
        "sessions": [
            {
                "started_at": row.created_at.isoformat(),
                "last_seen_at": row.last_seen_at.isoformat(),
                "ended_at": _iso(row.ended_at),
                "end_reason": row.end_reason,
                "browser": row.user_agent,
            }
            for row in sessions
        ],
        "links_sent": [
            {
                "purpose": token.purpose.value,
                "sent_at": token.created_at.isoformat(),
                "expires_at": token.expires_at.isoformat(),
                "used_at": _iso(token.used_at),
            }
            for token in tokens
        ],
        # Consensus: positions by name, open votes, reports, answers; never anonymous ones.
        "consensus": consensus_data(session, account),  # type: ignore[dict-item]  # JSON scalars only
        # Candidate Q&A: own questions (anonymous ones too), upvotes, reports, candidacies, answers.
        "candidate_qa": qa_data(session, account),  # type: ignore[dict-item]  # JSON scalars only
        "events": [
            {
                "at": event.occurred_at.isoformat(),
                "action": event.action,
                "by_me": event.actor_id == account.id,
                "details": dict(event.details),
            }
            for event in events
        ],
    }


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]  # datetimes only
