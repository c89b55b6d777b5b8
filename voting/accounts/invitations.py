"""Invitation and password-reset e-mails with one-time links.

Links carry a 256-bit token; only its hash is stored (accounts/services.py). Mail is
composed in the member's language and time zone and sent after the transaction that
created the token has committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from voting.accounts.models import Account, TokenPurpose
from voting.accounts.services import AuthConfig, account_for_email, ensure_account, issue_token
from voting.config import Settings
from voting.events import record_event
from voting.i18n import format_local
from voting.mail import Mailer, compose, send_later
from voting.members.models import Member

logger = logging.getLogger(__name__)
BATCH_SIZE = 200


@dataclass(frozen=True, slots=True)
class InvitationResult:
    """How many members were invited and how many were skipped (and why)."""

    invited: int
    already_active: int
    not_eligible: int


def invite_members(
    session: Session,
    auth: AuthConfig,
    settings: Settings,
    mailer: Mailer,
    members: Sequence[Member],
    actor: Account | None,
    now: dt.datetime,
) -> InvitationResult:
    """Send invitation links to members who have no password yet, in batches.

    Members with a password already, and members whose membership is not active, are
    skipped. Each batch is committed before its mail is sent; if sending fails, the
    links of that batch are simply never used and a new invitation replaces them.

    Raises:
        MailError: the SMTP server refused or could not be reached.
    """
    invited = already_active = not_eligible = 0
    batch: list[EmailMessage] = []
    for member in members:
        if not member.is_active:
            not_eligible += 1
            continue
        account = ensure_account(session, member, now)
        if account.password_hash is not None:
            already_active += 1
            continue
        token = issue_token(
            session, account, TokenPurpose.INVITATION, now, auth.invitation_lifetime
        )
        batch.append(
            _link_mail(
                settings, account, TokenPurpose.INVITATION, token, now + auth.invitation_lifetime
            )
        )
        invited += 1
        if len(batch) >= BATCH_SIZE:
            _commit_and_send(session, mailer, batch, actor, now)
            batch = []
    _commit_and_send(session, mailer, batch, actor, now)
    return InvitationResult(invited, already_active, not_eligible)


def _commit_and_send(
    session: Session,
    mailer: Mailer,
    batch: list[EmailMessage],
    actor: Account | None,
    now: dt.datetime,
) -> None:
    if batch:
        record_event(
            session,
            action="members.invited",
            actor_id=actor.id if actor else None,
            now=now,
            details={"count": len(batch)},
        )
    session.commit()
    mailer.send(batch)


def _link_mail(
    settings: Settings, account: Account, purpose: TokenPurpose, token: str, expires: dt.datetime
) -> EmailMessage:
    """The invitation or reset mail, in the member's language and time zone."""
    member = account.member
    locale = account.locale or settings.default_locale
    template, path = (
        ("mail/invitation.txt", "invitation")
        if purpose is TokenPurpose.INVITATION
        else ("mail/reset.txt", "reset")
    )
    with force_locale(locale):
        body = render_template(
            template,
            name=member.name,
            link=f"{settings.base_url}/{path}/{token}",
            expires=format_local(expires, member.timezone, locale),
        )
        subject = (
            _("Your invitation to Stembus")
            if purpose is TokenPurpose.INVITATION
            else _("Choose a new password for Stembus")
        )
    return compose(settings, to=member.email, subject=subject, body=body)


def request_password_reset(
    session: Session,
    auth: AuthConfig,
    settings: Settings,
    mailer: Mailer,
    email: str,
    now: dt.datetime,
) -> None:
    """E-mail a reset link if the address belongs to an account that can use one.

    Whatever the address, the caller shows the same answer; the mail is sent from a
    background thread so that the response time does not tell either (THREATS T29). A
    member who never accepted their invitation gets a fresh invitation instead.
    """
    account = account_for_email(session, email)
    if account is None or account.disabled_at is not None or not account.member.is_active:
        return
    if account.password_hash is None:
        purpose, lifetime = TokenPurpose.INVITATION, auth.invitation_lifetime
    else:
        purpose, lifetime = TokenPurpose.RESET, auth.reset_lifetime
    token = issue_token(session, account, purpose, now, lifetime)
    message = _link_mail(settings, account, purpose, token, now + lifetime)
    record_event(
        session,
        action="account.reset-requested",
        actor_id=None,
        now=now,
        subject=f"account:{account.id}",
    )
    session.commit()
    send_later(mailer, [message])
