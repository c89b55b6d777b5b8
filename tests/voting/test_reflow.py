"""Pages reflow at 320 CSS pixels (WCAG 1.4.10): the stylesheet's rules for narrow screens,
and wide tables scroll inside a region a keyboard user can reach.

The browser tests (tests/e2e/test_election_journey.py) measure the receipt, "My ballots",
the check page and the result at 320 px; these tests keep the rules that make that so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "voting" / "static" / "css" / "stembus.css").read_text(encoding="utf-8")


def _rule(selector: str, css: str = CSS) -> str:
    """The declarations of the first rule whose selector list is exactly `selector`."""
    found = re.search(r"(?:^|[}\s])" + re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert found is not None, f"no rule for {selector}"
    return found.group(1)


def test_a_summary_list_stacks_its_terms_on_a_narrow_screen() -> None:
    narrow = re.search(r"@media \(max-width: 30rem\) \{([^\n]*)", CSS)
    assert narrow is not None
    assert re.search(r"dl\.summary \{ grid-template-columns: minmax\(0, 1fr\)", narrow.group(1))
    assert "minmax(0, 1fr)" in _rule("dl.summary")


def test_the_result_body_column_may_shrink_below_its_content() -> None:
    narrow = re.search(r"@media \(max-width: 48rem\) \{([^\n]*)", CSS)
    assert narrow is not None
    assert ".result-body { grid-template-columns: minmax(0, 1fr); }" in narrow.group(1)


def test_headings_and_addresses_wrap_instead_of_widening_the_page() -> None:
    headings = _rule("h1, h2, h3")
    assert "overflow-wrap: break-word" in headings
    assert "hyphens: auto" in headings
    assert "overflow-wrap: anywhere" in _rule("figcaption a, figcaption")
    assert "overflow-wrap: anywhere" in _rule(".tracking-code")


@pytest.mark.parametrize(
    "template",
    [
        "elections/_results.html",
        "elections/mine.html",
        "elections/meetings.html",
        "elections/meeting.html",
        "elections/trustee.html",
        "elections/minutes.html",
        "elections/audit.html",
        "elections/manage.html",
        "qa/candidates.html",
    ],
)
def test_a_wide_table_scrolls_in_a_named_region_reachable_by_keyboard(template: str) -> None:
    source = (ROOT / "templates" / template).read_text(encoding="utf-8")
    tables = re.findall(r"(<div[^>]*>)\s*<table>\s*<caption[^>]*\bid=\"([^\"]+)\"", source)
    assert len(tables) == source.count("<table>"), template
    for wrapper, caption_id in tables:
        assert 'class="table-scroll"' in wrapper
        assert 'role="region"' in wrapper
        assert 'tabindex="0"' in wrapper
        assert f'aria-labelledby="{caption_id}"' in wrapper
    assert "overflow-x: auto" in _rule(".table-scroll")


def test_date_and_time_fields_look_like_the_other_fields() -> None:
    controls = re.search(r"(input\[type=text\][^{]*)\{", CSS)
    assert controls is not None
    assert "input[type=datetime-local]" in controls.group(1)
