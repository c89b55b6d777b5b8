"""Mail about rounds and fallback votes: a digest when one opens, a reminder before it closes.

`send_notices` is what `stembus consensus-reminders` runs (every few minutes, from cron or a
timer). For each open round or fallback vote it mails the digest to every participant who
has not had it, and, once the deadline is within `remind_before`, a reminder to every
participant who has not responded yet. Each mail is recorded in `consensus_notice` (one row
per subject, person and kind) in the same transaction that sends it: a second run, or two
runs at once, never send the same notice twice (the primary key refuses the second row), and
if the SMTP server fails nothing is recorded and the next run tries again. Times are in
each participant's own time zone and language.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.config import Settings
from voting.consensus.anonymity import RoundKeys
from voting.consensus.models import FallbackVote, FallbackVoter, Notice, Round
from voting.consensus.rounds import participant_ids, responders
from voting.i18n import format_local
from voting.mail import Mailer, MailError, compose

logger = logging.getLogger(__name__)
DIGEST = "digest"
REMINDER = "reminder"


@dataclass(frozen=True, slots=True)
class NoticeResult:
    """How many mails of each kind were sent."""

    digests: int
    reminders: int


def send_notices(
    session: Session,
    settings: Settings,
    mailer: Mailer,
    round_keys: RoundKeys,
    now: dt.datetime,
    remind_before: dt.timedelta,
) -> NoticeResult:
    """Send every digest and reminder that is due and was not sent before.

    Raises:
        MailError: the SMTP server failed; what was sent before stays recorded.
    """
    digests = reminders = 0
    rounds = session.scalars(
        select(Round).where(Round.closed_at.is_(None), Round.deadline > now).order_by(Round.id)
    ).all()
    for found in rounds:
        everyone = participant_ids(session, found)
        digests += _send(
            session, settings, mailer, found, f"round:{found.id}", DIGEST, everyone, now
        )
        if found.deadline - now <= remind_before:
            responded = responders(session, found, round_keys) or set()
            waiting = [a for a in everyone if a not in responded]
            reminders += _send(
                session, settings, mailer, found, f"round:{found.id}", REMINDER, waiting, now
            )
    votes = session.scalars(
        select(FallbackVote)
        .where(FallbackVote.closed_at.is_(None), FallbackVote.deadline > now)
        .order_by(FallbackVote.id)
    ).all()
    for vote in votes:
        voters = session.scalars(
            select(FallbackVoter).where(FallbackVoter.fallback_id == vote.id)
        ).all()
        everyone = sorted(v.account_id for v in voters)
        digests += _send(
            session, settings, mailer, vote, f"fallback:{vote.id}", DIGEST, everyone, now
        )
        if vote.deadline - now <= remind_before:
            waiting = sorted(v.account_id for v in voters if v.choice is None)
            reminders += _send(
                session, settings, mailer, vote, f"fallback:{vote.id}", REMINDER, waiting, now
            )
    return NoticeResult(digests=digests, reminders=reminders)


def _send(
    session: Session,
    settings: Settings,
    mailer: Mailer,
    about: Round | FallbackVote,
    subject: str,
    kind: str,
    account_ids: Sequence[int],
    now: dt.datetime,
) -> int:
    sent_before = set(
        session.scalars(
            select(Notice.account_id).where(Notice.subject == subject, Notice.kind == kind)
        )
    )
    due = [a for a in account_ids if a not in sent_before]
    accounts = [
        a for a in session.scalars(select(Account).where(Account.id.in_(due))) if a.is_usable
    ]
    if not accounts:
        return 0
    session.add_all(
        Notice(subject=subject, account_id=a.id, kind=kind, sent_at=now) for a in accounts
    )
    try:
        session.flush()
    except IntegrityError:
        # Another run is sending the same notices right now; it will record them.
        session.rollback()
        return 0
    if isinstance(about, Round):
        messages = [_round_mail(settings, about, a, kind) for a in accounts]
    else:
        messages = [_vote_mail(settings, about, a, kind) for a in accounts]
    try:
        mailer.send(messages)
    except MailError:
        session.rollback()
        raise
    session.commit()
    logger.info("sent %d consensus %s mail(s) for %s", len(messages), kind, subject)
    return len(messages)


def _render(
    settings: Settings, account: Account, template: str, subject: object, **context: object
) -> EmailMessage:
    member = account.member
    locale = account.locale or settings.default_locale
    deadline = context.pop("deadline")
    assert isinstance(deadline, dt.datetime)  # every caller passes a UTC deadline
    with force_locale(locale):
        body = render_template(
            template,
            name=member.name,
            deadline=format_local(deadline, member.timezone, locale),
            **context,
        )
        title = str(subject)
    return compose(settings, to=member.email, subject=title, body=body)


def _round_mail(settings: Settings, found: Round, account: Account, kind: str) -> EmailMessage:
    proposal = found.proposal
    previous = proposal.rounds[found.number - 2] if found.number > 1 else None
    return _render(
        settings,
        account,
        "consensus/mail/round.txt",
        _l("Round %(number)d has opened: %(title)s", number=found.number, title=proposal.title)
        if kind == DIGEST
        else _l("Reminder: take your position on %(title)s", title=proposal.title),
        kind=kind,
        group=proposal.group.name,
        title=proposal.title,
        number=found.number,
        deadline=found.deadline,
        summary=previous.summary if previous is not None else None,
        change_note=found.version.change_note,
        anonymous=proposal.anonymous,
        link=f"{settings.base_url}/consensus/proposals/{proposal.id}",
    )


def _vote_mail(settings: Settings, vote: FallbackVote, account: Account, kind: str) -> EmailMessage:
    proposal = vote.proposal
    return _render(
        settings,
        account,
        "consensus/mail/vote.txt",
        _l("The vote has opened: %(title)s", title=proposal.title)
        if kind == DIGEST
        else _l("Reminder: vote on %(title)s", title=proposal.title),
        kind=kind,
        group=proposal.group.name,
        title=proposal.title,
        deadline=vote.deadline,
        fraction=f"{vote.numerator}/{vote.denominator}",
        link=f"{settings.base_url}/consensus/proposals/{proposal.id}",
    )
