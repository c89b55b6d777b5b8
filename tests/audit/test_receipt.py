"""A voter's receipt file against the record (audit/receipt.py, audit/lookup.py
`check_receipt`, protocol.md §II.8 "A voter's receipt"): one holds, and every way to break
it is named by its check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit import events
from audit.__main__ import main
from audit.entries import RECEIPT_TYPE, BallotCast, receipt_body
from audit.errors import (
    AuditError,
    BallotNotFound,
    Equivocation,
    InvalidHead,
    InvalidReceipt,
    LogInconsistent,
    RecordUnreadable,
)
from audit.head import TreeHead, sign_head
from audit.log import Log
from audit.lookup import ReceiptChecked, check_receipt
from audit.receipt import VoterReceipt, read_receipt
from audit.record import Record
from audit.store import MemoryStore
from ballots import Ballot, SigningKey, canonical_json, encrypt_ballot
from ballots.signing import SignedDocument, sign_document
from tests.audit.election import ELECTION_ID, LOG_KEY, START, Built, receipt_document
from tests.audit.tamper import edit, entry_file, flip_b64, load, save

OTHER_ID = "other-2026"


def _casts(built: Built) -> list[BallotCast]:
    return [e for e in built.entries() if isinstance(e, BallotCast)]


def _check(record: Path, document: dict[str, object]) -> ReceiptChecked:
    with Record.from_path(record) as opened:
        return check_receipt(opened, VoterReceipt.from_json(json.loads(canonical_json(document))))


def _rejected(
    record: Path, document: dict[str, object], error: type[AuditError], check: str
) -> None:
    with pytest.raises(error, match=f"^{check}: "):
        _check(record, document)


def _signed_receipt(body: dict[str, object]) -> dict[str, object]:
    return dict(sign_document(LOG_KEY, RECEIPT_TYPE, body).to_json())  # type: ignore[arg-type]


def _fork(built: Built, size: int) -> Log:
    """A log of the same election that shares the first `size` entries with `built`'s."""
    fork = Log(MemoryStore(), ELECTION_ID)
    for raw in built.log.entries(0, size):
        fork.append(lambda _index, raw=raw: raw)
    return fork


def _cast_into(fork: Log, built: Built, pseudonym: str) -> int:
    ballot = encrypt_ballot(built.election, pseudonym, {"m1": ["voor"], "locatie": []})
    index = fork.append(events.ballot_cast(ELECTION_ID, ballot, LOG_KEY)).index
    fork.sign_head(LOG_KEY, START)
    return index


def test_the_receipt_of_every_ballot_holds(election: Built, pristine_record: Path) -> None:
    casts = _casts(election)
    final = election.log.heads()[-1]
    for cast in casts:
        checked = _check(pristine_record, receipt_document(election.log, cast.index))
        assert checked.ballot.index == cast.index
        assert checked.ballot.head == final
        assert checked.head.head.size == cast.index + 1
        assert (checked.consistency.first, checked.consistency.second) == (
            cast.index + 1,
            final.head.size,
        )
    first_of_v1 = _check(pristine_record, receipt_document(election.log, casts[0].index))
    assert not first_of_v1.ballot.counted
    assert first_of_v1.ballot.superseded_by == casts[4].index


def test_a_forged_receipt_signature_is_rejected(election: Built, pristine_record: Path) -> None:
    document = receipt_document(election.log, _casts(election)[1].index)
    receipt = dict(document["receipt"])  # type: ignore[call-overload]
    receipt["signature"] = flip_b64(receipt["signature"], 7)
    _rejected(
        pristine_record, {**document, "receipt": receipt}, InvalidReceipt, "receipt-signature"
    )
    other_key = SigningKey(bytes(range(2, 34)))
    body = SignedDocument.from_json(document["receipt"]).body  # type: ignore[arg-type]
    forged = dict(sign_document(other_key, RECEIPT_TYPE, body).to_json())
    _rejected(pristine_record, {**document, "receipt": forged}, InvalidReceipt, "receipt-signature")


