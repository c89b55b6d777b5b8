"""Backups, restores and the witness (T22), and `stembus simulate`, against committed data."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, text

from tests.mailsink import MailSink
from tests.voting.concurrency import committed_engine
from tests.voting.conftest import base_settings
from tests.voting.elections.conftest import DURING, SECRET_KEY, make_election, ready_and_open
from voting.accounts.models import Account, RoleGrant
from voting.cli import main
from voting.db import Database
from voting.elections.casting import cast_ballot
from voting.elections.preparation import eligible_trustees
from voting.members.models import Branch, Member, MemberStatus


@pytest.fixture
def world(
    tmp_path: Path, mail: MailSink, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Engine, Database, Path]]:
    """A committed database, a witness folder, and the environment the CLI reads."""
    engine = next(committed_engine(tmp_path, "durability"))
    witness = tmp_path / "witness"
    url = engine.url.render_as_string(hide_password=False)
    settings = base_settings(url, mail.port)
    for name, value in {
        "STEMBUS_ENV": "test",
        "SECRET_KEY": settings.secret_key,
        "DATABASE_URL": url,
        "STEMBUS_BASE_URL": "http://stembus.test",
        "SMTP_PORT": str(mail.port),
        "STEMBUS_INSTANCE_PATH": str(tmp_path / "instance"),
        "STEMBUS_WITNESS_PATH": str(witness),
    }.items():
        monkeypatch.setenv(name, value)
    assert settings.secret_key == SECRET_KEY
    yield engine, Database(engine, witness=str(witness)), witness
    engine.dispose()


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--language", "en", *args])
    return result.exit_code, result.output


def test_restoring_an_older_database_is_detected_by_the_witness_and_by_a_receipt(
    world: tuple[Engine, Database, Path], tmp_path: Path
) -> None:
    engine, database, witness = world
    with database.session() as db:
        setup = make_election(db, voters=4)
        ready_and_open(db, setup)
        for voter in setup.voters[:2]:
            cast_ballot(
                db,
                setup.keyring,
                SECRET_KEY,
                voter,
                setup.election.id,
                {"q1": ["voor"]},
                DURING,
                second_factor_done=False,
            )
        third, election_id = setup.voters[2].id, setup.election.id
    assert list(witness.glob("*.jsonl"))
    assert _run("check-logs") == (0, "every log extends its newest witnessed head\n")
    dump = tmp_path / "backup.db"
    code, output = _run("backup", str(dump))
    assert code == 0, output

    with database.session() as db:
        voter = db.get(Account, third)
        assert voter is not None
        later = cast_ballot(
            db,
            setup.keyring,
            SECRET_KEY,
            voter,
            election_id,
            {"q1": ["tegen"]},
            DURING,
            second_factor_done=False,
        )
    receipt = tmp_path / "receipt.json"
    receipt.write_text(later.document())
    assert _run("check-logs", "--receipt", str(receipt))[0] == 0

    engine.dispose()
    code, output = _run("restore", str(dump))
    assert code == 1
    assert "older than heads already published" in output
    assert "log-truncated" in output
    code, output = _run("check-logs", "--receipt", str(receipt))
    assert code == 1
    assert "receipt receipt.json" in output


def test_simulate_runs_a_whole_election_and_writes_its_record(
    world: tuple[Engine, Database, Path], tmp_path: Path
) -> None:
    out = tmp_path / "record"
    code, output = _run(
        "simulate",
        "--voters",
        "12",
        "--questions",
        "3",
        "--trustees",
        "3",
        "--threshold",
        "2",
        "--out",
        str(out),
    )
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    assert summary["voters"] == 12
    assert summary["counted"] == 12
    assert summary["ballots_cast"] == 12 + summary["revotes"]
    assert (out / "record.json").exists()
    assert (out / "result.json").exists()
    # Its people leave: they never join a real vote's electorate, the Partijraad or a list
    # of trustees.
    _engine, database, _folder = world
    with database.session() as session:
        statuses = session.scalars(
            select(Member.status).join(Branch).where(Branch.code.like("sim-%"))
        ).all()
        assert len(statuses) == summary["members_retired"] == 12 + 3 + 1
        assert set(statuses) == {MemberStatus.ENDED}
        grants = session.scalars(
            select(RoleGrant)
            .join(Account, RoleGrant.account_id == Account.id)
            .join(Member, Account.member_id == Member.id)
            .join(Branch, Member.branch_id == Branch.id)
            .where(Branch.code.like("sim-%"))
        ).all()
        assert grants == []
        assert eligible_trustees(session) == []
    code, output = _run(
        "simulate",
        "--voters",
        "2",
        "--questions",
        "1",
        "--trustees",
        "2",
        "--threshold",
        "3",
        "--out",
        str(tmp_path / "x"),
    )
    assert code == 2
    assert "threshold" in output


def test_a_restored_database_still_verifies(
    world: tuple[Engine, Database, Path], tmp_path: Path
) -> None:
    """Ballots, log and tally survive a backup and restore; the record of the restored
    database passes the independent verifier."""
    from audit.log import Log
    from audit.record import write_record
    from audit.verifier import verify_record
    from voting.auditlog import SQLLogStore
    from voting.elections.simulation import Plan, finish, prepare
    from voting.keys import Keyring

    engine, database, _witness = world
    keyring = Keyring(SECRET_KEY)
    with database.session() as db:
        prepared = prepare(
            db,
            keyring,
            SECRET_KEY,
            Plan(4, 2, 3, 2, tmp_path / "unused"),
            dt.datetime.now(dt.UTC).replace(microsecond=0),
        )
        for voter in prepared.voters:
            cast_ballot(
                db,
                keyring,
                SECRET_KEY,
                voter,
                prepared.election.id,
                {"q1": ["voor"], "q2": ["tegen"]},
                prepared.opens,
                second_factor_done=False,
            )
        finish(db, keyring, prepared, 2, tmp_path / "before")
        slug = prepared.election.slug
    dump = tmp_path / "published.backup"
    assert _run("backup", str(dump))[0] == 0
    with database.session() as db:
        db.execute(text("DELETE FROM cast_ballot"))  # damage, then restore over it
        db.commit()
    engine.dispose()
    code, output = _run("restore", str(dump))
    assert code == 0, output
    with Database(engine).session() as db:
        path = write_record(tmp_path / "after", Log(SQLLogStore(db, slug), slug))
        assert db.scalar(text("SELECT count(*) FROM cast_ballot")) == 4
    assert verify_record(path).ok
