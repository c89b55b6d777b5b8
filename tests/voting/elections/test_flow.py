"""A whole election through the services: ceremony, opening, casting with revotes, closing,
decryption by k of n trustees, publication, and the record verified by audit's verifier."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.log import Log
from audit.record import write_record
from audit.verifier import verify_record
from ballots import decrypt_share
from tests import factories
from tests.voting.elections.conftest import CLOSES, DURING, SECRET_KEY, Setup, ready_and_open
from tests.voting.web import page_token, sign_in
from voting.auditlog import SQLLogStore
from voting.elections import lifecycle
from voting.elections.casting import NotOpen, cast_ballot
from voting.elections.models import CastBallot, ElectionState

CHOICES = [
    {"q1": ["voor"], "q2": ["o1", "o2"], "q3": ["tegen"], "q4": ["o3"]},
    {"q1": ["tegen"], "q2": ["o2"], "q3": [], "q4": ["o3"]},
    {"q1": ["voor"], "q2": ["o1", "o3"], "q3": ["voor"], "q4": ["o1"]},
    {"q1": [], "q2": [], "q3": ["onthouding"], "q4": ["o2"]},
]


def test_whole_election_verifies(app: Flask, db: Session, setup: Setup, tmp_path: Path) -> None:
    ready_and_open(db, setup)
    election = setup.election
    assert election.state is ElectionState.OPEN
    receipts = []
    for voter, choice in zip(setup.voters, CHOICES, strict=True):
        receipts.append(
            cast_ballot(
                db,
                setup.keyring,
                SECRET_KEY,
                voter,
                election.id,
                choice,
                DURING,
                second_factor_done=False,
            )
        )
    # The first voter changes their mind: the last ballot counts.
    revote = {"q1": ["tegen"], "q2": ["o3"], "q3": ["tegen"], "q4": ["o3"]}
    receipts.append(
        cast_ballot(
            db,
            setup.keyring,
            SECRET_KEY,
            setup.voters[0],
            election.id,
            revote,
            DURING,
            second_factor_done=False,
        )
    )
    assert receipts[0].tracking_code != receipts[-1].tracking_code
    current = db.scalars(select(CastBallot).where(CastBallot.superseded_by_index.is_(None))).all()
    assert len(current) == 4
    assert lifecycle.turnout(db, election) == 4

    with pytest.raises(NotOpen):
        cast_ballot(
            db,
            setup.keyring,
            SECRET_KEY,
            setup.voters[1],
            election.id,
            CHOICES[1],
            CLOSES,
            second_factor_done=False,
        )

    tally = lifecycle.close_voting(db, setup.keyring, setup.officer, election.id, CLOSES)
    doc = lifecycle.document(election)
    trustees = {t.index: t for t in election.trustees}
    for index in (3, 1):  # any two of three
        share = decrypt_share(doc, tally, setup.secrets[index])
        lifecycle.receive_share(db, setup.keyring, trustees[index], share.to_json(), CLOSES)
    result, outcomes = lifecycle.decrypt(db, setup.officer, election.id, CLOSES)
    counts = {qid: dict(options) for qid, options in result.counts}
    assert counts["q1"] == {"voor": 1, "tegen": 2, "onthouding": 0}
    assert counts["q2"] == {"o1": 1, "o2": 1, "o3": 2}
    assert counts["q4"] == {"o1": 1, "o2": 1, "o3": 2}
    by_question = {o.question: o for o in outcomes}
    assert by_question["q1"].outcome.value == "rejected"
    assert by_question["q4"].winners == ("o3",)
    lifecycle.publish(db, setup.keyring, setup.officer, election.id, CLOSES)
    assert election.state is ElectionState.PUBLISHED

    path = write_record(tmp_path / "record", Log(SQLLogStore(db, election.slug), election.slug))
    report = verify_record(path)
    assert report.ok, report.findings
    record_text = "".join(p.read_text() for p in path.rglob("*.json"))
    for voter in setup.voters:
        assert voter.member.name not in record_text
        assert voter.member.email not in record_text
    assert json.loads((path / "result.json").read_text())
    # The minutes list every decision with its counts, the blank votes included (voter 4
    # left q1 empty), on the page and in the CSV alike.
    member = app.test_client()
    sign_in(member, setup.voters[1].member.email, factories.PASSWORD)
    minutes = member.get(f"/meetings/{election.meeting_id}/minutes.csv")
    text = minutes.get_data(as_text=True).removeprefix("\ufeff")  # the BOM spreadsheets want
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    first = next(row for row in rows[1:] if row[1] == "1")
    assert first[-1].endswith("blank: 1")
    # The result shows shares in the reader's language: a decimal comma in Dutch.
    public = app.test_client()
    english = public.get(f"/elections/{election.slug}/result").get_data(as_text=True)
    assert ">66.7%<" in english
    assert ">33.3%<" in english
    assert '<figure class="qr"><div aria-hidden="true"><svg' in english
    public.post("/language", data={"csrf_token": page_token(public, "/"), "locale": "nl"})
    dutch = public.get(f"/elections/{election.slug}/result").get_data(as_text=True)
    assert ">66,7%<" in dutch
    assert ">33,3%<" in dutch
    assert "66.7" not in dutch
