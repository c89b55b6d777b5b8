"""The append-only event table: who did what, when, to which subject.

Officer and admin actions and account security events are recorded here; the table is
append-only in the database itself (triggers created by the migration refuse UPDATE and
DELETE), and it will feed each election's audit log. Details never hold secrets, votes
or full e-mail addresses.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from voting.db import Base, UTCDateTime

JSONScalar = str | int | bool | None


class Event(Base):
    """One recorded action."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(80), default="", index=True)
    details_json: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def details(self) -> dict[str, JSONScalar]:
        """The details as a dict."""
        loaded: dict[str, JSONScalar] = json.loads(self.details_json)
        return loaded


def record_event(
    session: Session,
    *,
    action: str,
    actor_id: int | None,
    now: dt.datetime,
    subject: str = "",
    details: Mapping[str, JSONScalar] | None = None,
) -> Event:
    """Add an event to the session; it is written with the caller's transaction."""
    event = Event(
        occurred_at=now,
        actor_id=actor_id,
        action=action,
        subject=subject,
        details_json=json.dumps(dict(details or {}), sort_keys=True, ensure_ascii=False),
    )
    session.add(event)
    return event
