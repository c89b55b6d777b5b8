"""Log entries as the verifier reads them: one typed value per `type`, read strictly.

protocol.md Part II, §II.1 (the entry types and their fields). An entry is canonical JSON
(protocol.md §I.3, parsed by `ballots.canonical`); `parse_entry` checks the envelope ("type",
"version", "index") and every field audit/ owns. Payloads that belong to ballots/ (manifest,
commitments, ballot, tally, share, result) stay JSON here and are read by ballots/ in the
verifier, so that a broken proof is a finding at its entry, not an unreadable record.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from audit.errors import InvalidEntry
from audit.shape import (
    ID_PATTERN,
    PSEUDONYM_PATTERN,
    as_object,
    check_version,
    get_int,
    get_list,
    get_object,
    get_str,
)
from ballots.canonical import (
    JSONObject,
    b64decode,
    parse_canonical_json,
)
from ballots.complaints import Verdict
from ballots.errors import BallotsError
from ballots.signing import SignedDocument, VerifyingKey

RECEIPT_TYPE: Final = "receipt"
"""The §I.4 document type of the server's signature on a cast ballot."""

MAX_ENTRY_BYTES: Final = 64 * 2**20
"""Largest entry (an electorate of a million pseudonyms fits)."""

MAX_ELECTORATE: Final = 1_000_000
"""Most pseudonyms an electorate-frozen entry may list."""

MAX_TRUSTEES: Final = 50
"""Trustees are numbered 1..50 (protocol.md §I.10)."""

MAX_QUESTIONS: Final = 100
"""A manifest has at most 100 questions (protocol.md §I.7)."""


_B64_KEY: Final = re.compile(r"[A-Za-z0-9_-]{43}")
"""A 32-byte Ed25519 public key in unpadded base64url (protocol.md §I.3)."""


class EntryType(StrEnum):
    """The `type` of a log entry (protocol.md §II.1)."""

    ELECTION_CREATED = "election-created"
    TRUSTEE_COMMITMENTS = "trustee-commitments"
    TRUSTEE_COMPLAINT = "trustee-complaint"
    ELECTORATE_FROZEN = "electorate-frozen"
    BALLOT_CAST = "ballot-cast"
    BALLOT_SUPERSEDED = "ballot-superseded"
    VOTING_CLOSED = "voting-closed"
    VOTING_CANCELLED = "voting-cancelled"
    ENCRYPTED_TALLY = "encrypted-tally"
    DECRYPTION_SHARE = "decryption-share"
    RESULT_PUBLISHED = "result-published"
    OFFICER_ACTION = "officer-action"


def receipt_body(election_id: str, index: int, pseudonym: str, digest: bytes) -> JSONObject:
    """The body the server signs for a cast ballot (protocol.md §II.1): the election, the log
    index, the pseudonym and the ballot's digest (§I.8, `Ballot.digest`)."""
    return {
        "ballot": digest.hex(),
        "election": election_id,
        "index": index,
        "pseudonym": pseudonym,
    }


@dataclass(frozen=True, slots=True)
class ElectionCreated:
    """The log's first entry: `election_id` (also the log's id), `election` (the §I.7 election
    document: manifest, election key and fingerprint), `log_key` (the server's Ed25519 key for
    heads and receipts) and `at` (ms since the epoch, UTC)."""

    index: int
    election_id: str
    election: JSONObject
    log_key: VerifyingKey
    at: int


@dataclass(frozen=True, slots=True)
class TrusteeCommitments:
    """Trustee `trustee`'s §I.10 `announcement`: coefficient commitments with their proofs."""

    index: int
    trustee: int
    announcement: JSONObject


@dataclass(frozen=True, slots=True)
class TrusteeComplaint:
    """A §I.10 `complaint` of the key ceremony, the dealer's `answer` (None when it gave none)
    and the server's `verdict` ("dismissed" or "disqualified"), which the verifier recomputes."""

    index: int
    complaint: JSONObject
    answer: JSONObject | None
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class ElectorateFrozen:
    """The electorate when voting opened: `size` and sorted, distinct `pseudonyms`."""

    index: int
    size: int
    pseudonyms: tuple[str, ...]
    at: int


@dataclass(frozen=True, slots=True)
class BallotCast:
    """A `ballot` (§I.9 JSON) cast under `pseudonym`, with the server's signed `receipt`."""

    index: int
    pseudonym: str
    ballot: JSONObject
    receipt: SignedDocument


@dataclass(frozen=True, slots=True)
class BallotSuperseded:
    """The ballot at index `superseded` is replaced by the same voter's ballot at `by`."""

    index: int
    pseudonym: str
    superseded: int
    by: int


@dataclass(frozen=True, slots=True)
class VotingCancelled:
    """The officers cancelled the vote at `at`: no ballot follows, none is ever counted."""

    index: int
    at: int


@dataclass(frozen=True, slots=True)
class VotingClosed:
    """Voting closed at `at`; `counted` ballots count (one per voter who voted)."""

    index: int
    at: int
    counted: int


