"""Log entries (audit/events.py builds, audit/entries.py reads): every type round-trips, and
every malformed envelope or field is refused by name."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from audit import events
from audit.entries import (
    RECEIPT_TYPE,
    BallotCast,
    BallotSuperseded,
    DecryptionShare,
    ElectionCreated,
    ElectorateFrozen,
    EncryptedTally,
    EntryType,
    OfficerAction,
    ResultPublished,
    TrusteeCommitments,
    TrusteeComplaint,
    VotingCancelled,
    VotingClosed,
    parse_entry,
    receipt_body,
)
from audit.errors import InvalidEntry
from ballots.canonical import JSONObject, canonical_json, parse_canonical_json
from ballots.complaints import Verdict
from ballots.errors import InvalidEncoding
from ballots.signing import SigningKey, verify_document

KEY = SigningKey(bytes(range(32)))
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
STAMP = 1_795_723_200_000


@dataclass(frozen=True)
class Payload:
    """Stands for a ballots/ object: anything that writes itself as a JSON object."""

    value: JSONObject

    def to_json(self) -> JSONObject:
        return self.value


@dataclass(frozen=True)
class CastPayload:
    """Stands for a ballots/ Ballot: JSON, pseudonym and digest."""

    value: JSONObject
    pseudonym: str

    def to_json(self) -> JSONObject:
        return self.value

    def digest(self) -> bytes:
        return hashlib.sha256(canonical_json(self.value)).digest()


def _read(factory: Callable[[int], bytes], index: int = 7) -> object:
    return parse_entry(factory(index), index)


def test_every_entry_type_round_trips() -> None:
    p = Payload({"x": 1})
    cases: list[tuple[Callable[[int], bytes], object]] = [
        (
            events.election_created("alv-2026", p, KEY.verifying_key(), NOW),
            ElectionCreated(7, "alv-2026", {"x": 1}, KEY.verifying_key(), STAMP),
        ),
        (events.trustee_commitments(2, p), TrusteeCommitments(7, 2, {"x": 1})),
        (
            events.trustee_complaint(p, None, Verdict.DISQUALIFIED),
            TrusteeComplaint(7, {"x": 1}, None, Verdict.DISQUALIFIED),
        ),
        (
            events.trustee_complaint(p, Payload({"y": 2}), Verdict.DISMISSED),
            TrusteeComplaint(7, {"x": 1}, {"y": 2}, Verdict.DISMISSED),
        ),
        (
            events.electorate_frozen(["b", "a", "c"], NOW),
            ElectorateFrozen(7, 3, ("a", "b", "c"), STAMP),
        ),
        (events.ballot_superseded("a", 3, 5), BallotSuperseded(7, "a", 3, 5)),
        (events.voting_closed(NOW, 12), VotingClosed(7, STAMP, 12)),
        (events.voting_cancelled(NOW), VotingCancelled(7, STAMP)),
        (events.encrypted_tally(p, 12), EncryptedTally(7, 12, {"x": 1})),
        (events.decryption_share(3, p), DecryptionShare(7, 3, {"x": 1})),
        (
            events.result_published(p, [p, Payload({"y": 2})], NOW),
            ResultPublished(7, STAMP, {"x": 1}, ({"x": 1}, {"y": 2})),
        ),
        (
            events.officer_action("voting-opened", "officer-1", NOW),
            OfficerAction(7, "voting-opened", "officer-1", STAMP),
        ),
    ]
    for factory, expected in cases:
        assert _read(factory) == expected
        raw = factory(7)
        assert canonical_json(parse_canonical_json(raw, max_bytes=10**6)) == raw


def test_a_cast_ballot_carries_a_receipt_signed_over_its_own_index() -> None:
    ballot = CastPayload({"q": [1, 2]}, "p-1")
    factory = events.ballot_cast("alv-2026", ballot, KEY)
    entry = _read(factory, 9)
    assert isinstance(entry, BallotCast)
    assert entry.pseudonym == "p-1"
    assert entry.ballot == {"q": [1, 2]}
    assert entry.receipt.doc_type == RECEIPT_TYPE
    body = verify_document(entry.receipt, KEY.verifying_key(), doc_type=RECEIPT_TYPE)
    assert body == receipt_body("alv-2026", 9, "p-1", ballot.digest())
    assert body["ballot"] == ballot.digest().hex()
    assert _read(factory, 10) != entry


def test_entries_of_different_types_never_share_bytes() -> None:
    assert len({f(0) for f in (events.voting_closed(NOW, 1), events.voting_closed(NOW, 2))}) == 2
    assert EntryType("ballot-cast") is EntryType.BALLOT_CAST


@pytest.mark.parametrize(
    ("make", "check"),
    [
        (
            lambda: events.election_created("Bad Id", Payload({}), KEY.verifying_key(), NOW),
            "election",
        ),
        (lambda: events.electorate_frozen(["a", "a"], NOW), "pseudonym"),
        (lambda: events.electorate_frozen(["with space"], NOW), "pseudonym"),
        (lambda: events.ballot_cast("e", CastPayload({}, ""), KEY), "pseudonym"),
        (lambda: events.ballot_superseded("a", 5, 5), "supersede"),
        (lambda: events.ballot_superseded("a", -1, 5), "supersede"),
        (lambda: events.officer_action("Opened!", "officer-1", NOW), "action"),
        (lambda: events.officer_action("voting-opened", "Jan Jansen", NOW), "officer"),
    ],
)
def test_builders_refuse_malformed_input_by_name(make: Callable[[], object], check: str) -> None:
    with pytest.raises(InvalidEntry, match=check):
        make()


def _entry(**fields: object) -> bytes:
    base: dict[str, object] = {
        "at": 1,
        "counted": 1,
        "index": 0,
        "type": "voting-closed",
        "version": 1,
    }
    base.update(fields)
    return canonical_json({k: v for k, v in base.items() if v is not None})  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "check"),
    [
        (b'{"index":0, "type":"voting-closed"}', "entry-json"),
        (b"[]", "shape"),
        (_entry(type="no-such-type"), "entry-type"),
        (_entry(type=5), "shape"),
        (_entry(type="Voting Closed"), "format"),
        (_entry(index=3), "entry-index"),
        (_entry(version=2), "version"),
        (_entry(counted=None), "missing-field"),
        (_entry(extra=1), "unknown-field"),
        (_entry(pseudonym="p"), "unknown-field"),
        (_entry(counted="1"), "shape"),
        (_entry(at=-1), "range"),
    ],
)
def test_a_malformed_entry_is_refused_naming_the_check(raw: bytes, check: str) -> None:
    with pytest.raises(InvalidEntry, match=check):
        parse_entry(raw, 0)


def _valid(factory: Callable[[int], bytes]) -> dict[str, object]:
    return dict(parse_canonical_json(factory(0), max_bytes=10**6))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("factory", "change", "check"),
    [
        (events.electorate_frozen(["a", "b"], NOW), {"pseudonyms": ["b", "a"]}, "pseudonym"),
        (events.electorate_frozen(["a", "b"], NOW), {"pseudonyms": ["a", "a"]}, "pseudonym"),
        (events.electorate_frozen(["a", "b"], NOW), {"pseudonyms": ["a", 1]}, "pseudonym"),
        (events.electorate_frozen(["a", "b"], NOW), {"pseudonyms": "ab"}, "shape"),
        (events.trustee_commitments(1, Payload({})), {"trustee": 0}, "range"),
        (events.trustee_commitments(1, Payload({})), {"announcement": []}, "shape"),
        (
            events.election_created("e", Payload({}), KEY.verifying_key(), NOW),
            {"log_key": "A" * 42},
            "format",
        ),
        (
            events.election_created("e", Payload({}), KEY.verifying_key(), NOW),
            {"log_key": "A" * 42 + "B"},
            "log-key",
        ),
        (
            events.election_created("e", Payload({}), KEY.verifying_key(), NOW),
            {"election_id": "E"},
            "format",
        ),
        (events.result_published(Payload({}), [], NOW), {"outcomes": [1]}, "shape"),
        (events.result_published(Payload({}), [], NOW), {"outcomes": {}}, "shape"),
        (events.ballot_cast("e", CastPayload({}, "p"), KEY), {"receipt": {"body": {}}}, "receipt"),
        (events.ballot_cast("e", CastPayload({}, "p"), KEY), {"pseudonym": "p q"}, "format"),
        (events.ballot_superseded("p", 1, 2), {"by": "2"}, "shape"),
        (
            events.trustee_complaint(Payload({}), None, Verdict.DISMISSED),
            {"verdict": "upheld"},
            "verdict",
        ),
        (
            events.trustee_complaint(Payload({}), Payload({}), Verdict.DISMISSED),
            {"answer": []},
            "shape",
        ),
    ],
)
def test_a_malformed_field_is_refused_by_name(
    factory: Callable[[int], bytes], change: dict[str, object], check: str
) -> None:
    value = {**_valid(factory), **change}
    with pytest.raises(InvalidEntry, match=check):
        parse_entry(canonical_json(value), 0)  # type: ignore[arg-type]


def test_a_payload_canonical_json_cannot_hold_fails_before_any_append() -> None:

    with pytest.raises(InvalidEncoding):
        events.encrypted_tally(Payload({"x": 1.5}), 1)  # type: ignore[dict-item]


def test_more_outcomes_than_a_manifest_has_questions_is_refused() -> None:
    value = _valid(events.result_published(Payload({}), [], NOW))
    value["outcomes"] = [{}] * 101
    with pytest.raises(InvalidEntry, match="length"):
        parse_entry(canonical_json(value), 0)  # type: ignore[arg-type]
