"""Signing in and out, server-side sessions, invitations, password resets and changes.

Every function takes the database `session` and `now` explicitly and commits its own
transaction; none needs a request. Failures that must not reveal which secret was
wrong (unknown address, bad or used or expired token) all raise the same error with
the same message (THREATS T28, T29).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from voting.accounts.credentials import (
    Passwords,
    check_new_password,
    new_token,
    token_digest,
)
from voting.accounts.models import Account, AccountToken, AuthSession, TokenPurpose
from voting.accounts.totp import SecretBox
from voting.config import Settings
from voting.db import affected_rows
from voting.errors import Conflict, FieldError, VotingError
from voting.events import record_event
from voting.members.models import Member

SESSION_TOUCH_INTERVAL = dt.timedelta(minutes=1)
USER_AGENT_LENGTH = 120


class InvalidToken(VotingError):
    """A one-time link that is unknown, used, expired or for another purpose: one answer."""

    status = 400
    default_message = _l(
        "This link does not work (any more). Ask for a new one; links work once and expire."
    )


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """What the account services need from the deployment."""

    passwords: Passwords
    totp_box: SecretBox
    session_idle: dt.timedelta
    session_absolute: dt.timedelta
    invitation_lifetime: dt.timedelta
    reset_lifetime: dt.timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthConfig:
        """Build from the deployment settings."""
        return cls(
            passwords=Passwords(settings.password_hashing),
            totp_box=SecretBox(settings.secret_key),
            session_idle=dt.timedelta(minutes=settings.session_idle_minutes),
            session_absolute=dt.timedelta(hours=settings.session_absolute_hours),
            invitation_lifetime=dt.timedelta(days=settings.invitation_days),
            reset_lifetime=dt.timedelta(minutes=settings.reset_minutes),
        )


def normalise_email(raw: str) -> str:
    """The form in which addresses are stored and compared: trimmed and lower case."""
    return raw.strip().lower()


def account_for_email(session: Session, email: str) -> Account | None:
    """The account of the member with this address, if any."""
    return session.scalar(
        select(Account).join(Member).where(func.lower(Member.email) == normalise_email(email))
    )


def ensure_account(session: Session, member: Member, now: dt.datetime) -> Account:
    """The member's account, created (without a password) if it does not exist yet."""
    account = session.scalar(select(Account).where(Account.member_id == member.id))
    if account is None:
        account = Account(member=member, created_at=now, totp_last_step=0, totp_failures=0)
        session.add(account)
        session.flush()
    return account


# ------------------------------------------------------------------ signing in


def authenticate(
    session: Session, auth: AuthConfig, email: str, password: str, now: dt.datetime
) -> Account | None:
    """The account when the address and password match a usable account, else None.

    Takes the same time whether or not the address exists (a dummy hash is verified).
    """
    account = account_for_email(session, email)
    stored = account.password_hash if account is not None else None
    if not auth.passwords.verify(stored, password):
        return None
    if account is None or not account.is_usable:
        return None
    if stored is not None and auth.passwords.needs_rehash(stored):
        account.password_hash = auth.passwords.hash(password)
    account.last_login_at = now
    session.commit()
    return account


def start_session(
    session: Session,
    auth: AuthConfig,
    account: Account,
    now: dt.datetime,
    *,
    user_agent: str,
    second_factor_done: bool = False,
) -> tuple[AuthSession, str]:
    """A new server-side session and the random token its cookie will carry."""
    token = new_token()
    auth_session = AuthSession(
        token_hash=token_digest(token),
        account=account,
        created_at=now,
        last_seen_at=now,
        expires_at=now + auth.session_absolute,
        second_factor_at=now if second_factor_done else None,
        user_agent=user_agent[:USER_AGENT_LENGTH],
    )
    session.add(auth_session)
    session.commit()
    return auth_session, token


