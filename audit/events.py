"""Building log entries: the events of an election's life, one canonical JSON document each.

protocol.md Part II, §II.1. Each entry is a canonical JSON object (protocol.md §I.3) with
"type", "version": 1 and "index", its own position in the log, so that a moved entry is caught
at the entry itself. Payloads that belong to ballots/ (manifest, trustee commitments, ballot,
tally, decryption share, result) are carried as the JSON that ballots/ writes and are read by
ballots/ in the verifier. No entry holds a name, an e-mail address or a plaintext vote.

The builders return an `EntryFactory`: the store calls it with the index the entry gets,
inside its append exclusion (audit/store.py), which is what lets a ballot's receipt sign its
own log index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from audit.entries import RECEIPT_TYPE, EntryType, receipt_body
from audit.errors import InvalidEntry
from audit.head import timestamp_of
from audit.shape import ID_PATTERN, PSEUDONYM_PATTERN
from audit.store import EntryFactory
from ballots.canonical import JSONObject, canonical_json
from ballots.complaints import Verdict
from ballots.signing import SigningKey, VerifyingKey, sign_document


class Serialisable(Protocol):
    """A ballots/ object that writes itself as canonical JSON (manifest, ballot, tally, …)."""

    def to_json(self) -> JSONObject:
        """Return the object as a JSON object of protocol.md Part I."""
        ...


class CastBallot(Serialisable, Protocol):
    """A ballots/ `Ballot`: its JSON, its pseudonym and its digest (§I.8)."""

    @property
    def pseudonym(self) -> str:
        """The voter's pseudonym the ballot's proofs are bound to."""
        ...

    def digest(self) -> bytes:
        """H(TAG_BALLOT_DIGEST, bytes(canonical(ballot)))."""
        ...


def _factory(entry_type: EntryType, fields: JSONObject) -> EntryFactory:
    def make(index: int) -> bytes:
        document = {"index": index, "type": str(entry_type), "version": 1, **fields}
        return canonical_json(document)

    # Serialise once now, so that a payload canonical JSON refuses fails before the append.
    make(0)
    return make


def _pseudonym(pseudonym: str) -> str:
    if not PSEUDONYM_PATTERN.fullmatch(pseudonym):
        raise InvalidEntry("pseudonym", f"a pseudonym matches {PSEUDONYM_PATTERN.pattern}")
    return pseudonym


def election_created(
    election_id: str, election: Serialisable, log_key: VerifyingKey, at: datetime
) -> EntryFactory:
    """The log's first entry, appended once the manifest is frozen and the key ceremony has
    produced the election key: the §I.7 election document (manifest, key, fingerprint) and the
    Ed25519 key that signs this log's heads and receipts. `election_id` is the log's id.

    Raises `InvalidEntry` ("election") for a malformed id.
    """
    if not ID_PATTERN.fullmatch(election_id):
        raise InvalidEntry("election", f"an election id matches {ID_PATTERN.pattern}")
    return _factory(
        EntryType.ELECTION_CREATED,
        {
            "at": timestamp_of(at),
            "election": election.to_json(),
            "election_id": election_id,
            "log_key": log_key.to_json(),
        },
    )


def trustee_commitments(trustee: int, announcement: Serialisable) -> EntryFactory:
    """Trustee `trustee`'s §I.10 announcement: its coefficient commitments and their proofs."""
    return _factory(
        EntryType.TRUSTEE_COMMITMENTS, {"announcement": announcement.to_json(), "trustee": trustee}
    )


def trustee_complaint(
    complaint: Serialisable, answer: Serialisable | None, verdict: Verdict
) -> EntryFactory:
    """A complaint of the key ceremony (§I.10 step 3), the dealer's answer when it gave one
    (step 4), and the verdict; appended after every trustee's commitments."""
    answered: JSONObject = {} if answer is None else {"answer": answer.to_json()}
    return _factory(
        EntryType.TRUSTEE_COMPLAINT,
        {"complaint": complaint.to_json(), "verdict": verdict.value, **answered},
    )


