"""Stored codes in words: roles, recorded actions, and a member's own data as tables.

The event table and the data export keep stable codes ("account.password-changed",
"agree-with-concerns", ISO times); the pages show them in the reader's language and time
zone. A code without a label is shown as it is, never hidden.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from voting.consensus.models import FallbackChoice, PositionKind
from voting.consensus.rules import CHOICE_LABELS, group_label
from voting.moderation.clauses import Clause
from voting.moderation.services import clause_label
from voting.qa.record import ALL_CANDIDATES
from voting.templating import local_time

ROLE_LABELS: Final = {
    "candidate": _l("Candidate"),
    "officer": _l("Election officer"),
    "moderator": _l("Moderator"),
    "trustee": _l("Trustee (Partijraad)"),
    "admin": _l("Administrator"),
}

STATUS_LABELS: Final = {
    "active": _l("active"),
    "suspended": _l("suspended"),
    "ended": _l("ended"),
}

LANGUAGE_NAMES: Final = {"nl": "Nederlands", "en": "English"}
"""Each language in its own name, as the language switch shows it."""

EVENT_LABELS: Final = {
    "account.disabled": _l("Account disabled"),
    "account.enabled": _l("Account enabled again"),
    "account.password-changed": _l("Password changed"),
    "account.password-set": _l("Password chosen"),
    "account.recovery-code-used": _l("Recovery code used"),
    "account.recovery-codes-renewed": _l("New recovery codes made"),
    "account.reset-requested": _l("Link to choose a new password requested"),
    "account.second-factor-disabled": _l("Second step turned off"),
    "account.second-factor-enabled": _l("Second step turned on"),
    "account.sessions-ended": _l("Sessions ended"),
    "branch.created": _l("Branch added"),
    "consensus.answered": _l("Consensus: objection or question answered"),
    "consensus.decided": _l("Consensus: decision recorded"),
    "consensus.fallback-closed": _l("Consensus: fallback vote closed"),
    "consensus.fallback-cancelled": _l(
        "Consensus: secret fallback vote ended, its election was cancelled"
    ),
    "consensus.fallback-opened": _l("Consensus: fallback vote opened"),
    "consensus.group-changed": _l("Consensus: group changed"),
    "consensus.group-created": _l("Consensus: group made"),
    "consensus.member-removed": _l("Consensus: member taken out of a group"),
    "consensus.members-added": _l("Consensus: members added to a group"),
    "consensus.proposal-revised": _l("Consensus: proposal revised"),
    "consensus.proposal-started": _l("Consensus: proposal started"),
    "consensus.reason-hidden": _l("Consensus: reason hidden by a moderator"),
    "consensus.reason-reported": _l("Consensus: reason reported"),
    "consensus.report-kept": _l("Consensus: report dismissed, reason kept"),
    "consensus.round-closed": _l("Consensus: round closed"),
    "consensus.round-opened": _l("Consensus: round opened"),
    "consensus.summary-written": _l("Consensus: round summary written"),
    "election.cancelled": _l("Vote: cancelled"),
    "election.ceremony-completed": _l("Vote: key ceremony completed"),
    "election.ceremony-started": _l("Vote: key ceremony started"),
    "election.closed": _l("Vote: voting closed"),
    "election.complaints-closed": _l("Vote: complaints in the key ceremony settled"),
    "election.copied": _l("Vote: copied as a new draft"),
    "election.created": _l("Vote: made"),
    "election.decrypted": _l("Vote: result decrypted"),
    "election.key-made": _l("Vote: election key made in the key ceremony"),
    "election.opened": _l("Vote: voting opened"),
    "election.options-replaced": _l("Vote: options changed"),
    "election.pseudonym-key-destroyed": _l("Vote: pseudonym key destroyed"),
    "election.published": _l("Vote: result published"),
    "election.question-added": _l("Vote: question added"),
    "election.question-removed": _l("Vote: question removed"),
    "election.share-received": _l("Vote: decryption share received"),
    "election.trustee-disqualified": _l("Vote: trustee disqualified in the key ceremony"),
    "election.trustees-set": _l("Vote: trustees chosen"),
    "meeting.created": _l("Meeting made"),
    "members.exported": _l("Member list downloaded"),
    "members.imported": _l("Member list imported"),
    "members.invited": _l("Invitation sent"),
    "qa.answered": _l("Q&A: question answered"),
    "qa.answer-hidden": _l("Q&A: answer hidden by a moderator"),
    "qa.appeal-decided": _l("Q&A: appeal decided"),
    "qa.appealed": _l("Q&A: appeal made"),
    "qa.ballot-synced": _l("Q&A: candidates put on the ballot"),
    "qa.candidate-admitted": _l("Q&A: candidate admitted"),
    "qa.candidate-withdrawn": _l("Q&A: candidate withdrawn"),
    "qa.live-finished": _l("Q&A: question taken off the projector"),
    "qa.live-shown": _l("Q&A: question shown on the projector"),
    "qa.profile-saved": _l("Q&A: candidate profile saved"),
    "qa.question-approved": _l("Q&A: question approved"),
    "qa.question-asked": _l("Q&A: question asked"),
    "qa.question-hidden": _l("Q&A: question hidden by a moderator"),
    "qa.question-rejected": _l("Q&A: question rejected"),
    "qa.question-withdrawn": _l("Q&A: question withdrawn"),
    "qa.reported": _l("Q&A: question or answer reported"),
    "qa.reports-dismissed": _l("Q&A: reports dismissed"),
    "qa.set-up": _l("Q&A: set up"),
    "qa.shortlisted": _l("Q&A: shortlist changed"),
    "retention.purged": _l("Old data removed"),
    "role.granted": _l("Role given"),
    "role.revoked": _l("Role taken away"),
    "simulation.retired": _l("Simulation finished: its members left the party"),
    "trustee.token-issued": _l("Trustee token issued"),
}


def event_label(action: str) -> str:
    """A recorded action in words; its code when there is no label."""
    label = EVENT_LABELS.get(action)
    return str(label) if label is not None else action


def role_label(role: str) -> str:
    """A role in words; its code when there is no label."""
    label = ROLE_LABELS.get(role)
    return str(label) if label is not None else role


def status_label(status: str) -> str:
    """A membership status in words; its code when there is no label."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