def load_session(
    session: Session, auth: AuthConfig, token: str, now: dt.datetime
) -> AuthSession | None:
    """The live session for a cookie token, or None when it ended, expired or idled out.

    A session whose account can no longer sign in is ended on the spot.
    """
    auth_session = (
        session.execute(
            select(AuthSession)
            .where(AuthSession.token_hash == token_digest(token))
            # Every page needs the account, its member and its roles: one query, not four.
            .options(
                joinedload(AuthSession.account).joinedload(Account.member),
                joinedload(AuthSession.account).joinedload(Account.roles),
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    if auth_session is None or auth_session.ended_at is not None:
        return None
    if now >= auth_session.expires_at:
        _end(auth_session, now, "expired")
        session.commit()
        return None
    if now - auth_session.last_seen_at >= auth.session_idle:
        _end(auth_session, now, "idle")
        session.commit()
        return None
    if not auth_session.account.is_usable:
        _end(auth_session, now, "account-unusable")
        session.commit()
        return None
    if now - auth_session.last_seen_at >= SESSION_TOUCH_INTERVAL:
        auth_session.last_seen_at = now
        session.commit()
    return auth_session


def _end(auth_session: AuthSession, now: dt.datetime, reason: str) -> None:
    auth_session.ended_at = now
    auth_session.end_reason = reason


def end_session(session: Session, auth_session: AuthSession, now: dt.datetime, reason: str) -> None:
    """End one session (logout, or "end this session" on the sessions page)."""
    if auth_session.ended_at is None:
        _end(auth_session, now, reason)
    session.commit()


def end_sessions(
    session: Session,
    account: Account,
    now: dt.datetime,
    reason: str,
    *,
    keep: AuthSession | None = None,
) -> int:
    """End every live session of an account except `keep`; returns how many ended."""
    statement = (
        update(AuthSession)
        .where(AuthSession.account_id == account.id, AuthSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if keep is not None:
        statement = statement.where(AuthSession.id != keep.id)
    ended = affected_rows(session.execute(statement))
    record_event(
        session,
        action="account.sessions-ended",
        actor_id=account.id,
        now=now,
        subject=f"account:{account.id}",
        details={"count": ended, "reason": reason},
    )
    session.commit()
    return ended


def live_sessions(session: Session, account: Account, now: dt.datetime) -> list[AuthSession]:
    """The account's sessions that have not ended or expired, newest first."""
    return list(
        session.scalars(
            select(AuthSession)
            .where(
                AuthSession.account_id == account.id,
                AuthSession.ended_at.is_(None),
                AuthSession.expires_at > now,
            )
            .order_by(AuthSession.last_seen_at.desc())
        )
    )


# ------------------------------------------------------------------ one-time links


def issue_token(
    session: Session,
    account: Account,
    purpose: TokenPurpose,
    now: dt.datetime,
    lifetime: dt.timedelta,
) -> str:
    """A new one-time token; earlier unused tokens of the same purpose stop working."""
    session.execute(
        update(AccountToken)
        .where(
            AccountToken.account_id == account.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = new_token()
    session.add(
        AccountToken(
            account=account,
            purpose=purpose,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def peek_token(session: Session, token: str, purpose: TokenPurpose, now: dt.datetime) -> Account:
    """The account a still-valid token belongs to, without spending it.

    Raises:
        InvalidToken: for an unknown, used, expired or other-purpose token alike.
    """
    row = session.scalar(select(AccountToken).where(AccountToken.token_hash == token_digest(token)))
    if row is None or row.purpose != purpose or row.used_at is not None or row.expires_at <= now:
        raise InvalidToken
    return row.account


def redeem_token(session: Session, token: str, purpose: TokenPurpose, now: dt.datetime) -> Account:
    """Spend a token; exactly one of several concurrent redemptions wins.

    Raises:
        InvalidToken: as `peek_token`, and for the loser of a race.
    """
    account = peek_token(session, token, purpose, now)
    spent = session.execute(
        update(AccountToken)
        .where(
            AccountToken.token_hash == token_digest(token),
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(spent) != 1:
        session.rollback()
        raise InvalidToken
    return account


# ------------------------------------------------------------------ passwords


def set_password_with_token(
    session: Session,
    auth: AuthConfig,
    token: str,
    purpose: TokenPurpose,
    password: str,
    confirmation: str,
    now: dt.datetime,
) -> Account:
    """Set a password from an invitation or reset link, which is spent; sessions end.

    The second factor is not touched: signing in afterwards still asks for it, so a reset
    link cannot skip TOTP (THREATS T27).

    Raises:
        InvalidToken: the link does not work.
        FieldError: the password is refused; the link stays valid.
    """
    account = peek_token(session, token, purpose, now)
    _check_new_password(account, password, confirmation)
    account = redeem_token(session, token, purpose, now)
    account.password_hash = auth.passwords.hash(password)
    account.password_changed_at = now
    record_event(
        session,
        action="account.password-set",
        actor_id=account.id,
        now=now,
        subject=f"account:{account.id}",
        details={"via": purpose.value},
    )
    end_sessions(session, account, now, "password-set")
    return account


def change_password(
    session: Session,
    auth: AuthConfig,
    auth_session: AuthSession,
    current: str,
    password: str,
    confirmation: str,
    now: dt.datetime,
) -> None:
    """Change a password; every other session of the account ends.

    Raises:
        FieldError: the current password is wrong, or the new one is refused.
    """
    account = auth_session.account
    if not auth.passwords.verify(account.password_hash, current):
        raise FieldError("current_password", _l("This is not your current password."))
    _check_new_password(account, password, confirmation)
    account.password_hash = auth.passwords.hash(password)
    account.password_changed_at = now
    record_event(
        session,
        action="account.password-changed",
        actor_id=account.id,
        now=now,
        subject=f"account:{account.id}",
    )
    end_sessions(session, account, now, "password-changed", keep=auth_session)


def _check_new_password(account: Account, password: str, confirmation: str) -> None:
    if password != confirmation:
        raise FieldError("confirmation", _l("The two passwords are not the same."))
    member = account.member
    check_new_password(password, user_inputs=[member.name, member.email, member.number, "stembus"])


def disable_account(
    session: Session, account: Account, actor: Account, now: dt.datetime, reason: str
) -> None:
    """Stop an account from signing in; its sessions end at once."""
    if account.disabled_at is not None:
        raise Conflict(_l("This account is already disabled."))
    account.disabled_at = now
    record_event(
        session,
        action="account.disabled",
        actor_id=actor.id,
        now=now,
        subject=f"account:{account.id}",
        details={"reason": reason[:200]},
    )
    end_sessions(session, account, now, "account-disabled")


def enable_account(session: Session, account: Account, actor: Account, now: dt.datetime) -> None:
    """Let a disabled account sign in again."""
    account.disabled_at = None
    record_event(
        session,
        action="account.enabled",
        actor_id=actor.id,
        now=now,
        subject=f"account:{account.id}",
    )
    session.commit()


def set_preferences(session: Session, account: Account, locale: str, timezone: str) -> None:
    """Remember the member's language and the time zone their times are shown in."""
    account.locale = locale
    account.member.timezone = timezone
    session.commit()
