"""Enrolling, using and removing the second factor (services over accounts/totp.py).

Enrolment keeps the new secret on the account, encrypted, until a first code confirms
it; then recovery codes are made and shown once. Holders of privileged roles cannot
remove their second factor.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlalchemy.orm import Session

from voting.accounts import totp
from voting.accounts.credentials import new_recovery_codes, recovery_code_digest
from voting.accounts.models import Account, AuthSession, RecoveryCode
from voting.accounts.services import AuthConfig
from voting.errors import Conflict, FieldError
from voting.events import record_event

WRONG_CODE = _l("This code is not right. Check the time on your phone and try again.")
LOCKED = _l(
    "Too many wrong codes. Wait %(minutes)d minutes and try again, or use a recovery code "
    "after that.",
    minutes=totp.LOCK_MINUTES,
)


def begin_enrolment(session: Session, auth: AuthConfig, account: Account) -> str:
    """A new secret for the account, kept pending until `confirm_enrolment`."""
    if account.has_totp:
        raise Conflict(_l("You already use a second factor."))
    secret = totp.new_secret()
    account.totp_pending_secret = auth.totp_box.seal(account.id, secret)
    session.commit()
    return secret


def pending_secret(auth: AuthConfig, account: Account) -> str | None:
    """The secret being enrolled, if enrolment has begun."""
    if account.totp_pending_secret is None:
        return None
    return auth.totp_box.open(account.id, account.totp_pending_secret)


def confirm_enrolment(
    session: Session,
    auth: AuthConfig,
    auth_session: AuthSession,
    code: str,
    now: dt.datetime,
) -> list[str]:
    """Turn the second factor on when `code` matches; returns fresh recovery codes.

    The session that enrolled counts as having passed the second factor.

    Raises:
        FieldError: the code is wrong (field "code").
        Conflict: enrolment was not begun.
    """
    account = auth_session.account
    secret = pending_secret(auth, account)
    if secret is None:
        raise Conflict(_l("Start again: no second factor is being set up."))
    step = totp.matching_step(secret, code, now)
    if step is None:
        raise FieldError("code", WRONG_CODE)
    account.totp_secret = account.totp_pending_secret
    account.totp_pending_secret = None
    account.totp_enabled_at = now
    account.totp_last_step = step
    account.totp_failures = 0
    auth_session.second_factor_at = now
    codes = _replace_recovery_codes(session, account, now)
    record_event(
        session,
        action="account.second-factor-enabled",
        actor_id=account.id,
        now=now,
        subject=f"account:{account.id}",
    )
    session.commit()
    return codes


def verify(
    session: Session, auth: AuthConfig, auth_session: AuthSession, code: str, now: dt.datetime
) -> None:
    """Complete a sign-in with a TOTP code or a recovery code.

    Raises:
        FieldError: wrong, reused or locked (field "code"); the failure is counted.
    """
    account = auth_session.account
    if account.totp_secret is None:
        raise Conflict(_l("You do not use a second factor."))
    if totp.is_locked(account, now):
        session.commit()
        raise FieldError("code", LOCKED)
    secret = auth.totp_box.open(account.id, account.totp_secret)
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) == totp.CODE_DIGITS and digits == code.strip().replace(" ", ""):
        accepted = totp.check_code(session, account, secret, code, now)
    else:
        accepted = totp.use_recovery_code(session, account, code, now)
        if not accepted:
            totp.register_failure(account, now)
        else:
            record_event(
                session,
                action="account.recovery-code-used",
                actor_id=account.id,
                now=now,
                subject=f"account:{account.id}",
            )
    if not accepted:
        session.commit()
        raise FieldError("code", LOCKED if totp.is_locked(account, now) else WRONG_CODE)
    auth_session.second_factor_at = now
    session.commit()


def regenerate_recovery_codes(session: Session, account: Account, now: dt.datetime) -> list[str]:
    """Replace all recovery codes; the old ones stop working."""
    codes = _replace_recovery_codes(session, account, now)
    record_event(
        session,
        action="account.recovery-codes-renewed",
        actor_id=account.id,
        now=now,
        subject=f"account:{account.id}",
    )
    session.commit()
    return codes


def disable(
    session: Session, auth: AuthConfig, account: Account, password: str, now: dt.datetime
) -> None:
    """Turn the second factor off (members only), after the password is given again.

    Raises:
        Conflict: a privileged role requires the second factor.
        FieldError: the password is wrong.
    """
    if account.needs_second_factor():
        raise Conflict(_l("Your role requires a second factor, so you cannot turn it off."))
    if not auth.passwords.verify(account.password_hash, password):
        raise FieldError("password", _l("This is not your current password."))
    account.totp_secret = None
    account.totp_enabled_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    record_event(
        session,
        action="account.second-factor-disabled",
        actor_id=account.id,
        now=now,
        subject=f"account:{account.id}",
    )
    session.commit()


def _replace_recovery_codes(session: Session, account: Account, now: dt.datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = new_recovery_codes()
    session.add_all(
        RecoveryCode(account_id=account.id, code_hash=recovery_code_digest(code), created_at=now)
        for code in codes
    )
    return codes
