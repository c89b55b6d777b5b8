"""Killing the casting process at any moment never leaves a ballot without its log entry,
a log entry without its ballot, or a receipt without its ballot (THREATS T21)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from audit.log import Log
from audit.merkle import hash_leaf
from tests.voting.concurrency import committed_engine
from tests.voting.elections.conftest import make_election, ready_and_open
from voting.auditlog import SQLLogStore
from voting.db import Database
from voting.elections.models import CastBallot

ROOT = Path(__file__).resolve().parents[3]
ROUNDS = 6


def test_sigkill_during_casting_leaves_a_consistent_database(tmp_path: Path) -> None:
    engine = next(committed_engine(tmp_path, "crash"))
    url = engine.url.render_as_string(hide_password=False)
    with Database(engine).session() as db:
        setup = make_election(db, voters=5)
        ready_and_open(db, setup)
        election_id, slug = setup.election.id, setup.election.slug
        first_voter = min(v.id for v in setup.voters)
        assert sorted(v.id for v in setup.voters) == list(range(first_voter, first_voter + 5))
    receipts: list[tuple[str, int]] = []
    for round_ in range(ROUNDS):
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.voting.elections.crash_worker",
                url,
                str(election_id),
                str(first_voter),
                "5",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert worker.stdout is not None
        # Kill after a different number of committed casts each round: the next cast is
        # then somewhere between its first lock and its commit.
        for _ in range(2 + round_):
            line = worker.stdout.readline().decode().split()
            receipts.append((line[0], int(line[1])))
        worker.send_signal(signal.SIGKILL)
        rest = worker.stdout.read().decode().split("\n")
        receipts += [
            (parts[0], int(parts[1])) for parts in (r.split() for r in rest) if len(parts) == 2
        ]
        worker.stdout.close()
        worker.wait(30)

    with Database(engine).session() as db:
        rows = {
            row.log_index: row
            for row in db.scalars(select(CastBallot).where(CastBallot.election_id == election_id))
        }
        log = Log(SQLLogStore(db, slug), slug)
        entries = log.entries()
        cast_entries = {
            i: json.loads(e)
            for i, e in enumerate(entries)
            if json.loads(e)["type"] == "ballot-cast"
        }
        # Every ballot row has its log entry, and every ballot entry its row.
        assert set(rows) == set(cast_entries)
        for index, entry in cast_entries.items():
            assert entry["pseudonym"] == rows[index].pseudonym
            assert json.loads(rows[index].body) == entry["ballot"]
        # Every receipt that was printed (after its commit) is there.
        assert {code for code, _index in receipts} <= {row.tracking_code for row in rows.values()}
        # The stored leaf hashes are the entries', and every head is a head of this log.
        assert log.store.leaf_hashes(0, len(entries)) == [hash_leaf(e) for e in entries]
        key = setup.keyring.verifying_key(db, f"log:{slug}")
        assert key is not None
        for head in log.heads():
            log.check_head(head, key)
        assert log.heads()[-1].head.size == len(entries)
        # Exactly one current ballot per voter who cast.
        current = [r for r in rows.values() if r.superseded_by_index is None]
        assert len(current) == len({r.pseudonym for r in rows.values()})
    engine.dispose()
    assert len(receipts) >= sum(2 + r for r in range(ROUNDS))
