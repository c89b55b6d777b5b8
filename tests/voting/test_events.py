"""The event table is append-only in the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests import factories
from voting.events import Event, record_event


def test_events_cannot_be_changed_or_deleted(db: Session) -> None:
    record_event(db, action="test.happened", actor_id=None, now=factories.NOW, details={"n": 1})
    db.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(update(Event).values(action="test.rewritten"))
    db.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(delete(Event))
    db.rollback()
