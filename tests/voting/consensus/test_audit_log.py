"""Every step of a decision is a leaf of the group's audit log with a signed head after it, in
the same transaction, and the log holds counts and digests, never names or reasons."""

from __future__ import annotations

import hashlib
import json

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.log import Log
from ballots import VerifyingKey, canonical_json, parse_canonical_json
from ballots.canonical import b64decode
from tests.voting.consensus import arrange
from tests.voting.consensus.arrange import KEYRING, WEEK
from voting.auditlog import AuditLogEntry, SQLLogStore
from voting.config import Settings
from voting.consensus import fallback, moderation, proposals
from voting.consensus.models import DecisionGroup, PositionKind
from voting.errors import Conflict
from voting.mail import SMTPMailer


def _entries(db: Session, group: DecisionGroup) -> list[dict[str, object]]:
    rows = db.scalars(
        select(AuditLogEntry.entry)
        .where(AuditLogEntry.log_id == group.log_id)
        .order_by(AuditLogEntry.index)
    ).all()
    return [json.loads(bytes(row)) for row in rows]


@pytest.fixture
def context(app: Flask):  # type: ignore[no-untyped-def]
    """An app context: hiding a reason mails its author (over the test SMTP server)."""
    with app.app_context():
        yield


def _whole_decision(db: Session, settings: Settings):  # type: ignore[no-untyped-def]
    facilitator, a, b = arrange.people(db, 3, prefix="Logged")
    found = arrange.group(db, facilitator, [a, b], max_rounds=1)
    proposal = arrange.proposal(db, facilitator, found, body="Text *one*.")
    version = proposals.revise_proposal(
        db,
        facilitator,
        proposal.id,
        proposals.ProposalText("A new banner", "Text *two*.", "Budget https://example.org/b.pdf"),
        1,
        KEYRING,
        arrange.NOW,
    )
    first = arrange.open_next(db, facilitator, proposal)
    objection = arrange.take(db, a, first, PositionKind.OBJECT, "Secret-ish reason of Logged B.")
    arrange.take(db, b, first, PositionKind.AGREE)
    closed = arrange.close(db, first)
    later = arrange.after(closed)
    report = moderation.report_reason(db, b, objection.id, "Not kind.", later)
    moderation.hide_reason(
        db,
        arrange.officer(db),
        report.id,
        "with-people",
        KEYRING,
        settings,
        SMTPMailer(settings),
        later,
    )
    arrange.answer_all(db, facilitator, closed, later)
    vote = fallback.open_fallback(db, facilitator, proposal.id, later + WEEK, KEYRING, later)
    for person, choice in ((b, "yes"), (facilitator, "yes"), (a, "no")):
        fallback.cast_fallback(db, person, proposal.id, choice, 0, later)
    fallback.close_due_fallbacks(db, KEYRING, vote.deadline)
    proposals.decide(db, facilitator, proposal.id, "Decided by vote.", KEYRING, vote.deadline)
    return found, proposal, version, (facilitator, a, b)


@pytest.mark.usefixtures("context")
def test_each_step_of_a_decision_is_logged_in_order(db: Session, settings: Settings) -> None:
    found, proposal, _version, _people = _whole_decision(db, settings)
    types = [e["type"] for e in _entries(db, found)]
    assert types == [
        "consensus-group-created",
        "consensus-proposal-started",
        "consensus-proposal-version",
        "consensus-proposal-version",
        "consensus-round-opened",
        "consensus-round-closed",
        "consensus-reason-hidden",
        "consensus-answer",
        "consensus-round-summary",
        "consensus-fallback-opened",
        "consensus-fallback-closed",
        "consensus-outcome",
    ]
    entries = _entries(db, found)
    assert all(e["version"] == 1 and e["index"] == i for i, e in enumerate(entries))
    closed = entries[5]
    assert closed["counts"] == {
        "agree": 1,
        "concerns": 0,
        "need-information": 0,
        "object": 1,
        "stand-aside": 0,
    }
    assert (closed["responded"], closed["eligible"], closed["outcome"]) == (2, 3, "no-consensus")
    assert (entries[10]["yes"], entries[10]["no"]) == (2, 1)
    assert entries[11]["outcome"] == "adopted-by-vote"
    assert entries[11]["statement_sha256"] == hashlib.sha256(b"Decided by vote.").hexdigest()
    assert entries[6]["rule"] == "with-people"
    assert all(e["proposal"] == proposal.id for e in entries[1:])


@pytest.mark.usefixtures("context")
def test_every_entry_is_canonical_and_every_head_is_signed_and_consistent(
    db: Session, settings: Settings
) -> None:
    found, _proposal, _version, _people = _whole_decision(db, settings)
    store = SQLLogStore(db, found.log_id)
    log = Log(store, found.log_id)
    raw = log.entries()
    for entry in raw:
        assert canonical_json(parse_canonical_json(entry, max_bytes=1 << 20)) == entry
    key = VerifyingKey.from_bytes(
        b64decode(json.loads(raw[0])["log_key"], field="log_key", length=32)
    )
    heads = log.heads()
    assert [h.head.size for h in heads] == list(range(1, len(raw) + 1))  # a head after each
    for head in heads:
        log.check_head(head, key)


@pytest.mark.usefixtures("context")
def test_version_entries_carry_the_sha256_of_the_text(db: Session, settings: Settings) -> None:
    found, _proposal, version, _people = _whole_decision(db, settings)
    logged = [e for e in _entries(db, found) if e["type"] == "consensus-proposal-version"]
    expected = hashlib.sha256(
        canonical_json(
            {
                "body": "Text *two*.",
                "links": [{"label": "Budget", "url": "https://example.org/b.pdf"}],
                "title": "A new banner",
            }
        )
    ).hexdigest()
    assert logged[1]["sha256"] == version.sha256 == expected
    assert logged[0]["sha256"] != expected


@pytest.mark.usefixtures("context")
def test_the_log_holds_no_name_address_or_reason(db: Session, settings: Settings) -> None:
    found, _proposal, _version, people = _whole_decision(db, settings)
    text = b"".join(
        bytes(r)
        for r in db.scalars(select(AuditLogEntry.entry).where(AuditLogEntry.log_id == found.log_id))
    )
    for person in people:
        assert person.member.name.encode() not in text
        assert person.member.email.encode() not in text
    for secret in (b"Secret-ish", b"Not kind", b"Text *two*", b"Decided by vote", b"Summary"):
        assert secret not in text


def test_a_refused_change_appends_nothing(db: Session) -> None:
    facilitator, member = arrange.people(db, 2)
    found = arrange.group(db, facilitator, [member])
    proposal = arrange.proposal(db, facilitator, found)
    before = len(_entries(db, found))
    with pytest.raises(Conflict):
        proposals.revise_proposal(
            db, facilitator, proposal.id, proposals.ProposalText("T", "B"), 7, KEYRING, arrange.NOW
        )
    assert len(_entries(db, found)) == before