@dataclass(frozen=True, slots=True)
class EncryptedTally:
    """The homomorphic sum `tally` (§I.12 JSON) of `counted` ballots."""

    index: int
    counted: int
    tally: JSONObject


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """Trustee `trustee`'s partial decryption `share` with its proof (§I.12 JSON)."""

    index: int
    trustee: int
    share: JSONObject


@dataclass(frozen=True, slots=True)
class ResultPublished:
    """The announced result: the decrypted `tally` (§I.12 JSON, counts per option) and each
    question's `outcomes` under its majority rule (§I.13 JSON), announced `at`."""

    index: int
    at: int
    tally: JSONObject
    outcomes: tuple[JSONObject, ...]


@dataclass(frozen=True, slots=True)
class OfficerAction:
    """An officer's `action` (an id), by `officer` (an opaque id, never a name), at `at`."""

    index: int
    action: str
    officer: str
    at: int


Entry = (
    ElectionCreated
    | TrusteeCommitments
    | TrusteeComplaint
    | ElectorateFrozen
    | BallotCast
    | BallotSuperseded
    | VotingClosed
    | VotingCancelled
    | EncryptedTally
    | DecryptionShare
    | ResultPublished
    | OfficerAction
)

_FIELDS: Final[dict[EntryType, frozenset[str]]] = {
    EntryType.ELECTION_CREATED: frozenset({"at", "election", "election_id", "log_key"}),
    EntryType.TRUSTEE_COMMITMENTS: frozenset({"announcement", "trustee"}),
    EntryType.TRUSTEE_COMPLAINT: frozenset({"complaint", "verdict"}),
    EntryType.ELECTORATE_FROZEN: frozenset({"at", "pseudonyms", "size"}),
    EntryType.BALLOT_CAST: frozenset({"ballot", "pseudonym", "receipt"}),
    EntryType.BALLOT_SUPERSEDED: frozenset({"by", "pseudonym", "superseded"}),
    EntryType.VOTING_CLOSED: frozenset({"at", "counted"}),
    EntryType.VOTING_CANCELLED: frozenset({"at"}),
    EntryType.ENCRYPTED_TALLY: frozenset({"counted", "tally"}),
    EntryType.DECRYPTION_SHARE: frozenset({"share", "trustee"}),
    EntryType.RESULT_PUBLISHED: frozenset({"at", "outcomes", "tally"}),
    EntryType.OFFICER_ACTION: frozenset({"action", "at", "officer"}),
}
_OPTIONAL: Final[dict[EntryType, frozenset[str]]] = {
    EntryType.TRUSTEE_COMPLAINT: frozenset({"answer"}),
}
_ENVELOPE: Final = frozenset({"index", "type", "version"})


def parse_entry(raw: bytes, position: int, *, canonical_checked: bool = False) -> Entry:
    """Read the entry at log position `position` from its canonical JSON bytes.

    `canonical_checked` skips the canonical-form checks (protocol.md §I.3) when the caller has
    already passed these very bytes through them (the verifier's ballot checks re-read an
    entry the scan checked, and compare leaf hashes first). Raises `InvalidEntry` naming the
    check: "entry-json" (not canonical JSON), "entry-type", "entry-index" (the entry says it
    sits elsewhere), or the field check of `audit.shape`.
    """
    if canonical_checked:
        value = json.loads(raw)
    else:
        try:
            value = parse_canonical_json(raw, max_bytes=MAX_ENTRY_BYTES)
        except BallotsError as error:
            raise InvalidEntry("entry-json", str(error)) from error
    where = f"entry {position}"
    envelope = as_object(
        value,
        where,
        InvalidEntry,
        _ENVELOPE,
        frozenset().union(*_FIELDS.values(), *_OPTIONAL.values()),
    )
    check_version(envelope, where, InvalidEntry)
    type_name = get_str(envelope, "type", where, InvalidEntry, ID_PATTERN)
    if type_name not in EntryType.__members__.values():
        raise InvalidEntry("entry-type", f"{where} has unknown type {type_name!r}")
    entry_type = EntryType(type_name)
    obj = as_object(
        value,
        where,
        InvalidEntry,
        _ENVELOPE | _FIELDS[entry_type],
        _OPTIONAL.get(entry_type, frozenset()),
    )
    index = get_int(obj, "index", where, InvalidEntry)
    if index != position:
        raise InvalidEntry("entry-index", f"{where} says it is entry {index}")
    return _READERS[entry_type](obj, index, where)


def _time(obj: JSONObject, where: str) -> int:
    return get_int(obj, "at", where, InvalidEntry)


def _trustee(obj: JSONObject, where: str) -> int:
    return get_int(obj, "trustee", where, InvalidEntry, 1, MAX_TRUSTEES)


def _pseudonym(obj: JSONObject, where: str) -> str:
    return get_str(obj, "pseudonym", where, InvalidEntry, PSEUDONYM_PATTERN)


def _election_created(obj: JSONObject, index: int, where: str) -> ElectionCreated:
    key_text = get_str(obj, "log_key", where, InvalidEntry, _B64_KEY)
    try:
        log_key = VerifyingKey.from_bytes(b64decode(key_text, field=f"{where}.log_key", length=32))
    except BallotsError as error:
        raise InvalidEntry("log-key", f"{where}: {error}") from error
    return ElectionCreated(
        index=index,
        election_id=get_str(obj, "election_id", where, InvalidEntry, ID_PATTERN),
        election=get_object(obj, "election", where, InvalidEntry),
        log_key=log_key,
        at=_time(obj, where),
    )


