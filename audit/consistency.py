"""The log against its signed heads and against the heads witnesses saved.

protocol.md Part II, §II.3 and §II.8 (checks "head-shape", "head-signature", "head-log",
"head-size", "head-time", "equivocation", "final-head" and "witness"). Sources: RFC 9162
§2.1.4 (consistency proofs) and §8.2-§8.3 (misbehaving logs, split views). A head signed by
the log key whose root is not the root of the record's log at that size is an equivocation:
the server signed a tree it did not publish. So is a witness head the record's log does
not extend (checked with an RFC 9162 consistency proof from the witness head to the log).
"""

from __future__ import annotations

import hmac
import itertools
import os
from collections.abc import Mapping, Sequence

from audit.container import DEFAULT_LIMITS, Limits
from audit.errors import InvalidHead, LogInconsistent, RecordUnreadable
from audit.head import SignedTreeHead, check_succession
from audit.merkle import MerkleTree, verify_consistency
from audit.receipt import is_receipt_file
from audit.record import HEADS_FILE
from audit.report import Findings
from ballots.canonical import JSONValue, parse_canonical_json
from ballots.errors import BallotsError
from ballots.signing import VerifyingKey


def read_heads(
    raw_heads: Sequence[JSONValue], findings: Findings
) -> list[tuple[int, SignedTreeHead]]:
    """Read each head of heads.json; a malformed one is a "head-shape" finding."""
    findings.covered("head-shape", 0)
    heads: list[tuple[int, SignedTreeHead]] = []
    for position, raw in enumerate(raw_heads):
        with findings.item("head-shape", HEADS_FILE, f"head {position}"):
            heads.append((position, SignedTreeHead.from_json(raw, f"head {position}")))
    return heads


def check_heads(
    heads: Sequence[tuple[int, SignedTreeHead]],
    key: VerifyingKey,
    log_id: str,
    entry_times: Sequence[tuple[int, int]],
    findings: Findings,
) -> list[tuple[int, SignedTreeHead]]:
    """Check signatures, log id, and that size and time never go back from one head to the
    next or behind an entry the head covers. Return the heads whose signature holds."""
    for check in ("head-signature", "head-log", "head-size", "head-time"):
        findings.covered(check, 0)
    valid: list[tuple[int, SignedTreeHead]] = []
    for position, signed in heads:
        where = f"head {position}"
        findings.covered("head-signature")
        try:
            signed.verify(key)
        except InvalidHead as error:
            findings.add(HEADS_FILE, where, "head-signature", error.detail)
            continue
        findings.covered("head-log")
        if signed.head.log != log_id:
            findings.add(HEADS_FILE, where, "head-log", f"head of log {signed.head.log!r}")
            continue
        valid.append((position, signed))
    for (_, earlier), (position, later) in itertools.pairwise(valid):
        findings.covered("head-time")
        findings.covered("head-size")
        try:
            check_succession(earlier.head, later.head)
        except InvalidHead as error:
            findings.add(HEADS_FILE, f"head {position}", error.check, error.detail)
    for position, signed in valid:
        covered_times = [at for index, at in entry_times if index < signed.head.size]
        if covered_times and max(covered_times) > signed.head.timestamp:
            findings.add(
                HEADS_FILE, f"head {position}", "head-time", "older than an entry it covers"
            )
    return valid


def check_roots(
    heads: Sequence[tuple[int, SignedTreeHead]],
    tree: MerkleTree,
    log_size: int,
    findings: Findings,
) -> None:
    """Check every signed head against the record's log: its root must be the log's root at
    its size ("equivocation"), two heads of one size must agree ("equivocation"), and the
    newest head must cover the whole log ("final-head")."""
    findings.covered("equivocation", 0)
    by_size: dict[int, tuple[int, SignedTreeHead]] = {}
    for position, signed in heads:
        where = f"head {position}"
        findings.covered("equivocation")
        size = signed.head.size
        if size > log_size:
            findings.add(
                HEADS_FILE, where, "equivocation", f"signed size {size}, the log has {log_size}"
            )
            continue
        if not hmac.compare_digest(tree.root(size), signed.head.root):
            findings.add(
                HEADS_FILE, where, "equivocation", f"signed a root the log does not have at {size}"
            )
        other = by_size.setdefault(size, (position, signed))
        if not hmac.compare_digest(other[1].head.root, signed.head.root):
            findings.add(
                HEADS_FILE, where, "equivocation", f"head {other[0]} has another root at {size}"
            )
    findings.covered("final-head")
    largest = max((signed.head.size for _, signed in heads), default=None)
    if largest != log_size:
        findings.add(
            HEADS_FILE,
            "-",
            "final-head",
            f"no signed head covers all {log_size} entries (largest: {largest})",
        )


def check_witness(
    witness: Sequence[SignedTreeHead],
    key: VerifyingKey,
    log_id: str,
    tree: MerkleTree,
    log_size: int,
    findings: Findings,
) -> None:
    """Check heads a witness saved during voting: each must be signed by the log key, be of
    this log, and be extended by the record's log (RFC 9162 consistency proof from the
    witness head to the whole log); otherwise the log was forked or rewritten
    ("equivocation"), or the witness file holds someone else's head ("witness")."""
    findings.covered("witness", 0)
    root = tree.root(log_size)
    for position, signed in enumerate(witness):
        where = f"witness head {position}"
        findings.covered("witness")
        try:
            signed.verify(key)
        except InvalidHead as error:
            findings.add("--witness", where, "witness", error.detail)
            continue
        if signed.head.log != log_id:
            findings.add("--witness", where, "witness", f"head of log {signed.head.log!r}")
            continue
        if signed.head.size > log_size:
            findings.add(
                "--witness",
                where,
                "equivocation",
                f"the witness saw {signed.head.size} entries, the record has {log_size}",
            )
            continue
        proof = tree.consistency_proof(signed.head.size, log_size)
        try:
            verify_consistency(proof, signed.head.root, root)
        except LogInconsistent as error:
            findings.add("--witness", where, "equivocation", f"{error.check}: {error.detail}")


def read_witness_heads(
    path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS
) -> list[SignedTreeHead]:
    """Read the heads a witness saved: one signed head, a JSON array of them, or a heads.json.

    Raises `RecordUnreadable` (file "--witness") for a file that is none of these, and
    ("receipt-file") for a voter's receipt file, which `python -m audit receipt` reads.
    """
    name = "--witness"
    try:
        with open(path, "rb") as file:
            raw = file.read(limits.max_file_bytes + 1)
        value = parse_canonical_json(raw, max_bytes=limits.max_file_bytes)
    except OSError as error:
        raise RecordUnreadable(name, "io", f"cannot read {path}: {error.strerror}") from error
    except BallotsError as error:
        raise RecordUnreadable(name, "json", str(error)) from error
    if is_receipt_file(value):
        raise RecordUnreadable(
            name,
            "receipt-file",
            f"{path} is a voter's receipt, not a witness's heads: check it with "
            "`python -m audit receipt RECORD RECEIPT`",
        )
    if isinstance(value, Mapping) and "heads" in value:
        items: JSONValue = value["heads"]
    elif isinstance(value, Mapping):
        items = [value]
    else:
        items = value
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise RecordUnreadable(name, "shape", "expected a signed head or a list of them")
    heads = []
    for position, item in enumerate(items):
        try:
            heads.append(SignedTreeHead.from_json(item, f"witness head {position}"))
        except InvalidHead as error:
            raise RecordUnreadable(name, error.check, error.detail) from error
    return heads