def electorate_frozen(pseudonyms: Iterable[str], at: datetime) -> EntryFactory:
    """The frozen electorate when voting opens: its size and its sorted pseudonyms.

    Raises `InvalidEntry` ("pseudonym") for a malformed or repeated pseudonym.
    """
    listed = sorted(_pseudonym(p) for p in pseudonyms)
    if len(set(listed)) != len(listed):
        raise InvalidEntry("pseudonym", "a pseudonym occurs twice in the electorate")
    return _factory(
        EntryType.ELECTORATE_FROZEN,
        {"at": timestamp_of(at), "pseudonyms": listed, "size": len(listed)},
    )


def ballot_cast(election_id: str, ballot: CastBallot, key: SigningKey) -> EntryFactory:
    """A cast ballot: the encrypted ballot with its proofs (§I.8), its pseudonym, and the
    server's signed receipt (a §I.4 document of type "receipt" over `receipt_body`: election,
    log index, pseudonym and ballot digest). The receipt in the entry is byte for byte the one
    the voter downloads.

    The ballot must already have been validated by ballots/ (the web service refuses invalid
    or copied ballots before it appends). Raises `InvalidEntry` ("pseudonym").
    """
    ballot_json = ballot.to_json()
    pseudonym = _pseudonym(ballot.pseudonym)
    digest = ballot.digest()

    def make(index: int) -> bytes:
        receipt = sign_document(
            key, RECEIPT_TYPE, receipt_body(election_id, index, pseudonym, digest)
        )
        return canonical_json(
            {
                "ballot": ballot_json,
                "index": index,
                "pseudonym": pseudonym,
                "receipt": receipt.to_json(),
                "type": str(EntryType.BALLOT_CAST),
                "version": 1,
            }
        )

    make(0)
    return make


def ballot_superseded(pseudonym: str, superseded: int, by: int) -> EntryFactory:
    """The ballot at log index `superseded` no longer counts: `by` is the same voter's later
    ballot. Raises `InvalidEntry` ("supersede") unless superseded < by."""
    if not 0 <= superseded < by:
        raise InvalidEntry("supersede", "a ballot is superseded by a later one")
    return _factory(
        EntryType.BALLOT_SUPERSEDED,
        {"by": by, "pseudonym": _pseudonym(pseudonym), "superseded": superseded},
    )


def voting_closed(at: datetime, counted: int) -> EntryFactory:
    """Voting closed: no ballot may follow; `counted` ballots (one per voter) are counted."""
    return _factory(EntryType.VOTING_CLOSED, {"at": timestamp_of(at), "counted": counted})


def voting_cancelled(at: datetime) -> EntryFactory:
    """The officers cancelled a vote that had opened: no ballot follows, none is counted."""
    return _factory(EntryType.VOTING_CANCELLED, {"at": timestamp_of(at)})


def encrypted_tally(tally: Serialisable, counted: int) -> EntryFactory:
    """The homomorphic sum of the `counted` ballots (protocol.md §I.12)."""
    return _factory(EntryType.ENCRYPTED_TALLY, {"counted": counted, "tally": tally.to_json()})


def decryption_share(trustee: int, share: Serialisable) -> EntryFactory:
    """One trustee's partial decryption of the tally with its proof (protocol.md §I.12)."""
    return _factory(EntryType.DECRYPTION_SHARE, {"share": share.to_json(), "trustee": trustee})


def result_published(
    tally: Serialisable, outcomes: Sequence[Serialisable], at: datetime
) -> EntryFactory:
    """The announced result: the decrypted tally (§I.12) and each question's outcome under
    its majority rule (§I.13)."""
    return _factory(
        EntryType.RESULT_PUBLISHED,
        {
            "at": timestamp_of(at),
            "outcomes": [o.to_json() for o in outcomes],
            "tally": tally.to_json(),
        },
    )


def officer_action(action: str, officer: str, at: datetime) -> EntryFactory:
    """An election officer's action (opening, closing, starting the decryption, …).

    `action` is an id such as "voting-opened"; `officer` an opaque officer id, never a name.
    Raises `InvalidEntry` ("action", "officer") for malformed ids.
    """
    if not ID_PATTERN.fullmatch(action):
        raise InvalidEntry("action", f"an action matches {ID_PATTERN.pattern}")
    if not ID_PATTERN.fullmatch(officer):
        raise InvalidEntry("officer", f"an officer id matches {ID_PATTERN.pattern}")
    return _factory(
        EntryType.OFFICER_ACTION, {"action": action, "at": timestamp_of(at), "officer": officer}
    )
