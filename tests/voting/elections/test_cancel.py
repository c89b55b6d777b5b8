"""Cancelling a vote, and copying any vote as a new draft.

An officer cancels a vote up to and including the open state, never once voting has closed
(the ballots are counted at the meeting). A cancelled vote refuses casting, the key ceremony
and the trustees' decryption; its log says so; the members who voted get a mail. The copy is
a draft with the same questions, rules, amendments and electorate, made by the preparation
services, and the way on from a key ceremony that cannot finish.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from audit.log import Log, parse_head
from audit.record import write_record
from audit.verifier import verify_record
from ballots import TieRule, canonical_json, decrypt_share
from tests import factories
from tests.mailsink import MailSink
from tests.voting.concurrency import (
    committed_engine,
    requires_postgres,
    run_in_thread,
    wait_until_blocked,
)
from tests.voting.elections.conftest import (
    CLOSES,
    DURING,
    SECRET_KEY,
    Setup,
    make_election,
    officer_client,
    ready_and_open,
    run_ceremony,
)
from tests.voting.web import csrf_from, page_token, sign_in
from voting.accounts.models import Account, Role
from voting.auditlog import SQLLogStore, latest_head
from voting.db import Database, utcnow
from voting.elections import cancellation, ceremony, copying, lifecycle, preparation
from voting.elections.casting import NotOpen, cast_ballot
from voting.elections.ceremony import CeremonyRefused, Step
from voting.elections.models import (
    CastBallot,
    DecryptionShareRecord,
    Election,
    ElectionQuestion,
    ElectionState,
    ElectorateKind,
    QuestionKind,
    Trustee,
)
from voting.elections.preparation import RuleChoice, RulePreset
from voting.errors import Conflict, FieldError, Forbidden
from voting.events import Event
from voting.trustee.steps import Action, next_step

NOW = factories.NOW
REASON = "Sleutelbeheerder 3 deed niet mee; we stemmen opnieuw."
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


# ------------------------------------------------------------------ helpers


def _to_state(db: Session, setup: Setup, state: str) -> None:
    """Move the draft on to `state` through the services (ballots cast while open)."""
    election = setup.election
    if state == "draft":
        return
    ceremony.start_ceremony(db, setup.officer, election, NOW)
    if state == "ceremony":
        return
    run_ceremony(db, setup, NOW)
    if state == "ready":
        return
    lifecycle.open_voting(db, setup.keyring, SECRET_KEY, setup.officer, election, NOW)
    _cast(db, setup, setup.voters[0], "voor")
    if state == "open":
        return
    tally = lifecycle.close_voting(db, setup.keyring, setup.officer, election.id, CLOSES)
    if state == "closed":
        return
    doc = lifecycle.document(election)
    for trustee in election.trustees[:2]:
        share = decrypt_share(doc, tally, setup.secrets[trustee.index])
        lifecycle.receive_share(db, setup.keyring, trustee, share.to_json(), CLOSES)
    lifecycle.decrypt(db, setup.officer, election.id, CLOSES)
    if state == "decrypted":
        return
    lifecycle.publish(db, setup.keyring, setup.officer, election.id, CLOSES)


def _cast(db: Session, setup: Setup, voter: Account, choice: str) -> str:
    """Cast `choice` on the motion q1; the other questions blank, or their first option."""
    selections = {
        q.qid: [q.options[0].key] if q.min_selections else [] for q in setup.election.questions
    }
    receipt = cast_ballot(
        db,
        setup.keyring,
        SECRET_KEY,
        voter,
        setup.election.id,
        {**selections, "q1": [choice]},
        DURING,
        second_factor_done=False,
    )
    return receipt.tracking_code


def _cancel(
    client: FlaskClient, election_id: int, reason: str = REASON, *, confirm: bool = True
) -> TestResponse:
    page = client.get(f"/elections/{election_id}/manage").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "reason": reason}
    if confirm:
        data["confirm"] = "y"
    return client.post(f"/elections/{election_id}/cancel", data=data)


def _local(moment: dt.datetime) -> str:
    """A UTC moment as the form's wall-clock text in Amsterdam (the fixtures' meeting)."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Amsterdam")).strftime(LOCAL_FORMAT)


def _copy(
    client: FlaskClient,
    election_id: int,
    *,
    title: str = "Moties ALV, opnieuw",
    opens: dt.datetime | None = None,
    closes: dt.datetime | None = None,
) -> TestResponse:
    opens = opens or utcnow() + dt.timedelta(days=20)
    closes = closes or opens + dt.timedelta(days=7)
    page = client.get(f"/elections/{election_id}/copy").get_data(as_text=True)
    return client.post(
        f"/elections/{election_id}/copy",
        data={
            "csrf_token": csrf_from(page),
            "title": title,
            "opens_at": _local(opens),
            "closes_at": _local(closes),
            "cutoff": "2026-11-01",
        },
    )


