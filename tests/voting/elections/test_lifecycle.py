"""The election's lifecycle rules: times and time zones (T20), pseudonyms (T36, T12),
concurrent casts by one member (T18) and casts racing the close (T19) on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from audit.log import Log
from audit.record import write_record
from audit.verifier import verify_record
from tests import factories
from tests.voting.concurrency import (
    committed_engine,
    requires_postgres,
    run_in_thread,
    wait_until_blocked,
)
from tests.voting.elections.conftest import (
    CLOSES,
    DURING,
    OPENS,
    SECRET_KEY,
    Setup,
    make_election,
    officer_client,
    ready_and_open,
)
from tests.voting.web import page_token, sign_in
from voting.accounts.models import Account
from voting.auditlog import SQLLogStore
from voting.db import Database, utcnow
from voting.elections import lifecycle, preparation
from voting.elections.casting import NotOpen, cast_ballot, my_ballots
from voting.elections.models import CastBallot, ElectionState, ElectorateKind, Meeting, Voter
from voting.errors import Conflict, FieldError

CHOICE = {"q1": ["voor"]}


def test_last_second_is_accepted_and_the_closing_instant_refused(db: Session) -> None:
    setup = make_election(db, voters=2)
    ready_and_open(db, setup)
    cast_ballot(
        db,
        setup.keyring,
        SECRET_KEY,
        setup.voters[0],
        setup.election.id,
        CHOICE,
        CLOSES - dt.timedelta(seconds=1),
        second_factor_done=False,
    )
    with pytest.raises(NotOpen, match="closed"):
        cast_ballot(
            db,
            setup.keyring,
            SECRET_KEY,
            setup.voters[1],
            setup.election.id,
            CHOICE,
            CLOSES,
            second_factor_done=False,
        )
    with pytest.raises(NotOpen, match="not opened"):
        cast_ballot(
            db,
            setup.keyring,
            SECRET_KEY,
            setup.voters[1],
            setup.election.id,
            CHOICE,
            OPENS - dt.timedelta(seconds=1),
            second_factor_done=False,
        )
    assert len(db.scalars(select(CastBallot)).all()) == 1


def test_ambiguous_and_missing_local_times_are_refused() -> None:
    # 2026-10-25 02:30 happens twice in Amsterdam; 2026-03-29 02:30 does not exist.
    with pytest.raises(FieldError, match="twice"):
        preparation.to_utc(dt.datetime(2026, 10, 25, 2, 30), "Europe/Amsterdam", "closes_at")
    with pytest.raises(FieldError, match="does not exist"):
        preparation.to_utc(dt.datetime(2026, 3, 29, 2, 30), "Europe/Amsterdam", "closes_at")
    # Kralendijk keeps UTC-4 all year.
    assert preparation.to_utc(
        dt.datetime(2026, 10, 25, 2, 30), "America/Kralendijk", "x"
    ) == dt.datetime(2026, 10, 25, 6, 30, tzinfo=dt.UTC)
    assert preparation.to_utc(
        dt.datetime(2026, 7, 1, 20, 0), "Europe/Amsterdam", "x"
    ) == dt.datetime(2026, 7, 1, 18, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("local", "zone"),
    [
        (dt.datetime(1, 1, 1, 0, 0), "Europe/Amsterdam"),  # before UTC's year 1 begins
        (dt.datetime(9999, 12, 31, 23, 59), "America/Kralendijk"),  # after year 9999 ends
        (dt.datetime(1999, 12, 31, 20, 0), "Europe/Amsterdam"),
        (dt.datetime(2101, 1, 1, 20, 0), "Europe/Amsterdam"),
    ],
)
def test_times_at_the_ends_of_the_calendar_are_refused_with_a_message(
    app: Flask, db: Session, local: dt.datetime, zone: str
) -> None:
    """A mistyped year is a clear message on the field, not an overflow and a 500."""
    with pytest.raises(FieldError, match="between the years 2000 and 2100") as refused:
        preparation.to_utc(local, zone, "starts_at")
    assert refused.value.field == "starts_at"
    setup = make_election(db, voters=1)
    client = officer_client(app, db, setup.officer)
    meetings = db.scalar(select(func.count()).select_from(Meeting))
    response = client.post(
        "/meetings",
        data={
            "csrf_token": page_token(client, "/meetings"),
            "title": "ALV",
            "starts_at": local.strftime("%Y-%m-%dT%H:%M").zfill(16),
            "timezone": zone,
        },
    )
    assert response.status_code == 400
    assert "between the years 2000 and 2100" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Meeting)) == meetings


def test_pseudonyms_are_keyed_not_a_hash_of_the_member_number(db: Session) -> None:
    """T36: hashing member numbers 1..10,000 finds no pseudonym of the electorate."""
    setup = make_election(db, voters=3)
    ready_and_open(db, setup)
    pseudonyms = {
        lifecycle.pseudonym_of(SECRET_KEY, setup.election, v.member) for v in setup.voters
    }
    numbers = [str(n) for n in range(1, 10_001)] + [v.member.number for v in setup.voters]
    guesses = set()
    for number in numbers:
        for algorithm in ("sha256", "sha512", "blake2b", "sha3_256"):
            digest = hashlib.new(algorithm, number.encode()).digest()
            guesses |= {digest.hex()[:22], digest.hex()[:32], digest.hex()}
            guesses.add(__import__("base64").urlsafe_b64encode(digest[:16]).rstrip(b"=").decode())
            guesses.add(__import__("base64").urlsafe_b64encode(digest).rstrip(b"=").decode()[:22])
    assert not pseudonyms & guesses
    # Another election gives the same member another pseudonym.
    other = make_election(db, voters=0)
    ready_and_open(db, other)
    assert (
        lifecycle.pseudonym_of(SECRET_KEY, other.election, setup.voters[0].member) not in pseudonyms
    )


def test_member_sees_a_ghost_ballot_under_their_pseudonym(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    """T12: a dishonest server casts a ballot under the pseudonym of a member who did not vote.
    The ghost is a valid ballot of an eligible pseudonym, so the record still verifies and it
    is counted: only the member's own check can find it, and their page shows it."""
    setup = make_election(db, voters=2)
    ready_and_open(db, setup)
    victim, honest = setup.voters
    client = app.test_client()
    sign_in(client, victim.member.email, factories.PASSWORD)
    slug = setup.election.slug
    setup.election.opens_at = utcnow() - dt.timedelta(hours=1)
    db.commit()
    assert "There is no ballot under your name" in client.get(f"/vote/{slug}/mine").get_data(
        as_text=True
    )
    # The server casts under the victim's pseudonym through the same code path.
    ghost = cast_ballot(
        db,
        setup.keyring,
        SECRET_KEY,
        victim,
        setup.election.id,
        {"q1": ["tegen"]},
        utcnow(),
        second_factor_done=False,
    )
    cast_ballot(
        db,
        setup.keyring,
        SECRET_KEY,
        honest,
        setup.election.id,
        {"q1": ["voor"]},
        utcnow(),
        second_factor_done=False,
    )
    page = client.get(f"/vote/{slug}/mine").get_data(as_text=True)
    assert ghost.tracking_code in page
    assert "a ballot you did not cast" in page
    assert [b.tracking_code for b in my_ballots(db, SECRET_KEY, honest, setup.election)] != [
        ghost.tracking_code
    ]
    # Nothing else gives it away: the record verifies, with the ghost counted.
    tally = lifecycle.close_voting(db, setup.keyring, setup.officer, setup.election.id, CLOSES)
    assert tally.ballots_counted == 2
    path = write_record(tmp_path / "record.zip", Log(SQLLogStore(db, slug), slug))
    report = verify_record(path, workers=1)
    # Only the checks that wait for the decryption at the meeting have not run.
    assert [f for f in report.findings if not f.detail.startswith("could not run")] == []
    checked = {c.name: (c.items, c.failed) for c in report.checks}
    assert checked["ballot-proof"] == (2, 0)
    assert checked["ballot-pseudonym"] == (2, 0)


