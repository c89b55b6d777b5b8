"""The entries of a Q&A's audit log, and appending them with a signed head.

Each Q&A has one append-only log, "qa-<election id>" (audit/, RFC 9162 hashing). An entry
is canonical JSON (protocol.md §I.3) with "type", "version": 1, "index" and "at" (ms since
the epoch, UTC), like the election and consensus entries; docs/qa.md lists every type and
field. Entries hold ids, states, clauses and SHA-256 digests of published texts only:
never a name, an account, a reporter, a reason, or anything of a question that was
rejected (not even its digest: a short text could be found from it by guessing). An
append-only log cannot forget, and the moderation log (voting/moderation/) holds the who
and the why for the candidate committee.

`append_signed` appends one entry and signs a new tree head inside the caller's
transaction, so a decision, its entry and the head commit together (THREATS T21).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy.orm import Session

from ballots import JSONValue
from voting import auditlog
from voting.auditlog import entry, text_digest
from voting.keys import Keyring

__all__ = ["EntryType", "append_signed", "entry", "text_digest"]


class EntryType(StrEnum):
    """The `type` of a Q&A log entry (docs/qa.md)."""

    SET_UP = "qa-set-up"
    CANDIDATE_ADMITTED = "qa-candidate-admitted"
    CANDIDATE_WITHDRAWN = "qa-candidate-withdrawn"
    QUESTION_RECEIVED = "qa-question-received"
    QUESTION_WITHDRAWN = "qa-question-withdrawn"
    QUESTION_APPROVED = "qa-question-approved"
    QUESTION_REJECTED = "qa-question-rejected"
    APPEAL_LODGED = "qa-appeal-lodged"
    APPEAL_DECIDED = "qa-appeal-decided"
    SHORTLIST = "qa-shortlist"
    ANSWER_PUBLISHED = "qa-answer-published"
    HIDDEN = "qa-hidden"
    REPORTS_DISMISSED = "qa-reports-dismissed"


def append_signed(
    session: Session,
    keyring: Keyring,
    log_id: str,
    entry_type: EntryType,
    now: dt.datetime,
    fields: Mapping[str, JSONValue],
) -> int:
    """Append an entry to the Q&A's log and sign a new head; returns the entry's index."""
    return auditlog.append_signed(session, keyring, log_id, entry(entry_type, now, fields), now)
