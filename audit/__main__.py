"""`python -m audit`: verify an election record, or check one ballot in it.

protocol.md Part II, §II.8. This module only parses arguments, calls one function of audit/
and prints its answer; exit codes: 0 all holds (or the ballot is proven in the log), 1 findings
(or the ballot is not proven), 2 the record, the witness file or the tracking code cannot be
read.
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
from audit.lookup import find_ballot
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
        _print(
            {"check": error.check, "detail": error.detail, "found": False},
            args.json,
            [f"NOT PROVEN: {error}"],
        )
        return FINDINGS
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
    _print(
        data,
        args.json,
        [
            f"ballot {found.code} is entry {found.index} of the log: {status}",
            f"inclusion proof ({len(found.proof.path)} hashes) verified against the signed head of "
            f"size {head.size}, root {head.root.hex()}, {moment_of(head.timestamp):%Y-%m-%d %H:%M:%S} UTC",
        ],
    )
    return OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    return _verify(args) if args.command == "verify" else _check(args)


if __name__ == "__main__":  # pragma: no cover - run by test_cli.py in a subprocess
    sys.exit(main())
