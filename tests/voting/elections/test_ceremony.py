"""The server's side of the key ceremony: it checks every message, resolves complaints
and disqualifies a dealer whose share fails; the rest of the ceremony still makes a key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entries import TrusteeComplaint, parse_entry
from audit.log import Log
from audit.record import write_record
from audit.verifier import verify_record
from ballots import ComplaintCheck, TrusteeSecret, canonical_json, election_key
from ballots.canonical import b64decode, b64encode
from ballots.complaints import seal_complaint
from ballots.group import Scalar
from tests import factories
from tests.voting.elections.conftest import SECRET_KEY, Setup, make_election, officer_client
from voting.accounts.models import Role
from voting.accounts.services import disable_account
from voting.admin.services import revoke_role
from voting.auditlog import SQLLogStore
from voting.elections import ceremony
from voting.elections.ceremony import CeremonyRefused, Step
from voting.elections.lifecycle import open_voting
from voting.elections.models import ElectionState
from voting.errors import NotFound
from voting.events import Event
from voting.trustee.steps import Action, BoardError, Next, next_step

NOW = factories.NOW


def _act(db: Session, setup: Setup, index: int, step: Next) -> None:
    trustee = setup.election.trustees[index - 1]
    if step.secret is not None:
        setup.secrets[index] = step.secret
    items = step.payload if isinstance(step.payload, list) else []
    if step.action is Action.ANNOUNCE:
        ceremony.post_announcement(db, trustee, step.payload, NOW)  # type: ignore[arg-type]
    elif step.action is Action.DEAL:
        ceremony.post_shares(db, trustee, items, NOW)
    elif step.action is Action.COMPLAIN:
        ceremony.post_complaints(db, trustee, items, NOW)
    elif step.action is Action.ANSWER:
        ceremony.post_answers(db, trustee, items, NOW)
    elif step.action is Action.CONFIRM:
        ceremony.confirm(db, trustee, NOW)


def _next(db: Session, setup: Setup, index: int) -> Next:
    trustee = setup.election.trustees[index - 1]
    return next_step(ceremony.board(db, setup.election, trustee), setup.secrets.get(index))


def _round(db: Session, setup: Setup, skip: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    for index in (1, 2, 3):
        if index in skip:
            continue
        step = _next(db, setup, index)
        if step.action not in {Action.WAIT, Action.DONE}:
            _act(db, setup, index, step)


def _deal_with_a_broken_share(db: Session, setup: Setup) -> None:
    """Trustees 1 and 2 deal honestly; trustee 3 sends trustee 1 a share that is not theirs."""
    ceremony.start_ceremony(db, setup.officer, setup.election, NOW)
    _round(db, setup)  # announce
    assert ceremony.step(db, setup.election) is Step.DEAL
    _round(db, setup, skip={3})
    honest = _next(db, setup, 3)
    assert isinstance(honest.payload, list)
    shares = [dict(s) for s in honest.payload]  # type: ignore[arg-type]
    for share in shares:
        if share["recipient"] == 1:
            other = next(s for s in shares if s["recipient"] == 2)
            share["ciphertext"] = other["ciphertext"]  # encrypted to someone else
    ceremony.post_shares(db, setup.election.trustees[2], shares, NOW)  # type: ignore[arg-type]


def test_a_dealer_who_does_not_answer_a_complaint_is_disqualified_and_the_key_is_made_without_them(
    db: Session, tmp_path: Path
) -> None:
    setup = make_election(db, voters=1, trustees=3, threshold=2)
    _deal_with_a_broken_share(db, setup)
    _round(db, setup)  # every trustee checks; trustee 1 complains about trustee 3
    assert ceremony.step(db, setup.election) is Step.ANSWER
    # The share trustee 1 got was not one trustee 3 sent it (it was another's): trustee 3's
    # tool does not answer, which would reveal the share to whoever changed the message.
    refused = _next(db, setup, 3)
    assert refused.action is Action.WAIT
    assert "for trustee 1 is not answered" in refused.reason
    board = ceremony.board(db, setup.election, setup.election.trustees[0])
    assert [c["dealer"] for c in board["complaints"]] == [3]  # type: ignore[index, union-attr]
    with pytest.raises(CeremonyRefused, match="step"):
        ceremony.confirm(db, setup.election.trustees[0], NOW)
    ceremony.resolve_unanswered(db, setup.officer, setup.election, NOW)
    assert setup.election.trustees[2].disqualified_at is not None
    events = {
        e.action: json.loads(e.details_json)
        for e in db.scalars(select(Event).where(Event.subject == f"election:{setup.election.id}"))
    }
    assert events["election.trustee-disqualified"] == {
        "trustee": 3,
        "complaints": 1,
        "unanswered": 1,
    }
    assert events["election.key-made"] == {"trustees": 2, "disqualified": 1, "threshold": 2}
    assert "election.complaints-closed" in events
    stopped = _next(db, setup, 3)  # the disqualified dealer's tool does not try to confirm
    assert stopped.action is Action.STOP
    assert "the complaints disqualified you" in stopped.reason
    for _ in range(2):
        _round(db, setup)
    assert setup.election.state is ElectionState.READY
    key = ceremony.key_of(setup.election)
    assert key.qualified == (1, 2)
    _assert_logged_complaints(db, setup, tmp_path, [(3, 1, False, "disqualified")])


def test_an_answered_complaint_about_a_good_share_is_dismissed(db: Session, tmp_path: Path) -> None:
    """A trustee who complains without reason cannot knock out an honest dealer."""
    setup = make_election(db, voters=1, trustees=3, threshold=2)
    ceremony.start_ceremony(db, setup.officer, setup.election, NOW)
    _round(db, setup)
    _round(db, setup)  # deal honestly
    # Trustee 2 checks and complains about trustee 1 although the share was fine (a sealed
    # complaint of its own: trustee 2 is the dishonest one here, not its tool).
    step = _next(db, setup, 2)
    assert step.action is Action.COMPLAIN
    dealer = ceremony.announcements(db, setup.election)[0]
    board = ceremony.board(db, setup.election, setup.election.trustees[1])
    received = next(s for s in board["shares"] if s["dealer"] == 1)  # type: ignore[index, union-attr]
    groundless = seal_complaint(
        setup.secrets[2],
        dealer,
        ComplaintCheck.COMMITMENT,
        b64decode(received["ciphertext"], field="ciphertext"),  # type: ignore[index]
    )
    ceremony.post_complaints(db, setup.election.trustees[1], [groundless.to_json()], NOW)
    _round(db, setup, skip={2})  # the others check
    _round(db, setup, skip={2})  # trustee 1 answers by revealing the share
    assert setup.election.trustees[0].disqualified_at is None
    actions = db.scalars(select(Event.action).where(Event.action.like("election.%"))).all()
    assert "election.trustee-disqualified" not in actions
    assert actions.count("election.key-made") == 1
    _round(db, setup, skip={2})  # trustees 1 and 3 confirm
    ceremony.confirm(db, setup.election.trustees[1], NOW)
    assert setup.election.state is ElectionState.READY
    assert ceremony.key_of(setup.election).qualified == (1, 2, 3)
    _assert_logged_complaints(db, setup, tmp_path, [(1, 2, True, "dismissed")])


def _assert_logged_complaints(
    db: Session, setup: Setup, tmp_path: Path, expected: list[tuple[int, int, bool, str]]
) -> None:
    """Once voting opens, the log holds each complaint (dealer, complainant, answered,
    verdict), and the verifier recomputes the verdicts and who made the key."""
    open_voting(db, setup.keyring, SECRET_KEY, setup.officer, setup.election, NOW)
    log = Log(SQLLogStore(db, setup.election.slug), setup.election.slug)
    entries = [parse_entry(raw, i) for i, raw in enumerate(log.entries())]
    logged = [
        (e.complaint["dealer"], e.complaint["complainant"], e.answer is not None, e.verdict)
        for e in entries
        if isinstance(e, TrusteeComplaint)
    ]
    assert logged == expected
    report = verify_record(write_record(tmp_path / "record", log), workers=1)
    covered = {c.name: c.items for c in report.checks}
    assert covered["trustee-complaint"] == len(expected) + 1
    assert not [f for f in report.findings if f.check in {"trustee-complaint", "lifecycle"}]


def test_messages_out_of_turn_or_for_another_seat_are_refused(db: Session) -> None:
    setup = make_election(db, voters=1)
    ceremony.start_ceremony(db, setup.officer, setup.election, NOW)
    first = _next(db, setup, 1)
    with pytest.raises(CeremonyRefused, match="step"):
        ceremony.post_shares(db, setup.election.trustees[0], [], NOW)
    with pytest.raises(CeremonyRefused, match="another vote, seat or threshold"):
        ceremony.post_announcement(db, setup.election.trustees[1], first.payload, NOW)  # type: ignore[arg-type]
    ceremony.post_announcement(db, setup.election.trustees[0], first.payload, NOW)  # type: ignore[arg-type]
    with pytest.raises(CeremonyRefused, match="already announced"):
        ceremony.post_announcement(db, setup.election.trustees[0], first.payload, NOW)  # type: ignore[arg-type]
    with pytest.raises(CeremonyRefused, match="not valid"):
        ceremony.post_announcement(db, setup.election.trustees[1], {"version": 1}, NOW)
    assert isinstance(setup.secrets, dict)
    assert isinstance(first.secret, TrusteeSecret)


def test_a_tool_does_not_confirm_a_key_that_leaves_out_a_trustee_no_complaint_disqualifies(
    db: Session,
) -> None:
    """A dishonest server makes the key from trustees 1 and 2 only, though nobody complained
    about trustee 3; the trustees' tools refuse to confirm it."""
    setup = make_election(db, voters=1, trustees=3, threshold=2)
    ceremony.start_ceremony(db, setup.officer, setup.election, NOW)
    for _ in range(3):  # announce, deal, check: the key is made
        _round(db, setup)
    assert ceremony.step(db, setup.election) is Step.CONFIRM
    honest = ceremony.key_of(setup.election)
    assert honest.qualified == (1, 2, 3)
    board = ceremony.board(db, setup.election, setup.election.trustees[0])
    about_nobody = {
        "version": 1,
        "election_id": setup.election.slug,
        "dealer": 7,
        "complainant": 2,
        "check": "share-decrypt",
        "seal": "A" * 60,
    }
    short = {**board, "announcements": board["announcements"][:2]}  # type: ignore[index]
    with pytest.raises(BoardError, match="exactly one announcement of every trustee"):
        next_step(short, setup.secrets[1])  # the server leaves trustee 3 out
    hostile = {**board, "complaints": [about_nobody]}
    with pytest.raises(BoardError, match="trustee 7, who did not announce"):
        next_step(hostile, setup.secrets[1])
    narrowed = election_key(ceremony.announcements(db, setup.election), {3})
    setup.election.key_json = canonical_json(narrowed.to_json()).decode()
    db.commit()
    with pytest.raises(BoardError, match="should be made by trustees 1, 2, 3"):
        _next(db, setup, 1)


