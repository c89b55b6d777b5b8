"""The audit log in the database holds to audit's LogStore contract (T14, T21), is
append-only, and never gives two entries one index under concurrent writers (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from audit.errors import Equivocation, StoreError
from audit.log import Log
from audit.merkle import Frontier, hash_leaf, root_from_leaf_hashes
from audit.store import read_all
from ballots import SigningKey
from tests import factories
from tests.voting.concurrency import (
    committed_engine,
    requires_postgres,
    run_in_thread,
    wait_until_blocked,
)
from voting.auditlog import AuditLog, AuditLogEntry, SQLLogStore, open_log
from voting.db import Database

NOW = factories.NOW


def _entry(writer: int, seq: int) -> Callable[[int], bytes]:
    def make(index: int) -> bytes:
        return json.dumps({"index": index, "writer": writer, "seq": seq}).encode()

    return make


def test_entries_land_at_the_index_their_factory_was_given(db: Session) -> None:
    store = open_log(db, "test-1", NOW)
    assert store.size() == 0
    assert store.append(_entry(0, 0)) == 0
    assert store.append(_entry(0, 1)) == 1
    assert json.loads(store.entries(1, 2)[0])["index"] == 1
    assert store.leaf_hashes(0, 2) == [hash_leaf(e) for e in store.entries(0, 2)]
    assert open_log(db, "test-1", NOW).size() == 2  # opening again keeps it


def test_a_failing_factory_stores_nothing(db: Session) -> None:
    store = open_log(db, "test-2", NOW)
    store.append(_entry(0, 0))

    def broken(index: int) -> bytes:
        raise ValueError(index)

    with pytest.raises(ValueError, match="1"):
        store.append(broken)
    assert store.size() == 1
    assert store.append(_entry(0, 1)) == 1


def test_reading_outside_the_log_or_an_unknown_log_is_refused(db: Session) -> None:
    store = open_log(db, "test-3", NOW)
    store.append(_entry(0, 0))
    with pytest.raises(StoreError, match="range"):
        store.entries(0, 2)
    with pytest.raises(StoreError, match="missing"):
        SQLLogStore(db, "test-none").size()
    with pytest.raises(StoreError, match="missing"):
        SQLLogStore(db, "test-none").append(_entry(0, 0))


def test_signed_heads_and_proofs_over_the_database_log(db: Session) -> None:
    key = SigningKey.generate()
    log = Log(open_log(db, "election-test", NOW), "election-test")
    appended = [log.append(_entry(0, i)) for i in range(5)]
    first = log.sign_head(key, NOW)
    log.append(_entry(0, 5))
    second = log.sign_head(key, NOW + dt.timedelta(seconds=1))
    db.commit()
    assert [h.head.size for h in log.heads()] == [5, 6]
    log.check_head(first, key.verifying_key())
    proof = log.inclusion_proof(appended[3].index, 6)
    assert proof is not None
    assert second.head.root == log.root()


def _stored_frontier(db: Session, log_id: str) -> Frontier:
    row = db.get(AuditLog, log_id, populate_existing=True)
    assert row is not None
    assert row.frontier is not None
    return Frontier.from_bytes(row.size, row.frontier)


def test_the_stored_frontier_follows_the_leaves_and_gives_each_heads_root(db: Session) -> None:
    key = SigningKey.generate()
    log = Log(open_log(db, "election-frontier", NOW), "election-frontier")
    for i in range(9):
        log.append(_entry(0, i))
        head = log.sign_head(key, NOW)
        leaves = log.store.leaf_hashes(0, i + 1)
        assert _stored_frontier(db, "election-frontier") == Frontier.of(leaves)
        assert head.head.root == root_from_leaf_hashes(leaves)


def test_a_log_written_before_the_frontier_column_gets_it_from_its_leaves(db: Session) -> None:
    key = SigningKey.generate()
    log = Log(open_log(db, "election-old", NOW), "election-old")
    for i in range(5):
        log.append(_entry(0, i))
    db.execute(update(AuditLog).where(AuditLog.id == "election-old").values(frontier=None))
    assert log.sign_head(key, NOW).head.root == log.root()  # no frontier yet: from the leaves
    log.append(_entry(0, 5))
    assert _stored_frontier(db, "election-old") == Frontier.of(log.store.leaf_hashes(0, 6))
    assert log.sign_head(key, NOW).head.root == log.root()


def test_a_tampered_frontier_signs_a_head_the_leaves_contradict(db: Session) -> None:
    key = SigningKey.generate()
    log = Log(open_log(db, "election-forged", NOW), "election-forged")
    for i in range(6):
        log.append(_entry(0, i))
    forged = Frontier.of([hash_leaf(b"forged")] * 6).to_bytes()
    db.execute(update(AuditLog).where(AuditLog.id == "election-forged").values(frontier=forged))
    head = log.sign_head(key, NOW)
    with pytest.raises(Equivocation):  # the start-up check reads the leaves, not the frontier
        log.check_head(head, key.verifying_key())


def test_entries_and_heads_are_append_only(db: Session) -> None:
    store = open_log(db, "test-4", NOW)
    store.append(_entry(0, 0))
    store.append_head(lambda size, latest: b"head")
    db.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(update(AuditLogEntry).values(entry=b"rewritten"))
    db.rollback()


# ------------------------------------------------------------------ concurrency (PostgreSQL)


@pytest.fixture
def log_engine(tmp_path: Path) -> Iterator[Engine]:
    yield from committed_engine(tmp_path, "auditlog_race")


@requires_postgres
def test_second_writer_waits_for_the_first_and_takes_the_next_index(log_engine: Engine) -> None:
    with Database(log_engine).session() as setup:
        open_log(setup, "race-1", NOW)
        setup.commit()
    with Database(log_engine).session() as first:
        assert SQLLogStore(first, "race-1").append(_entry(1, 0)) == 0  # holds the log row
        thread, second = run_in_thread(
            log_engine, lambda s: SQLLogStore(s, "race-1").append(_entry(2, 0))
        )  # type: ignore[arg-type]
        wait_until_blocked(log_engine, second)
        first.commit()
    thread.join(20)
    assert second.error is None, second.error
    assert second.value == 1


@requires_postgres
def test_many_concurrent_writers_leave_no_duplicate_and_no_gap(log_engine: Engine) -> None:
    with Database(log_engine).session() as setup:
        open_log(setup, "race-2", NOW)
        setup.commit()
    writers, per_writer = 4, 25

    def write(writer: int) -> Callable[[object], object]:
        def work(session: object) -> object:
            assert isinstance(session, Session)
            for seq in range(per_writer):
                SQLLogStore(session, "race-2").append(_entry(writer, seq))
                session.commit()
            return None

        return work

    threads = [run_in_thread(log_engine, write(w)) for w in range(writers)]
    for thread, outcome in threads:
        thread.join(60)
        assert outcome.error is None, outcome.error
    with Database(log_engine).session() as check:
        entries = [json.loads(e) for e in read_all(SQLLogStore(check, "race-2"))]
    assert [e["index"] for e in entries] == list(range(writers * per_writer))
    assert sorted((e["writer"], e["seq"]) for e in entries) == [
        (w, s) for w in range(writers) for s in range(per_writer)
    ]
    with Database(log_engine).session() as check:
        leaves = SQLLogStore(check, "race-2").leaf_hashes(0, writers * per_writer)
        assert _stored_frontier(check, "race-2") == Frontier.of(leaves)


def test_service_signing_keys_are_made_once_and_stored_sealed(db: Session) -> None:
    from voting.keys import Keyring, ServiceKey

    keyring = Keyring("test-secret-key-that-is-long-enough-0123456789")
    first = keyring.signing_key(db, "log:election-1", NOW)
    again = keyring.signing_key(db, "log:election-1", NOW)
    assert first == again
    assert keyring.verifying_key(db, "log:election-1") == first.verifying_key()
    assert keyring.verifying_key(db, "log:unknown") is None
    row = db.get(ServiceKey, "log:election-1")
    assert row is not None
    assert first.seed not in row.sealed_seed
    with pytest.raises(ValueError, match="cannot be opened"):
        Keyring("another-secret-key-that-is-long-enough-98765").signing_key(
            db, "log:election-1", NOW
        )