def test_frozen_electorate_ignores_later_imports(db: Session) -> None:
    setup = make_election(db, voters=2)
    ready_and_open(db, setup)
    newcomer = factories.account(db, factories.auth_config(), name="New Member")
    from voting.elections.casting import NotEligible

    with pytest.raises(NotEligible):
        cast_ballot(
            db,
            setup.keyring,
            SECRET_KEY,
            newcomer,
            setup.election.id,
            CHOICE,
            DURING,
            second_factor_done=False,
        )
    assert setup.election.electorate_size == len(lifecycle.electorate(db, setup.election)) - 1


def test_branch_electorate_and_cutoff(db: Session) -> None:
    setup = make_election(db, voters=2)
    election = setup.election
    election.electorate_kind = ElectorateKind.BRANCH
    election.electorate_branch_id = factories.branch(
        db, "bonaire", timezone="America/Kralendijk"
    ).id
    factories.member(db, branch_code="bonaire", name="Bonaire Voter")
    db.commit()
    assert [m.name for m in lifecycle.electorate(db, election)] == ["Bonaire Voter"]
    election.electorate_cutoff = dt.date(2019, 12, 31)
    assert lifecycle.electorate(db, election) == []


def test_lifecycle_order_is_enforced(db: Session) -> None:
    setup = make_election(db, voters=1)
    with pytest.raises(Conflict):
        lifecycle.open_voting(
            db, setup.keyring, SECRET_KEY, setup.officer, setup.election, factories.NOW
        )
    ready_and_open(db, setup)
    with pytest.raises(Conflict):
        lifecycle.decrypt(db, setup.officer, setup.election.id, CLOSES)
    with pytest.raises(Conflict):
        lifecycle.publish(db, setup.keyring, setup.officer, setup.election.id, CLOSES)
    lifecycle.close_voting(db, setup.keyring, setup.officer, setup.election.id, CLOSES)
    with pytest.raises(Conflict, match="Not enough"):
        lifecycle.decrypt(db, setup.officer, setup.election.id, CLOSES)
    assert setup.election.state is ElectionState.CLOSED


