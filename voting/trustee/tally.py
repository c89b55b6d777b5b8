"""What the trustee tool agrees to decrypt (THREATS T16), through audit's decryption guard.

The tool downloads the election record and the signed heads, takes the newest head as the
final one (and, when the trustee gives the root hash shown at the meeting, insists that the
log contains that state), and asks audit's guard for the tally: the guard verifies the whole record, recomputes the
sum of the counted ballots, and returns it only if it is exactly what the server asks to
decrypt. Anything else is refused with its reason.
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
) -> tuple[Election, EncryptedTally]:
    """The election and the tally the trustee may decrypt.

    Raises:
        RecordRefused: the guard refuses (a finding of the verifier, the final head does not
            cover the log, not closed, not the aggregate).
    """
    try:
        tally = aggregate_to_decrypt(path, requested, final_head)
        with Record.from_path(path) as record:
            created = parse_entry(record.entry(0), 0)
        if not isinstance(
            created, ElectionCreated
        ):  # pragma: no cover  # the guard checked the lifecycle
            raise RecordRefused(_("the record does not begin with its election"))
        return Election.from_json(created.election), tally
    except (AuditError, BallotsError) as error:
        raise RecordRefused(str(error)) from error
