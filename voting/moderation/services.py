"""Recording moderators' decisions and exporting them for the candidate committee.

`record_action` adds a row in the caller's transaction, so the decision, its row in the
moderation log, its public audit-log entry and its event commit together. `actions_csv`
writes the log as a spreadsheet in which no cell can act as a formula (THREATS T32).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.moderation.clauses import CLAUSE_TEXTS, Clause, clause_number
from voting.moderation.models import ActionKind, ModerationAction
from voting.spreadsheet import write_csv


def record_action(
    session: Session,
    *,
    scope: str,
    moderator: Account,
    kind: ActionKind,
    subject: str,
    now: dt.datetime,
    clause: Clause | None = None,
    reason: str = "",
) -> ModerationAction:
    """Add a decision to the moderation log (written with the caller's transaction)."""
    action = ModerationAction(
        scope=scope,
        occurred_at=now,
        moderator_id=moderator.id,
        kind=kind,
        subject=subject,
        clause=clause,
        reason=reason,
    )
    session.add(action)
    return action


def actions(session: Session, scope: str) -> Sequence[ModerationAction]:
    """Every decision in a scope, oldest first."""
    return session.scalars(
        select(ModerationAction)
        .where(ModerationAction.scope == scope)
        .order_by(ModerationAction.occurred_at, ModerationAction.id)
    ).all()


def kind_label(kind: ActionKind) -> str:
    """The decision in words, in the current language."""
    labels = {
        ActionKind.APPROVED: _("approved"),
        ActionKind.REJECTED: pgettext("moderation", "rejected"),
        ActionKind.APPEAL_UPHELD: _("appeal refused, rejection stands"),
        ActionKind.APPEAL_GRANTED: _("appeal granted, approved"),
        ActionKind.SHORTLISTED: _("put on the shortlist"),
        ActionKind.UNSHORTLISTED: _("taken off the shortlist"),
        ActionKind.HIDDEN: _("hidden"),
        ActionKind.KEPT: _("reports dismissed, kept"),
    }
    return labels[kind]


def clause_label(clause: Clause | None) -> str:
    """ "3. Respect how people want to be addressed." or an empty string."""
    if clause is None:
        return ""
    return f"{clause_number(clause)}. {CLAUSE_TEXTS[clause]}"


def actions_csv(
    session: Session,
    scope: str,
    timezone: str,
    describe: Callable[[str], str] = str,
) -> str:
    """The moderation log of a scope as formula-safe CSV, times in `timezone`.

    `describe` turns a subject ("question:12") into words for the committee (for example
    "question 12, to Anna de Vries"); it must not add the text of what was decided on.
    """
    zone = ZoneInfo(timezone)
    rows = [
        [
            action.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            action.moderator.member.name,
            kind_label(action.kind),
            describe(action.subject),
            clause_label(action.clause),
            action.reason,
        ]
        for action in actions(session, scope)
    ]
    header = [_("when"), _("moderator"), _("decision"), _("about"), _("clause"), _("why")]
    return write_csv(header, rows)
