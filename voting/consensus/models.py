"""Decision groups, proposals and their versions, rounds, positions, answers, reports,
fallback votes and mail notices.

The rules live in voting/consensus/rules.py and the workflows in the services; these models
hold columns, relations and the invariants the database itself can keep: one position per
participant per round (by account, or by a keyed tag when positions are anonymous), one
answer per position, one report per reporter and reason, one notice per kind and person.

An anonymous position has no account: only `responder_tag`, an HMAC under a per-round key
that is deleted when the round closes, after which the tag is erased too
(voting/consensus/anonymity.py, docs/consensus.md).
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.accounts.models import Account
from voting.db import Base, UTCDateTime, str_enum
from voting.elections.models import Election
from voting.members.models import Branch
from voting.moderation.clauses import Clause
from voting.moderation.models import ReportResolution


class GroupKind(StrEnum):
    """What kind of body decides together; a label, the rules do not depend on it."""

    BOARD = "board"
    COUNCIL = "council"
    BRANCH_BOARD = "branch-board"
    WORKING_GROUP = "working-group"
    AD_HOC = "ad-hoc"


class DecisionRule(StrEnum):
    """The templates a group starts from (rules.py gives each its positions and outcome)."""

    CONSENT = "consent"  # no objection stands
    CONSENSUS = "consensus"  # no block stands; concerns and stand-asides are recorded
    SENSE_CHECK = "sense-check"  # advisory: no outcome rule


class PositionKind(StrEnum):
    """A participant's position in a round."""

    AGREE = "agree"
    CONCERNS = "concerns"
    STAND_ASIDE = "stand-aside"
    OBJECT = "object"
    NEED_INFORMATION = "need-information"


class FallbackMode(StrEnum):
    """What happens after the last round without consensus."""

    NONE = "none"
    OPEN = "open"  # a vote by name
    SECRET = "secret"  # noqa: S105  # an encrypted election with trustees (fallback.py)


class FallbackChoice(StrEnum):
    """A choice in the fallback vote; abstentions do not count as votes cast."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Outcome(StrEnum):
    """How a proposal ended."""

    CONSENSUS = "consensus"
    NO_CONSENSUS = "no-consensus"
    ADOPTED_BY_VOTE = "adopted-by-vote"
    REJECTED_BY_VOTE = "rejected-by-vote"
    ADVISORY = "advisory"
    WITHDRAWN = "withdrawn"


class CloseReason(StrEnum):
    """Why a round or a fallback vote closed."""

    DEADLINE = "deadline"
    EVERYONE_RESPONDED = "everyone-responded"


class DecisionGroup(Base):
    """A body that decides by consensus, with the default rules for its proposals."""

    __tablename__ = "consensus_group"
    __table_args__ = (
        CheckConstraint("min_participation BETWEEN 0 AND 100", name="participation"),
        CheckConstraint("max_rounds BETWEEN 1 AND 10", name="rounds"),
        CheckConstraint(
            "fallback_numerator >= 1 AND fallback_numerator < fallback_denominator",
            name="threshold",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[GroupKind] = mapped_column(str_enum(GroupKind))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), default=None)
    rule: Mapped[DecisionRule] = mapped_column(str_enum(DecisionRule))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    live_positions: Mapped[bool] = mapped_column(Boolean, default=False)
    min_participation: Mapped[int] = mapped_column(Integer, default=50)
    max_rounds: Mapped[int] = mapped_column(Integer, default=3)
    fallback: Mapped[FallbackMode] = mapped_column(
        str_enum(FallbackMode), default=FallbackMode.NONE
    )
    fallback_numerator: Mapped[int] = mapped_column(Integer, default=2)
    fallback_denominator: Mapped[int] = mapped_column(Integer, default=3)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    branch: Mapped[Branch | None] = relationship()
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )

    @property
    def log_id(self) -> str:
        """The id of the group's audit log."""
        return f"consensus-{self.id}"


class GroupMember(Base):
    """A member of a decision group; facilitators also take part."""

    __tablename__ = "consensus_group_member"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_group.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    is_facilitator: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    group: Mapped[DecisionGroup] = relationship(back_populates="members")
    account: Mapped[Account] = relationship()


class Proposal(Base):
    """A proposal and the rules it is decided by, fixed when it starts."""

    __tablename__ = "consensus_proposal"
    __table_args__ = (
        CheckConstraint("min_participation BETWEEN 0 AND 100", name="participation"),
        CheckConstraint("max_rounds BETWEEN 1 AND 10", name="rounds"),
        CheckConstraint("round_days BETWEEN 1 AND 60", name="round_days"),
        CheckConstraint(
            "fallback_numerator >= 1 AND fallback_numerator < fallback_denominator",
            name="threshold",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("consensus_group.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    rule: Mapped[DecisionRule] = mapped_column(str_enum(DecisionRule))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    live_positions: Mapped[bool] = mapped_column(Boolean)
    min_participation: Mapped[int] = mapped_column(Integer)
    max_rounds: Mapped[int] = mapped_column(Integer)
    round_days: Mapped[int] = mapped_column(Integer, default=7)
    fallback: Mapped[FallbackMode] = mapped_column(str_enum(FallbackMode))
    fallback_numerator: Mapped[int] = mapped_column(Integer)
    fallback_denominator: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome), default=None)
    outcome_statement: Mapped[str | None] = mapped_column(Text, default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)

    group: Mapped[DecisionGroup] = relationship()
    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number"
    )
    rounds: Mapped[list[Round]] = relationship(back_populates="proposal", order_by="Round.number")

    @property
    def is_decided(self) -> bool:
        """True once the proposal is closed with an outcome."""
        return self.outcome is not None


