"""The verifier's checks in the corners a whole election rarely reaches: a chunk of ballots
read alone, an election nobody voted in, an over-vote the server counted, an election document
of another log, announcements that do not match the key, the ballot lookup's edge cases, and
the report's own bookkeeping."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from audit import events
from audit.ballotcheck import BallotChunk, check_chunk
from audit.container import DEFAULT_LIMITS, write_files
from audit.electioncheck import check_election
from audit.entries import BallotCast, ElectionCreated, TrusteeCommitments
from audit.errors import InvalidEntry, InvalidHead
from audit.head import TreeHead, sign_head
from audit.history import History
from audit.lookup import find_ballot
from audit.record import Record
from audit.report import CheckStatus, Findings
from audit.tracking import TrackingCode
from audit.verifier import default_workers, verify_record
from ballots import (
    SigningKey,
    announce,
    canonical_json,
    combine_shares,
    decrypt_share,
    encrypt_ballot,
    validate_ballot,
)
from ballots.elgamal import encrypt_with
from ballots.encryption import _encrypt_ballot_from_parts
from tests.audit.election import (
    ELECTION_ID,
    LOG_KEY,
    Built,
    close_and_tally,
    decrypt_and_publish,
    open_election,
    write,
)
from tests.audit.tamper import edit, flip_b64, load, save


def _chunk(record: Path, built: Built, items: tuple[tuple[int, bytes, bool], ...]) -> BallotChunk:
    return BallotChunk(
        path=str(record),
        limits=DEFAULT_LIMITS,
        election=built.election.to_json(),
        election_id=ELECTION_ID,
        log_key=LOG_KEY.verifying_key().raw,
        items=items,
    )


def test_a_chunk_reports_entries_that_changed_or_vanished_since_the_scan(
    election: Built, record: Path
) -> None:
    index = next(e.index for e in election.entries() if isinstance(e, BallotCast))
    (record / "log" / f"{index + 1:08d}.json").unlink()
    result = check_chunk(
        _chunk(record, election, ((index, bytes(32), True), (index + 1, bytes(32), False)))
    )
    assert [(f.entry, f.check) for f in result.findings] == [
        (f"ballot-cast {index}", "entry-shape"),
        (f"ballot-cast {index + 1}", "entry-shape"),
    ]
    assert result.unsummable == (index,)
    assert result.sums == ()


def test_an_election_nobody_voted_in_verifies(tmp_path: Path) -> None:
    built = open_election()
    close_and_tally(built)
    decrypt_and_publish(built)
    assert built.result is not None
    assert all(count == 0 for _, options in built.result.counts for _, count in options)
    report = verify_record(write(built, tmp_path / "record"), workers=1)
    assert report.ok, report.findings


def test_ballot_checks_in_parallel_give_the_serial_report(tmp_path: Path) -> None:
    built = open_election(electorate=17)
    for round_ in ("voor", "tegen"):
        for voter in range(1, 18):
            built.cast(f"v{voter}", {"m1": [round_], "locatie": []})
    close_and_tally(built)
    decrypt_and_publish(built)
    record = write(built, tmp_path / "record")
    serial = verify_record(record, workers=1)
    parallel = verify_record(record, workers=2)
    assert serial.ok, serial.findings
    assert parallel == serial


def test_one_ciphertext_used_twice_in_a_ballot_is_a_copy(tmp_path: Path) -> None:
    built = open_election()
    same = _encrypt_ballot_from_parts(
        built.election, "v1", {"m1": ["voor"], "locatie": []}, lambda: 12345
    )
    validate_ballot(built.election, same)  # every proof holds: only the copy rule catches it
    cast = built.append(events.ballot_cast(ELECTION_ID, same, LOG_KEY))
    close_and_tally(built)
    decrypt_and_publish(built)
    report = verify_record(write(built, tmp_path / "record"), workers=1)
    assert [(f.entry, f.check, f.detail) for f in report.findings] == [
        (f"ballot-cast {cast.index}", "ballot-copy", "uses one ciphertext twice")
    ]


def test_an_over_vote_the_server_counted_is_found_and_cannot_be_counted(tmp_path: Path) -> None:
    built = open_election()
    honest = encrypt_ballot(built.election, "v1", {"m1": ["voor"], "locatie": []})
    motion, *rest = honest.questions
    voor, *others = motion.options
    two = encrypt_with(built.election.key.joint_key, 2, 777)
    over_motion = replace(motion, options=(replace(voor, ciphertext=two), *others))
    over = replace(honest, questions=(over_motion, *rest))
    bad = built.append(events.ballot_cast(ELECTION_ID, over, LOG_KEY))
    built.cast("v2", {"m1": ["tegen"], "locatie": []})
    tally = close_and_tally(built)
    shares = [decrypt_share(built.election, tally, s) for s in built.secrets[:2]]
    for share in shares:
        built.append(events.decryption_share(share.trustee, share))
    result = combine_shares(built.election, tally, shares)
    built.append(events.result_published(result, [], built.tick()))
    report = verify_record(write(built, tmp_path / "record"), workers=1)
    found = {(f.entry, f.check) for f in report.findings}
    assert (f"ballot-cast {bad.index}", "ballot-proof") in found
    outcome = [f.detail for f in report.findings if f.check == "outcome"]
    assert len(outcome) == 1
    assert "count-sum" in outcome[0]


def test_an_unreadable_counted_ballot_leaves_the_tally_unchecked_and_says_why(
    election: Built, record: Path
) -> None:
    last = max(e.index for e in election.entries() if isinstance(e, BallotCast))

    def change(entry: dict[str, object]) -> None:
        entry["ballot"]["questions"][0]["options"][0]["alpha"] = "BQ" + "A" * 42  # type: ignore[index]

    edit(record / "log" / f"{last:08d}.json", change)
    report = verify_record(record, workers=1)
    tally = next(c for c in report.checks if c.name == "tally")
    assert tally.status is CheckStatus.NOT_RUN
    assert f"counted ballot {last} could not be decoded" in tally.reason
    assert (f"ballot-cast {last}", "ballot-proof") in {(f.entry, f.check) for f in report.findings}


def test_a_tally_that_is_not_a_tally_is_found(election: Built, record: Path) -> None:
    index = next(e.index for e in election.entries() if type(e).__name__ == "EncryptedTally")
    edit(record / "log" / f"{index:08d}.json", lambda e: e.update(tally={"version": 1}))
    report = verify_record(record, workers=1)
    assert (f"encrypted-tally {index}", "tally") in {(f.entry, f.check) for f in report.findings}
    reasons = {c.name: c.reason for c in report.checks}
    assert reasons["decryption"] == "the encrypted tally could not be read"


def test_a_receipt_with_a_broken_signature_is_found(election: Built, record: Path) -> None:

    index = next(e.index for e in election.entries() if isinstance(e, BallotCast))

    def change(entry: dict[str, object]) -> None:
        receipt = entry["receipt"]
        receipt["signature"] = flip_b64(receipt["signature"], 3)  # type: ignore[index]

    edit(record / "log" / f"{index:08d}.json", change)
    report = verify_record(record, workers=1)
    assert (f"ballot-cast {index}", "receipt") in {(f.entry, f.check) for f in report.findings}


# ---------------------------------------------------------------- the election document


def _history_with(election: Built, **changes: object) -> History:
    entries = list(election.entries())
    created = entries[0]
    assert isinstance(created, ElectionCreated)
    entries[0] = replace(created, **changes)  # type: ignore[arg-type]
    return History.of(entries)  # type: ignore[arg-type]


def test_an_election_document_of_another_election_is_found(election: Built) -> None:
    findings = Findings()
    check_election(_history_with(election, election_id="other"), findings)
    assert [f.detail for f in findings.report().findings if f.check == "election"] == [
        "the document is of another election than the log"
    ]


def test_checks_that_need_the_election_say_so_when_it_is_missing() -> None:
    findings = Findings()
    assert check_election(History.of([]), findings) is None
    reasons = {c.name: c.reason for c in findings.report().checks}
    assert reasons["election"] == "the log has no readable election-created entry"


def _announcement_findings(election: Built, replaced: dict[int, object]) -> list[tuple[str, str]]:
    """Check the election with some trustee-commitments entries replaced (by position)."""
    entries = list(election.entries())
    positions = [e.index for e in entries if isinstance(e, TrusteeCommitments)]
    for which, entry in replaced.items():
        entries[positions[which]] = entry
    findings = Findings()
    check_election(History.of(entries), findings)  # type: ignore[arg-type]
    return [(f.entry, f.detail) for f in findings.report().findings]


def test_an_announcement_filed_under_another_trustee_is_found(election: Built) -> None:
    first = next(e for e in election.entries() if isinstance(e, TrusteeCommitments))
    found = _announcement_findings(election, {0: replace(first, trustee=2)})
    assert found == [
        (f"trustee-commitments {first.index}", "of another election or trustee"),
        ("election-created 0", "trustee 1 of the key has no valid announcement"),
    ]


def test_an_announcement_for_another_threshold_is_found(election: Built) -> None:
    third = [e for e in election.entries() if isinstance(e, TrusteeCommitments)][2]
    _, other = announce(ELECTION_ID, 3, 3, 3)
    found = _announcement_findings(election, {2: replace(third, announcement=other.to_json())})
    assert found == [
        (f"trustee-commitments {third.index}", "another threshold than the election key"),
        ("election-created 0", "trustee 3 of the key has no valid announcement"),
    ]


def test_a_key_made_of_other_commitments_than_announced_is_found(election: Built) -> None:
    second = [e for e in election.entries() if isinstance(e, TrusteeCommitments)][1]
    _, fresh = announce(ELECTION_ID, 2, 2, 3)
    found = _announcement_findings(election, {1: replace(second, announcement=fresh.to_json())})
    assert found == [
        ("election-created 0", "trustee 2's key commitments are not its announced ones")
    ]


def test_an_electorate_other_than_the_manifests_is_found(election: Built, tmp_path: Path) -> None:
    built = open_election(electorate=8)
    built.log.append(events.officer_action("noop", "officer-1", built.tick()))
    entries = list(built.entries())
    frozen = next(e for e in entries if type(e).__name__ == "ElectorateFrozen")
    entries[frozen.index] = replace(frozen, size=7, pseudonyms=frozen.pseudonyms[:7])  # type: ignore[arg-type]
    findings = Findings()
    check_election(History.of(entries), findings)  # type: ignore[arg-type]
    assert [f.check for f in findings.report().findings] == ["electorate"]


# ---------------------------------------------------------------- lookup


def test_lookup_needs_a_log_that_begins_with_its_election_and_a_signed_head(
    pristine_record: Path, record: Path
) -> None:
    with Record.from_path(pristine_record) as opened:
        code = find_ballot(opened, TrackingCode.parse(_first_code(pristine_record))).code
    save(record / "heads.json", {"heads": [{"x": 1}], "version": 1})
    with Record.from_path(record) as opened, pytest.raises(InvalidHead, match="final-head"):
        find_ballot(opened, code)
    (record / "log" / "00000000.json").write_bytes((record / "log" / "00000005.json").read_bytes())
    with Record.from_path(record) as opened, pytest.raises(InvalidEntry):
        find_ballot(opened, code)


def test_lookup_skips_heads_of_other_logs_and_keys(election: Built, record: Path) -> None:

    last = election.log.heads()[-1].head
    heads = [
        sign_head(SigningKey(bytes(32)), last).to_json(),
        sign_head(LOG_KEY, TreeHead("other", last.size, last.root, 1)).to_json(),
        election.log.heads()[-1].to_json(),
    ]
    save(record / "heads.json", {"heads": heads, "version": 1})
    with Record.from_path(record) as opened:
        found = find_ballot(opened, TrackingCode.parse(_first_code(record)))
    assert found.head.head == last


def test_lookup_says_a_ballot_cast_after_closing_did_not_count(tmp_path: Path) -> None:
    built = open_election()
    built.cast("v1", {"m1": ["voor"], "locatie": []})
    close_and_tally(built)
    late = built.cast("v2", {"m1": ["voor"], "locatie": []})
    with Record.from_path(write(built, tmp_path / "r")) as opened:
        found = find_ballot(opened, late.tracking_code)
    assert (found.counted, found.superseded_by) == (False, -1)


def test_an_empty_log_has_no_ballot(tmp_path: Path) -> None:

    path = write_files(
        tmp_path / "empty",
        {
            "record.json": canonical_json(
                {
                    "election_id": "e",
                    "format": "stembus-election-record",
                    "log_size": 0,
                    "version": 1,
                }
            ),
            "heads.json": canonical_json({"heads": [], "version": 1}),
        },
    )
    with Record.from_path(path) as opened, pytest.raises(InvalidEntry, match="lifecycle"):
        find_ballot(opened, TrackingCode(bytes(15)))
    report = verify_record(path, workers=1)
    assert not report.ok
    assert (
        "no readable election-created"
        in {c.name: c.reason for c in report.checks}["head-signature"]
    )


def _first_code(record: Path) -> str:

    return str(load(record / "ballots.json")["ballots"][0]["tracking_code"])  # type: ignore[index]


# ---------------------------------------------------------------- the report


def test_the_report_counts_items_findings_and_checks_not_run() -> None:
    findings = Findings()
    findings.declare("a", "b", "c", "d")
    findings.covered("a", 3)
    findings.add("f.json", "entry 1", "a", "wrong")
    findings.skip("b", "no data")
    findings.skip("b", "no data")
    findings.covered("d", 2)
    findings.skip("d", "part missing")
    with findings.item("e", "g.json", "entry 2"):
        raise InvalidEntry("inner", "broken")
    report = findings.report()
    assert [(c.name, c.status, c.items, c.failed, c.reason) for c in report.checks] == [
        ("a", CheckStatus.RAN, 3, 1, ""),
        ("b", CheckStatus.NOT_RUN, 0, 0, "no data"),
        ("c", CheckStatus.NOT_RUN, 0, 0, "the verifier did not reach it"),
        ("d", CheckStatus.RAN, 2, 1, "part missing"),
        ("e", CheckStatus.RAN, 1, 1, ""),
    ]
    assert report.findings_of("e")[0].detail == "inner: broken"
    lines = list(report.lines())
    assert "b                               -        NOT RUN: no data" in lines
    assert lines[-1] == "RESULT: 5 findings"
    assert report.to_json()["ok"] is False
    assert report.to_json()["checks"][0] == {  # type: ignore[index]
        "failed": 1,
        "items": 3,
        "name": "a",
        "reason": "",
        "status": "ran",
    }


def test_a_record_json_of_another_election_than_the_log_is_found(record: Path) -> None:
    edit(record / "record.json", lambda r: r.update(election_id="other"))
    report = verify_record(record, workers=1)
    assert [(f.file, f.check) for f in report.findings] == [("record.json", "election")]


def test_by_default_the_verifier_uses_every_core(pristine_record: Path) -> None:

    assert default_workers() >= 1
    assert verify_record(pristine_record).ok


def test_outcomes_not_one_per_question_are_found(election: Built, record: Path) -> None:
    index = next(e.index for e in election.entries() if type(e).__name__ == "ResultPublished")

    def change(entry: dict[str, object]) -> None:
        outcomes = entry["outcomes"]
        entry["outcomes"] = [outcomes[0], outcomes[0]]  # type: ignore[index]

    edit(record / "log" / f"{index:08d}.json", change)
    report = verify_record(record, workers=1)
    details = [f.detail for f in report.findings if f.check == "outcome"]
    assert "the outcomes are not one per question of the manifest" in details
    assert any("locatie" in d for d in details)


def test_the_electorate_check_needs_a_frozen_electorate(election: Built) -> None:
    entries = [e for e in election.entries() if type(e).__name__ != "ElectorateFrozen"]
    findings = Findings()
    check_election(History.of(entries), findings)  # type: ignore[arg-type]
    reasons = {c.name: c.reason for c in findings.report().checks}
    assert reasons["electorate"] == "the log has no electorate-frozen entry"