def _events(db: Session, action: str | None = None) -> list[Event]:
    statement = select(Event).order_by(Event.id)
    if action is not None:
        statement = statement.where(Event.action == action)
    return list(db.scalars(statement))


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _log_entries(db: Session, election: Election) -> list[dict[str, object]]:
    log = Log(SQLLogStore(db, election.slug), election.slug)
    return [json.loads(raw) for raw in log.entries(0, log.size())]


def _branch_officer(db: Session, branch: str) -> Account:
    return factories.account(
        db,
        factories.auth_config(),
        roles=(Role.OFFICER,),
        totp=True,
        officer_branch=branch,
        branch_code=branch,
        name=f"Officer {branch}",
    )


def _shape(election: Election) -> list[tuple[object, ...]]:
    """Everything a copy must take over from each question, in order."""
    return [
        (
            q.position,
            q.kind,
            q.title,
            q.text,
            q.rule_json,
            q.min_selections,
            q.max_selections,
            q.seats,
            [(o.position, o.key, o.label) for o in q.options],
            q.amends.position if q.amends is not None else None,
            q.amends_paragraph,
        )
        for q in election.questions
    ]


# ------------------------------------------------------------------ cancelling


@pytest.mark.parametrize("state", ["draft", "ceremony", "ready", "open"])
def test_an_officer_cancels_a_vote_that_has_not_closed(
    app: Flask, db: Session, state: str, tmp_path: Path
) -> None:
    setup = make_election(db, questions=2)
    _to_state(db, setup, state)
    election = setup.election
    size_before = len(_log_entries(db, election)) if state == "open" else 0
    client = officer_client(app, db, setup.officer)
    page = client.get(f"/elections/{election.id}/manage").get_data(as_text=True)
    assert f'action="/elections/{election.id}/cancel"' in page
    assert 'name="reason"' in page
    assert 'name="confirm"' in page

    response = _cancel(client, election.id)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.expire_all()
    election = db.get(Election, election.id)
    assert election is not None
    assert election.state is ElectionState.CANCELLED
    assert election.cancel_reason == REASON
    assert election.cancelled_by_id == setup.officer.id
    assert election.cancelled_at is not None
    [event] = _events(db, "election.cancelled")
    assert event.subject == f"election:{election.id}"
    assert event.actor_id == setup.officer.id
    assert event.details == {"state": state, "told": 1 if state == "open" else 0}

    manage = client.get(f"/elections/{election.id}/manage").get_data(as_text=True)
    assert "The vote is cancelled" in manage  # the flash message
    assert REASON in manage
    assert f'action="/elections/{election.id}/cancel"' not in manage
    meeting = client.get(f"/meetings/{election.meeting_id}").get_data(as_text=True)
    assert "cancelled" in meeting
    assert REASON in meeting

    visitor = app.test_client()
    audit = visitor.get(f"/elections/{election.slug}/audit")
    projector = visitor.get(f"/meetings/{election.meeting_id}/projector").get_data(as_text=True)
    projector_state = visitor.get(f"/meetings/{election.meeting_id}/projector.json").get_json()
    if state == "open":
        # The log shows the cancellation to anyone holding the record, under a new head.
        entries = _log_entries(db, election)
        assert len(entries) == size_before + 2
        assert entries[-2]["type"] == "voting-cancelled"
        assert entries[-1]["type"] == "officer-action"
        assert entries[-1]["action"] == "voting-cancelled"
        assert entries[-1]["officer"] == f"account-{setup.officer.id}"
        assert REASON not in json.dumps(entries)
        raw = latest_head(db, election.slug)
        assert raw is not None
        assert parse_head(raw).head.size == len(entries)
        # The record of the cancelled vote verifies: everything holds, nothing is to count.
        record = tmp_path / "record"
        write_record(record, Log(SQLLogStore(db, election.slug), election.slug))
        report = verify_record(record, workers=1)
        assert report.ok, report.findings
        assert {c.name: c.items for c in report.checks}["tally"] == 0
        assert audit.status_code == 200
        assert REASON in audit.get_data(as_text=True)
        assert election.title in projector
        assert REASON in projector
        assert projector_state["cancelled"] == [election.slug]
        # The members may still look up their ballots for the appeal period, then the key goes.
        assert election.appeal_until == (election.cancelled_at + lifecycle.APPEAL_PERIOD).date()
    else:
        # Never public before: a vote cancelled before opening stays unknown to the public.
        assert audit.status_code == 404
        assert election.title not in projector
        assert projector_state["cancelled"] == []
        assert election.appeal_until is None


