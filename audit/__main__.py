"""`python -m audit`: verify an election record, check one ballot in it, or a voter's receipt.

protocol.md Part II, §II.8. This module only parses arguments, calls one function of audit/
and prints its answer; exit codes: 0 all holds (or the ballot is proven in the log, or the
receipt holds), 1 findings (or the ballot is not proven, or the receipt does not hold), 2 the
record, the witness file, the receipt file or the tracking code cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from audit.consistency import read_witness_heads
from audit.errors import AuditError, RecordUnreadable
from audit.head import moment_of
from audit.lookup import BallotFound, check_receipt, find_ballot
from audit.receipt import read_receipt
from audit.record import Record
from audit.tracking import TrackingCode
from audit.verifier import verify_record

OK, FINDINGS, UNREADABLE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audit", description="Verify a Stembus election record."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check everything in a record")
    verify.add_argument("record", type=Path, help="the record: a directory or a .zip")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("--witness", type=Path, help="signed heads a witness saved")
    verify.add_argument("--workers", type=int, help="processes for the ballot checks")
    check = commands.add_parser("check", help="is the ballot with this tracking code in the log?")
    check.add_argument("record", type=Path, help="the record: a directory or a .zip")
    check.add_argument("tracking_code", help="the code on the receipt")
    check.add_argument("--json", action="store_true", help="print the answer as JSON")
    receipt = commands.add_parser(
        "receipt", help="does the record hold the ballot of this receipt file, as signed?"
    )
    receipt.add_argument("record", type=Path, help="the record: a directory or a .zip")
    receipt.add_argument("receipt", type=Path, help="the receipt file the voter downloaded")
    receipt.add_argument("--json", action="store_true", help="print the answer as JSON")
    return parser


def _print(data: dict[str, object], as_json: bool, lines: Sequence[str]) -> None:
    if as_json:
        print(json.dumps(data, sort_keys=True, ensure_ascii=False))
    else:
        print("\n".join(lines))


def _unreadable(error: AuditError) -> int:
    print(f"cannot read: {error}", file=sys.stderr)
    return UNREADABLE


def _verify(args: argparse.Namespace) -> int:
    try:
        witness = read_witness_heads(args.witness) if args.witness else []
        report = verify_record(args.record, witness, args.workers)
    except RecordUnreadable as error:
        return _unreadable(error)
    _print(report.to_json(), args.json, list(report.lines()))
    return OK if report.ok else FINDINGS


def _not_proven(error: AuditError, as_json: bool) -> int:
    _print(
        {"check": error.check, "detail": error.detail, "found": False},
        as_json,
        [f"NOT PROVEN: {error}"],
    )
    return FINDINGS


def _check(args: argparse.Namespace) -> int:
    try:
        code = TrackingCode.parse(args.tracking_code)
        with Record.from_path(args.record) as record:
            found = find_ballot(record, code)
    except RecordUnreadable as error:
        return _unreadable(error)
    except AuditError as error:
        if error.check.startswith("code-"):
            return _unreadable(error)
        return _not_proven(error, args.json)
    data, lines = _found(found)
    _print(data, args.json, lines)
    return OK


def _found(found: BallotFound) -> tuple[dict[str, object], list[str]]:
    """What `check` and `receipt` say of a ballot found and proven in the log."""
    head = found.head.head
    status = (
        "counted"
        if found.counted
        else "in the log, but the vote was cancelled: no ballot counts"
        if found.cancelled
        else "cast after voting closed"
        if found.superseded_by < 0
        else f"superseded by ballot {found.superseded_by}"
    )
    data: dict[str, object] = {
        "code": str(found.code),
        "cancelled": found.cancelled,
        "counted": found.counted,
        "found": True,
        "head": {"root": head.root.hex(), "size": head.size, "timestamp": head.timestamp},
        "index": found.index,
        "proof": [node.hex() for node in found.proof.path],
        "superseded_by": found.superseded_by,
    }
    return data, [
        f"ballot {found.code} is entry {found.index} of the log: {status}",
        f"inclusion proof ({len(found.proof.path)} hashes) verified against the signed head of "
        f"size {head.size}, root {head.root.hex()}, {moment_of(head.timestamp):%Y-%m-%d %H:%M:%S} UTC",
    ]


def _receipt(args: argparse.Namespace) -> int:
    try:
        receipt = read_receipt(args.receipt)
        with Record.from_path(args.record) as record:
            checked = check_receipt(record, receipt)
    except RecordUnreadable as error:
        return _unreadable(error)
    except AuditError as error:
        return _not_proven(error, args.json)
    data, lines = _found(checked.ballot)
    head = checked.head.head
    data["receipt_head"] = {
        "root": head.root.hex(),
        "size": head.size,
        "timestamp": head.timestamp,
    }
    data["consistency"] = [node.hex() for node in checked.consistency.path]
    _print(
        data,
        args.json,
        [
            f"receipt for ballot {checked.ballot.code}, entry {checked.ballot.index} of the log: "
            "signed by the election's log key; the log holds this receipt and the ballot it signs",
            f"the receipt's head (size {head.size}, root {head.root.hex()}) is extended by the "
            f"final head: consistency proof ({len(checked.consistency.path)} hashes) verified",
            *lines,
        ],
    )
    return OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    commands = {"verify": _verify, "check": _check, "receipt": _receipt}
    return commands[args.command](args)


if __name__ == "__main__":  # pragma: no cover - run by test_cli.py in a subprocess
    sys.exit(main())
