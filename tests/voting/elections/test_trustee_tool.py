"""`stembus-trustee` against a real HTTP server: the key ceremony, the decryption at the
meeting, the token, and its refusal to decrypt anything but the log's tally (T16)."""

from __future__ import annotations

import datetime as dt
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from audit.__main__ import main as audit_main
from ballots import announce, canonical_json
from tests import factories
from tests.e2e.server import LiveServer
from tests.voting.concurrency import committed_engine
from tests.voting.conftest import base_settings
from tests.voting.elections.conftest import CLOSES, DURING, SECRET_KEY, make_election
from voting import create_app
from voting.accounts.models import Account
from voting.db import Database
from voting.elections import ceremony, lifecycle
from voting.elections.cancellation import cancel_election
from voting.elections.casting import cast_ballot
from voting.elections.models import Election, ElectionState
from voting.trustee import cli
from voting.trustee.cli import main
from voting.trustee.steps import announcements_fingerprint

PASSPHRASE = "a long passphrase for the trustee file"


@pytest.fixture
def served(tmp_path: Path, smtp) -> Iterator[tuple[Engine, str]]:
    engine = next(committed_engine(tmp_path, "trustee_tool"))
    settings = base_settings(engine.url.render_as_string(hide_password=False), smtp.port)
    app = create_app(settings, database=Database(engine))
    server = LiveServer("trustee-tool")
    server.start()
    with server.mount(app):
        yield engine, server.url()
    server.stop()
    engine.dispose()


def _tokens(session: Session, election: Election) -> dict[int, str]:
    tokens = {}
    for trustee in election.trustees:
        account = session.get(Account, trustee.account_id)
        assert account is not None
        tokens[trustee.index] = ceremony.issue_token(session, account, election, factories.NOW)
    return tokens