@pytest.mark.parametrize("state", ["closed", "decrypted", "published"])
def test_a_vote_cannot_be_cancelled_once_voting_has_closed(
    app: Flask, db: Session, state: str
) -> None:
    setup = make_election(db, questions=1)
    _to_state(db, setup, state)
    election = setup.election
    entries = len(_log_entries(db, election))
    client = officer_client(app, db, setup.officer)
    events = len(_events(db))
    page = client.get(f"/elections/{election.id}/manage").get_data(as_text=True)
    assert f'action="/elections/{election.id}/cancel"' not in page
    token = page_token(client, f"/elections/{election.id}/copy")
    response = client.post(
        f"/elections/{election.id}/cancel",
        data={"csrf_token": token, "reason": REASON, "confirm": "y"},
        follow_redirects=True,
    )
    assert "the ballots are counted at the meeting, so this vote can no longer be cancelled" in (
        response.get_data(as_text=True)
    )
    db.expire_all()
    election = db.get(Election, election.id)
    assert election is not None
    assert election.state is ElectionState(state)
    assert election.cancelled_at is None
    assert election.cancel_reason is None
    assert len(_log_entries(db, election)) == entries
    assert len(_events(db)) == events
    with pytest.raises(Conflict, match="can no longer be cancelled"):
        cancellation.cancel_election(
            db, setup.keyring, SECRET_KEY, setup.officer, election.id, REASON, CLOSES
        )


@pytest.mark.parametrize(
    ("reason", "confirm", "message"),
    [
        ("", True, "Say why the vote is cancelled."),
        ("   ", True, "Say why the vote is cancelled."),
        ("x" * 501, True, "Keep the reason to 500 characters at most."),
        (REASON, False, "Tick the box to confirm that you cancel the vote."),
    ],
)
def test_a_cancel_without_a_reason_or_confirmation_changes_nothing(
    app: Flask, db: Session, reason: str, confirm: bool, message: str
) -> None:
    setup = make_election(db, questions=1)
    _to_state(db, setup, "ceremony")
    client = officer_client(app, db, setup.officer)
    events = len(_events(db))
    response = _cancel(client, setup.election.id, reason, confirm=confirm)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="error-summary"' in html
    db.expire_all()
    assert db.get(Election, setup.election.id).state is ElectionState.CEREMONY  # type: ignore[union-attr]
    assert len(_events(db)) == events


def test_the_service_refuses_an_empty_reason_and_a_second_cancel(db: Session) -> None:
    setup = make_election(db, questions=1)
    election_id = setup.election.id
    with pytest.raises(FieldError) as refused:
        cancellation.cancel_election(
            db, setup.keyring, SECRET_KEY, setup.officer, election_id, " \n ", NOW
        )
    assert refused.value.field == "reason"
    db.rollback()
    cancellation.cancel_election(
        db, setup.keyring, SECRET_KEY, setup.officer, election_id, REASON, NOW
    )
    with pytest.raises(Conflict, match="has been cancelled"):
        cancellation.cancel_election(
            db, setup.keyring, SECRET_KEY, setup.officer, election_id, "nog een keer", NOW
        )
    db.rollback()
    assert db.get(Election, election_id).cancel_reason == REASON  # type: ignore[union-attr]
    assert len(_events(db, "election.cancelled")) == 1


def _open_now(db: Session, setup: Setup) -> Election:
    """Open the vote with its voting window around the real clock (the web checks it)."""
    ready_and_open(db, setup)
    election = setup.election
    election.opens_at = utcnow() - dt.timedelta(hours=1)
    election.closes_at = utcnow() + dt.timedelta(hours=1)
    db.commit()
    return election


def _voter_client(app: Flask, voter: Account) -> FlaskClient:
    client = app.test_client()
    sign_in(client, voter.member.email, factories.PASSWORD)
    return client


def test_a_cast_in_a_cancelled_vote_is_refused_and_nothing_is_stored(
    app: Flask, db: Session
) -> None:
    setup = make_election(db, voters=2, questions=1)
    election = _open_now(db, setup)
    voter = _voter_client(app, setup.voters[0])
    token = page_token(voter, f"/vote/{election.slug}")
    assert _cancel(officer_client(app, db, setup.officer), election.id).status_code == 302
    ballots = _count(db, CastBallot)
    entries = len(_log_entries(db, election))

    cast = voter.post(
        f"/vote/{election.slug}",
        data=MultiDict(
            [("csrf_token", token), ("mode", "all"), ("action", "cast"), ("q1", "voor")]
        ),
    )
    assert cast.status_code == 409
    html = cast.get_data(as_text=True)
    assert "This vote has been cancelled." in html
    assert REASON in html
    assert voter.get(f"/vote/{election.slug}").status_code == 409
    db.expire_all()
    assert _count(db, CastBallot) == ballots
    assert len(_log_entries(db, election)) == entries
    with pytest.raises(NotOpen, match="This vote has been cancelled"):
        cast_ballot(
            db,
            setup.keyring,
            SECRET_KEY,
            setup.voters[1],
            election.id,
            {"q1": ["tegen"]},
            utcnow(),
            second_factor_done=False,
        )
    assert _count(db, CastBallot) == ballots

    # The voter's list says so, with the reason; in Dutch for a Dutch member.
    listing = voter.get("/vote/").get_data(as_text=True)
    assert "This vote was cancelled on" in listing
    assert REASON in listing
    setup.voters[0].locale = "nl"
    db.commit()
    dutch = voter.get(f"/vote/{election.slug}").get_data(as_text=True)
    assert "Deze stemming is geannuleerd." in dutch