def test_complaints_about_a_seat_that_does_not_exist_or_twice_are_refused(db: Session) -> None:
    """A complaint about trustee 9 of 3 would stall the ceremony when its verdict is made;
    two about one share would break the board's uniqueness. Both are refused, nothing kept."""
    setup = make_election(db, voters=1, trustees=3, threshold=2)
    ceremony.start_ceremony(db, setup.officer, setup.election, NOW)
    _round(db, setup)  # announce
    _round(db, setup)  # deal
    dealer = ceremony.announcements(db, setup.election)[0]
    real = seal_complaint(setup.secrets[2], dealer, ComplaintCheck.COMMITMENT, None).to_json()
    trustee = setup.election.trustees[1]
    with pytest.raises(CeremonyRefused, match="about another trustee"):
        ceremony.post_complaints(db, trustee, [{**real, "dealer": 9}], NOW)
    db.rollback()
    with pytest.raises(CeremonyRefused, match="at most one complaint"):
        ceremony.post_complaints(db, trustee, [real, real], NOW)
    db.rollback()
    assert trustee.checked_at is None
    assert ceremony.board(db, setup.election, trustee)["complaints"] == []


def test_answers_to_no_open_complaint_or_twice_are_refused(db: Session) -> None:
    """An answer reveals a share: the server takes one only for an open complaint about the
    dealer's own share, once (a second one ended in a 500)."""
    setup = make_election(db, voters=1, trustees=3, threshold=2)
    _deal_with_a_broken_share(db, setup)  # trustee 3's share for trustee 1 is not theirs
    _round(db, setup)  # trustee 1 complains about trustee 3
    assert ceremony.step(db, setup.election) is Step.ANSWER
    dealer = setup.election.trustees[2]
    share = setup.secrets[3].polynomial(1)
    answer = {
        "version": 1,
        "election_id": setup.election.slug,
        "dealer": 3,
        "complainant": 1,
        "share": b64encode(Scalar(share).to_bytes()),
    }
    for wrong in ([answer, answer], [{**answer, "complainant": 2}]):
        with pytest.raises(CeremonyRefused, match="each open complaint"):
            ceremony.post_answers(db, dealer, wrong, NOW)
        db.rollback()
    assert ceremony.board(db, setup.election, dealer)["answers"] == []
    ceremony.post_answers(db, dealer, [answer], NOW)  # once, to the open complaint: taken
    with pytest.raises(CeremonyRefused):
        ceremony.post_answers(db, dealer, [answer], NOW)  # and not again


