"""Every model, imported in one place so that Alembic and tests see the whole schema."""

from voting.accounts.models import Account, AccountToken, AuthSession, RecoveryCode, RoleGrant
from voting.auditlog import AuditLog, AuditLogEntry, AuditLogHead
from voting.consensus.models import (
    Answer,
    DecisionGroup,
    FallbackVote,
    FallbackVoter,
    GroupMember,
    Notice,
    Position,
    Proposal,
    ProposalVersion,
    Report,
    Round,
    RoundKey,
    RoundParticipant,
)
from voting.db import Base
from voting.elections.models import (
    CastBallot,
    CeremonyMessage,
    DecryptionShareRecord,
    Election,
    ElectionOption,
    ElectionQuestion,
    Meeting,
    SeenCiphertext,
    Trustee,
    Voter,
)
from voting.events import Event
from voting.keys import ServiceKey
from voting.members.models import Branch, ImportBatch, Member
from voting.moderation.models import ModerationAction
from voting.qa.models import QA, Appeal, Candidate, CandidatePhoto, QAAnswer, QAReport, Upvote
from voting.qa.models import Question as QAQuestion

__all__ = [
    "QA",
    "Account",
    "AccountToken",
    "Answer",
    "Appeal",
    "AuditLog",
    "AuditLogEntry",
    "AuditLogHead",
    "AuthSession",
    "Base",
    "Branch",
    "Candidate",
    "CandidatePhoto",
    "CastBallot",
    "CeremonyMessage",
    "DecisionGroup",
    "DecryptionShareRecord",
    "Election",
    "ElectionOption",
    "ElectionQuestion",
    "Event",
    "FallbackVote",
    "FallbackVoter",
    "GroupMember",
    "ImportBatch",
    "Meeting",
    "Member",
    "ModerationAction",
    "Notice",
    "Position",
    "Proposal",
    "ProposalVersion",
    "QAAnswer",
    "QAQuestion",
    "QAReport",
    "RecoveryCode",
    "Report",
    "RoleGrant",
    "Round",
    "RoundKey",
    "RoundParticipant",
    "SeenCiphertext",
    "ServiceKey",
    "Trustee",
    "Upvote",
    "Voter",
]
