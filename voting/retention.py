"""Retention: delete what is no longer needed (docs/privacy.md lists the periods).

Run daily (`stembus purge`, e.g. from cron or a systemd timer). The event table is
append-only and is kept; this removes ended sessions, spent or expired link tokens, member
files uploaded but never applied, and the pseudonym keys of elections whose appeal period
has passed (after that nobody can link the public record to members, THREATS T36).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from voting.accounts.models import AccountToken, AuthSession
from voting.db import affected_rows
from voting.events import record_event
from voting.members.models import ImportBatch

SESSION_RETENTION: Final = dt.timedelta(days=90)
TOKEN_RETENTION: Final = dt.timedelta(days=90)
UPLOAD_RETENTION: Final = dt.timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Purged:
    """How many rows each rule removed."""

    sessions: int
    tokens: int
    uploads: int
    pseudonym_keys: int


def purge(session: Session, now: dt.datetime) -> Purged:
    """Delete data past its retention period; records what was removed."""
    sessions = affected_rows(
        session.execute(
            delete(AuthSession).where(
                or_(
                    AuthSession.ended_at < now - SESSION_RETENTION,
                    AuthSession.expires_at < now - SESSION_RETENTION,
                )
            )
        )
    )
    tokens = affected_rows(
        session.execute(
            delete(AccountToken).where(
                or_(
                    AccountToken.used_at < now - TOKEN_RETENTION,
                    AccountToken.expires_at < now - TOKEN_RETENTION,
                )
            )
        )
    )
    uploads = affected_rows(
        session.execute(
            delete(ImportBatch).where(
                ImportBatch.applied_at.is_(None), ImportBatch.created_at < now - UPLOAD_RETENTION
            )
        )
    )
    from voting.elections.lifecycle import (
        destroy_pseudonym_keys,  # elections import this module's neighbours
    )

    keys = len(destroy_pseudonym_keys(session, now))
    result = Purged(sessions, tokens, uploads, keys)
    record_event(
        session,
        action="retention.purged",
        actor_id=None,
        now=now,
        details={
            "sessions": sessions,
            "tokens": tokens,
            "uploads": uploads,
            "pseudonym_keys": keys,
        },
    )
    session.commit()
    return result
