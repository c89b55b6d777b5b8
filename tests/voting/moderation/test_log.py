"""The generic moderation log: decisions in order per scope, and its CSV in the reader's zone."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests import factories
from voting.accounts.models import Role
from voting.moderation.clauses import CLAUSE_TEXTS, Clause, clause_number, parse_clause
from voting.moderation.models import ActionKind
from voting.moderation.services import actions, actions_csv, clause_label, record_action

AT = dt.datetime(2026, 11, 27, 15, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def test_the_clauses_are_the_guidelines_page_in_order() -> None:
    assert [c.value for c in Clause] == [
        "own-experience",
        "with-people",
        "address",
        "personal-data",
    ]
    assert str(CLAUSE_TEXTS[Clause.ADDRESS]) == "Respect how people want to be addressed."
    assert [clause_number(c) for c in Clause] == [1, 2, 3, 4]
    assert parse_clause("address") is Clause.ADDRESS
    assert parse_clause("nonsense") is None
    assert parse_clause("") is None
    assert clause_label(None) == ""


def test_decisions_are_kept_per_scope_in_order_and_exported_in_the_readers_zone(
    db: Session,
) -> None:
    moderator = factories.account(
        db, factories.auth_config(), name="Mia Moderator", roles=(Role.MODERATOR,)
    )
    record_action(
        db, scope="qa-2", moderator=moderator, kind=ActionKind.KEPT, subject="answer:3", now=AT
    )
    record_action(
        db,
        scope="qa-1",
        moderator=moderator,
        kind=ActionKind.HIDDEN,
        subject="question:9",
        clause=Clause.PERSONAL_DATA,
        reason="-Adres\nen telefoon",
        now=AT + dt.timedelta(minutes=1),
    )
    record_action(
        db,
        scope="qa-1",
        moderator=moderator,
        kind=ActionKind.APPROVED,
        subject="question:8",
        now=AT,
    )
    db.commit()
    assert [a.subject for a in actions(db, "qa-1")] == ["question:8", "question:9"]
    text = actions_csv(db, "qa-1", "America/Kralendijk", lambda s: s.replace(":", " "))
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1] == ["2026-11-27 11:30:00", "Mia Moderator", "approved", "question 8", "", ""]
    assert rows[2] == [
        "2026-11-27 11:31:00",
        "Mia Moderator",
        "hidden",
        "question 9",
        "4. Do not share personal details of others.",
        "'-Adres\nen telefoon",
    ]
