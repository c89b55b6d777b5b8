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
from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from sqlalchemy.orm import Session

from audit.head import timestamp_of
from audit.log import Log
from audit.store import EntryFactory
from ballots import JSONObject, JSONValue, canonical_json
from voting.auditlog import open_log
from voting.keys import Keyring

ENTRY_VERSION: Final = 1


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
    OUTCOME = "consensus-outcome"
    REASON_HIDDEN = "consensus-reason-hidden"


def text_digest(text: str) -> str:
    """The SHA-256 of a text's UTF-8 bytes, as hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def version_digest(title: str, body: str, links: list[dict[str, str]]) -> str:
    """The SHA-256 of a proposal version: canonical JSON of its title, body and links."""
    document: JSONObject = {"body": body, "links": links, "title": title}
    return hashlib.sha256(canonical_json(document)).hexdigest()


def entry(entry_type: EntryType, at: dt.datetime, fields: Mapping[str, JSONValue]) -> EntryFactory:
    """An entry of `entry_type` made at `at`; serialised once now, so bad fields fail early."""

    def make(index: int) -> bytes:
        return canonical_json(
            {
                **fields,
                "at": timestamp_of(at),
                "index": index,
                "type": str(entry_type),
                "version": ENTRY_VERSION,
            }
        )

    make(0)
    return make


def append_signed(
    session: Session, keyring: Keyring, log_id: str, make_entry: EntryFactory, now: dt.datetime
) -> int:
    """Append an entry to the log and sign a new head; returns the entry's index."""
    log = Log(open_log(session, log_id, now), log_id)
    appended = log.append(make_entry)
    log.sign_head(keyring.signing_key(session, f"log:{log_id}", now), now)
    return appended.index


def log_key_text(session: Session, keyring: Keyring, log_id: str, now: dt.datetime) -> str:
    """The public key that signs the log's heads, as base64url (made on first use)."""
    return keyring.signing_key(session, f"log:{log_id}", now).verifying_key().to_json()