def test_close_due_closes_only_elections_past_their_time(db: Session) -> None:
    setup = make_election(db, voters=1)
    ready_and_open(db, setup)
    assert lifecycle.close_due(db, setup.keyring, CLOSES - dt.timedelta(seconds=1)) == []
    assert lifecycle.close_due(db, setup.keyring, CLOSES) == [setup.election.id]
    assert setup.election.state is ElectionState.CLOSED


# ------------------------------------------------------------------ races (PostgreSQL)


@pytest.fixture
def race_engine(tmp_path: Path) -> Iterator[Engine]:
    yield from committed_engine(tmp_path, "cast_race")


def _opened(engine: Engine, voters: int) -> Setup:
    with Database(engine).session() as session:
        setup = make_election(session, voters=voters)
        ready_and_open(session, setup)
        return setup


def _cast_in(
    election_id: int, account_id: int, choice: dict[str, list[str]], now: dt.datetime, setup: Setup
):
    def work(session: object) -> object:
        assert isinstance(session, Session)
        account = session.get(Account, account_id)
        assert account is not None
        return cast_ballot(
            session,
            setup.keyring,
            SECRET_KEY,
            account,
            election_id,
            choice,
            now,
            second_factor_done=False,
        )

    return work


@requires_postgres
def test_second_cast_of_a_member_waits_for_the_first_and_supersedes_it(race_engine: Engine) -> None:
    """T18, staged: the voter's row lock makes the second cast wait (even for a first-time voter)."""
    setup = _opened(race_engine, 1)
    voter_id, election_id = setup.voters[0].id, setup.election.id
    member_id = setup.voters[0].member_id
    with Database(race_engine).session() as first:
        # Another cast of the same member is under way: it holds the voter's row.
        first.execute(
            select(Voter)
            .where(Voter.election_id == election_id, Voter.member_id == member_id)
            .with_for_update()
        )
        thread, second = run_in_thread(
            race_engine, _cast_in(election_id, voter_id, {"q1": ["tegen"]}, DURING, setup)
        )
        blocked = wait_until_blocked(race_engine, second)
        first.commit()
    thread.join(30)
    assert blocked, "the cast did not lock the voter's row"
    assert second.error is None, second.error


