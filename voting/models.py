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

__all__ = [
    "Account",
    "AccountToken",
    "Answer",
    "AuditLog",
    "AuditLogEntry",
    "AuditLogHead",
    "AuthSession",
    "Base",
    "Branch",
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
    "Notice",
    "Position",
    "Proposal",
    "ProposalVersion",
    "RecoveryCode",
    "Report",
    "RoleGrant",
    "Round",
    "RoundKey",
    "RoundParticipant",
    "SeenCiphertext",
    "ServiceKey",
    "Trustee",
    "Voter",
]