def _run(monkeypatch: pytest.MonkeyPatch, token: str, *args: str, language: str = "en") -> int:
    monkeypatch.setenv("STEMBUS_TRUSTEE_TOKEN", token)
    monkeypatch.setenv("STEMBUS_TRUSTEE_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("STEMBUS_LANGUAGE", language)
    return main(list(args))


def test_ceremony_and_decryption_through_the_tool(
    served: tuple[Engine, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine, url = served
    with Database(engine).session() as db:
        setup = make_election(db, voters=3, questions=2)
        ceremony.start_ceremony(db, setup.officer, setup.election, factories.NOW)
        tokens = _tokens(db, setup.election)
        slug, election_id = setup.election.slug, setup.election.id
        officer_id, voter_ids = setup.officer.id, [v.id for v in setup.voters]
    files = {index: tmp_path / f"trustee-{index}.key" for index in tokens}
    _ceremony_through_the_tools(monkeypatch, served, election_id, tokens, files)
    out = capsys.readouterr().out
    assert "run the tool again with --announcements" in out  # before the fingerprint
    assert "the key ceremony is complete" in out
    # Each tool shows every announcement's digest, to be read aloud (protocol.md §I.10).
    with Database(engine).session() as db:
        posted = ceremony.announcements(db, db.get(Election, election_id))
    assert len(posted) == 3
    for announcement in posted:
        grouped = " ".join(announcement.digest()[i : i + 8] for i in range(0, 64, 8))
        assert out.count(f"trustee {announcement.trustee}: {grouped}") >= 3  # by every tool
    assert all(f.stat().st_mode & 0o077 == 0 for f in files.values())
    assert PASSPHRASE.encode() not in files[1].read_bytes()

    with Database(engine).session() as db:
        election = db.get(Election, election_id)
        officer = db.get(Account, officer_id)
        assert election is not None
        assert officer is not None
        assert election.state is ElectionState.READY
        lifecycle.open_voting(db, setup.keyring, SECRET_KEY, officer, election, factories.NOW)
        receipts = []
        for voter_id, choice in zip(voter_ids, (["voor"], ["voor"], ["tegen"]), strict=True):
            voter = db.get(Account, voter_id)
            assert voter is not None
            receipt = cast_ballot(
                db,
                setup.keyring,
                SECRET_KEY,
                voter,
                election_id,
                {"q1": choice, "q2": ["o1"]},
                DURING,
                second_factor_done=False,
            )
            receipts.append(receipt.document())
        # Before closing, the tool refuses: there is no tally yet.
        assert (
            _run(monkeypatch, tokens[1], "decrypt", "--server", url, "--secret-file", str(files[1]))
            == 1
        )
        lifecycle.close_voting(db, setup.keyring, officer, election_id, CLOSES)

    with Database(engine).session() as db:
        closed = db.get(Election, election_id)
        assert closed is not None
        closing_root, closing_size = closed.closing_root, closed.closing_size
        assert closing_root is not None
    # What every trustee's tool prints, whenever they decrypt: the state the projector shows.
    shown = f"closing head: {closing_size} entries, root {closing_root}"
    # A record larger than the tool accepts is refused whole, never read cut short.
    with monkeypatch.context() as small:
        small.setattr(cli, "MAX_RECORD_BYTES", 1000)
        assert (
            _run(small, tokens[2], "decrypt", "--server", url, "--secret-file", str(files[2])) == 1
        )
        assert "larger than 1000 bytes: refused" in capsys.readouterr().err
    assert (
        _run(monkeypatch, tokens[2], "decrypt", "--server", url, "--secret-file", str(files[2]))
        == 0
    )
    assert shown in capsys.readouterr().out
    # The third trustee checks the state shown at the meeting (typed in groups, in capitals),
    # with a record fetched another way; the log has grown since (the second trustee's share),
    # and the tool still shows, and compares with, the closing state, not the newest.
    own_copy = tmp_path / "record.zip"
    with urllib.request.urlopen(f"{url}/elections/{slug}/record.zip") as response:
        own_copy.write_bytes(response.read())
    assert (
        _run(
            monkeypatch,
            tokens[3],
            "decrypt",
            "--server",
            url,
            "--secret-file",
            str(files[3]),
            "--expect-root",
            " ".join(closing_root[i : i + 8] for i in range(0, 64, 8)).upper(),
            "--record",
            str(own_copy),
        )
        == 0
    )
    assert shown in capsys.readouterr().out
    # A voter checks the receipt they downloaded against the record, with audit alone.
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(receipts[0])
    assert audit_main(["receipt", str(own_copy), str(receipt_file)]) == 0
    assert "the log holds this receipt and the ballot it signs" in capsys.readouterr().out
    # A second share from the same trustee is refused by the server.
    assert (
        _run(monkeypatch, tokens[2], "decrypt", "--server", url, "--secret-file", str(files[2]))
        == 1
    )
    with Database(engine).session() as db:
        officer = db.get(Account, officer_id)
        assert officer is not None
        result, outcomes = lifecycle.decrypt(
            db, officer, election_id, CLOSES + dt.timedelta(minutes=5)
        )
        assert dict(dict(result.counts)["q1"]) == {"voor": 2, "tegen": 1, "onthouding": 0}
        assert outcomes[0].outcome.value == "adopted"
    assert slug


def _ceremony_through_the_tools(
    monkeypatch: pytest.MonkeyPatch,
    served: tuple[Engine, str],
    election_id: int,
    tokens: dict[int, str],
    files: dict[int, Path],
) -> None:
    """Every trustee runs the tool until the ceremony is done; once all have announced, they
    read the fingerprint aloud and give it to the tool (which deals only then)."""
    engine, url = served
    agreed: list[str] = []
    for _round in range(6):
        for index, token in tokens.items():
            args = ["ceremony", "--server", url, "--secret-file", str(files[index])]
            assert _run(monkeypatch, token, *args, *agreed) == 0
        if not agreed:
            agreed = ["--announcements", _fingerprint(engine, election_id)]


def _fingerprint(engine: Engine, election_id: int) -> str:
    """The announcements' fingerprint as the trustees read it aloud (from the board)."""
    with Database(engine).session() as db:
        election = db.get(Election, election_id)
        assert election is not None
        found = announcements_fingerprint(ceremony.board(db, election, election.trustees[0]))
    assert found is not None
    return found


def test_the_tool_deals_only_to_the_announcements_read_aloud_and_holds_on_to_them(
    served: tuple[Engine, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A server that shows a trustee someone else's keys would read the share dealt to them:
    the tool deals only after the trustee confirms the fingerprint that all trustees read
    aloud, and refuses a board whose announcements change after it dealt (protocol.md
    §I.10 step 1)."""
    from voting.elections.models import CeremonyMessage, CeremonyMessageKind

    engine, url = served
    with Database(engine).session() as db:
        setup = make_election(db, voters=1, questions=1)
        ceremony.start_ceremony(db, setup.officer, setup.election, factories.NOW)
        tokens = _tokens(db, setup.election)
        election_id = setup.election.id
    files = {index: tmp_path / f"trustee-{index}.key" for index in tokens}

    def run(index: int, *extra: str) -> int:
        args = ("ceremony", "--server", url, "--secret-file", str(files[index]))
        return _run(monkeypatch, tokens[index], *args, *extra)

    for index in tokens:
        assert run(index) == 0  # everyone announces; nobody deals without the fingerprint
    out = capsys.readouterr().out
    assert "fingerprint of all announcements" in out
    assert "sent: the encrypted shares" not in out
    fingerprint = _fingerprint(engine, election_id)
    assert run(1, "--announcements", "0" * 64) == 1
    assert "differ from the fingerprint" in capsys.readouterr().err
    grouped = " ".join(fingerprint[i : i + 8] for i in range(0, 64, 8)).upper()
    assert run(1, "--announcements", grouped) == 0  # as read aloud: groups, any case
    assert "sent: the encrypted shares" in capsys.readouterr().out
    pin = files[1].with_name("trustee-1.key.announcements")
    assert pin.read_text().split() == [setup.election.slug, fingerprint]
    # On another computer (no pin, or one of another vote) the tool asks again before it
    # goes on, and answers nothing meanwhile.
    pin.write_text("another-vote " + fingerprint)
    assert run(1) == 0
    assert "the tool goes on only with the announcements you confirm" in capsys.readouterr().out
    assert run(1, "--announcements", fingerprint) == 0
    assert pin.read_text().split() == [setup.election.slug, fingerprint]

    # The server now swaps trustee 3's announcement for one with keys it holds.
    _, swapped = announce(
        setup.election.slug, 3, setup.election.threshold, len(setup.election.trustees)
    )
    with Database(engine).session() as db:
        row = db.scalars(
            select(CeremonyMessage).where(
                CeremonyMessage.election_id == election_id,
                CeremonyMessage.kind == CeremonyMessageKind.ANNOUNCEMENT,
                CeremonyMessage.sender == 3,
            )
        ).one()
        row.body = canonical_json(swapped.to_json()).decode()
        db.commit()
    assert run(1) == 1
    assert "other announcements than the ones you dealt your shares to" in (capsys.readouterr().err)
    assert run(2, "--announcements", fingerprint) == 1  # trustee 2 does not deal to it either
    assert "differ from the fingerprint" in capsys.readouterr().err


def test_a_trustee_who_runs_the_tool_before_the_ceremony_is_told_to_wait(
    served: tuple[Engine, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A token can be made as soon as someone is chosen; a draft's ceremony has not begun,
    and the tool must not say it is complete (nor make a secret file)."""
    engine, url = served
    with Database(engine).session() as db:
        setup = make_election(db, voters=1, questions=1)
        tokens = _tokens(db, setup.election)
        assert ceremony.step(db, setup.election) is ceremony.Step.NOT_STARTED
    secret_file = tmp_path / "early.key"
    args = ("ceremony", "--server", url, "--secret-file", str(secret_file))
    assert _run(monkeypatch, tokens[1], *args) == 0
    out = capsys.readouterr().out
    assert "has not started the key ceremony yet" in out
    assert "complete" not in out
    assert not secret_file.exists()
    with Database(engine).session() as db:
        election = db.get(Election, setup.election.id)
        officer = db.get(Account, setup.officer.id)
        assert election is not None
        assert officer is not None
        ceremony.start_ceremony(db, officer, election, factories.NOW)
    assert _run(monkeypatch, tokens[1], *args) == 0
    assert "sent: your announcement" in capsys.readouterr().out
    assert secret_file.exists()


def test_wrong_token_and_wrong_passphrase_are_refused(
    served: tuple[Engine, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine, url = served
    with Database(engine).session() as db:
        setup = make_election(db, voters=1)
        ceremony.start_ceremony(db, setup.officer, setup.election, factories.NOW)
        token = ceremony.issue_token(db, setup.trustee_accounts[0], setup.election, factories.NOW)
    secret = tmp_path / "t.key"
    assert (
        _run(monkeypatch, "not-a-token", "ceremony", "--server", url, "--secret-file", str(secret))
        == 1
    )
    assert "token does not work" in capsys.readouterr().err
    assert _run(monkeypatch, token, "ceremony", "--server", url, "--secret-file", str(secret)) == 0
    monkeypatch.setenv("STEMBUS_TRUSTEE_PASSPHRASE", "another passphrase entirely")
    monkeypatch.setenv("STEMBUS_TRUSTEE_TOKEN", token)
    assert main(["ceremony", "--server", url, "--secret-file", str(secret)]) == 1
    assert "wrong passphrase" in capsys.readouterr().err
    with Database(engine).session() as db:
        stale = ceremony.issue_token(
            db, setup.trustee_accounts[0], db.get(Election, setup.election.id), factories.NOW
        )
    assert stale != token
    assert (
        _run(monkeypatch, token, "ceremony", "--server", url, "--secret-file", str(secret)) == 1
    )  # the old token stopped


def test_trustee_token_is_stored_hashed(served: tuple[Engine, str]) -> None:
    engine, _url = served
    from voting.elections.models import Trustee

    with Database(engine).session() as db:
        setup = make_election(db, voters=1)
        token = ceremony.issue_token(db, setup.trustee_accounts[0], setup.election, factories.NOW)
        stored = db.scalars(select(Trustee.token_hash)).all()
    assert token not in stored


def test_the_tool_refuses_to_decrypt_anything_but_the_aggregate(
    served: tuple[Engine, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """T16: a server that asks for one voter's ballot, or shows another final head, is refused."""
    engine, url = served
    with Database(engine).session() as db:
        setup = make_election(db, voters=3)
        ceremony.start_ceremony(db, setup.officer, setup.election, factories.NOW)
        tokens = _tokens(db, setup.election)
        election_id = setup.election.id
    files = {index: tmp_path / f"t{index}.key" for index in tokens}
    _ceremony_through_the_tools(monkeypatch, served, election_id, tokens, files)
    with Database(engine).session() as db:
        election = db.get(Election, election_id)
        assert election is not None
        officer = db.get(Account, setup.officer.id)
        assert officer is not None
        lifecycle.open_voting(db, setup.keyring, SECRET_KEY, officer, election, factories.NOW)
        for voter_id in (v.id for v in setup.voters):
            voter = db.get(Account, voter_id)
            assert voter is not None
            cast_ballot(
                db,
                setup.keyring,
                SECRET_KEY,
                voter,
                election_id,
                {"q1": ["voor"]},
                DURING,
                second_factor_done=False,
            )
        lifecycle.close_voting(db, setup.keyring, officer, election_id, CLOSES)
        # The server now asks to decrypt only the first voter's ballot.
        from ballots import canonical_json, parse_ballot, tally_ballots
        from voting.elections.models import CastBallot

        doc = lifecycle.document(election)
        first = db.scalars(select(CastBallot).order_by(CastBallot.log_index)).first()
        assert first is not None
        honest = election.tally_json
        election.tally_json = canonical_json(
            tally_ballots(doc, [parse_ballot(first.body, doc)]).to_json()
        ).decode()
        db.commit()
    assert (
        _run(monkeypatch, tokens[1], "decrypt", "--server", url, "--secret-file", str(files[1]))
        == 1
    )
    assert "not the sum of the counted ballots" in capsys.readouterr().err
    with Database(engine).session() as db:
        election = db.get(Election, election_id)
        assert election is not None
        election.tally_json = honest
        db.commit()
    assert (
        _run(
            monkeypatch,
            tokens[1],
            "decrypt",
            "--server",
            url,
            "--secret-file",
            str(files[1]),
            "--expect-root",
            "00" * 32,
        )
        == 1
    )
    refused = capsys.readouterr()
    assert "closing state is not the one shown at the meeting" in refused.err
    assert "closing head: " in refused.out  # the state it found, to compare
    assert (
        _run(
            monkeypatch,
            tokens[1],
            "decrypt",
            "--server",
            url,
            "--secret-file",
            str(files[1]),
            "--expect-root",
            "not a root",
        )
        == 1
    )
    assert "64 hex digits" in capsys.readouterr().err
    assert (
        _run(monkeypatch, tokens[1], "decrypt", "--server", url, "--secret-file", str(files[1]))
        == 0
    )


def test_the_tool_speaks_dutch_unless_asked_for_english(
    served: tuple[Engine, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Trustees are party members: the tool, and the server's answers to it, are in Dutch by
    default (the test server's own default is English), in English on request."""
    engine, url = served
    with Database(engine).session() as db:
        setup = make_election(db, voters=1, questions=1)
        token = ceremony.issue_token(db, setup.trustee_accounts[0], setup.election, factories.NOW)
    monkeypatch.delenv("STEMBUS_LANGUAGE", raising=False)
    args = ("ceremony", "--server", url, "--secret-file", str(tmp_path / "t.key"))
    monkeypatch.setenv("STEMBUS_TRUSTEE_TOKEN", token)
    monkeypatch.setenv("STEMBUS_TRUSTEE_PASSPHRASE", PASSPHRASE)
    assert main(list(args)) == 0
    assert "de verkiezingscoördinator is nog niet met de sleutelceremonie begonnen" in (
        capsys.readouterr().out
    )
    # The server's refusal comes back in the tool's language too.
    monkeypatch.setenv("STEMBUS_TRUSTEE_TOKEN", "not-a-token")
    assert main(list(args)) == 1
    assert "de server weigerde (404): Dit token" in capsys.readouterr().err
    assert main([*args, "--language", "en"]) == 1
    assert "the server refused (404): This trustee token does not work" in (capsys.readouterr().err)
    monkeypatch.setenv("STEMBUS_LANGUAGE", "en_GB.UTF-8")
    assert main(list(args)) == 1
    assert "the server refused (404)" in capsys.readouterr().err
    # --language on the command line wins over the environment; the help is translated too.
    with pytest.raises(SystemExit):
        main(["--language", "nl", "--help"])
    assert "het adres van Stembus" in capsys.readouterr().out


def test_the_tool_stops_with_a_message_when_the_vote_is_cancelled(
    served: tuple[Engine, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A trustee who runs the tool after the officer cancelled the vote is told so, and the
    tool stops instead of waiting for a step that never comes."""
    engine, url = served
    with Database(engine).session() as db:
        setup = make_election(db, voters=1, questions=1)
        ceremony.start_ceremony(db, setup.officer, setup.election, factories.NOW)
        tokens = _tokens(db, setup.election)
        cancel_election(
            db,
            setup.keyring,
            SECRET_KEY,
            setup.officer,
            setup.election.id,
            "Opnieuw, met andere mensen.",
            DURING,
        )
    args = ("--server", url, "--secret-file", str(tmp_path / "t.key"))
    assert _run(monkeypatch, tokens[1], "ceremony", *args) == 1
    assert "the officer has cancelled this vote" in capsys.readouterr().err
    assert _run(monkeypatch, tokens[2], "decrypt", *args) == 1
    assert "this vote has been cancelled: its ballots are never decrypted" in (
        capsys.readouterr().err
    )
