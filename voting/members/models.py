"""Members and branches, as imported from the membership administration (CRM)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.db import Base, UTCDateTime, str_enum

TIME_ZONES = ("Europe/Amsterdam", "America/Kralendijk")


class MemberStatus(StrEnum):
    """Membership status as the CRM reports it; only active members may take part."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class Branch(Base):
    """An afdeling: members belong to exactly one."""

    __tablename__ = "branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Amsterdam")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    members: Mapped[list[Member]] = relationship(back_populates="branch")


class Member(Base):
    """A member of the association; the CRM is the source of these fields."""

    __tablename__ = "member"
    __table_args__ = (Index("ix_member_name_skeleton", "name_skeleton"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # UTS #39 skeleton of the name (voting/names.py): equal skeletons look alike on screen.
    name_skeleton: Mapped[str] = mapped_column(String(400))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    status: Mapped[MemberStatus] = mapped_column(str_enum(MemberStatus, 16))
    member_since: Mapped[dt.date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    branch: Mapped[Branch] = relationship(back_populates="members")

    @property
    def is_active(self) -> bool:
        """True when the member may sign in and take part."""
        return self.status is MemberStatus.ACTIVE


class ImportBatch(Base):
    """An uploaded member file between its dry run and its application.

    The file is kept only until it is applied (then `content` is cleared), so that what an
    officer applies is exactly what the dry run showed them.
    """

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    summary_json: Mapped[str] = mapped_column(Text, default="{}")
