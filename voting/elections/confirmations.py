"""The e-mails about a vote to a member: that their ballot was received, that the vote was
cancelled. They never say what a ballot was: only the vote's name, the time, and the tracking
code to check it in the public log (or the officers' reason for cancelling)."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from flask import render_template, url_for
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

from voting.accounts.models import Account
from voting.config import Settings
from voting.elections.models import Election
from voting.i18n import format_local
from voting.mail import Mailer, compose, send_later


def member_mail(
    settings: Settings,
    account: Account,
    election: Election,
    at: dt.datetime,
    template: str,
    subject: LazyString,
    **values: str,
) -> EmailMessage:
    """A mail about `election` to one member, in their own language and time zone: the
    template gets their name, the vote's title, `at` as local time, and `values`."""
    member = account.member
    locale = account.locale or settings.default_locale
    with force_locale(locale):
        body = render_template(
            template,
            name=member.name,
            title=election.title,
            at=format_local(at, member.timezone, locale),
            **values,
        )
        return compose(settings, to=member.email, subject=str(subject), body=body)


def send_cast_confirmation(
    settings: Settings,
    mailer: Mailer,
    account: Account,
    election: Election,
    code: str,
    now: dt.datetime,
) -> None:
    """Mail the member that their ballot arrived (in the background)."""
    subject = _l("Your vote was received: %(title)s", title=election.title)
    message = member_mail(
        settings,
        account,
        election,
        now,
        "mail/ballot_received.txt",
        subject,
        code=code,
        check=settings.base_url + url_for("public.check", code=code),
    )
    send_later(mailer, [message])
