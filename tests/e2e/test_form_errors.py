"""Form errors: a summary at the top that takes the focus and links to each field in trouble."""

from __future__ import annotations

import pytest

from tests.e2e.site import Site
from tests.e2e.visitor import Visitor

pytestmark = pytest.mark.e2e


def test_error_summary_takes_focus_and_each_entry_leads_to_its_field(
    site: Site, visitor: Visitor
) -> None:
    member = site.person()
    assert member.password is not None
    visitor.sign_in(member.email, member.password)
    visitor.goto("/account/password")

    visitor.click(visitor.page.locator("main form button[type=submit]"))

    # The enhancement script moves focus to the summary, so a screen reader reads it first.
    assert visitor.focus_is_in(".error-summary")
    entries = visitor.page.locator(".error-summary a[href^='#']")
    assert entries.count() == 3
    for index in range(entries.count()):
        entry = entries.nth(index)
        field_id = str(entry.get_attribute("href"))[1:]
        field = visitor.page.locator(f"#{field_id}")
        assert field.get_attribute("aria-invalid") == "true"
        described_by = str(field.get_attribute("aria-describedby")).split()
        assert f"{field_id}-error" in described_by
        message = visitor.page.locator(f"#{field_id}-error").inner_text()
        assert entry.inner_text().strip() in message
        label = visitor.page.locator(f"label[for='{field_id}']")
        assert label.count() == 1, f"field {field_id} has no label"

    # Following an entry with the keyboard puts the caret in that field.
    first_id = str(entries.first.get_attribute("href"))[1:]
    entries.first.focus()
    visitor.page.keyboard.press("Enter")
    focused = visitor.focused()
    assert focused is not None
    assert focused.id == first_id
