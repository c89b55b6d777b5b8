"""The verifier on a real election: everything holds, and every check runs and says so."""

from __future__ import annotations

from pathlib import Path

from audit.container import write_files
from audit.record import record_files
from audit.report import CheckStatus
from audit.verifier import CHECKS, verify_record
from tests.audit.election import Built


def test_the_record_of_a_real_election_verifies(pristine_record: Path) -> None:
    report = verify_record(pristine_record, workers=1)
    assert report.findings == ()
    assert report.ok
    assert [c.name for c in report.checks] == list(CHECKS)
    assert all(c.status is CheckStatus.RAN and c.items > 0 for c in report.checks)
    by_name = {c.name: c for c in report.checks}
    assert by_name["ballot-proof"].items == 8
    assert by_name["entry-shape"].items == by_name["lifecycle"].items


def test_the_zip_of_the_record_verifies_the_same(election: Built, tmp_path: Path) -> None:
    files = record_files(election.log.entries(), election.log.heads())
    path = write_files(tmp_path / "record.zip", files)
    report = verify_record(path, workers=1)
    assert report.ok, report.findings


def test_ballot_checks_run_in_parallel_chunks_with_the_same_report(pristine_record: Path) -> None:
    serial = verify_record(pristine_record, workers=1)
    parallel = verify_record(pristine_record, workers=2)
    assert parallel == serial
