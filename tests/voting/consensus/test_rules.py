"""The decision rules as pure functions: templates, participation, the supermajority, and the
safe rendering of proposal text and of the difference between versions (T30)."""

from __future__ import annotations

import html as html_module
import re

import pytest
from flask import Flask

from voting.consensus.diff import word_diff
from voting.consensus.markup import render_markdown
from voting.consensus.models import DecisionRule, FallbackChoice, PositionKind
from voting.consensus.rules import (
    POSITIONS,
    blocks,
    participation_met,
    tally_fallback,
    tally_round,
)

AGREE, CONCERNS, ASIDE, OBJECT, ASK = (
    PositionKind.AGREE,
    PositionKind.CONCERNS,
    PositionKind.STAND_ASIDE,
    PositionKind.OBJECT,
    PositionKind.NEED_INFORMATION,
)
YES, NO, ABSTAIN = FallbackChoice.YES, FallbackChoice.NO, FallbackChoice.ABSTAIN


def test_consent_offers_no_stand_aside_and_consensus_and_sense_check_do() -> None:
    assert ASIDE not in POSITIONS[DecisionRule.CONSENT]
    assert ASIDE in POSITIONS[DecisionRule.CONSENSUS]
    assert ASIDE in POSITIONS[DecisionRule.SENSE_CHECK]
    for rule in DecisionRule:
        assert {AGREE, CONCERNS, OBJECT, ASK} <= set(POSITIONS[rule])


@pytest.mark.parametrize("rule", [DecisionRule.CONSENT, DecisionRule.CONSENSUS])
def test_one_standing_objection_stops_consent_and_consensus(rule: DecisionRule) -> None:
    assert tally_round(rule, [AGREE, AGREE, CONCERNS], 3, 50).consensus is True
    blocked = tally_round(rule, [AGREE, AGREE, OBJECT], 3, 50)
    assert blocked.consensus is False
    assert blocked.standing_objections == 1


def test_concerns_and_stand_asides_do_not_block_consensus_but_are_counted() -> None:
    result = tally_round(DecisionRule.CONSENSUS, [AGREE, CONCERNS, ASIDE, ASIDE], 4, 100)
    assert result.consensus is True
    assert result.counts[CONCERNS] == 1
    assert result.counts[ASIDE] == 2


def test_sense_check_is_advisory_even_with_objections() -> None:
    result = tally_round(DecisionRule.SENSE_CHECK, [OBJECT, OBJECT, AGREE], 3, 0)
    assert result.consensus is None
    assert not blocks(DecisionRule.SENSE_CHECK, OBJECT)
    assert result.standing_objections == 0


def test_too_little_participation_means_no_consensus() -> None:
    assert tally_round(DecisionRule.CONSENT, [AGREE, AGREE], 5, 50).consensus is False
    assert tally_round(DecisionRule.CONSENT, [AGREE, AGREE, AGREE], 5, 50).consensus is True
    assert not participation_met(1, 3, 34)
    assert participation_met(1, 3, 33)
    assert participation_met(0, 10, 0)


def test_questions_count_as_taking_part_but_not_as_agreement_or_block() -> None:
    result = tally_round(DecisionRule.CONSENT, [ASK, AGREE], 2, 100)
    assert result.participation_met
    assert result.consensus is True
    assert result.counts[ASK] == 1


def test_fallback_needs_at_least_the_fraction_of_votes_cast() -> None:
    # 2 of 3 votes cast is exactly two thirds: adopted ("at least").
    assert tally_fallback([YES, YES, NO], 3, 2, 3, 0).adopted
    # 3 of 5 is less than two thirds.
    assert not tally_fallback([YES, YES, YES, NO, NO], 5, 2, 3, 0).adopted
    # 4 of 5 is exactly 80 %.
    assert tally_fallback([YES, YES, YES, YES, NO], 5, 4, 5, 0).adopted


def test_abstentions_are_not_votes_cast_but_count_for_participation() -> None:
    # 2 yes of 3 cast is two thirds; counting the 3 abstentions as cast would make it 2/6.
    result = tally_fallback([YES, YES, NO, ABSTAIN, ABSTAIN, ABSTAIN], 6, 2, 3, 100)
    assert (result.yes, result.no, result.abstain) == (2, 1, 3)
    assert result.participation_met
    assert result.adopted


def test_fallback_without_any_vote_cast_or_below_participation_is_rejected() -> None:
    assert not tally_fallback([ABSTAIN, ABSTAIN], 2, 2, 3, 0).adopted
    assert not tally_fallback([], 4, 2, 3, 0).adopted
    assert not tally_fallback([YES], 4, 2, 3, 50).adopted


# ------------------------------------------------------------------ Markdown (T30)

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="https://e.org" onclick="alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example>",
    "<style>body{display:none}</style>",
    "![x](https://tracker.example/pixel.png)",
    "<details open ontoggle=alert(1)>",
]


@pytest.mark.parametrize("payload", XSS)
def test_markdown_never_emits_script_event_handlers_or_foreign_resources(payload: str) -> None:
    html = str(render_markdown(f"Intro\n\n{payload}\n\nEnd"))
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert "<svg" not in lowered
    assert "<iframe" not in lowered
    assert "<style" not in lowered
    assert "<details" not in lowered
    assert not re.search(r"<[^>]+\son\w+\s*=", lowered)
    assert 'href="javascript' not in lowered
    assert 'href="data' not in lowered


def test_markdown_keeps_formatting_and_marks_links_nofollow() -> None:
    html = str(render_markdown("# Plan\n\n**Bold** and [site](https://example.org)\n\n- one"))
    assert "<h3>Plan</h3>" in html  # headings move below the page's own
    assert "<strong>Bold</strong>" in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">site</a>' in html
    assert "<li>one</li>" in html


# ------------------------------------------------------------------ differences


def test_diff_marks_added_and_removed_words_for_eyes_and_screen_readers(app: Flask) -> None:
    with app.test_request_context():
        html, change = word_diff("We buy a red banner", "We buy a green banner soon")
    text = str(html)
    assert '<del><span class="visually-hidden">removed: </span>red</del>' in text
    assert '<ins><span class="visually-hidden">added: </span>green</ins>' in text
    assert '<ins><span class="visually-hidden">added: </span> soon</ins>' in text
    assert (change.added, change.removed) == (2, 1)


def test_diff_escapes_both_versions(app: Flask) -> None:
    with app.test_request_context():
        html, change = word_diff("<b>old</b> text", "<script>alert(1)</script> text")
    text = str(html)
    assert "<script" not in text
    assert "<b>" not in text
    assert not change.is_empty
    # Without the deletions the diff reads as the new text, without the additions as the old.
    hidden = r'<span class="visually-hidden">(added|removed): </span>'
    new = re.sub(r"<del>.*?</del>|</?ins>|" + hidden, "", text)
    old = re.sub(r"<ins>.*?</ins>|</?del>|" + hidden, "", text)
    assert html_module.unescape(new) == "<script>alert(1)</script> text"
    assert html_module.unescape(old) == "<b>old</b> text"


def test_diff_of_equal_texts_is_empty(app: Flask) -> None:
    with app.test_request_context():
        html, change = word_diff("Same text.", "Same text.")
    assert change.is_empty
    assert "<ins>" not in str(html)
