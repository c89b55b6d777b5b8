"""Accounts, their roles, server-side sessions, one-time tokens and recovery codes.

Secrets are never stored in the clear: passwords as Argon2id hashes, tokens and recovery
codes as SHA-256 digests (they are 128+ bit random values, so a fast hash suffices),
and TOTP secrets encrypted with a key derived from SECRET_KEY.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.db import Base, UTCDateTime, str_enum
from voting.members.models import Member


class Role(StrEnum):
    """Roles beyond plain membership; every active member with an account is a member."""

    CANDIDATE = "candidate"
    MODERATOR = "moderator"
    TRUSTEE = "trustee"
    OFFICER = "officer"
    ADMIN = "admin"


#: Roles whose holders must use a second factor (DESIGN.md, Security).
PRIVILEGED_ROLES = frozenset({Role.MODERATOR, Role.TRUSTEE, Role.OFFICER, Role.ADMIN})


class TokenPurpose(StrEnum):
    """What a one-time e-mailed link is for."""

    INVITATION = "invitation"
    RESET = "reset"


class Account(Base):
    """The credentials and preferences of one member."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    # None: follow the deployment's default language until the member chooses one.
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary(200), default=None)
    totp_pending_secret: Mapped[bytes | None] = mapped_column(LargeBinary(200), default=None)
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The last accepted RFC 6238 time step: a code is accepted once (THREATS T27).
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    totp_failures: Mapped[int] = mapped_column(Integer, default=0)
    totp_locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    member: Mapped[Member] = relationship()
    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="account", cascade="all, delete-orphan", foreign_keys="RoleGrant.account_id"
    )

    @property
    def has_totp(self) -> bool:
        """True once a second factor is enrolled and confirmed."""
        return self.totp_secret is not None

    @property
    def is_usable(self) -> bool:
        """True when the account may sign in: not disabled, membership active, password set."""
        return self.disabled_at is None and self.member.is_active and self.password_hash is not None

    def role_set(self) -> frozenset[Role]:
        """The roles held, at any scope."""
        return frozenset(grant.role for grant in self.roles)

    def needs_second_factor(self) -> bool:
        """True when a privileged role makes TOTP mandatory."""
        return bool(self.role_set() & PRIVILEGED_ROLES)


class RoleGrant(Base):
    """A role held by an account, optionally limited to one branch (officers)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("account_id", "role", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), default=None)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship(back_populates="roles", foreign_keys=[account_id])


class AuthSession(Base):
    """A signed-in browser. The cookie carries only a random id; this row decides.

    Flask's cookie sessions cannot be revoked (THREATS, fact 3): logout, "end my other
    sessions", a password change and a disabled account set `ended_at`, and every
    request checks it.
    """

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    second_factor_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    user_agent: Mapped[str] = mapped_column(String(120), default="")

    account: Mapped[Account] = relationship()


class AccountToken(Base):
    """A one-time link token (invitation or password reset), stored as its SHA-256."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, 16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    account: Mapped[Account] = relationship()


class RecoveryCode(Base):
    """A one-time code that replaces the second factor once, stored as its SHA-256."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
