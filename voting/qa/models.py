"""Candidate Q&A: the Q&A of an election, its candidates and their profiles and photos,
questions, appeals, answers, upvotes and reports.

The workflows live in the services; these models hold columns, relations and the rules the
database itself can keep: one Q&A per election, one candidacy per account and election,
one appeal per question, one answer per candidate and question, one upvote per member and
question, one report per reporter and item, and at most one question on the projector.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.accounts.models import Account
from voting.db import Base, UTCDateTime, str_enum
from voting.elections.models import Election, ElectionOption, ElectionQuestion
from voting.moderation.clauses import Clause
from voting.moderation.models import ReportResolution


class QuestionState(StrEnum):
    """Where a question is in moderation (hiding after approval is a separate mark)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class QA(Base):
    """The Q&A of one candidate election: its period and the limits per member."""

    __tablename__ = "qa"
    __table_args__ = (
        CheckConstraint("opens_at < closes_at", name="period"),
        CheckConstraint("max_pending BETWEEN 1 AND 20", name="max_pending"),
        CheckConstraint("max_questions BETWEEN 1 AND 100", name="max_questions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"), unique=True)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # True: the Q&A runs on into the meeting (it may close after voting has opened).
    continues_into_meeting: Mapped[bool] = mapped_column(Boolean, default=False)
    # Questions a member may have waiting for moderation, and in all, in this Q&A.
    max_pending: Mapped[int] = mapped_column(Integer, default=3)
    max_questions: Mapped[int] = mapped_column(Integer, default=10)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    election: Mapped[Election] = relationship()

    @property
    def log_id(self) -> str:
        """The id of this Q&A's audit log."""
        return f"qa-{self.election_id}"

    def is_open(self, now: dt.datetime) -> bool:
        """True while members may ask, upvote and candidates may answer."""
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now: dt.datetime) -> bool:
        """True once the closing time has passed (the Q&A is an archive)."""
        return now >= self.closes_at


class Candidate(Base):
    """A candidate admitted to an election, with the profile they edit themselves."""

    __tablename__ = "qa_candidate"
    __table_args__ = (
        UniqueConstraint("election_id", "account_id", name="uq_qa_candidate_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    # The approval question (candidate election) they stand in, and their option on it.
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("election_question.id", ondelete="SET NULL"), default=None
    )
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("election_option.id", ondelete="SET NULL"), default=None
    )
    # The name as the candidate wishes to be addressed (NFC, no bidi controls) and its
    # UTS #39 skeleton: two candidates, or a candidate and a member, may not look alike.
    display_name: Mapped[str] = mapped_column(String(100))
    name_skeleton: Mapped[str] = mapped_column(String(400), index=True)
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    motivation: Mapped[str] = mapped_column(Text, default="")
    experience: Mapped[str] = mapped_column(Text, default="")
    links_json: Mapped[str] = mapped_column(Text, default="[]")
    admitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    admitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    profile_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    election: Mapped[Election] = relationship()
    question: Mapped[ElectionQuestion | None] = relationship()
    option: Mapped[ElectionOption | None] = relationship()
    photo: Mapped[CandidatePhoto | None] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", lazy="select"
    )

    @property
    def links(self) -> list[dict[str, str]]:
        """The candidate's links: a list of {"label", "url"} (http and https only)."""
        loaded: list[dict[str, str]] = json.loads(self.links_json)
        return loaded

    @property
    def is_active(self) -> bool:
        """True until the candidate is withdrawn."""
        return self.withdrawn_at is None


class CandidatePhoto(Base):
    """A candidate's photo as we re-encoded it: no metadata, bounded size, our own host."""

    __tablename__ = "qa_photo"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("qa_candidate.id", ondelete="CASCADE"), primary_key=True
    )
    media_type: Mapped[str] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    candidate: Mapped[Candidate] = relationship(back_populates="photo")


