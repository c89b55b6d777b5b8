"""The consensus entries of a group's audit log, and appending them with a signed head.

Each decision group has one append-only log, "consensus-<group id>" (audit/, RFC 9162
hashing). An entry is canonical JSON (protocol.md §I.3) with "type", "version": 1 and
"index", like the election entries of audit/events.py; docs/consensus.md lists every type
and field. Entries hold ids, counts, times (ms since the epoch, UTC) and SHA-256 digests of
texts: never a name, an account, an anonymous tag or a reason, because an append-only log
cannot forget personal data (GDPR art. 9), while a digest still proves which text was
decided on or answered.

`append_signed` appends one entry and signs a new tree head, inside the caller's
transaction, so the change, its entry and the head commit together (THREATS T21).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum

from sqlalchemy.orm import Session

from ballots import JSONObject, canonical_json
from voting.auditlog import append_signed, entry, text_digest
from voting.keys import Keyring

__all__ = ["EntryType", "append_signed", "entry", "log_key_text", "text_digest", "version_digest"]


class EntryType(StrEnum):
    """The `type` of a consensus log entry (docs/consensus.md)."""

    GROUP_CREATED = "consensus-group-created"
    PROPOSAL_STARTED = "consensus-proposal-started"
    PROPOSAL_VERSION = "consensus-proposal-version"
    ROUND_OPENED = "consensus-round-opened"
    ROUND_CLOSED = "consensus-round-closed"
    ROUND_SUMMARY = "consensus-round-summary"
    ANSWER = "consensus-answer"
    FALLBACK_OPENED = "consensus-fallback-opened"
    FALLBACK_CLOSED = "consensus-fallback-closed"
    FALLBACK_CANCELLED = "consensus-fallback-cancelled"
    OUTCOME = "consensus-outcome"
    REASON_HIDDEN = "consensus-reason-hidden"


def version_digest(title: str, body: str, links: list[dict[str, str]]) -> str:
    """The SHA-256 of a proposal version: canonical JSON of its title, body and links."""
    document: JSONObject = {"body": body, "links": links, "title": title}
    return hashlib.sha256(canonical_json(document)).hexdigest()


def log_key_text(session: Session, keyring: Keyring, log_id: str, now: dt.datetime) -> str:
    """The public key that signs the log's heads, as base64url (made on first use)."""
    return keyring.signing_key(session, f"log:{log_id}", now).verifying_key().to_json()