def _trustee_complaint(obj: JSONObject, index: int, where: str) -> TrusteeComplaint:
    text = get_str(obj, "verdict", where, InvalidEntry, ID_PATTERN)
    if text not in {v.value for v in Verdict}:
        raise InvalidEntry("verdict", f"{where}.verdict is not one of {[v.value for v in Verdict]}")
    return TrusteeComplaint(
        index=index,
        complaint=get_object(obj, "complaint", where, InvalidEntry),
        answer=get_object(obj, "answer", where, InvalidEntry) if "answer" in obj else None,
        verdict=Verdict(text),
    )


def _electorate_frozen(obj: JSONObject, index: int, where: str) -> ElectorateFrozen:
    listed = get_list(obj, "pseudonyms", where, InvalidEntry, MAX_ELECTORATE)
    pseudonyms: list[str] = []
    for position, pseudonym in enumerate(listed):
        if not isinstance(pseudonym, str) or not PSEUDONYM_PATTERN.fullmatch(pseudonym):
            raise InvalidEntry("pseudonym", f"{where}.pseudonyms[{position}] is not a pseudonym")
        pseudonyms.append(pseudonym)
    if any(a >= b for a, b in itertools.pairwise(pseudonyms)):
        raise InvalidEntry("pseudonym", f"{where}.pseudonyms are not sorted and distinct")
    return ElectorateFrozen(
        index=index,
        size=get_int(obj, "size", where, InvalidEntry, 0, MAX_ELECTORATE),
        pseudonyms=tuple(pseudonyms),
        at=_time(obj, where),
    )


def _ballot_cast(obj: JSONObject, index: int, where: str) -> BallotCast:
    try:
        receipt = SignedDocument.from_json(obj["receipt"])
    except BallotsError as error:
        raise InvalidEntry("receipt", f"{where}.receipt: {error}") from error
    return BallotCast(
        index=index,
        pseudonym=_pseudonym(obj, where),
        ballot=get_object(obj, "ballot", where, InvalidEntry),
        receipt=receipt,
    )


def _superseded(obj: JSONObject, index: int, where: str) -> BallotSuperseded:
    return BallotSuperseded(
        index=index,
        pseudonym=_pseudonym(obj, where),
        superseded=get_int(obj, "superseded", where, InvalidEntry),
        by=get_int(obj, "by", where, InvalidEntry),
    )


def _result_published(obj: JSONObject, index: int, where: str) -> ResultPublished:
    outcomes = get_list(obj, "outcomes", where, InvalidEntry, MAX_QUESTIONS)
    for position, outcome in enumerate(outcomes):
        if not isinstance(outcome, Mapping):
            raise InvalidEntry("shape", f"{where}.outcomes[{position}] is not an object")
    return ResultPublished(
        index=index,
        at=_time(obj, where),
        tally=get_object(obj, "tally", where, InvalidEntry),
        outcomes=tuple(o for o in outcomes if isinstance(o, Mapping)),
    )


_READERS: Final[dict[EntryType, Callable[[JSONObject, int, str], Entry]]] = {
    EntryType.ELECTION_CREATED: _election_created,
    EntryType.TRUSTEE_COMMITMENTS: lambda obj, index, where: TrusteeCommitments(
        index=index,
        trustee=_trustee(obj, where),
        announcement=get_object(obj, "announcement", where, InvalidEntry),
    ),
    EntryType.TRUSTEE_COMPLAINT: _trustee_complaint,
    EntryType.ELECTORATE_FROZEN: _electorate_frozen,
    EntryType.BALLOT_CAST: _ballot_cast,
    EntryType.BALLOT_SUPERSEDED: _superseded,
    EntryType.VOTING_CLOSED: lambda obj, index, where: VotingClosed(
        index=index, at=_time(obj, where), counted=get_int(obj, "counted", where, InvalidEntry)
    ),
    EntryType.VOTING_CANCELLED: lambda obj, index, where: VotingCancelled(
        index=index, at=_time(obj, where)
    ),
    EntryType.ENCRYPTED_TALLY: lambda obj, index, where: EncryptedTally(
        index=index,
        counted=get_int(obj, "counted", where, InvalidEntry),
        tally=get_object(obj, "tally", where, InvalidEntry),
    ),
    EntryType.DECRYPTION_SHARE: lambda obj, index, where: DecryptionShare(
        index=index,
        trustee=_trustee(obj, where),
        share=get_object(obj, "share", where, InvalidEntry),
    ),
    EntryType.RESULT_PUBLISHED: _result_published,
    EntryType.OFFICER_ACTION: lambda obj, index, where: OfficerAction(
        index=index,
        action=get_str(obj, "action", where, InvalidEntry, ID_PATTERN),
        officer=get_str(obj, "officer", where, InvalidEntry, ID_PATTERN),
        at=_time(obj, where),
    ),
}