@requires_postgres
def test_twenty_parallel_casts_by_one_member_leave_exactly_one_current_ballot(
    race_engine: Engine,
) -> None:
    """T18: separate connections, all at once."""
    setup = _opened(race_engine, 1)
    voter_id, election_id = setup.voters[0].id, setup.election.id
    runs = [
        run_in_thread(
            race_engine,
            _cast_in(
                election_id,
                voter_id,
                {"q1": [("voor", "tegen", "onthouding")[i % 3]]},
                DURING,
                setup,
            ),
        )
        for i in range(20)
    ]
    for thread, _outcome in runs:
        thread.join(60)
    errors = [o.error for _t, o in runs if o.error is not None]
    assert errors == []
    with Database(race_engine).session() as check:
        rows = check.scalars(select(CastBallot).order_by(CastBallot.log_index)).all()
        entries = Log(SQLLogStore(check, setup.election.slug), setup.election.slug).entries()
    assert len(rows) == 20
    assert [r.superseded_by_index for r in rows[:-1]] == [r.log_index for r in rows[1:]]
    assert rows[-1].superseded_by_index is None
    superseded = [json.loads(e) for e in entries if json.loads(e)["type"] == "ballot-superseded"]
    assert len(superseded) == 19


@requires_postgres
def test_casts_racing_the_close_are_either_counted_or_refused(race_engine: Engine) -> None:
    """T19: a receipt is issued if and only if the ballot is counted; no cast after closing."""
    setup = _opened(race_engine, 40)
    election_id = setup.election.id
    runs = []
    for round_ in range(5):
        for voter in setup.voters:
            runs.append(
                run_in_thread(
                    race_engine,
                    _cast_in(
                        election_id,
                        voter.id,
                        {"q1": [("voor", "tegen")[round_ % 2]]},
                        DURING,
                        setup,
                    ),
                )
            )
        if round_ == 2:
            closer = run_in_thread(
                race_engine,
                lambda s: lifecycle.close_voting(s, setup.keyring, None, election_id, DURING),
            )  # type: ignore[arg-type]
    for thread, _outcome in runs:
        thread.join(120)
    closer[0].join(120)
    assert closer[1].error is None, closer[1].error
    receipts = [o.value for _t, o in runs if o.error is None]
    refused = [o.error for _t, o in runs if o.error is not None]
    assert all(isinstance(e, NotOpen) for e in refused), refused[:3]
    assert len(receipts) + len(refused) == 200
    with Database(race_engine).session() as check:
        entries = [
            json.loads(e)
            for e in Log(SQLLogStore(check, setup.election.slug), setup.election.slug).entries()
        ]
        closed_at = next(e["index"] for e in entries if e["type"] == "voting-closed")
        counted = next(e["counted"] for e in entries if e["type"] == "voting-closed")
        current = check.scalars(
            select(CastBallot).where(CastBallot.superseded_by_index.is_(None))
        ).all()
    assert all(r.log_index < closed_at for r in receipts)  # type: ignore[attr-defined]
    assert not [e for e in entries if e["type"] == "ballot-cast" and e["index"] > closed_at]
    assert (
        counted
        == len(current)
        == len({r.tracking_code for r in receipts} & {c.tracking_code for c in current})
    )  # type: ignore[attr-defined]


def test_listed_electorate_is_exactly_the_members_named(db: Session) -> None:
    setup = make_election(db, voters=3)
    chosen = setup.voters[:2]
    listed = preparation.create_election(
        db,
        setup.officer,
        setup.election.meeting,
        title="Fallback vote",
        opens_local=dt.datetime(2026, 12, 1, 10, 0),
        closes_local=dt.datetime(2026, 12, 2, 10, 0),
        electorate_kind=ElectorateKind.LISTED,
        branch_id=None,
        cutoff=dt.date(2026, 11, 1),
        require_second_factor=False,
        now=factories.NOW,
        listed_members=[a.member_id for a in chosen],
    )
    assert {m.id for m in lifecycle.electorate(db, listed)} == {a.member_id for a in chosen}
    with pytest.raises(FieldError):
        preparation.create_election(
            db,
            setup.officer,
            setup.election.meeting,
            title="x",
            opens_local=dt.datetime(2026, 12, 1, 10, 0),
            closes_local=dt.datetime(2026, 12, 2, 10, 0),
            electorate_kind=ElectorateKind.LISTED,
            branch_id=None,
            cutoff=dt.date(2026, 11, 1),
            require_second_factor=False,
            now=factories.NOW,
        )
