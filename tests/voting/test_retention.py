"""Data past its retention period is deleted; recent data and the event table stay."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from voting.accounts.models import AccountToken, AuthSession, TokenPurpose
from voting.accounts.services import end_session, issue_token, start_session
from voting.events import Event
from voting.members.models import ImportBatch
from voting.retention import purge

NOW = factories.NOW


def test_purge_removes_old_sessions_tokens_and_uploads_only(db: Session) -> None:
    auth = factories.auth_config()
    account = factories.account(db, auth)
    old_session, _ = start_session(
        db, auth, account, NOW - dt.timedelta(days=200), user_agent="old"
    )
    end_session(db, old_session, NOW - dt.timedelta(days=199), "logout")
    recent_session, _ = start_session(
        db, auth, account, NOW - dt.timedelta(days=1), user_agent="recent"
    )
    issue_token(
        db, account, TokenPurpose.RESET, NOW - dt.timedelta(days=200), dt.timedelta(hours=1)
    )
    issue_token(db, account, TokenPurpose.INVITATION, NOW, dt.timedelta(days=7))
    db.add(
        ImportBatch(
            filename="old.csv", sha256="0" * 64, content=b"x", created_at=NOW - dt.timedelta(days=3)
        )
    )
    db.add(ImportBatch(filename="new.csv", sha256="0" * 64, content=b"x", created_at=NOW))
    db.commit()

    result = purge(db, NOW)
    assert (result.sessions, result.tokens, result.uploads) == (1, 1, 1)
    assert db.scalars(select(AuthSession.id)).all() == [recent_session.id]
    assert [t.purpose for t in db.scalars(select(AccountToken))] == [TokenPurpose.INVITATION]
    assert [b.filename for b in db.scalars(select(ImportBatch))] == ["new.csv"]
    assert db.scalar(select(Event).where(Event.action == "retention.purged")) is not None