class ProposalVersion(Base):
    """One version of a proposal's text; every revision is kept."""

    __tablename__ = "consensus_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("consensus_proposal.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    links_json: Mapped[str] = mapped_column(Text, default="[]")
    change_note: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of the canonical JSON of title, body and links (docs/consensus.md).
    sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    proposal: Mapped[Proposal] = relationship(back_populates="versions")

    @property
    def links(self) -> list[dict[str, str]]:
        """The background documents: a list of {"label", "url"}."""
        loaded: list[dict[str, str]] = json.loads(self.links_json)
        return loaded


class Round(Base):
    """One round of positions on one version of a proposal."""

    __tablename__ = "consensus_round"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("consensus_proposal.id"))
    number: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(ForeignKey("consensus_version.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    close_reason: Mapped[CloseReason | None] = mapped_column(str_enum(CloseReason), default=None)
    eligible: Mapped[int] = mapped_column(Integer)
    responded: Mapped[int | None] = mapped_column(Integer, default=None)
    counts_json: Mapped[str | None] = mapped_column(Text, default=None)
    # True or False under consent and consensus once closed; None for a sense check.
    consensus: Mapped[bool | None] = mapped_column(Boolean, default=None)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    summary_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    proposal: Mapped[Proposal] = relationship(back_populates="rounds")
    version: Mapped[ProposalVersion] = relationship()

    @property
    def is_open(self) -> bool:
        """True until the round is closed."""
        return self.closed_at is None

    @property
    def counts(self) -> dict[str, int]:
        """Positions per kind at closing (empty while open)."""
        loaded: dict[str, int] = json.loads(self.counts_json) if self.counts_json else {}
        return loaded


class RoundParticipant(Base):
    """Who may take a position in a round: the group's members when it opened."""

    __tablename__ = "consensus_round_participant"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_round.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)

    account: Mapped[Account] = relationship()


class RoundKey(Base):
    """The sealed per-round HMAC key of an anonymous round; deleted when the round closes."""

    __tablename__ = "consensus_round_key"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_round.id", ondelete="CASCADE"), primary_key=True
    )
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary(80))


class Position(Base):
    """A participant's position in a round, by account or (anonymous) by a keyed tag.

    Anonymous positions keep no time and no account; their tag is erased at closing.
    """

    __tablename__ = "consensus_position"
    __table_args__ = (
        UniqueConstraint("round_id", "account_id", name="uq_consensus_position_account"),
        UniqueConstraint("round_id", "responder_tag", name="uq_consensus_position_tag"),
        CheckConstraint("account_id IS NULL OR responder_tag IS NULL", name="one_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consensus_round.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    responder_tag: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    kind: Mapped[PositionKind] = mapped_column(str_enum(PositionKind))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Changes with every save: a form sent twice, or from an old page, is refused.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("consensus_position.id"), default=None
    )
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    hidden_rule: Mapped[Clause | None] = mapped_column(str_enum(Clause), default=None)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)

    round: Mapped[Round] = relationship()
    account: Mapped[Account | None] = relationship(foreign_keys=[account_id])

    @property
    def is_hidden(self) -> bool:
        """True when a moderator hid the reason."""
        return self.hidden_at is not None


class Answer(Base):
    """The facilitator's written answer to an objection, a concern or a question."""

    __tablename__ = "consensus_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_position.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    # The SHA-256 of the reason answered: a reason changed afterwards needs a new answer.
    reason_sha256: Mapped[str] = mapped_column(String(64))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    position: Mapped[Position] = relationship()
    answered_by: Mapped[Account | None] = relationship()


class Report(Base):
    """A reason reported to the moderators: who, which reason, and why."""

    __tablename__ = "consensus_report"
    __table_args__ = (UniqueConstraint("position_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_position.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    why: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    resolution: Mapped[ReportResolution | None] = mapped_column(
        str_enum(ReportResolution), default=None
    )

    position: Mapped[Position] = relationship()
    reporter: Mapped[Account] = relationship(foreign_keys=[reporter_id])


class FallbackVote(Base):
    """The vote after the last round without consensus, with its stated supermajority."""

    __tablename__ = "consensus_fallback"
    __table_args__ = (
        CheckConstraint("numerator >= 1 AND numerator < denominator", name="threshold"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("consensus_proposal.id"), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("consensus_version.id"))
    mode: Mapped[FallbackMode] = mapped_column(str_enum(FallbackMode))
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    eligible: Mapped[int] = mapped_column(Integer)
    yes: Mapped[int | None] = mapped_column(Integer, default=None)
    no: Mapped[int | None] = mapped_column(Integer, default=None)
    abstain: Mapped[int | None] = mapped_column(Integer, default=None)
    adopted: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # A secret fallback vote is an election (voting/elections) for the group's members.
    election_id: Mapped[int | None] = mapped_column(ForeignKey("election.id"), default=None)

    proposal: Mapped[Proposal] = relationship()
    version: Mapped[ProposalVersion] = relationship()
    election: Mapped[Election | None] = relationship()

    @property
    def is_open(self) -> bool:
        """True until the vote is closed."""
        return self.closed_at is None


class FallbackVoter(Base):
    """A voter in an open fallback vote (frozen when it opens) and their choice, by name."""

    __tablename__ = "consensus_fallback_voter"

    fallback_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_fallback.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    choice: Mapped[FallbackChoice | None] = mapped_column(str_enum(FallbackChoice), default=None)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    cast_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    account: Mapped[Account] = relationship()


class Notice(Base):
    """A mail sent once: the digest when a round opens, a reminder before it closes."""

    __tablename__ = "consensus_notice"

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)  # "round:12"
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "digest", "reminder"
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
