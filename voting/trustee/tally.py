"""The tally a trustee agrees to decrypt: recomputed from the record, never taken on trust.

Before decrypting, the tool verifies the whole election record with audit's verifier
(every ballot proof, the log against its signed heads, one counted ballot per voter),
then adds up the counted ballots itself and compares the sum with the encrypted tally in
the log. Anything else — a tally of a subset of ballots, of one voter's ballot, of another
election — is refused with its reason (THREATS T16).
"""

from __future__ import annotations

from pathlib import Path

from audit.entries import (
    BallotCast,
    BallotSuperseded,
    ElectionCreated,
    EncryptedTally,
    VotingClosed,
    parse_entry,
)
from audit.record import Record
from audit.verifier import verify_record
from ballots import Ballot, BallotsError, Election, canonical_json, tally_ballots
from ballots import EncryptedTally as Tally


class RecordRefused(Exception):
    """The record does not allow a decryption; the message says why."""


def tally_from_record(path: Path) -> tuple[Election, Tally]:
    """The election and the tally of its counted ballots, after every check holds.

    Raises:
        RecordRefused: the verifier found a problem, voting has not closed, or the log's
            tally is not the sum of the counted ballots.
    """
    report = verify_record(path)
    if not report.ok:
        first = report.findings[0]
        raise RecordRefused(
            f"the record does not verify ({len(report.findings)} findings; first: {first.check} at {first.entry})"
        )
    with Record.from_path(path) as record:
        entries = [parse_entry(record.entry(i), i) for i in range(record.header.log_size)]
    created = next((e for e in entries if isinstance(e, ElectionCreated)), None)
    logged = next((e for e in entries if isinstance(e, EncryptedTally)), None)
    if created is None or logged is None or not any(isinstance(e, VotingClosed) for e in entries):
        raise RecordRefused("voting has not closed: there is no tally to decrypt")
    try:
        election = Election.from_json(created.election)
        superseded = {e.superseded for e in entries if isinstance(e, BallotSuperseded)}
        counted: list[Ballot] = [
            Ballot.from_json(e.ballot, election)
            for e in entries
            if isinstance(e, BallotCast) and e.index not in superseded
        ]
        tally = tally_ballots(election, counted)
        claimed = Tally.from_json(logged.tally, election)
    except BallotsError as error:
        raise RecordRefused(f"the record cannot be read: {error}") from error
    if canonical_json(claimed.to_json()) != canonical_json(tally.to_json()):
        raise RecordRefused("the tally in the log is not the sum of the counted ballots")
    return election, tally
