"""Deterministic race tests on PostgreSQL with real, separate connections.

A race is staged, not hoped for: the first transaction does its work and holds its locks
without committing; the second starts in another thread and runs until PostgreSQL makes
it wait for the first (seen in pg_stat_activity); only then does the first commit. The
outcome of the second then shows whether the defence (a lock, a condition, a constraint)
works. SQLite serialises writers, so these tests run on PostgreSQL only (THREATS, fact 4).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.voting.conftest import fresh_database_url, is_postgres, migrated_engine

requires_postgres = pytest.mark.skipif(
    not is_postgres(),
    reason="race tests need PostgreSQL: SQLite serialises writers (THREATS fact 4)",
)
WAIT_LIMIT_SECONDS = 20.0


@dataclass
class Outcome:
    """What a background transaction returned or raised."""

    value: object = None
    error: BaseException | None = None
    backend_pid: int | None = None
    started: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)


def committed_engine(tmp_path: Path, name: str) -> Iterator[Engine]:
    """A fresh migrated database whose transactions really commit."""
    engine = migrated_engine(fresh_database_url(tmp_path, name))
    yield engine
    engine.dispose()


def run_in_thread(
    engine: Engine, work: Callable[[object], object]
) -> tuple[threading.Thread, Outcome]:
    """Run `work(session)` in its own connection and thread; it commits on success."""
    from voting.db import Database

    outcome = Outcome()

    def target() -> None:
        with Database(engine).session() as session:
            outcome.backend_pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            outcome.started.set()
            try:
                outcome.value = work(session)
                session.commit()
            except BaseException as exc:  # reported to the test thread
                session.rollback()
                outcome.error = exc
            finally:
                outcome.finished.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def wait_until_blocked(engine: Engine, outcome: Outcome) -> bool:
    """Wait until the thread's connection waits for a lock held by another transaction.

    Returns True when it did; False when the thread finished without ever waiting (then
    the defence under test took no lock, and the caller's assertions say so).
    """
    assert outcome.started.wait(WAIT_LIMIT_SECONDS)
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    with engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": outcome.backend_pid},
            ).scalar()
            if waiting == "Lock":
                return True
            if outcome.finished.is_set():
                return False
            probe.commit()
            time.sleep(0.01)
    raise AssertionError("the second transaction never waited for the first")
