"""Meetings, elections and what voting leaves behind: trustees, ceremony messages, the
frozen electorate, encrypted ballots, decryption shares.

No table holds a plaintext vote. A ballot row carries the voter's per-election pseudonym,
never a member id; the link between a member and a pseudonym is a keyed hash whose key is
sealed on the election row and destroyed after the appeal period (THREATS T36).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
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

from ballots import JSONValue, parse_canonical_json
from voting.db import Base, UTCDateTime, str_enum

CANCEL_REASON_MAX = 500
"""The longest reason an officer may give for cancelling a vote (shown on public pages)."""


class ElectionState(StrEnum):
    """The lifecycle: draft → ceremony → ready → open → closed → decrypted → published.

    An officer may cancel a vote up to and including `open` (voting/elections/cancellation.py);
    `cancelled` is final: nothing of it is ever counted or decrypted.
    """

    DRAFT = "draft"
    CEREMONY = "ceremony"
    READY = "ready"
    OPEN = "open"
    CLOSED = "closed"
    DECRYPTED = "decrypted"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class ElectorateKind(StrEnum):
    """Who may vote: every member, one branch, the Partijraad (its trustees), or a list of
    members (a decision group's secret fallback vote, voting/consensus)."""

    ALL_MEMBERS = "all-members"
    BRANCH = "branch"
    COUNCIL = "council"
    LISTED = "listed"


class Meeting(Base):
    """A general meeting (ALV) or other meeting where results are presented."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Amsterdam")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    elections: Mapped[list[Election]] = relationship(
        back_populates="meeting", order_by="Election.id"
    )


class Election(Base):
    """One vote: its questions, electorate, trustees, times, and its cryptographic state."""

    __tablename__ = "election"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)  # the election id and log id
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[ElectionState] = mapped_column(
        str_enum(ElectionState), default=ElectionState.DRAFT
    )
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    electorate_kind: Mapped[ElectorateKind] = mapped_column(str_enum(ElectorateKind))
    electorate_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), default=None)
    electorate_cutoff: Mapped[dt.date] = mapped_column(Date)
    require_second_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    threshold: Mapped[int] = mapped_column(Integer, default=2)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Set when the key ceremony completes: the ElectionKey's JSON (§I.11).
    key_json: Mapped[str | None] = mapped_column(Text, default=None)
    # Set when voting opens: the ballots Election document (manifest, key, fingerprint).
    election_json: Mapped[str | None] = mapped_column(Text, default=None)
    electorate_size: Mapped[int | None] = mapped_column(Integer, default=None)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    tally_json: Mapped[str | None] = mapped_column(Text, default=None)
    # The root hash (hex) and size of the head signed at closing: shown at the meeting so
    # people and trustees can witness the state the tally was taken from.
    closing_root: Mapped[str | None] = mapped_column(String(64), default=None)
    closing_size: Mapped[int | None] = mapped_column(Integer, default=None)
    result_json: Mapped[str | None] = mapped_column(Text, default=None)
    decrypted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The per-election pseudonym key, sealed; destroyed after the appeal period (T36).
    pseudonym_key: Mapped[bytes | None] = mapped_column(LargeBinary(80), default=None)
    pseudonym_key_destroyed_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime(), default=None
    )
    appeal_until: Mapped[dt.date | None] = mapped_column(Date, default=None)
    # Set when an officer cancels the vote: when, why (shown on its pages), and by whom.
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(CANCEL_REASON_MAX), default=None)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)

    meeting: Mapped[Meeting] = relationship(back_populates="elections")
    questions: Mapped[list[ElectionQuestion]] = relationship(
        back_populates="election",
        order_by="ElectionQuestion.position",
        cascade="all, delete-orphan",
    )
    trustees: Mapped[list[Trustee]] = relationship(
        back_populates="election", order_by="Trustee.index", cascade="all, delete-orphan"
    )

    @property
    def has_log(self) -> bool:
        """Whether the vote has a public log: it starts when voting opens (and stays, even
        if the vote is cancelled afterwards)."""
        return self.opened_at is not None

    @property
    def log_id(self) -> str:
        """The id of this election's audit log (and of the election in the protocol)."""
        return self.slug


class QuestionKind(StrEnum):
    """Kinds of question (the same values as ballots' QuestionKind)."""

    MOTION = "motion"
    AMENDMENT = "amendment"
    BUDGET_LINE = "budget-line"
    MULTIPLE_CHOICE = "multiple-choice"
    APPROVAL = "approval"


class ElectionQuestion(Base):
    """A question on the ballot; its text is frozen (hashed into the fingerprint) at opening."""

    __tablename__ = "election_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("election_question.id"), default=None)
    amends_paragraph: Mapped[int | None] = mapped_column(Integer, default=None)
    # The MajorityRule as ballots writes it (§I.7 RULE object), canonical JSON.
    rule_json: Mapped[str] = mapped_column(Text)
    min_selections: Mapped[int] = mapped_column(Integer, default=0)
    max_selections: Mapped[int] = mapped_column(Integer, default=1)
    seats: Mapped[int | None] = mapped_column(Integer, default=None)

    election: Mapped[Election] = relationship(back_populates="questions")
    # Options are loaded for all of an election's questions in one query (a ballot of 30
    # motions would otherwise cost 30 queries per page and per cast).
    options: Mapped[list[ElectionOption]] = relationship(
        back_populates="question",
        order_by="ElectionOption.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    amends: Mapped[ElectionQuestion | None] = relationship(remote_side=[id])

    @property
    def qid(self) -> str:
        """The question's id in the manifest."""
        return f"q{self.position}"


class ElectionOption(Base):
    """An option of a question (a candidate, a choice; motions have voor/tegen/onthouding)."""

    __tablename__ = "election_option"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("election_question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))

    question: Mapped[ElectionQuestion] = relationship(back_populates="options")


class Trustee(Base):
    """A member of the Partijraad holding one share of the election key.

    `token_hash` authenticates the `stembus-trustee` tool (the trustee makes the token on
    the web and pastes it into the tool); `confirmed_at` is set once the tool has checked
    its secret share against the election key.
    """

    __tablename__ = "trustee"
    __table_args__ = (
        UniqueConstraint("election_id", "index", name="uq_trustee_seat"),
        UniqueConstraint("election_id", "account_id", name="uq_trustee_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    index: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    announced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    dealt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    disqualified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    election: Mapped[Election] = relationship(back_populates="trustees")


class CeremonyMessageKind(StrEnum):
    """What a trustee posted during the key ceremony (§I.10)."""

    ANNOUNCEMENT = "announcement"
    SHARE = "share"
    COMPLAINT = "complaint"
    ANSWER = "answer"


class CeremonyMessage(Base):
    """One message of the key ceremony, as the trustee's tool posted it (public data only:
    shares travel encrypted to their recipient)."""

    __tablename__ = "ceremony_message"
    __table_args__ = (UniqueConstraint("election_id", "kind", "sender", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CeremonyMessageKind] = mapped_column(str_enum(CeremonyMessageKind, 16))
    sender: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[int] = mapped_column(Integer, default=0)  # 0: addressed to everyone
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ElectorateListing(Base):
    """A member named in a listed electorate (before it is frozen into `Voter` rows)."""

    __tablename__ = "electorate_listing"

    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)


class Voter(Base):
    """A member of the frozen electorate. The row is what a cast locks, so that two casts
    of one member serialise even before their first ballot exists (THREATS T18)."""

    __tablename__ = "voter"

    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    # Nothing records whether this member voted: turnout is counted over pseudonyms, so
    # officers see how many voted, never who (THREATS, data protection).


class CastBallot(Base):
    """An encrypted ballot as cast: canonical JSON with proofs, its log index and receipt.

    At most one ballot per pseudonym is current (not superseded): a unique partial index
    says so in the database itself (THREATS T18).
    """

    __tablename__ = "cast_ballot"
    __table_args__ = (
        Index(
            "uq_cast_ballot_current",
            "election_id",
            "pseudonym",
            unique=True,
            sqlite_where=text("superseded_by_index IS NULL"),
            postgresql_where=text("superseded_by_index IS NULL"),
        ),
        UniqueConstraint("election_id", "log_index", name="uq_cast_ballot_log_index"),
        UniqueConstraint("election_id", "tracking_code", name="uq_cast_ballot_tracking_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), index=True
    )
    pseudonym: Mapped[str] = mapped_column(String(64), index=True)
    log_index: Mapped[int] = mapped_column(Integer)
    tracking_code: Mapped[str] = mapped_column(String(80))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    receipt: Mapped[str] = mapped_column(Text)
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    superseded_by_index: Mapped[int | None] = mapped_column(Integer, default=None)


class SeenCiphertext(Base):
    """Every ciphertext ever cast in an election: a copied ballot is refused (THREATS T06)."""

    __tablename__ = "seen_ciphertext"

    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[bytes] = mapped_column(LargeBinary(66), primary_key=True)


class DecryptionShareRecord(Base):
    """A trustee's partial decryption as uploaded, with the verdict of its proofs."""

    __tablename__ = "decryption_share"
    __table_args__ = (UniqueConstraint("election_id", "trustee_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), index=True
    )
    trustee_index: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


STORED_DOCUMENT_LIMIT = 64 * 1024 * 1024


def stored(text: str) -> JSONValue:
    """A protocol document kept in a text column (canonical JSON written by this service)."""
    return parse_canonical_json(text.encode(), max_bytes=STORED_DOCUMENT_LIMIT)
