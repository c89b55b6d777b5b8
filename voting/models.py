"""Every model, imported in one place so that Alembic and tests see the whole schema."""

from voting.accounts.models import Account, AccountToken, AuthSession, RecoveryCode, RoleGrant
from voting.auditlog import AuditLog, AuditLogEntry, AuditLogHead
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
    "AuditLog",
    "AuditLogEntry",
    "AuditLogHead",
    "AuthSession",
    "Base",
    "Branch",
    "CastBallot",
    "CeremonyMessage",
    "DecryptionShareRecord",
    "Election",
    "ElectionOption",
    "ElectionQuestion",
    "Event",
    "ImportBatch",
    "Meeting",
    "Member",
    "RecoveryCode",
    "RoleGrant",
    "SeenCiphertext",
    "ServiceKey",
    "Trustee",
    "Voter",
]