# ---------------------------------------------------------------- the data page

_SECTION_TITLES: Final = {
    "groups": _l("Decision groups you are in"),
    "positions": _l("Your positions in consensus rounds"),
    "fallback_votes": _l("Your open fallback votes"),
    "reports_made": _l("Reasons you reported"),
    "answers_written": _l("Your answers as facilitator"),
    "questions": _l("Questions you asked candidates"),
    "upvotes": _l("Questions you voted up"),
    "reports": _l("Questions and answers you reported"),
    "candidacies": _l("Your candidacies"),
    "answers": _l("Your answers as candidate"),
}

_COLUMNS: Final = {
    "group": _l("Group"),
    "facilitator": _l("Facilitator"),
    "since": _l("Since"),
    "proposal": _l("Proposal"),
    "round": _l("Round"),
    "position": _l("Position"),
    "reason": _l("Reason"),
    "hidden_by_moderator": _l("Hidden by a moderator"),
    "saved_at": _l("Saved"),
    "vote": _l("Vote"),
    "cast_at": _l("Cast"),
    "why": _l("Why"),
    "made_at": _l("When"),
    "decision": _l("Decision"),
    "answer": _l("Answer"),
    "at": _l("When"),
    "election": _l("Election"),
    "question": _l("Question number"),
    "answer_number": _l("Answer number"),
    "to": _l("To"),
    "text": _l("Text"),
    "anonymous": _l("Anonymous"),
    "asked_at": _l("Asked"),
    "state": _l("State"),
    "clause": _l("Rule of the code of conduct"),
    "appeal": _l("Appeal"),
    "appeal_granted": _l("Appeal granted"),
    "hidden_clause": _l("Hidden under rule"),
    "hidden_reason": _l("Moderator's reason for hiding"),
    "resolution": _l("Decision"),
    "display_name": _l("Name as shown"),
    "pronouns": _l("Pronouns"),
    "motivation": _l("Motivation"),
    "experience": _l("Experience"),
    "links": _l("Links"),
    "photo": _l("Photo"),
    "admitted_at": _l("Admitted"),
    "withdrawn_at": _l("Withdrawn"),
    "edited_at": _l("Changed"),
}


def _language(code: str) -> Markup | None:
    """A language in its own name, marked as that language for screen readers (WCAG 3.1.2)."""
    name = LANGUAGE_NAMES.get(code)
    return Markup('<span lang="{}">{}</span>').format(code, name) if name else None


def _word(value: str) -> str | None:
    """A question's state or a report's decision in words (None for an unknown value)."""
    words = {
        "pending": pgettext("question state", "waiting for moderation"),
        "approved": pgettext("question state", "approved"),
        "rejected": pgettext("question state", "rejected"),
        "withdrawn": pgettext("question state", "withdrawn"),
        "hidden": _("hidden"),
        "kept": _("reports dismissed, kept"),
    }
    return words.get(value)


@dataclass(frozen=True, slots=True)
class Table:
    """One section of the data page: a caption, column headings and rows of text."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]


def _is_time(key: str) -> bool:
    return key in {"at", "since"} or key.endswith("_at")


_WORDS_FOR: Final[dict[str, Callable[[str], object]]] = {
    # Stored codes by column, to words in the reader's language (looked up at call time).
    "position": lambda v: group_label(PositionKind(v)),
    "vote": lambda v: CHOICE_LABELS[FallbackChoice(v)],
    "clause": lambda v: clause_label(Clause(v)),
    "hidden_clause": lambda v: clause_label(Clause(v)),
    "status": status_label,
    "language": _language,
    "state": _word,
    "decision": _word,
    "resolution": _word,
}


def cell(key: str, value: object) -> str:
    """One value as the member reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if not isinstance(value, str):
        return str(value)
    try:
        if _is_time(key):
            return local_time(dt.datetime.fromisoformat(value))
        if key == "member_since":
            return format_date(dt.date.fromisoformat(value))
        if key == "to" and value == ALL_CANDIDATES:
            return _("all candidates")
        if key in _WORDS_FOR:
            word = _WORDS_FOR[key](value)
            if isinstance(word, Markup):
                return word
            return str(word) if word is not None else value
    except (ValueError, KeyError):
        return value
    return value


def tables(sections: Mapping[str, Sequence[Mapping[str, object]]]) -> list[Table]:
    """The member's data of one area (consensus, candidate Q&A) as tables with headings."""
    found = []
    for key, rows in sections.items():
        columns = list(rows[0]) if rows else []
        found.append(
            Table(
                key=key,
                title=str(_SECTION_TITLES.get(key, key)),
                columns=[str(_COLUMNS.get(c, c)) for c in columns],
                rows=[[cell(c, row.get(c)) for c in columns] for row in rows],
            )
        )
    return found
