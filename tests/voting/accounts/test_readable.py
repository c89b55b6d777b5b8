"""Stored codes in words: every recorded action has a label, and a member's data reads as
tables in their language and time zone, not as codes and UTC timestamps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale

from ballots import Outcome
from voting.accounts.models import Role
from voting.accounts.readable import EVENT_LABELS, cell, event_label, role_label, tables
from voting.elections.results import OUTCOME_WORDS
from voting.moderation.models import ActionKind
from voting.moderation.services import kind_label

ROOT = Path(__file__).resolve().parents[3]


def _recorded_actions() -> set[str]:
    """Every action code the service passes to `record_event`, read from the source."""
    found: set[str] = set()
    for path in (ROOT / "voting").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'\baction="([a-z]+\.[a-z-]+)"', text))
        if 'action=f"qa.{kind}-hidden"' in text:
            found |= {"qa.question-hidden", "qa.answer-hidden"}
    return found


def test_every_recorded_action_has_a_label_and_no_label_is_stale() -> None:
    recorded = _recorded_actions()
    assert len(recorded) > 50  # the scan found the service's actions
    assert recorded - EVENT_LABELS.keys() == set()
    assert EVENT_LABELS.keys() - recorded == set()


def test_codes_without_a_label_are_shown_as_they_are(app: Flask) -> None:
    with app.test_request_context(), force_locale("nl"):
        assert event_label("account.password-changed") == "Wachtwoord gewijzigd"
        assert event_label("something.new") == "something.new"
        assert role_label(Role.TRUSTEE.value) == "Sleutelbeheerder (Partijraad)"
        assert role_label("unknown") == "unknown"
        assert cell("status", "suspended") == "geschorst"
        assert cell("language", "en") == '<span lang="en">English</span>'
        assert cell("language", "xx") == "xx"


QA_EXPORT = {
    "questions": [
        {
            "question": 7,
            "to": "all candidates",
            "anonymous": True,
            "asked_at": "2026-11-20T09:30:00+00:00",
            "state": "rejected",
            "clause": "address",
            "reason": None,
            "appeal": "",
            "unknown": "as-is",
        }
    ],
    "upvotes": [],
}


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", ["7", "all candidates", "yes", "rejected", "—", "—", "as-is"]),
        ("nl", ["7", "alle kandidaten", "ja", "afgewezen", "—", "—", "as-is"]),
    ],
)
def test_a_members_data_reads_as_tables_in_their_language_and_zone(
    app: Flask, locale: str, words: list[str]
) -> None:
    with app.test_request_context(), force_locale(locale):
        questions, upvotes = tables(QA_EXPORT)
    row = questions.rows[0]
    # 09:30 UTC is 10:30 in Amsterdam (winter time), the default zone.
    assert "10:30" in row[3]
    assert "2026" in row[3]
    assert row[5].startswith("3. ")  # the clause by its number and text
    assert [row[i] for i in (0, 1, 2, 4, 6, 7, 8)] == words
    assert upvotes.rows == []
    assert questions.columns[0] != "question"  # a heading, not a key
    assert questions.columns[-1] == "unknown"  # an unknown key stays readable


def test_a_rejected_question_is_afgewezen_and_only_a_motion_is_verworpen(app: Flask) -> None:
    # The statutes' word "verworpen" is for motions; a moderator "wijst een vraag af".
    with app.test_request_context(), force_locale("nl"):
        assert kind_label(ActionKind.REJECTED) == "afgewezen"
        assert str(OUTCOME_WORDS[Outcome.REJECTED]) == "verworpen"