class Question(Base):
    """A member's question to one candidate (or to all: `candidate_id` is None)."""

    __tablename__ = "qa_question"
    __table_args__ = (
        # At most one question is on the projector at a time.
        Index(
            "uq_qa_question_on_screen",
            "qa_id",
            unique=True,
            sqlite_where=text("shown_at IS NOT NULL AND discussed_at IS NULL"),
            postgresql_where=text("shown_at IS NOT NULL AND discussed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    qa_id: Mapped[int] = mapped_column(ForeignKey("qa.id"), index=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("qa_candidate.id"), default=None, index=True
    )
    text: Mapped[str] = mapped_column(Text)
    # Shown to other members without the asker's name; moderators always see who asked.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[QuestionState] = mapped_column(
        str_enum(QuestionState), default=QuestionState.PENDING, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    # A rejection cites a clause and says why; the asker sees both.
    clause: Mapped[Clause | None] = mapped_column(str_enum(Clause), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    shortlisted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    hidden_clause: Mapped[Clause | None] = mapped_column(str_enum(Clause), default=None)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    # Live mode at the meeting: put on the projector, then done.
    shown_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    discussed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    qa: Mapped[QA] = relationship()
    asker: Mapped[Account] = relationship(foreign_keys=[asker_id])
    candidate: Mapped[Candidate | None] = relationship()
    moderated_by: Mapped[Account | None] = relationship(foreign_keys=[moderated_by_id])
    appeal: Mapped[Appeal | None] = relationship(back_populates="question")
    answers: Mapped[list[QAAnswer]] = relationship(
        back_populates="question", order_by="QAAnswer.created_at"
    )

    @property
    def is_hidden(self) -> bool:
        """True when a moderator hid the question after a report."""
        return self.hidden_at is not None

    @property
    def is_public(self) -> bool:
        """True when the electorate sees the question: approved and not hidden."""
        return self.state is QuestionState.APPROVED and self.hidden_at is None

    @property
    def is_shortlisted(self) -> bool:
        """True when moderators put it on the shortlist every candidate answers."""
        return self.shortlisted_at is not None


class Appeal(Base):
    """The asker's one appeal against a rejection, decided by another moderator."""

    __tablename__ = "qa_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("qa_question.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    # True: the appeal is granted and the question approved; False: the rejection stands.
    granted: Mapped[bool | None] = mapped_column(Boolean, default=None)
    reason: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="appeal")
    decided_by: Mapped[Account | None] = relationship()


class QAAnswer(Base):
    """A candidate's answer: published at once, editable while the Q&A is open."""

    __tablename__ = "qa_answer"
    __table_args__ = (
        UniqueConstraint("question_id", "candidate_id", name="uq_qa_answer_candidate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("qa_question.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("qa_candidate.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    hidden_clause: Mapped[Clause | None] = mapped_column(str_enum(Clause), default=None)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="answers")
    candidate: Mapped[Candidate] = relationship()

    @property
    def is_hidden(self) -> bool:
        """True when a moderator hid the answer after a report."""
        return self.hidden_at is not None


class Upvote(Base):
    """A member's support for an approved question; withdrawing deletes the row."""

    __tablename__ = "qa_upvote"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("qa_question.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class QAReport(Base):
    """A question or an answer reported to the moderators: who, what, and why.

    Reports never hide anything by themselves; only a moderator's decision does.
    """

    __tablename__ = "qa_report"
    __table_args__ = (
        Index(
            "uq_qa_report_question",
            "question_id",
            "reporter_id",
            unique=True,
            sqlite_where=text("answer_id IS NULL"),
            postgresql_where=text("answer_id IS NULL"),
        ),
        UniqueConstraint("answer_id", "reporter_id", name="uq_qa_report_answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("qa_question.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("qa_answer.id"), default=None)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    why: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    resolution: Mapped[ReportResolution | None] = mapped_column(
        str_enum(ReportResolution), default=None
    )

    question: Mapped[Question] = relationship()
    answer: Mapped[QAAnswer | None] = relationship()
    reporter: Mapped[Account] = relationship(foreign_keys=[reporter_id])
