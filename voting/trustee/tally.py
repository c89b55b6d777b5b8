"""What the trustee tool agrees to decrypt (THREATS T16), through audit's decryption guard.

The tool downloads the election record and the signed heads, takes the newest head as the
final one, and asks audit's guard for the tally: the guard verifies the whole record,
recomputes the sum of the counted ballots, and returns it only if it is exactly what the
server asks to decrypt, with the closing head (protocol.md §II.3, §II.9): the state shown at
the meeting, which the tool prints and compares with the root the trustee gives. Anything
else is refused with its reason.
"""

from __future__ import annotations

from pathlib import Path

from audit.entries import ElectionCreated, parse_entry
from audit.errors import AuditError
from audit.guard import aggregate_to_decrypt
from audit.head import SignedTreeHead
from audit.record import Record
from ballots import BallotsError, Election, EncryptedTally, JSONValue
from voting.words import _


class RecordRefused(Exception):
    """The tool refuses to decrypt; the message says why."""


def tally_to_decrypt(
    path: Path, requested: JSONValue, final_head: SignedTreeHead
) -> tuple[Election, EncryptedTally, SignedTreeHead]:
    """The election, the tally the trustee may decrypt, and the closing head (the state shown
    at the meeting, protocol.md §II.3).

    Raises:
        RecordRefused: the guard refuses (a finding of the verifier, the final head does not
            cover the log, not closed, not the aggregate).
    """
    try:
        granted = aggregate_to_decrypt(path, requested, final_head)
        with Record.from_path(path) as record:
            created = parse_entry(record.entry(0), 0)
        if not isinstance(
            created, ElectionCreated
        ):  # pragma: no cover  # the guard checked the lifecycle
            raise RecordRefused(_("the record does not begin with its election"))
        return Election.from_json(created.election), granted.tally, granted.closing
    except (AuditError, BallotsError) as error:
        raise RecordRefused(str(error)) from error
