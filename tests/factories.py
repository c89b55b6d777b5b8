"""Test data, made through the services where a service exists.

Members come from the CRM in real life (the import); tests create them as rows, since
the import itself is tested on its own. Accounts, roles and second factors go through
the account services.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts import second_factor
from voting.accounts.models import Account, AuthSession, Role
from voting.accounts.services import AuthConfig, ensure_account, start_session
from voting.admin.services import grant_role
from voting.config import TEST_PASSWORD_HASHING, PasswordHashing
from voting.db import utcnow
from voting.members.models import Branch, Member, MemberStatus
from voting.names import skeleton

PASSWORD = "correct horse battery staple 42"
_numbers = itertools.count(50_000)
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def auth_config(
    secret_key: str = "test-secret-key-that-is-long-enough-0123456789",
    hashing: PasswordHashing = TEST_PASSWORD_HASHING,
) -> AuthConfig:
    """Account settings as the test app uses them."""
    from voting.config import Environment, Settings

    return AuthConfig.from_settings(
        Settings(
            env=Environment.TEST,
            secret_key=secret_key,
            database_url="sqlite://",
            base_url="http://stembus.test",
            password_hashing=hashing,
        )
    )


def branch(
    session: Session,
    code: str = "utrecht",
    name: str | None = None,
    timezone: str = "Europe/Amsterdam",
) -> Branch:
    """A branch, reused if the code exists."""
    found = session.scalar(select(Branch).where(Branch.code == code))
    if found is not None:
        return found
    created = Branch(code=code, name=name or code.title(), timezone=timezone, created_at=NOW)
    session.add(created)
    session.flush()
    return created


def member(
    session: Session,
    *,
    name: str = "Jan Jansen",
    branch_code: str = "utrecht",
    status: MemberStatus = MemberStatus.ACTIVE,
    email: str | None = None,
    number: str | None = None,
) -> Member:
    """A member of a branch."""
    number = number or str(next(_numbers))
    home = branch(session, branch_code)
    created = Member(
        number=number,
        name=name,
        name_skeleton=skeleton(name),
        email=email or f"m{number}@example.org",
        branch=home,
        status=status,
        member_since=dt.date(2020, 1, 1),
        timezone=home.timezone,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(created)
    session.flush()
    return created


def account(
    session: Session,
    auth: AuthConfig,
    *,
    roles: tuple[Role, ...] = (),
    password: str | None = PASSWORD,
    totp: bool = False,
    officer_branch: str | None = None,
    **member_fields: object,
) -> Account:
    """An account with a password, roles, and (when asked) an enrolled second factor."""
    owner = member(session, **member_fields)  # type: ignore[arg-type]
    created = ensure_account(session, owner, NOW)
    if password is not None:
        created.password_hash = auth.passwords.hash(password)
    session.commit()
    for role in roles:
        branch_id = (
            branch(session, officer_branch).id
            if (officer_branch and role is Role.OFFICER)
            else None
        )
        grant_role(session, None, owner.number, role, branch_id, NOW)
    if totp:
        enrol_totp(session, auth, created)
    session.refresh(created)
    return created


def enrol_totp(session: Session, auth: AuthConfig, target: Account) -> str:
    """Enrol a second factor through the service; returns the secret."""
    # The real clock: the app checks codes against it, and a code is accepted only for
    # a time step after the one used here.
    now = utcnow() - dt.timedelta(seconds=60)
    secret = second_factor.begin_enrolment(session, auth, target)
    auth_session, _token = start_session(session, auth, target, now, user_agent="factory")
    second_factor.confirm_enrolment(session, auth, auth_session, pyotp.TOTP(secret).at(now), now)
    auth_session.ended_at = now
    session.commit()
    return secret


def totp_secret(auth: AuthConfig, target: Account) -> str:
    """The enrolled secret of an account."""
    assert target.totp_secret is not None
    return auth.totp_box.open(target.id, target.totp_secret)


def session_of(session: Session, target: Account) -> AuthSession:
    """The account's newest session."""
    found = session.scalar(
        select(AuthSession)
        .where(AuthSession.account_id == target.id)
        .order_by(AuthSession.id.desc())
    )
    assert found is not None
    return found