def test_a_vote_cancelled_before_it_opened_stays_unknown_to_members(
    app: Flask, db: Session
) -> None:
    """Members never saw a vote that did not open: after cancelling, its page is a 404 (not
    "you are not on the list", which would show its title)."""
    setup = make_election(db, questions=1)
    _to_state(db, setup, "ready")
    assert _cancel(officer_client(app, db, setup.officer), setup.election.id).status_code == 302
    voter = app.test_client()
    sign_in(voter, setup.voters[0].member.email, factories.PASSWORD)
    page = voter.get(f"/vote/{setup.election.slug}")
    assert page.status_code == 404
    assert setup.election.title not in page.get_data(as_text=True)
    assert setup.election.title not in voter.get("/vote/").get_data(as_text=True)


@pytest.fixture
def race_engine(tmp_path: Path) -> Iterator[Engine]:
    yield from committed_engine(tmp_path, "cancel_race")


@requires_postgres
def test_the_cancellation_waits_for_a_cast_under_way(race_engine: Engine) -> None:
    """A cast holds the election row shared until it commits; cancelling waits for it, and
    then counts its voter among those to tell."""
    with Database(race_engine).session() as session:
        setup = make_election(session, voters=1, questions=1)
        ready_and_open(session, setup)
        election_id, officer_id, voter_id = (
            setup.election.id,
            setup.officer.id,
            setup.voters[0].id,
        )
    with race_engine.connect() as connection:
        # The cast's own commit only releases a savepoint: its locks stay until `outer` ends.
        outer = connection.begin()
        with Database(race_engine, bind=connection).session() as casting:
            voter = casting.get(Account, voter_id)
            assert voter is not None
            cast_ballot(
                casting,
                setup.keyring,
                SECRET_KEY,
                voter,
                election_id,
                {"q1": ["voor"]},
                DURING,
                second_factor_done=False,
            )

            def cancel(session: object) -> object:
                assert isinstance(session, Session)
                officer = session.get(Account, officer_id)
                assert officer is not None
                return cancellation.cancel_election(
                    session, setup.keyring, SECRET_KEY, officer, election_id, REASON, DURING
                )

            thread, outcome = run_in_thread(race_engine, cancel)
            blocked = wait_until_blocked(race_engine, outcome)
        outer.commit()
    thread.join(30)
    assert blocked, "cancelling did not wait for the cast"
    assert outcome.error is None, outcome.error
    assert [a.id for a in outcome.value] == [voter_id]  # type: ignore[attr-defined]


@requires_postgres
def test_a_cast_waiting_behind_the_cancellation_is_refused(race_engine: Engine) -> None:
    """T19 for cancelling: it takes the election row exclusively, as closing does, so a cast
    under way either commits first or waits and then finds the vote cancelled."""
    with Database(race_engine).session() as session:
        setup = make_election(session, voters=1, questions=1)
        ready_and_open(session, setup)
        election_id, voter_id, officer_id = (
            setup.election.id,
            setup.voters[0].id,
            setup.officer.id,
        )
    with Database(race_engine).session() as cancelling:
        lifecycle.lock_election(cancelling, election_id)  # the cancellation is under way

        def cast(session: object) -> object:
            assert isinstance(session, Session)
            voter = session.get(Account, voter_id)
            assert voter is not None
            return cast_ballot(
                session,
                setup.keyring,
                SECRET_KEY,
                voter,
                election_id,
                {"q1": ["voor"]},
                DURING,
                second_factor_done=False,
            )

        thread, outcome = run_in_thread(race_engine, cast)
        blocked = wait_until_blocked(race_engine, outcome)
        officer = cancelling.get(Account, officer_id)
        assert officer is not None
        cancellation.cancel_election(
            cancelling, setup.keyring, SECRET_KEY, officer, election_id, REASON, DURING
        )
    thread.join(30)
    assert blocked, "the cast did not wait for the cancellation's lock"
    assert isinstance(outcome.error, NotOpen), outcome.error
    with Database(race_engine).session() as check:
        assert _count(check, CastBallot) == 0
        election = check.get(Election, election_id)
        assert election is not None
        assert _log_entries(check, election)[-1]["action"] == "voting-cancelled"


def test_closing_and_counting_never_reach_a_cancelled_vote(app: Flask, db: Session) -> None:
    setup = make_election(db, voters=2, questions=1)
    _to_state(db, setup, "open")
    election = setup.election
    cancellation.cancel_election(
        db, setup.keyring, SECRET_KEY, setup.officer, election.id, REASON, DURING
    )
    assert lifecycle.close_due(db, setup.keyring, CLOSES) == []
    with pytest.raises(Conflict):
        lifecycle.close_voting(db, setup.keyring, setup.officer, election.id, CLOSES)
    db.rollback()
    with pytest.raises(Conflict):
        lifecycle.decrypt(db, setup.officer, election.id, CLOSES)
    db.rollback()
    assert election.tally_json is None
    assert election.state is ElectionState.CANCELLED


