"""The e-mail that confirms a ballot was received. It never says what the ballot was: only
the vote's name, the time, and the tracking code to check it in the public log."""

from __future__ import annotations

import datetime as dt

from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from voting.accounts.models import Account
from voting.config import Settings
from voting.elections.models import Election
from voting.i18n import format_local
from voting.mail import Mailer, compose, send_later


def send_cast_confirmation(
    settings: Settings,
    mailer: Mailer,
    account: Account,
    election: Election,
    code: str,
    now: dt.datetime,
) -> None:
    """Mail the member that their ballot arrived (in the background)."""
    member = account.member
    locale = account.locale or settings.default_locale
    with force_locale(locale):
        body = render_template(
            "mail/ballot_received.txt",
            name=member.name,
            title=election.title,
            at=format_local(now, member.timezone, locale),
            code=code,
            check=settings.base_url + url_for("public.check", code=code),
        )
        subject = _("Your vote was received: %(title)s", title=election.title)
    send_later(mailer, [compose(settings, to=member.email, subject=subject, body=body)])
