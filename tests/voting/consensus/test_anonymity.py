"""Anonymous positions: no link from a position to a member, beyond a keyed tag that stops a
second response while the round is open and is erased, with its key, when it closes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from tests.voting.consensus import arrange
from tests.voting.consensus.arrange import KEYRING, NOW, ROUND_KEYS
from voting.auditlog import AuditLogEntry
from voting.consensus import moderation, proposals, rounds
from voting.consensus.models import (
    Answer,
    Position,
    PositionKind,
    Report,
    Round,
    RoundKey,
)
from voting.consensus.record import personal_data, proposal_page
from voting.errors import Conflict, FieldError
from voting.events import Event

AGREE, OBJECT, ASK = PositionKind.AGREE, PositionKind.OBJECT, PositionKind.NEED_INFORMATION


@pytest.fixture
def secret_group(db: Session):  # type: ignore[no-untyped-def]
    facilitator, *members = arrange.people(db, 4, prefix="Secret")
    found = arrange.group(db, facilitator, members, anonymous=True, name="Quiet group")
    proposal = arrange.proposal(db, facilitator, found)
    first = arrange.open_next(db, facilitator, proposal)
    return facilitator, members, proposal, first


def _rows(db: Session, found: Round) -> list[Position]:
    db.expire_all()
    return list(db.scalars(select(Position).where(Position.round_id == found.id)))


def test_anonymous_position_holds_no_account_and_no_time(db: Session, secret_group) -> None:
    _facilitator, (a, _b, _c), _proposal, first = secret_group
    arrange.take(db, a, first, OBJECT, "I object quietly.")
    (row,) = _rows(db, first)
    assert row.account_id is None
    assert row.updated_at is None
    assert row.responder_tag is not None
    assert len(row.responder_tag) == 32
    assert row.responder_tag != ROUND_KEYS.tag(db, first.id, _b.id)


def test_anonymous_participant_changes_their_position_but_cannot_respond_twice(
    db: Session, secret_group
) -> None:
    _facilitator, (a, _b, _c), proposal, first = secret_group
    arrange.take(db, a, first, OBJECT, "No.")
    arrange.take(db, a, first, AGREE)
    (row,) = _rows(db, first)
    assert (row.kind, row.revision) == (AGREE, 2)
    with pytest.raises(Conflict):  # a second response from an old page
        rounds.submit_position(db, a, proposal.id, first.id, OBJECT, "Again.", 0, ROUND_KEYS, NOW)
    assert len(_rows(db, first)) == 1


def test_after_the_close_no_query_can_join_an_anonymous_position_to_a_member(
    db: Session, secret_group
) -> None:
    facilitator, (a, b, c), _proposal, first = secret_group
    for person, kind, reason in ((a, OBJECT, "Too loud."), (b, AGREE, ""), (c, ASK, "Why now?")):
        arrange.take(db, person, first, kind, reason)
    arrange.take(db, b, first, AGREE, "Changed my mind twice.")
    tags = {row.responder_tag for row in _rows(db, first)}
    old_ids = {row.id for row in _rows(db, first)}
    question = next(r for r in _rows(db, first) if r.kind is ASK)
    proposals.answer_position(db, facilitator, question.id, "Because.", KEYRING, NOW)
    moderation.report_reason(db, b, question.id, "Off topic.", NOW)

    arrange.close(db, first)

    rows = _rows(db, first)
    assert sorted(r.kind for r in rows) == sorted([OBJECT, AGREE, ASK])
    # Nothing on the row identifies anyone: no account, no tag, no time, no carried link,
    # and even the ids (insertion order) were replaced.
    for row in rows:
        assert (row.account_id, row.responder_tag, row.updated_at, row.carried_from_id) == (
            None,
            None,
            None,
            None,
        )
        assert row.id not in old_ids
        assert row.revision == 1  # nor how often someone changed their position
    assert db.get(RoundKey, first.id) is None
    with pytest.raises(LookupError):
        ROUND_KEYS.tag(db, first.id, a.id)
    # No table of the whole database still holds one of the tags.
    connection = db.connection()
    for table in inspect(connection).get_table_names():
        for column in inspect(connection).get_columns(table):
            if column["type"].python_type is not bytes:
                continue
            values = connection.execute(
                text(f'SELECT "{column["name"]}" FROM "{table}"')
            ).scalars()  # names from the schema
            assert not tags & {bytes(v) for v in values if v is not None}, (
                f"{table}.{column['name']}"
            )
    # Answers and reports moved with their positions through the rewrite.
    moved = next(r for r in rows if r.kind is ASK)
    assert db.scalar(select(Answer).where(Answer.position_id == moved.id)) is not None
    assert db.scalar(select(Report).where(Report.position_id == moved.id)) is not None
    # Neither the event table nor the audit log recorded who took which position.
    events = db.scalars(select(Event).where(Event.action.like("consensus.%"))).all()
    assert {e.actor_id for e in events}.isdisjoint({a.id, c.id})
    assert all("position" not in e.action for e in events)
    for raw in db.scalars(select(AuditLogEntry.entry)):
        entry = json.loads(raw)
        assert not {"account", "author", "member", "tag", "reason"} & set(entry)


def test_who_has_responded_is_shown_while_open_but_not_what(db: Session, secret_group) -> None:
    _facilitator, (a, b, _c), proposal, first = secret_group
    arrange.take(db, a, first, OBJECT, "Secret objection.")
    assert rounds.responders(db, first, ROUND_KEYS) == {a.id}
    page = proposal_page(db, b, proposal.id, ROUND_KEYS)
    assert [p.responded for p in page.participants if p.name == a.member.name] == [True]
    assert page.open_view is not None
    assert page.open_view.groups == []  # never live
    arrange.close(db, first)
    assert rounds.responders(db, first, ROUND_KEYS) is None  # after the close, nobody knows
    assert rounds.own_position(db, first, a, ROUND_KEYS) is None


def test_anonymous_objections_do_not_carry_over(db: Session, secret_group) -> None:
    facilitator, (a, _b, _c), proposal, first = secret_group
    arrange.take(db, a, first, OBJECT, "No.")
    closed = arrange.close(db, first)
    arrange.answer_all(db, facilitator, closed, arrange.after(closed))
    second = arrange.open_next(db, facilitator, proposal, now=arrange.after(closed))
    assert _rows(db, second) == []


def test_personal_data_never_lists_anonymous_positions(db: Session, secret_group) -> None:
    facilitator, (a, _b, _c), _proposal, first = secret_group
    arrange.take(db, a, first, OBJECT, "Quiet.")
    named = arrange.group(db, facilitator, [a], name="Loud group")
    loud = arrange.open_next(db, facilitator, arrange.proposal(db, facilitator, named))
    arrange.take(db, a, loud, OBJECT, "Loud.")
    data = personal_data(db, a)
    assert [p["reason"] for p in data["positions"]] == ["Loud."]
    assert {g["group"] for g in data["groups"]} == {"Quiet group", "Loud group"}
    arrange.close(db, first)
    assert [p["reason"] for p in personal_data(db, a)["positions"]] == ["Loud."]


def test_anonymous_group_cannot_show_positions_live(db: Session) -> None:
    facilitator, member = arrange.people(db, 2)
    with pytest.raises(FieldError) as refused:
        arrange.group(db, facilitator, [member], anonymous=True, live_positions=True)
    assert refused.value.field == "live_positions"