def test_the_trustees_endpoints_refuse_a_cancelled_vote(app: Flask, db: Session) -> None:
    setup = make_election(db, questions=1)
    _to_state(db, setup, "ceremony")
    election = setup.election
    tokens = [
        ceremony.issue_token(db, account, election, NOW) for account in setup.trustee_accounts
    ]
    cancellation.cancel_election(
        db, setup.keyring, SECRET_KEY, setup.officer, election.id, REASON, NOW
    )
    api = app.test_client()
    headers = {"Authorization": f"Bearer {tokens[0]}"}
    board = api.get("/api/trustee/board", headers=headers).get_json()
    assert board["state"] == "cancelled"
    assert board["step"] == "cancelled"
    trustee = election.trustees[0]
    step = next_step(
        {**board, "step": "announce"}, None
    )  # what the tool would post had it not been cancelled
    assert step.action is Action.ANNOUNCE
    for path, body in (
        ("announcement", step.payload),
        ("confirm", {"trustee": trustee.index}),
        ("decryption", {"trustee": trustee.index}),
    ):
        response = api.post(f"/api/trustee/{path}", data=canonical_json(body), headers=headers)
        assert response.status_code == 400, path
        assert response.get_json()["error"] == "cancelled", path
        assert "This vote has been cancelled" in response.get_json()["message"], path
    db.expire_all()
    assert db.get(Trustee, trustee.id).announced_at is None  # type: ignore[union-attr]
    assert _count(db, DecryptionShareRecord) == 0
    with pytest.raises(CeremonyRefused, match="cancelled"):
        ceremony.confirm(db, trustee, NOW)
    with pytest.raises(lifecycle.ShareRefused) as refused:
        lifecycle.receive_share(db, setup.keyring, trustee, {"trustee": 1}, NOW)
    assert refused.value.check == "cancelled"
    with pytest.raises(Conflict, match="cancelled"):
        ceremony.issue_token(db, setup.trustee_accounts[0], election, NOW)
    db.rollback()
    assert ceremony.step(db, election) is Step.CANCELLED
    trustee_page = officer_client(app, db, setup.trustee_accounts[1]).get("/trustee")
    html = trustee_page.get_data(as_text=True)
    assert "stopped: the vote was cancelled" in html
    assert f"/trustee/{election.id}/token" not in html


