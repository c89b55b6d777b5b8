"""The moderation log: one row per decision a moderator took, with the clause and the why.

This is the internal record the candidate committee reviews (who, when, which clause,
why). It is not public: the public, append-only audit log of each area holds the same
decisions without names and without the text of what was rejected or hidden.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.accounts.models import Account
from voting.db import Base, UTCDateTime, str_enum
from voting.moderation.clauses import Clause


class ReportResolution(StrEnum):
    """What a moderator decided about a report (of a consensus reason, or a Q&A question or
    answer)."""

    HIDDEN = "hidden"
    KEPT = "kept"


class ActionKind(StrEnum):
    """What a moderator decided."""

    APPROVED = "approved"
    REJECTED = "rejected"
    APPEAL_UPHELD = "appeal-upheld"  # the rejection stands
    APPEAL_GRANTED = "appeal-granted"  # the rejection is overturned; the question is approved
    SHORTLISTED = "shortlisted"
    UNSHORTLISTED = "unshortlisted"
    HIDDEN = "hidden"
    KEPT = "kept"  # reports dismissed; the text stays


class ModerationAction(Base):
    """One moderator decision in one scope (an audit log id such as "qa-12")."""

    __tablename__ = "moderation_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    moderator_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[ActionKind] = mapped_column(str_enum(ActionKind))
    subject: Mapped[str] = mapped_column(String(80))  # "question:12", "answer:7"
    clause: Mapped[Clause | None] = mapped_column(str_enum(Clause), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")

    moderator: Mapped[Account] = relationship()
