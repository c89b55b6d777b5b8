"""The service's own witness: every signed tree head, also kept outside the database.

Heads are appended, after their transaction commits, to one file per log in the witness
folder (STEMBUS_WITNESS_PATH; in production on another disk or host than the database).
If the database is ever restored to an older state, or a log is rewritten, the log no
longer extends the newest witnessed head: `check_logs` reports it and the service refuses
to start (THREATS T22). Voters' receipts carry heads too and are checked the same way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.errors import AuditError
from audit.log import Log, parse_head
from ballots import BallotsError, canonical_json
from voting.auditlog import PENDING_HEADS_KEY, AuditLog, SQLLogStore
from voting.keys import Keyring

FOLDER_KEY: Final = "stembus.witness"


def _file(folder: Path, log_id: str) -> Path:
    return folder / f"{log_id}.jsonl"


def write_heads(folder: Path, heads: Iterable[tuple[str, bytes]]) -> None:
    """Append heads to their logs' files, durably."""
    folder.mkdir(parents=True, exist_ok=True)
    for log_id, head in heads:
        with _file(folder, log_id).open("ab") as out:
            out.write(head + b"\n")
            out.flush()
            os.fsync(out.fileno())


def witness_after_commit(session: Session) -> None:
    """Session hook (installed by voting/db.py): write the heads the transaction signed."""
    pending = session.info.pop(PENDING_HEADS_KEY, None)
    folder = session.info.get(FOLDER_KEY)
    if pending and folder:
        write_heads(Path(folder), pending)


def forget_after_rollback(session: Session) -> None:
    """Session hook: heads of a rolled-back transaction were never published."""
    session.info.pop(PENDING_HEADS_KEY, None)


@dataclass(frozen=True, slots=True)
class LogProblem:
    """A log that does not extend the newest head witnessed for it."""

    log_id: str
    check: str
    detail: str


def check_logs(session: Session, keyring: Keyring, folder: Path) -> list[LogProblem]:
    """Check every witnessed log against the newest head in its witness file."""
    problems = []
    known = set(session.scalars(select(AuditLog.id)))
    for path in sorted(folder.glob("*.jsonl")) if folder.exists() else []:
        log_id = path.stem
        lines = [line for line in path.read_bytes().splitlines() if line.strip()]
        if not lines:
            continue
        key = keyring.verifying_key(session, f"log:{log_id}")
        if log_id not in known or key is None:
            problems.append(
                LogProblem(log_id, "log-missing", "a witnessed log is missing from the database")
            )
            continue
        try:
            Log(SQLLogStore(session, log_id), log_id).check_head(parse_head(lines[-1]), key)
        except AuditError as error:
            problems.append(LogProblem(log_id, error.check, error.detail))
    return problems


def check_receipt(session: Session, keyring: Keyring, raw: bytes) -> LogProblem | None:
    """Check the log against the head in a voter's receipt file; None when it holds."""
    try:
        document = json.loads(raw)
        head = parse_head(canonical_json(document["head"]))
    except (ValueError, KeyError, TypeError, AuditError, BallotsError) as error:
        return LogProblem("?", "receipt", f"not a Stembus receipt: {error}")
    log_id = head.head.log
    key = keyring.verifying_key(session, f"log:{log_id}")
    if key is None:
        return LogProblem(log_id, "log-missing", "the receipt's log is missing from the database")
    try:
        Log(SQLLogStore(session, log_id), log_id).check_head(head, key)
    except AuditError as error:
        return LogProblem(log_id, error.check, error.detail)
    return None
