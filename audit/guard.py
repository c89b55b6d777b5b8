"""The decryption guard the trustee tool runs before it decrypts anything (THREATS T16).

protocol.md Part II, §II.9. A trustee is only ever asked to decrypt one ciphertext per option:
the sum of the counted ballots of a closed election. The guard verifies the record the
trustee downloaded (every check of the verifier, with the server's newest head as a witness
head), recomputes that sum itself from the ballots, and returns it only if it equals the tally
the trustee is asked to decrypt, together with the closing head: the state the meeting
witnesses (§II.3), for the trustee to compare. One voter's ballot, a subset, a sum with a
ghost or a copied ballot, another election's tally: all are refused with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from audit.container import DEFAULT_LIMITS, Limits
from audit.errors import DecryptionRefused
from audit.head import SignedTreeHead
from audit.record import Record
from audit.tallycheck import expected_tally
from audit.verifier import default_workers, run_checks
from ballots import BallotsError, EncryptedTally, JSONValue

AFTER_THE_TALLY: Final = frozenset({"decryption-share", "threshold", "decryption", "outcome"})
"""Checks of what only exists once trustees decrypt: the guard does not wait for them."""


@dataclass(frozen=True, slots=True)
class Aggregate:
    """What the guard grants: the `tally` to decrypt (the recomputed sum of the counted
    ballots) and the record's `closing` head, the first signed head that covers the encrypted
    tally (§II.3): the size and root the meeting witnesses."""

    tally: EncryptedTally
    closing: SignedTreeHead


def aggregate_to_decrypt(
    path: str | os.PathLike[str],
    requested: JSONValue,
    final_head: SignedTreeHead,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Aggregate:
    """Return the encrypted tally a trustee may decrypt: the sum of the counted ballots of the
    record at `path`, if and only if it equals `requested` (§I.12 JSON), with the closing head.

    `final_head` is the server's newest signed head; the record's log must be exactly the log
    it signs. Raises `DecryptionRefused` with the reason as its check: "record" (a check of the
    verifier fails; the detail names the first finding), "head" (the final head does not cover
    the whole log), "not-closed" (no closing or no tally in the log), "not-the-aggregate"
    (`requested` is anything but the recomputed sum); `RecordUnreadable` when the record
    cannot be read.
    """
    with Record.from_path(Path(path), limits) as record:
        verification = run_checks(record, (final_head,), workers or default_workers())
        log_size = record.header.log_size
        raw_heads = record.heads
    history, election = verification.history, verification.election
    if history.closed is None or history.tally is None:
        raise DecryptionRefused("not-closed", "voting has not closed: there is no tally")
    blocking = [f for f in verification.report.findings if f.check not in AFTER_THE_TALLY]
    if blocking:
        first = blocking[0]
        raise DecryptionRefused(
            "record",
            f"{len(blocking)} findings; first {first.check} at {first.file} [{first.entry}]: "
            f"{first.detail}",
        )
    if final_head.head.size != log_size:
        raise DecryptionRefused(
            "head", f"the final head covers {final_head.head.size} of {log_size} entries"
        )
    expected = None if election is None else expected_tally(election, verification.totals)
    if election is None or expected is None:  # pragma: no cover - implies a finding above
        raise DecryptionRefused("record", "the election or a counted ballot was unreadable")
    try:
        asked = EncryptedTally.from_json(requested, election)
    except BallotsError as error:
        raise DecryptionRefused(
            "not-the-aggregate", f"not a tally of this election: {error}"
        ) from error
    if asked != expected:
        raise DecryptionRefused(
            "not-the-aggregate", "this is not the sum of the counted ballots of the log"
        )
    return Aggregate(expected, _closing_head(history.tally.index, raw_heads))


def _closing_head(tally_index: int, raw_heads: Sequence[JSONValue]) -> SignedTreeHead:
    """The first of the record's heads that covers the encrypted tally (entry `tally_index`).
    The verifier found no fault in any head (shape, signature, log, order, root), and the
    final-head check holds, so there is one."""
    heads = [SignedTreeHead.from_json(raw) for raw in raw_heads]
    return min((h for h in heads if h.head.size > tally_index), key=lambda h: h.head.size)
