"""The independent verifier: every check of an election record, with findings, never a crash.

protocol.md Part II, §II.8 lists the checks and what each covers. Sources: RFC 9162 §2.1
(log), protocol.md Part I (ballots, tally, decryption, counting), the ElectionGuard 2.x
verification steps and Belenios' auditor checks as models of completeness.

`verify_record(path)` reads the record (a `RecordUnreadable` means exit 2), then runs, in order:

1. the log scan: every entry file present, read and parsed ("record-layout", "entry-shape");
2. the history: order, times, revotes, eligibility, turnout, tracking codes (audit/history.py);
3. the views against the log ("record-views");
4. the heads: shape, signature, log id, size and time, roots, the final head, and any witness
   heads (audit/consistency.py);
5. the election: its document, the trustees' announcements, the key ceremony's complaints
   and who they leave to make the key, the electorate's size (audit/electioncheck.py);
6. every ballot: proofs, receipt, pseudonym, copies, in parallel chunks (audit/ballotcheck.py);
7. the tally, the decryption shares, the decryption and the outcomes (audit/tallycheck.py);
   a cancelled vote has none of these, and they hold with nothing to count.

Each check declares itself first, so one that cannot run (say, no tally yet) is reported
with its reason and counts as a finding.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audit.ballotcheck import BallotTotals, check_ballots
from audit.consistency import check_heads, check_roots, check_witness, read_heads
from audit.container import DEFAULT_LIMITS, Limits
from audit.electioncheck import check_election
from audit.head import SignedTreeHead
from audit.history import (
    History,
    check_eligibility,
    check_lifecycle,
    check_supersede,
    check_times,
    check_tracking_codes,
    check_turnout,
    entry_time,
)
from audit.merkle import MerkleTree
from audit.record import RECORD_FILE, VIEW_FILES, Record, derive_views
from audit.report import Findings, Report
from audit.scan import Scan, scan_log
from audit.tallycheck import check_tally
from audit.workers import Workers
from ballots import Election

CHECKS: tuple[str, ...] = (
    "record-layout",
    "entry-shape",
    "lifecycle",
    "entry-time",
    "record-views",
    "head-shape",
    "head-signature",
    "head-log",
    "head-size",
    "head-time",
    "equivocation",
    "final-head",
    "election",
    "trustee-announcement",
    "trustee-complaint",
    "electorate",
    "eligibility",
    "supersede",
    "turnout",
    "tracking-code",
    "ballot-proof",
    "ballot-pseudonym",
    "receipt",
    "ballot-copy",
    "tally",
    "decryption-share",
    "threshold",
    "decryption",
    "outcome",
)
"""Every check of the verifier, in the order it reports them (protocol.md §II.8)."""


def check_views(record: Record, scan: Scan, findings: Findings) -> None:
    """Re-derive the view files from the log and compare them byte for byte ("record-views")."""
    if not scan.complete:
        findings.skip("record-views", "entries of the log are missing or unreadable")
        return
    expected = derive_views(scan.readable(), [h for h in scan.leaf_hashes if h is not None])
    for name in VIEW_FILES:
        findings.covered("record-views")
        present, wanted = record.views.get(name), expected.get(name)
        if present == wanted:
            continue
        if wanted is None:
            detail = "the log holds nothing this file could show"
        elif present is None:
            detail = "missing, though the log holds what it shows"
        else:
            detail = "differs from what the log holds"
        findings.add(name, "-", "record-views", detail)


@dataclass(frozen=True, slots=True)
class Verification:
    """A finished verification: the `report`, and what the decryption guard builds on."""

    report: Report
    history: History
    election: Election | None
    totals: BallotTotals


def run_checks(
    record: Record, witness: Sequence[SignedTreeHead] = (), workers: int = 1
) -> Verification:
    """Run every check on an opened record (see the module docstring)."""
    findings = Findings()
    findings.declare(*CHECKS)
    if witness:
        findings.declare("witness")
    with Workers(workers) as pool:
        return _run_checks(record, witness, pool, findings)


def _run_checks(
    record: Record, witness: Sequence[SignedTreeHead], pool: Workers, findings: Findings
) -> Verification:
    scan = scan_log(record, findings, pool)
    history = History.of(scan.readable())
    check_lifecycle(history, findings)
    check_times(history, findings)
    check_supersede(history, findings)
    check_eligibility(history, findings)
    check_turnout(history, findings)
    check_tracking_codes(history, scan.leaf_hashes, findings)
    check_views(record, scan, findings)
    _check_log_against_heads(record, scan, history, witness, findings)
    election = check_election(history, findings)
    totals = check_ballots(record, history, scan.leaf_hashes, election, findings, pool)
    check_tally(history, election, totals, findings)
    return Verification(findings.report(), history, election, totals)


def _check_log_against_heads(
    record: Record,
    scan: Scan,
    history: History,
    witness: Sequence[SignedTreeHead],
    findings: Findings,
) -> None:
    heads = read_heads(record.heads, findings)
    created = history.created
    if created is None:
        reason = "the log has no readable election-created entry, hence no log key"
        for check in (
            "head-signature",
            "head-log",
            "head-size",
            "head-time",
            "equivocation",
            "final-head",
            "witness",
        ):
            findings.skip(check, reason)
        return
    if created.election_id != record.header.election_id:
        findings.add(RECORD_FILE, "-", "election", "election_id differs from the log's")
    times = [(e.index, at) for e in history.entries if (at := entry_time(e)) is not None]
    valid = check_heads(heads, created.log_key, created.election_id, times, findings)
    if not scan.complete:
        reason = "entries of the log are missing or unreadable, so no root can be computed"
        for check in ("equivocation", "final-head", "witness"):
            findings.skip(check, reason)
        return
    tree = MerkleTree.from_leaf_hashes([h for h in scan.leaf_hashes if h is not None])
    check_roots(valid, tree, record.header.log_size, findings)
    if witness:
        check_witness(
            witness, created.log_key, created.election_id, tree, record.header.log_size, findings
        )


def default_workers() -> int:
    """The number of processes for the ballot checks: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS and Windows have no sched_getaffinity
        return max(1, os.cpu_count() or 1)


def verify_record(
    path: str | os.PathLike[str],
    witness: Sequence[SignedTreeHead] = (),
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Report:
    """Verify the record at `path` (a directory or .zip) and return the report.

    `witness` holds signed heads a witness saved; `workers` the number of processes for the
    ballot checks (default: every core). Raises `RecordUnreadable` when the record cannot be
    read at all; everything else is a finding in the report.
    """
    with Record.from_path(Path(path), limits) as record:
        return run_checks(record, witness, workers or default_workers()).report
