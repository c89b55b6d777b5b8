"""Tampering with the files of a real election's record: each change is found, and the finding
names the file, the entry and the check (THREATS T11, T14; issue 5's tampering list).

These are edits by someone without the server's key (a copy passed around, a mirror): the
signatures and the Merkle tree expose them. Attacks by the server itself, which can re-sign,
are in test_attacks.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audit import events
from audit.head import SignedTreeHead, TreeHead, sign_head
from audit.log import Log
from audit.report import Finding, Report
from audit.store import MemoryStore
from audit.verifier import verify_record
from tests.audit.election import ELECTION_ID, LOG_KEY, START, open_election, write
from tests.audit.tamper import edit, entry_file, find_entries, flip_b64, load, save


def _verify(record: Path) -> Report:
    report = verify_record(record, workers=1)
    assert not report.ok
    return report


def _has(report: Report, file: str, entry: str, check: str) -> Finding:
    for finding in report.findings:
        if (finding.file, finding.entry, finding.check) == (file, entry, check):
            return finding
    found = "\n".join(f"{f.file} [{f.entry}] {f.check}: {f.detail}" for f in report.findings)
    pytest.fail(f"no {check} finding at {file} [{entry}]; found:\n{found}")


def _log(index: int) -> str:
    return f"log/{index:08d}.json"


def _first(record: Path, entry_type: str) -> int:
    return find_entries(record, entry_type)[0]


# ---------------------------------------------------------------- one byte of a value


def test_one_changed_byte_of_a_ciphertext_fails_that_ballots_proof(record: Path) -> None:
    index = _first(record, "ballot-cast")

    def change(entry: dict[str, object]) -> None:
        option = entry["ballot"]["questions"][0]["options"][1]  # type: ignore[index]
        option["beta"] = flip_b64(option["beta"], 7)

    edit(entry_file(record, index), change)
    report = _verify(record)
    finding = _has(report, _log(index), f"ballot-cast {index}", "ballot-proof")
    assert "m1" in finding.detail
    _has(report, "heads.json", "head 6", "equivocation")


def test_one_changed_byte_of_a_proof_fails_that_ballots_proof(record: Path) -> None:
    index = find_entries(record, "ballot-cast")[2]

    def change(entry: dict[str, object]) -> None:
        question = entry["ballot"]["questions"][1]  # type: ignore[index]
        question["selections_proof"] = flip_b64(question["selections_proof"], 100)

    edit(entry_file(record, index), change)
    report = _verify(record)
    finding = _has(report, _log(index), f"ballot-cast {index}", "ballot-proof")
    assert "locatie" in finding.detail


def test_one_changed_byte_of_a_decryption_share_fails_its_proof(record: Path) -> None:
    index = _first(record, "decryption-share")

    def change(entry: dict[str, object]) -> None:
        option = entry["share"]["questions"][0]["options"][0]  # type: ignore[index]
        option["proof"] = flip_b64(option["proof"], 70)

    edit(entry_file(record, index), change)
    report = _verify(record)
    _has(report, _log(index), f"decryption-share {index}", "decryption-share")


def test_one_changed_byte_of_a_head_signature_fails_that_head(record: Path) -> None:
    def change(heads: dict[str, object]) -> None:
        head = heads["heads"][3]  # type: ignore[index]
        head["signature"] = flip_b64(head["signature"], 10)

    edit(record / "heads.json", change)
    report = _verify(record)
    _has(report, "heads.json", "head 3", "head-signature")


def test_a_changed_count_in_the_result_fails_the_decryption_check(record: Path) -> None:
    index = _first(record, "result-published")

    def change(entry: dict[str, object]) -> None:
        counts = entry["tally"]["questions"][0]["counts"]  # type: ignore[index]
        counts[0]["count"] += 1
        counts[1]["count"] -= 1

    edit(entry_file(record, index), change)
    report = _verify(record)
    finding = _has(report, _log(index), f"result-published {index}", "decryption")
    assert "decryption-result" in finding.detail


def test_a_changed_outcome_in_the_result_fails_the_outcome_check(record: Path) -> None:
    index = _first(record, "result-published")

    def change(entry: dict[str, object]) -> None:
        entry["outcomes"][0]["outcome"] = "rejected"  # type: ignore[index]

    edit(entry_file(record, index), change)
    report = _verify(record)
    finding = _has(report, _log(index), f"result-published {index}", "outcome")
    assert "m1" in finding.detail


def test_a_changed_encrypted_tally_is_not_the_sum_of_the_ballots(record: Path) -> None:
    index = _first(record, "encrypted-tally")
    other = _first(record, "ballot-cast")
    alpha = load(entry_file(record, other))["ballot"]["questions"][0]["options"][0]["alpha"]  # type: ignore[index]

    def change(entry: dict[str, object]) -> None:
        entry["tally"]["questions"][0]["options"][0]["alpha"] = alpha  # type: ignore[index]

    edit(entry_file(record, index), change)
    report = _verify(record)
    finding = _has(report, _log(index), f"encrypted-tally {index}", "tally")
    assert "m1" in finding.detail


# ---------------------------------------------------------------- ballots moved around


def _renumber(record: Path, order: list[int]) -> None:
    """Make the log files hold the old entries `order`, in that order."""
    old = {i: entry_file(record, i).read_bytes() for i in set(order)}
    for path in (record / "log").iterdir():
        path.unlink()
    for position, index in enumerate(order):
        entry_file(record, position).write_bytes(old[index])
    edit(record / "record.json", lambda r: r.update(log_size=len(order)))


def test_a_deleted_ballot_is_found(record: Path) -> None:
    size = load(record / "record.json")["log_size"]
    deleted = find_entries(record, "ballot-cast")[2]
    _renumber(record, [i for i in range(int(str(size))) if i != deleted])
    report = _verify(record)
    _has(report, _log(deleted), f"entry {deleted}", "entry-shape")
    _has(report, "heads.json", "-", "final-head")


def test_a_duplicated_ballot_is_found(record: Path) -> None:
    size = int(str(load(record / "record.json")["log_size"]))
    copied = find_entries(record, "ballot-cast")[0]
    _renumber(record, [*range(size), copied])
    report = _verify(record)
    _has(report, _log(size), f"entry {size}", "entry-shape")
    _has(report, "heads.json", "-", "final-head")


def test_reordered_ballots_are_found(record: Path) -> None:
    size = int(str(load(record / "record.json")["log_size"]))
    a, b = find_entries(record, "ballot-cast")[1:3]
    order = list(range(size))
    order[a], order[b] = order[b], order[a]
    _renumber(record, order)
    report = _verify(record)
    _has(report, _log(a), f"entry {a}", "entry-shape")
    _has(report, _log(b), f"entry {b}", "entry-shape")


def test_an_inserted_ballot_is_found(record: Path) -> None:
    size = int(str(load(record / "record.json")["log_size"]))
    at = find_entries(record, "ballot-cast")[3]
    _renumber(record, [*range(at), at - 1, *range(at, size)])
    report = _verify(record)
    _has(report, _log(at), f"entry {at}", "entry-shape")


def test_an_edited_leaf_breaks_every_head_that_covers_it(record: Path) -> None:
    index = _first(record, "officer-action")
    edit(entry_file(record, index), lambda e: e.update(action="voting-closed"))
    report = _verify(record)
    covering = [f for f in report.findings if f.check == "equivocation"]
    heads = load(record / "heads.json")["heads"]
    assert len(covering) == sum(1 for h in heads if h["body"]["size"] > index)  # type: ignore[index]


# ---------------------------------------------------------------- heads


def _forked_head(built_size: int) -> SignedTreeHead:
    """What the server signed for a fork: the same log but another entry at index 5."""
    fork = Log(MemoryStore(), ELECTION_ID)
    for i in range(built_size):
        fork.append(events.officer_action("fork" if i == 5 else "x", f"officer-{i}", START))
    return sign_head(
        LOG_KEY, TreeHead(ELECTION_ID, built_size, fork.root(), timestamp=1_795_000_000_000)
    )


def test_a_head_replaced_by_one_of_a_forked_log_is_an_equivocation(record: Path) -> None:
    heads = load(record / "heads.json")
    original = heads["heads"][9]  # type: ignore[index]
    size = original["body"]["size"]
    forged = _forked_head(size)
    forged_json = forged.to_json()
    forged_body = dict(forged_json["body"])  # type: ignore[arg-type]
    forged_body["timestamp"] = original["body"]["timestamp"]
    forged = sign_head(LOG_KEY, TreeHead.from_json(forged_body))
    heads["heads"][9] = forged.to_json()  # type: ignore[index]
    save(record / "heads.json", heads)
    report = _verify(record)
    finding = _has(report, "heads.json", "head 9", "equivocation")
    assert str(size) in finding.detail


def test_two_signed_heads_of_one_size_with_different_roots_are_an_equivocation(
    record: Path,
) -> None:
    heads = load(record / "heads.json")
    last = heads["heads"][-1]  # type: ignore[index]
    body = dict(last["body"])
    body["root"] = "ab" * 32
    heads["heads"].append(sign_head(LOG_KEY, TreeHead.from_json(body)).to_json())  # type: ignore[attr-defined]
    save(record / "heads.json", heads)
    report = _verify(record)
    position = len(heads["heads"]) - 1  # type: ignore[arg-type]
    details = [f.detail for f in report.findings if f.entry == f"head {position}"]
    assert any("another root" in d for d in details)
    assert any("does not have" in d for d in details)


def _resign(record: Path, position: int, **changes: object) -> None:
    heads = load(record / "heads.json")
    body = dict(heads["heads"][position]["body"])  # type: ignore[index]
    body.update(changes)
    heads["heads"][position] = sign_head(LOG_KEY, TreeHead.from_json(body)).to_json()  # type: ignore[index]
    save(record / "heads.json", heads)


def test_a_head_going_back_in_time_is_found(record: Path) -> None:
    earlier = load(record / "heads.json")["heads"][11]["body"]["timestamp"]  # type: ignore[index]
    _resign(record, 12, timestamp=earlier - 1)
    finding = _has(_verify(record), "heads.json", "head 12", "head-time")
    assert "goes back" in finding.detail


def test_a_head_older_than_an_entry_it_covers_is_found(record: Path) -> None:
    _resign(record, 0, timestamp=0)
    finding = _has(_verify(record), "heads.json", "head 0", "head-time")
    assert finding.detail == "older than an entry it covers"


def test_a_head_of_another_election_is_found(record: Path) -> None:
    heads = load(record / "heads.json")
    body = dict(heads["heads"][2]["body"])  # type: ignore[index]
    body["log"] = "other-election"
    heads["heads"][2] = sign_head(LOG_KEY, TreeHead.from_json(body)).to_json()  # type: ignore[index]
    save(record / "heads.json", heads)
    _has(_verify(record), "heads.json", "head 2", "head-log")


def test_a_malformed_head_is_a_finding_and_the_rest_is_checked(record: Path) -> None:
    edit(record / "heads.json", lambda h: h["heads"].__setitem__(4, {"not": "a head"}))  # type: ignore[attr-defined]
    report = _verify(record)
    _has(report, "heads.json", "head 4", "head-shape")
    assert {f.check for f in report.findings} == {"head-shape"}


def test_a_log_without_a_head_covering_it_all_is_found(record: Path) -> None:
    edit(record / "heads.json", lambda h: h["heads"].pop())  # type: ignore[attr-defined]
    _has(_verify(record), "heads.json", "-", "final-head")


# ---------------------------------------------------------------- the election itself


def test_a_swapped_manifest_breaks_the_fingerprint(record: Path) -> None:
    def change(entry: dict[str, object]) -> None:
        entry["election"]["manifest"]["title"] = "Een andere vergadering"  # type: ignore[index]

    edit(entry_file(record, 0), change)
    report = _verify(record)
    finding = _has(report, _log(0), "election-created 0", "election")
    assert "fingerprint" in finding.detail
    skipped = {c.name for c in report.checks if c.reason}
    assert {"ballot-proof", "tally", "trustee-announcement"} <= skipped


def test_a_view_that_differs_from_the_log_is_found(record: Path) -> None:
    def change(view: dict[str, object]) -> None:
        view["ballots"][0]["status"] = "counted"  # type: ignore[index]

    edit(record / "ballots.json", change)
    report = _verify(record)
    _has(report, "ballots.json", "-", "record-views")
    assert {f.check for f in report.findings} == {"record-views"}


def test_a_missing_or_extra_view_is_found(record: Path) -> None:
    (record / "result.json").unlink()
    shutil.copy(record / "tally.json", record / "shares.json.bak")
    report = _verify(record)
    _has(report, "result.json", "-", "record-views")
    _has(report, "shares.json.bak", "-", "record-layout")


def test_a_view_the_log_cannot_show_is_found(tmp_path: Path) -> None:
    built = open_election()
    record = write(built, tmp_path / "open")
    save(record / "result.json", {"outcomes": [], "tally": {}, "version": 1})
    report = verify_record(record, workers=1)
    _has(report, "result.json", "-", "record-views")


# ---------------------------------------------------------------- the log's files


def test_a_missing_entry_file_is_found_and_roots_are_not_guessed(record: Path) -> None:
    index = find_entries(record, "ballot-cast")[1]
    entry_file(record, index).unlink()
    report = _verify(record)
    _has(report, _log(index), f"entry {index}", "record-layout")
    reasons = {c.name: c.reason for c in report.checks}
    assert "missing" in reasons["equivocation"]
    assert "missing" in reasons["record-views"]


def test_an_entry_file_beyond_the_log_size_is_found(record: Path) -> None:
    size = int(str(load(record / "record.json")["log_size"]))
    shutil.copy(entry_file(record, 0), entry_file(record, size))
    _has(_verify(record), _log(size), "-", "record-layout")


def test_an_entry_that_is_not_canonical_json_is_a_finding(record: Path) -> None:
    index = _first(record, "officer-action")
    entry_file(record, index).write_bytes(b'{"index": 5}')
    report = _verify(record)
    finding = _has(report, _log(index), f"entry {index}", "entry-shape")
    assert "entry-json" in finding.detail
