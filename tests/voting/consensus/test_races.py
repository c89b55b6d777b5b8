"""Races at the deadline and double submissions, staged on PostgreSQL with real connections
(tests/voting/concurrency.py): closing and taking a position serialise on the round's row,
so a position is either counted in the close or refused, never stored uncounted."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.voting.concurrency import (
    committed_engine,
    requires_postgres,
    run_in_thread,
    wait_until_blocked,
)
from tests.voting.consensus import arrange
from tests.voting.consensus.arrange import KEYRING, ROUND_KEYS
from voting.auditlog import AuditLogEntry
from voting.consensus import rounds
from voting.consensus.models import Position, PositionKind, Round
from voting.consensus.rounds import RoundClosed
from voting.db import Database
from voting.errors import Conflict

pytestmark = [requires_postgres, pytest.mark.postgres]


@pytest.fixture
def race_engine(tmp_path: Path) -> Iterator[Engine]:
    yield from committed_engine(tmp_path, "consensus_race")


def _open(engine: Engine) -> tuple[int, int, int, int, dt.datetime]:
    """A round with one position already taken; returns ids and the deadline."""
    with Database(engine).session() as session:
        facilitator, a, b = arrange.people(session, 3, prefix="Racer")
        group = arrange.group(session, facilitator, [a, b])
        proposal = arrange.proposal(session, facilitator, group)
        found = arrange.open_next(session, facilitator, proposal)
        arrange.take(session, facilitator, found, PositionKind.AGREE)
        return found.id, proposal.id, a.id, b.id, found.deadline


def _lock(session: Session, round_id: int) -> None:
    session.execute(select(Round).where(Round.id == round_id).with_for_update())


def _submit(proposal_id: int, round_id: int, account_id: int, at: dt.datetime):  # type: ignore[no-untyped-def]
    def work(session: Session) -> object:
        from voting.accounts.models import Account

        account = session.get(Account, account_id)
        assert account is not None
        return rounds.submit_position(
            session,
            account,
            proposal_id,
            round_id,
            PositionKind.OBJECT,
            "Last second.",
            0,
            ROUND_KEYS,
            at,
        ).id

    return work


def _closed_counts(engine: Engine, round_id: int) -> tuple[int, int, dict[str, int]]:
    with Database(engine).session() as session:
        found = session.get(Round, round_id)
        assert found is not None
        stored = session.scalar(
            select(func.count()).select_from(Position).where(Position.round_id == round_id)
        )
        entries = [json.loads(e) for e in session.scalars(select(AuditLogEntry.entry))]
        (closing,) = [e for e in entries if e["type"] == "consensus-round-closed"]
        return stored or 0, found.responded or 0, closing["counts"]


def test_position_arriving_while_the_round_closes_is_refused_not_lost(race_engine: Engine) -> None:
    round_id, proposal_id, a_id, _b_id, deadline = _open(race_engine)
    with Database(race_engine).session() as closing:
        _lock(closing, round_id)  # the close is under way and holds the round
        # The member's clock still says one second before the deadline.
        thread, late = run_in_thread(
            race_engine, _submit(proposal_id, round_id, a_id, deadline - dt.timedelta(seconds=1))
        )
        blocked = wait_until_blocked(race_engine, late)
        rounds.close_round(closing, round_id, KEYRING, ROUND_KEYS, deadline)
    thread.join(30)
    assert blocked, "taking a position did not wait for the round's lock"
    assert isinstance(late.error, RoundClosed), late.error
    stored, responded, counts = _closed_counts(race_engine, round_id)
    assert stored == responded == 1
    assert counts["object"] == 0


def test_position_saved_while_the_close_waits_is_counted(race_engine: Engine) -> None:
    round_id, proposal_id, a_id, _b_id, deadline = _open(race_engine)
    with Database(race_engine).session() as saving:
        _lock(saving, round_id)  # a position is being saved and holds the round
        thread, close = run_in_thread(
            race_engine,
            lambda session: rounds.close_due(session, KEYRING, ROUND_KEYS, deadline),
        )
        blocked = wait_until_blocked(race_engine, close)
        _submit(proposal_id, round_id, a_id, deadline - dt.timedelta(milliseconds=1))(saving)
    thread.join(30)
    assert blocked, "closing did not wait for the round's lock"
    assert close.error is None, close.error
    assert close.value == [round_id]
    stored, responded, counts = _closed_counts(race_engine, round_id)
    assert stored == responded == 2
    assert counts["object"] == 1


def test_the_same_form_sent_twice_at_once_saves_one_position(race_engine: Engine) -> None:
    round_id, proposal_id, _a_id, b_id, deadline = _open(race_engine)
    at = deadline - dt.timedelta(days=1)
    with Database(race_engine).session() as first:
        _lock(first, round_id)
        thread, second = run_in_thread(race_engine, _submit(proposal_id, round_id, b_id, at))
        blocked = wait_until_blocked(race_engine, second)
        _submit(proposal_id, round_id, b_id, at)(first)
    thread.join(30)
    assert blocked
    assert isinstance(second.error, Conflict), second.error
    with Database(race_engine).session() as session:
        mine = session.scalars(
            select(Position).where(Position.round_id == round_id, Position.account_id == b_id)
        ).all()
        assert [p.revision for p in mine] == [1]
