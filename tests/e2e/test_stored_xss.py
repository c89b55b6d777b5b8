"""Stored XSS through imported member names (THREATS T30).

Names come from the CRM, so whoever can edit a record there can put markup into every
page that shows a name. The payloads are imported through the officer's own pages and
then looked at wherever a name appears: no dialog may open, and the DOM may hold no
markup that only an injection could have put there. The pages must also show each
payload as plain text, so that a page that simply left the names out cannot pass.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.crm import CrmRow, crm_export, upload_member_file
from tests.e2e.site import Site
from tests.e2e.visitor import Visitor
from voting.members.models import Member

pytestmark = pytest.mark.e2e

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">klik hier</a>',
    "'><iframe src=javascript:alert(1)></iframe>",
    "{{ 7 * 7 }} ${7*7} <b onmouseover=alert(1)>vet</b>",
)


def test_imported_names_with_markup_stay_text_on_every_page_that_shows_them(
    site: Site, visitor: Visitor
) -> None:
    officer = site.officer()
    assert officer.password is not None
    visitor.sign_in(officer.email, officer.password, officer.totp_secret)
    rows = [CrmRow.of(officer)] + [
        CrmRow(f"{80000 + i}", payload, f"xss{i}@example.org") for i, payload in enumerate(PAYLOADS)
    ]

    upload_member_file(visitor, crm_export(rows))
    visitor.assert_no_injected_markup()
    preview = visitor.page.locator("main").text_content() or ""
    for payload in PAYLOADS:
        assert payload in preview, f"the dry run does not show {payload!r} as text"
    visitor.click(visitor.page.get_by_role("button", name="Deze wijzigingen doorvoeren"))

    assert visitor.path == "/members"
    visitor.assert_no_injected_markup()
    listed = visitor.page.locator("main table").inner_text()
    for payload in PAYLOADS:
        assert payload in listed, f"the member list does not show {payload!r} as text"

    with site.session() as session:
        imported = {
            m.name: m.id for m in session.scalars(select(Member).where(Member.name.in_(PAYLOADS)))
        }
    assert set(imported) == set(PAYLOADS)
    for payload, member_id in imported.items():
        visitor.goto(f"/members/{member_id}")
        visitor.assert_no_injected_markup()
        assert visitor.heading() == payload

    # The search box echoes what was typed.
    visitor.goto("/members")
    visitor.page.get_by_label("Zoek op naam, e-mailadres of lidnummer").fill(PAYLOADS[1])
    visitor.click(visitor.page.get_by_role("button", name="Zoeken"))
    visitor.assert_no_injected_markup()
    assert visitor.page.locator("input[name=q]").input_value() == PAYLOADS[1]
    assert PAYLOADS[1] in visitor.page.locator("main table").inner_text()

    assert visitor.dialogs == []
    assert visitor.script_problems == []