def test_the_officer_page_shows_the_announcement_digests_to_read_aloud(
    app: Flask, db: Session
) -> None:
    """protocol.md §I.10: trustees compare the announcements' digests out of band; the
    officer's page lists them, as the server has them, in groups of eight."""
    setup = make_election(db, voters=1, trustees=3, threshold=2)
    ceremony.start_ceremony(db, setup.officer, setup.election, NOW)
    client = officer_client(app, db, setup.officer)
    path = f"/elections/{setup.election.id}/manage"
    assert "Announcement digests" not in client.get(path).get_data(as_text=True)
    _round(db, setup)  # everyone announces
    page = client.get(path).get_data(as_text=True)
    for announcement in ceremony.announcements(db, setup.election):
        digest = announcement.digest()
        grouped = " ".join(digest[i : i + 8] for i in range(0, 64, 8))
        assert grouped in page


def test_a_complaint_the_server_makes_up_is_not_answered_and_its_trustee_stops(
    db: Session,
) -> None:
    """The server (or anyone who can write to its board) posts a complaint in trustee 2's name
    about trustee 1's share. Answering would reveal the share s_1,2 to the server; with k such
    answers it would learn the election's secret (protocol.md §I.10 step 4)."""
    setup = make_election(db, voters=1, trustees=3, threshold=2)
    ceremony.start_ceremony(db, setup.officer, setup.election, NOW)
    _round(db, setup)  # announce
    _round(db, setup)  # deal honestly
    made_up = {
        "version": 1,
        "election_id": setup.election.slug,
        "dealer": 1,
        "complainant": 2,
        "check": "share-commitment",
        "seal": "A" * 100,
    }
    ceremony.post_complaints(db, setup.election.trustees[1], [made_up], NOW)
    _round(db, setup, skip={2})  # trustees 1 and 3 check and find nothing
    assert ceremony.step(db, setup.election) is Step.ANSWER
    step = _next(db, setup, 1)
    assert step.action is Action.WAIT
    assert "for trustee 2 is not answered: that trustee did not seal it" in step.reason
    assert ceremony.board(db, setup.election, setup.election.trustees[0])["answers"] == []
    # Trustee 2's own tool sees a complaint in its name that it did not make, and stops.
    with pytest.raises(BoardError, match="other complaints in your name"):
        _next(db, setup, 2)


def test_a_trustee_token_stops_working_when_its_account_may_no_longer_act(
    app: Flask, db: Session
) -> None:
    """Disabling the account, or taking away the trustee role, ends the tool's access as it
    ends the web's: the token is refused with the same answer as an unknown one."""
    setup = make_election(db)
    ceremony.start_ceremony(db, setup.officer, setup.election, NOW)
    first, second, third = setup.trustee_accounts
    tokens = [ceremony.issue_token(db, a, setup.election, NOW) for a in (first, second, third)]
    api = app.test_client()

    def board(token: str) -> int:
        return api.get(
            "/api/trustee/board", headers={"Authorization": f"Bearer {token}"}
        ).status_code

    assert [board(t) for t in tokens] == [200, 200, 200]
    admin = factories.account(db, factories.auth_config(), roles=(Role.ADMIN,), name="Beheerder")
    disable_account(db, first, admin, NOW, "Uit de Partijraad")
    for grant in list(second.roles):
        revoke_role(db, admin, grant.id, NOW)
    db.expire_all()
    assert [board(t) for t in tokens] == [404, 404, 200]
    with pytest.raises(NotFound):
        ceremony.trustee_for_token(db, tokens[1])
