"""Reporting a reason to the moderators, and hiding it under a stated rule.

A participant who can read a reason may report it, saying why. Moderators (the moderator
role) see open reports and either keep the reason or hide it, naming the Safe(r) Space
guideline it breaks. A hidden reason is replaced by a notice that names the rule, on every
page and in the export; its author is told by e-mail (for anonymous positions nobody
knows the author, so the notice on the page is what they see). The hiding is recorded in
the group's audit log, without the text. The fuller moderation area comes with the
candidate Q&A (issue 8).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Final

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.config import Settings
from voting.consensus import entries
from voting.consensus.entries import EntryType
from voting.consensus.models import (
    Position,
    Report,
    ReportResolution,
)
from voting.consensus.rules import reasons_visible
from voting.consensus.services import require_member
from voting.errors import Conflict, FieldError, NotFound
from voting.events import record_event
from voting.keys import Keyring
from voting.mail import Mailer, MailError, compose
from voting.moderation.clauses import CLAUSE_TEXTS, Clause

logger = logging.getLogger(__name__)
MAX_WHY: Final = 1000


def readable_position(session: Session, actor: Account, position_id: int) -> Position:
    """A position whose reason the actor may read now.

    Raises NotFound (no such position, or not readable yet), Forbidden (not in the group).
    """
    position = session.get(Position, position_id)
    if position is None:
        raise NotFound
    require_member(session, position.round.proposal.group, actor)
    if not reasons_visible(position) and (
        position.account_id is None or position.account_id != actor.id
    ):
        raise NotFound
    return position


def report_reason(
    session: Session, actor: Account, position_id: int, why: str, now: dt.datetime
) -> Report:
    """Report a reason the actor can read.

    Raises:
        NotFound (no such position, or not readable yet), Forbidden (not in the group),
        FieldError ("why"), Conflict (no reason, already hidden, or already reported).
    """
    position = readable_position(session, actor, position_id)
    if not position.reason or position.is_hidden:
        raise Conflict(_l("There is no reason to report here. Nothing has changed."))
    if not why:
        raise FieldError("why", _l("Say which guideline the reason breaks, and how."))
    if len(why) > MAX_WHY:
        raise FieldError("why", _l("Use at most %(max)d characters.", max=MAX_WHY))
    duplicate = session.scalar(
        select(Report).where(Report.position_id == position.id, Report.reporter_id == actor.id)
    )
    if duplicate is not None:
        raise Conflict(_l("You already reported this reason. A moderator will look at it."))
    report = Report(position_id=position.id, reporter_id=actor.id, why=why, created_at=now)
    session.add(report)
    record_event(
        session,
        action="consensus.reason-reported",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{position.round.proposal_id}",
    )
    session.commit()
    return report


def open_reports(session: Session) -> Sequence[Report]:
    """Reports no moderator has decided on yet, oldest first."""
    return session.scalars(
        select(Report).where(Report.resolved_at.is_(None)).order_by(Report.created_at, Report.id)
    ).all()


def _open_report(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound
    if report.resolved_at is not None:
        raise Conflict(_l("Another moderator has already decided on this report."))
    return report


def _resolve_all(
    session: Session,
    position: Position,
    resolution: ReportResolution,
    actor: Account,
    now: dt.datetime,
) -> None:
    for report in session.scalars(
        select(Report).where(Report.position_id == position.id, Report.resolved_at.is_(None))
    ):
        report.resolved_at, report.resolved_by_id, report.resolution = now, actor.id, resolution


def keep_reason(session: Session, actor: Account, report_id: int, now: dt.datetime) -> None:
    """Decide that the reason stays: every open report on it is closed as kept.

    Raises NotFound, Conflict (already decided).
    """
    report = _open_report(session, report_id)
    _resolve_all(session, report.position, ReportResolution.KEPT, actor, now)
    record_event(
        session,
        action="consensus.report-kept",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{report.position.round.proposal_id}",
    )
    session.commit()


def hide_reason(
    session: Session,
    actor: Account,
    report_id: int,
    rule: Clause | str,
    keyring: Keyring,
    settings: Settings,
    mailer: Mailer,
    now: dt.datetime,
) -> Position:
    """Hide a reported reason under a rule; its author is told by e-mail when known.

    Raises NotFound, Conflict (already decided), FieldError ("rule").
    """
    report = _open_report(session, report_id)
    try:
        chosen = Clause(rule)
    except ValueError as error:
        raise FieldError("rule", _l("Choose the guideline the reason breaks.")) from error
    position = report.position
    position.hidden_at, position.hidden_rule, position.hidden_by_id = now, chosen, actor.id
    _resolve_all(session, position, ReportResolution.HIDDEN, actor, now)
    proposal = position.round.proposal
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(
            EntryType.REASON_HIDDEN,
            now,
            {"proposal": proposal.id, "round": position.round.number, "rule": str(chosen)},
        ),
        now,
    )
    record_event(
        session,
        action="consensus.reason-hidden",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
        details={"rule": str(chosen)},
    )
    session.commit()
    if position.account is not None:
        _tell_author(settings, mailer, position, chosen)
    return position


def _tell_author(settings: Settings, mailer: Mailer, position: Position, rule: Clause) -> None:
    assert position.account is not None  # checked by the caller
    account = position.account
    member = account.member
    locale = account.locale or settings.default_locale
    proposal = position.round.proposal
    with force_locale(locale):
        body = render_template(
            "consensus/mail/hidden.txt",
            name=member.name,
            title=proposal.title,
            rule=str(CLAUSE_TEXTS[rule]),
            link=f"{settings.base_url}/consensus/proposals/{proposal.id}",
        )
        subject = _("A moderator hid your reason")
    try:
        mailer.send([compose(settings, to=member.email, subject=subject, body=body)])
    except MailError:
        # The reason is hidden either way and the page says why; the author is not told by mail.
        logger.warning("mail about a hidden reason not delivered")