def test_a_receipt_for_another_election_is_rejected(election: Built, pristine_record: Path) -> None:
    cast = _casts(election)[1]
    document = receipt_document(election.log, cast.index)
    _rejected(
        pristine_record, {**document, "election_id": OTHER_ID}, InvalidReceipt, "receipt-election"
    )
    # The same key signed it for another election (a server that reuses its log key).
    digest = Ballot.from_json(cast.ballot, election.election).digest()
    other = _signed_receipt(receipt_body(OTHER_ID, cast.index, cast.pseudonym, digest))
    _rejected(pristine_record, {**document, "receipt": other}, InvalidReceipt, "receipt-election")


def test_a_changed_log_index_is_rejected(election: Built, pristine_record: Path) -> None:
    casts = _casts(election)
    document = receipt_document(election.log, casts[1].index)
    _rejected(
        pristine_record,
        {**document, "log_index": casts[2].index},
        InvalidReceipt,
        "receipt-index",
    )
    # A receipt signed for the index of the other ballot is not that ballot's receipt.
    digest = Ballot.from_json(casts[1].ballot, election.election).digest()
    moved = _signed_receipt(receipt_body(ELECTION_ID, casts[2].index, casts[1].pseudonym, digest))
    _rejected(
        pristine_record,
        {**document, "receipt": moved, "log_index": casts[2].index},
        InvalidReceipt,
        "receipt-entry",
    )


def test_a_receipt_for_an_entry_that_is_no_ballot_is_rejected(
    election: Built, pristine_record: Path
) -> None:
    document = receipt_document(election.log, _casts(election)[0].index)
    for index in (0, election.log.size() + 3):
        signed = _signed_receipt(receipt_body(ELECTION_ID, index, "v1", bytes(32)))
        _rejected(
            pristine_record,
            {**document, "receipt": signed, "log_index": index},
            BallotNotFound,
            "not-in-log",
        )


def test_a_record_without_the_ballot_is_rejected(election: Built, pristine_record: Path) -> None:
    casts = _casts(election)
    # The server showed this voter a log in which their ballot took the place of another.
    fork = _fork(election, casts[3].index)
    index = _cast_into(fork, election, "v8")
    assert index == casts[3].index
    _rejected(pristine_record, receipt_document(fork, index), InvalidReceipt, "receipt-entry")
    # Or one that goes on after the record ends: the record leaves the ballot out.
    longer = _fork(election, election.log.size())
    late = _cast_into(longer, election, "v8")
    _rejected(pristine_record, receipt_document(longer, late), BallotNotFound, "not-in-log")


def test_an_entry_with_another_ballot_than_the_receipt_signs_is_rejected(
    election: Built, record: Path
) -> None:
    casts = _casts(election)
    document = receipt_document(election.log, casts[1].index)
    edit(entry_file(record, casts[1].index), lambda e: e.update(ballot=casts[2].ballot))
    _rejected(record, document, InvalidReceipt, "receipt-ballot")

    def unreadable(entry: dict[str, object]) -> None:
        option = entry["ballot"]["questions"][0]["options"][0]  # type: ignore[index]
        option["alpha"] = "AAAA"  # not a point

    edit(entry_file(record, casts[1].index), unreadable)
    _rejected(record, document, InvalidReceipt, "receipt-ballot")


def test_a_tracking_code_of_another_ballot_is_rejected(
    election: Built, pristine_record: Path
) -> None:
    casts = _casts(election)
    document = receipt_document(election.log, casts[1].index)
    other = receipt_document(election.log, casts[2].index)["tracking_code"]
    _rejected(
        pristine_record, {**document, "tracking_code": other}, InvalidReceipt, "tracking-code"
    )


def test_a_head_the_record_does_not_extend_is_rejected(
    election: Built, pristine_record: Path
) -> None:
    casts = _casts(election)
    document = receipt_document(election.log, casts[1].index)
    own = election.log.heads()[casts[1].index].head
    assert own.size == casts[1].index + 1

    def with_head(head: TreeHead, key: SigningKey = LOG_KEY) -> dict[str, object]:
        return {**document, "head": sign_head(key, head).to_json()}

    other_key = SigningKey(bytes(range(3, 35)))
    _rejected(pristine_record, with_head(own, other_key), InvalidHead, "head-signature")
    other_log = TreeHead(OTHER_ID, own.size, own.root, own.timestamp)
    _rejected(pristine_record, with_head(other_log), InvalidHead, "head-log")
    before = election.log.heads()[casts[1].index - 1].head
    _rejected(pristine_record, with_head(before), InvalidReceipt, "receipt-head")
    beyond = TreeHead(ELECTION_ID, election.log.size() + 1, own.root, own.timestamp)
    _rejected(pristine_record, with_head(beyond), LogInconsistent, "log-truncated")
    # A head of a forked log that holds the same ballot: the record does not extend it.
    fork = _fork(election, casts[1].index + 1)
    _cast_into(fork, election, "v8")
    forked = fork.heads()[-1].head
    assert forked.root != election.log.root(forked.size)
    _rejected(pristine_record, with_head(forked), Equivocation, "equivocation")