def test_an_open_vote_is_not_decrypted_after_cancelling(app: Flask, db: Session) -> None:
    setup = make_election(db, voters=2, questions=1)
    _to_state(db, setup, "open")
    election = setup.election
    trustee = election.trustees[0]
    account = db.get(Account, trustee.account_id)
    assert account is not None
    token = ceremony.issue_token(db, account, election, NOW)
    cancellation.cancel_election(
        db, setup.keyring, SECRET_KEY, setup.officer, election.id, REASON, DURING
    )
    response = app.test_client().post(
        "/api/trustee/decryption",
        data=json.dumps({"trustee": trustee.index}),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "cancelled"
    assert _count(db, DecryptionShareRecord) == 0


def test_the_members_who_voted_are_told_by_mail_and_nobody_else(
    app: Flask, db: Session, mail: MailSink
) -> None:
    setup = make_election(db, voters=3, questions=2)
    _to_state(db, setup, "ready")
    election = setup.election
    lifecycle.open_voting(db, setup.keyring, SECRET_KEY, setup.officer, election, NOW)
    silent, first, second = setup.voters  # the lowest account id would be mailed first
    codes = [_cast(db, setup, first, "voor"), _cast(db, setup, second, "tegen")]
    codes.append(_cast(db, setup, second, "onthouding"))  # a revote: still one mail
    assert [a.id for a in cancellation.voters_who_cast(db, SECRET_KEY, election)] == [
        first.id,
        second.id,
    ]
    mail.clear()

    assert _cancel(officer_client(app, db, setup.officer), election.id).status_code == 302
    for voter in (first, second):
        [message] = mail.wait_for(1, to=voter.member.email)
        assert message["Subject"] == f"Vote cancelled: {election.title}"
        body = mail.body_of(message)
        assert voter.member.name in body
        assert election.title in body
        assert REASON in body
        for secret in ("voor", "tegen", "onthouding", "Anna", "Bram", *codes):
            assert secret not in body
    assert all(m["To"] != silent.member.email for m in mail.messages)
    assert len([m for m in mail.messages if m["Subject"].startswith("Vote cancelled")]) == 2
    [event] = _events(db, "election.cancelled")
    assert event.details == {"state": "open", "told": 2}


def test_a_branch_officer_can_neither_cancel_nor_copy_a_party_wide_vote(
    app: Flask, db: Session
) -> None:
    setup = make_election(db, questions=2)
    _to_state(db, setup, "ceremony")
    election = setup.election
    officer = _branch_officer(db, "groningen")
    client = officer_client(app, db, officer)
    elections, events = _count(db, Election), len(_events(db))
    token = page_token(client, "/privacy")
    assert client.get(f"/elections/{election.id}/copy").status_code == 403
    for path, data in (
        ("cancel", {"reason": REASON, "confirm": "y"}),
        (
            "copy",
            {
                "title": "Kopie",
                "opens_at": _local(utcnow() + dt.timedelta(days=20)),
                "closes_at": _local(utcnow() + dt.timedelta(days=27)),
                "cutoff": "2026-11-01",
            },
        ),
    ):
        response = client.post(
            f"/elections/{election.id}/{path}", data={"csrf_token": token, **data}
        )
        assert response.status_code == 403, path
    with pytest.raises(Forbidden):
        cancellation.cancel_election(
            db, setup.keyring, SECRET_KEY, officer, election.id, REASON, NOW
        )
    db.rollback()
    with pytest.raises(Forbidden):
        copying.copy_election(
            db,
            officer,
            election,
            title="Kopie",
            opens_local=dt.datetime(2026, 12, 20, 10, 0),
            closes_local=dt.datetime(2026, 12, 27, 10, 0),
            cutoff=dt.date(2026, 11, 1),
            now=NOW,
        )
    db.rollback()
    db.expire_all()
    assert db.get(Election, election.id).state is ElectionState.CEREMONY  # type: ignore[union-attr]
    assert _count(db, Election) == elections
    assert len(_events(db)) == events


# ------------------------------------------------------------------ copying


def _richer_rules(db: Session, setup: Setup) -> None:
    """Two more questions whose rules use every choice an officer has."""
    preparation.add_question(
        db,
        setup.officer,
        setup.election,
        kind=QuestionKind.BUDGET_LINE,
        title="Begroting: campagne",
        text="€ 20.000 voor de campagne.",
        rule=RuleChoice(
            RulePreset.SIMPLE,
            quorum_percent=20,
            abstain_counts=True,
            blank_counts=True,
            tie=TieRule.CHAIR,
            supermajority=(3, 5),
        ),
        now=NOW,
    )
    preparation.add_question(
        db,
        setup.officer,
        setup.election,
        kind=QuestionKind.MULTIPLE_CHOICE,
        title="Waar is de volgende ALV?",
        text="",
        rule=RuleChoice(RulePreset.PLURALITY, blank_counts=True, tie=TieRule.LOT),
        options=["Utrecht", "Zwolle", "Groningen"],
        min_selections=0,
        max_selections=2,
        now=NOW,
    )
    preparation.add_question(
        db,
        setup.officer,
        setup.election,
        kind=QuestionKind.MOTION,
        title="Statutenwijziging",
        text="Artikel 3 vervalt.",
        rule=RuleChoice(RulePreset.TWO_THIRDS, quorum_percent=50),
        now=NOW,
    )


def test_a_copy_is_a_draft_equal_to_its_source(app: Flask, db: Session) -> None:
    setup = make_election(db, questions=4)
    _richer_rules(db, setup)
    source = setup.election
    client = officer_client(app, db, setup.officer)
    page = client.get(f"/elections/{source.id}/copy").get_data(as_text=True)
    assert 'value="Moties ALV (copy)"' in page
    # The source's times are still ahead, so the form offers them.
    assert re.search(rf'name="opens_at"[^>]*value="{_local(source.opens_at)}"', page)
    assert 'value="2026-11-01"' in page

    opens = utcnow() + dt.timedelta(days=30)
    response = _copy(client, source.id, opens=opens)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    copy_id = int(response.headers["Location"].split("/")[-2])
    assert response.headers["Location"] == f"/elections/{copy_id}/manage"
    manage = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This is a copy of “Moties ALV”: a new draft." in manage
    db.expire_all()
    copy = db.get(Election, copy_id)
    source = db.get(Election, source.id)  # type: ignore[assignment]
    assert copy is not None
    assert copy.id != source.id
    assert copy.slug != source.slug
    assert copy.meeting_id == source.meeting_id
    assert copy.title == "Moties ALV, opnieuw"
    assert copy.state is ElectionState.DRAFT
    assert _shape(copy) == _shape(source)
    assert len(copy.questions) == 7
    amendment = next(q for q in copy.questions if q.kind is QuestionKind.AMENDMENT)
    assert amendment.amends is not None
    assert amendment.amends.election_id == copy.id
    assert (amendment.amends.position, amendment.amends_paragraph) == (1, 2)
    for name in ("electorate_kind", "electorate_branch_id", "require_second_factor", "threshold"):
        assert getattr(copy, name) == getattr(source, name), name
    assert copy.electorate_cutoff == dt.date(2026, 11, 1)
    assert copy.opens_at == opens.replace(second=0, microsecond=0)
    assert copy.trustees == []
    assert copy.created_by_id == setup.officer.id
    [event] = _events(db, "election.copied")
    assert event.subject == f"election:{copy.id}"
    assert event.details == {"source": source.id, "questions": 7}
    # The source is untouched.
    assert source.state is ElectionState.DRAFT
    assert len(source.questions) == 7


@pytest.mark.parametrize("state", ["cancelled", "published"])
def test_a_cancelled_or_published_vote_copies_without_its_ceremony_or_ballots(
    app: Flask, db: Session, state: str
) -> None:
    setup = make_election(db, questions=4)
    if state == "published":
        _to_state(db, setup, "published")
    else:
        _to_state(db, setup, "open")
        cancellation.cancel_election(
            db, setup.keyring, SECRET_KEY, setup.officer, setup.election.id, REASON, DURING
        )
    source = setup.election
    assert source.state is ElectionState(state)
    client = officer_client(app, db, setup.officer)
    page = client.get(f"/elections/{source.id}/copy").get_data(as_text=True)
    if state == "cancelled":
        assert REASON in page
    response = _copy(client, source.id)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    db.expire_all()
    copy = db.scalars(select(Election).order_by(Election.id.desc())).first()
    assert copy is not None
    assert copy.id != source.id
    assert _shape(copy) == _shape(db.get(Election, source.id))  # type: ignore[arg-type]
    assert copy.state is ElectionState.DRAFT
    for name in (
        "key_json",
        "election_json",
        "electorate_size",
        "opened_at",
        "closed_at",
        "tally_json",
        "closing_root",
        "result_json",
        "published_at",
        "pseudonym_key",
        "appeal_until",
        "cancelled_at",
        "cancel_reason",
    ):
        assert getattr(copy, name) is None, name
    assert copy.trustees == []
    assert db.scalar(select(func.count()).where(CastBallot.election_id == copy.id)) == 0
    assert latest_head(db, copy.slug) is None


def test_a_copy_asks_again_for_times_that_have_passed_and_refuses_them(
    app: Flask, db: Session
) -> None:
    setup = make_election(db, questions=2)
    source = setup.election
    source.opens_at = utcnow() - dt.timedelta(days=10)
    source.closes_at = utcnow() - dt.timedelta(days=3)
    db.commit()
    client = officer_client(app, db, setup.officer)
    page = client.get(f"/elections/{source.id}/copy").get_data(as_text=True)
    assert re.search(r'name="opens_at"[^>]*value=""', page)
    assert re.search(r'name="closes_at"[^>]*value=""', page)
    elections, events = _count(db, Election), len(_events(db))
    response = _copy(
        client, source.id, opens=source.opens_at, closes=utcnow() + dt.timedelta(days=3)
    )
    assert response.status_code == 400
    assert "Voting cannot open in the past." in response.get_data(as_text=True)
    response = _copy(client, source.id, title="")
    assert response.status_code == 400
    assert "Give the vote a name." in response.get_data(as_text=True)
    db.expire_all()
    assert _count(db, Election) == elections
    assert db.scalar(select(func.count()).select_from(ElectionQuestion)) == 2
    assert len(_events(db)) == events


def test_a_branch_officer_copies_a_vote_of_their_own_branch(app: Flask, db: Session) -> None:
    setup = make_election(db, questions=1)
    officer = _branch_officer(db, "groningen")
    branch_id = factories.branch(db, "groningen").id
    own = preparation.create_election(
        db,
        officer,
        setup.election.meeting,
        title="Afdelingsvoorzitter Groningen",
        opens_local=dt.datetime(2026, 12, 1, 10, 0),
        closes_local=dt.datetime(2026, 12, 10, 19, 0),
        electorate_kind=ElectorateKind.BRANCH,
        branch_id=branch_id,
        cutoff=dt.date(2026, 10, 1),
        require_second_factor=True,
        now=NOW,
    )
    preparation.add_question(
        db,
        officer,
        own,
        kind=QuestionKind.APPROVAL,
        title="Voorzitter",
        text="Kies een voorzitter.",
        rule=RuleChoice(RulePreset.APPROVAL, tie=TieRule.LOT),
        options=["Anna", "Bram"],
        seats=1,
        now=NOW,
    )
    response = _copy(officer_client(app, db, officer), own.id, title="Voorzitter, tweede ronde")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    db.expire_all()
    copy = db.scalars(select(Election).where(Election.title == "Voorzitter, tweede ronde")).one()
    assert (copy.electorate_kind, copy.electorate_branch_id) == (ElectorateKind.BRANCH, branch_id)
    assert copy.require_second_factor is True
    assert _shape(copy) == _shape(own)


def test_a_rule_no_choice_expresses_is_refused_rather_than_changed() -> None:
    from ballots import Comparison, Fraction, MajorityRule, RuleKind

    odd_quorum = MajorityRule(
        RuleKind.MAJORITY, Fraction(1, 2), Comparison.MORE_THAN, TieRule.REJECTED, Fraction(1, 3)
    )
    with pytest.raises(Conflict, match="cannot be copied"):
        RuleChoice.from_rule(odd_quorum)
    more_than_60 = MajorityRule(
        RuleKind.MAJORITY, Fraction(3, 5), Comparison.MORE_THAN, TieRule.REJECTED
    )
    with pytest.raises(Conflict, match="cannot be copied"):
        RuleChoice.from_rule(more_than_60)


# ------------------------------------------------------------------ the way out of a stuck ceremony


def _ceremony_round(db: Session, setup: Setup, skip: frozenset[int] = frozenset()) -> None:
    """Every trustee's tool takes its next step (as `stembus-trustee` does)."""
    for trustee in setup.election.trustees:
        if trustee.index in skip:
            continue
        step = next_step(
            ceremony.board(db, setup.election, trustee), setup.secrets.get(trustee.index)
        )
        if step.secret is not None:
            setup.secrets[trustee.index] = step.secret
        items = step.payload if isinstance(step.payload, list) else []
        if step.action is Action.ANNOUNCE:
            ceremony.post_announcement(db, trustee, step.payload, NOW)  # type: ignore[arg-type]
        elif step.action is Action.DEAL:
            ceremony.post_shares(db, trustee, items, NOW)
        elif step.action is Action.COMPLAIN:
            ceremony.post_complaints(db, trustee, items, NOW)


def test_a_ceremony_left_with_too_few_trustees_is_cancelled_copied_and_redone(
    app: Flask, db: Session
) -> None:
    """Three trustees, all three needed. Trustee 3 deals trustee 1 a bad share and never
    answers the complaint: closing the complaints would leave two qualified trustees, fewer
    than three, so the ceremony cannot finish. The officer cancels, copies, and the copy's
    ceremony with another trustee completes and opens."""
    setup = make_election(db, voters=2, trustees=3, threshold=3, questions=3)
    election = setup.election
    ceremony.start_ceremony(db, setup.officer, election, NOW)
    _ceremony_round(db, setup)  # everyone announces
    _ceremony_round(db, setup, skip=frozenset({3}))  # 1 and 2 deal honestly
    dealt = next_step(ceremony.board(db, election, election.trustees[2]), setup.secrets[3])
    assert isinstance(dealt.payload, list)
    shares = [dict(s) for s in dealt.payload]  # type: ignore[arg-type]
    to_one = next(s for s in shares if s["recipient"] == 1)
    to_one["ciphertext"] = next(s for s in shares if s["recipient"] == 2)["ciphertext"]
    ceremony.post_shares(db, election.trustees[2], shares, NOW)  # type: ignore[arg-type]
    _ceremony_round(db, setup)  # everyone checks; trustee 1 complains about trustee 3
    assert ceremony.step(db, election) is Step.ANSWER

    client = officer_client(app, db, setup.officer)
    token = csrf_from(client.get(f"/elections/{election.id}/manage").get_data(as_text=True))
    stuck = client.post(f"/elections/{election.id}/ceremony/resolve", data={"csrf_token": token})
    assert stuck.status_code == 400
    assert "Cancel this vote and copy it as a new draft" in stuck.get_data(as_text=True)
    db.expire_all()
    assert db.get(Election, election.id).state is ElectionState.CEREMONY  # type: ignore[union-attr]

    assert _cancel(client, election.id).status_code == 302
    response = _copy(client, election.id)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    db.expire_all()
    copy = db.get(Election, int(response.headers["Location"].split("/")[-2]))
    assert copy is not None
    assert copy.threshold == 3
    newcomer = factories.account(
        db, factories.auth_config(), roles=(Role.TRUSTEE,), name="Trustee 4"
    )
    chosen = [setup.trustee_accounts[0], setup.trustee_accounts[1], newcomer]
    page = client.get(f"/elections/{copy.id}/manage").get_data(as_text=True)
    assert re.search(r'name="threshold"[^>]*value="3"', page)
    saved = client.post(
        f"/elections/{copy.id}/trustees",
        data=MultiDict(
            [("csrf_token", csrf_from(page)), ("threshold", "3")]
            + [("trustees", str(a.id)) for a in chosen]
        ),
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:800]
    started = client.post(f"/elections/{copy.id}/ceremony", data={"csrf_token": csrf_from(page)})
    assert started.status_code == 302
    db.expire_all()
    copy = db.get(Election, copy.id)
    assert copy is not None
    assert copy.state is ElectionState.CEREMONY
    assert sorted(t.account_id for t in copy.trustees) == sorted(a.id for a in chosen)
    again = Setup(copy, setup.officer, chosen, setup.voters, setup.keyring)
    run_ceremony(db, again, utcnow())
    assert copy.state is ElectionState.READY
    assert ceremony.key_of(copy).qualified == (1, 2, 3)
    lifecycle.open_voting(db, setup.keyring, SECRET_KEY, setup.officer, copy, utcnow())
    assert copy.state is ElectionState.OPEN
    # The cancelled vote stays cancelled, its trustee 3 still without an answer.
    assert db.get(Election, election.id).state is ElectionState.CANCELLED  # type: ignore[union-attr]