def test_a_record_without_a_signed_head_proves_no_receipt(election: Built, record: Path) -> None:
    document = receipt_document(election.log, _casts(election)[1].index)
    save(record / "heads.json", {"heads": [], "version": 1})
    _rejected(record, document, InvalidHead, "final-head")


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (lambda d: d.pop("head"), "missing-field"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d.update(tracking_code="not a code"), "code-"),
        (lambda d: d.update(tracking_code=7), "shape"),
        (lambda d: d.update(receipt={"body": {}}), "receipt-shape"),
        (lambda d: d.update(head={"x": 1}), "head-shape"),
        (lambda d: d.update(log_index=-1), "range"),
        (lambda d: d.update(election_id="Not An Id"), "format"),
    ],
)
def test_a_malformed_receipt_file_is_unreadable(
    election: Built, tmp_path: Path, change: object, check: str
) -> None:
    document = receipt_document(election.log, _casts(election)[0].index)
    change(document)  # type: ignore[operator]
    path = tmp_path / "receipt.json"
    save(path, document)
    with pytest.raises(RecordUnreadable, match=f"^{check}") as raised:
        read_receipt(path)
    assert raised.value.file == "RECEIPT"


def test_a_receipt_file_that_is_not_canonical_json_or_missing_is_unreadable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "receipt.json"
    path.write_text('{"version": 1}\n')
    with pytest.raises(RecordUnreadable, match=r"^json"):
        read_receipt(path)
    with pytest.raises(RecordUnreadable, match=r"^io"):
        read_receipt(tmp_path / "missing.json")


def _receipt_file(built: Built, tmp_path: Path, index: int) -> Path:
    path = tmp_path / "receipt.json"
    save(path, receipt_document(built.log, index))
    return path


def test_cli_receipt_exits_0_and_says_what_it_proved(
    election: Built, pristine_record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cast = _casts(election)[-1]
    receipt = _receipt_file(election, tmp_path, cast.index)
    assert main(["receipt", str(pristine_record), str(receipt)]) == 0
    out = capsys.readouterr().out
    assert f"entry {cast.index} of the log: signed by the election's log key" in out
    assert f"the receipt's head (size {cast.index + 1}, root" in out
    assert f"is entry {cast.index} of the log: counted" in out
    assert main(["receipt", str(pristine_record), str(receipt), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["found"] is True
    assert answer["receipt_head"]["size"] == cast.index + 1
    assert answer["consistency"]


def test_cli_receipt_exits_1_when_it_does_not_hold_and_2_when_unreadable(
    election: Built, record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cast = _casts(election)[1]
    receipt = _receipt_file(election, tmp_path, cast.index)
    edit(receipt, lambda d: d.update(election_id=OTHER_ID))
    assert main(["receipt", str(record), str(receipt)]) == 1
    assert "NOT PROVEN: receipt-election" in capsys.readouterr().out
    receipt.write_text("not json")
    assert main(["receipt", str(record), str(receipt)]) == 2
    assert "cannot read: json" in capsys.readouterr().err


def test_verify_points_a_voter_with_a_receipt_to_the_receipt_command(
    election: Built, pristine_record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reported gap: `verify --witness receipt.json` said "missing-field field=document.body".
    Now it says which command reads a receipt."""
    receipt = _receipt_file(election, tmp_path, _casts(election)[0].index)
    assert load(receipt)["tracking_code"]
    assert main(["verify", str(pristine_record), "--witness", str(receipt)]) == 2
    err = capsys.readouterr().err
    assert "receipt-file" in err
    assert "python -m audit receipt RECORD RECEIPT" in err
