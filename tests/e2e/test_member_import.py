"""The officer imports the CRM's member list through the web pages: dry run, then apply."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.crm import CrmRow, choose_csv, crm_export, summary_value, upload_member_file
from tests.e2e.site import Site
from tests.e2e.visitor import Visitor
from voting.members.models import Member

pytestmark = pytest.mark.e2e


def _members_by_number(site: Site) -> dict[str, tuple[str, str]]:
    with site.session() as session:
        return {m.number: (m.name, m.email) for m in session.scalars(select(Member))}


def test_bad_file_is_refused_with_its_line_and_a_good_one_is_applied(
    site: Site, visitor: Visitor
) -> None:
    officer = site.officer()
    piet = site.member(name="Piet Pieters")
    assert officer.password is not None
    visitor.sign_in(officer.email, officer.password, officer.totp_secret)
    before = _members_by_number(site)

    anna = CrmRow("70001", "Anna de Vries", "anna@example.org")
    bert = CrmRow("70002", "Bert Bakker", "bert@example.org")
    bad_file = crm_export(
        [
            CrmRow.of(officer),
            CrmRow.of(piet),
            anna,
            CrmRow("70002", "Bert Bakker", "bert-at-example.org"),  # line 5: no valid address
        ]
    )
    upload_member_file(visitor, bad_file)

    problems = visitor.page.locator(".error-summary tbody tr")
    assert problems.count() == 1
    line, message = problems.first.locator("td").all_inner_texts()
    assert line == "5"
    assert "bert-at-example.org" in message
    assert "geen geldig e-mailadres" in message
    assert visitor.page.get_by_role("button", name="Deze wijzigingen doorvoeren").count() == 0
    assert _members_by_number(site) == before

    good_file = crm_export(
        [CrmRow.of(officer), CrmRow.of(piet, email="piet.nieuw@example.org"), anna, bert]
    )
    visitor.click(visitor.page.get_by_role("link", name="Ander bestand uploaden"))
    assert visitor.path == "/members/import"
    choose_csv(visitor.page.get_by_label("Ledenlijst (CSV)"), good_file)
    visitor.click(visitor.page.get_by_role("button", name="Uploaden en controleren"))

    assert summary_value(visitor, "Nieuwe leden") == "2"
    assert summary_value(visitor, "Gewijzigd") == "1"
    assert summary_value(visitor, "Uitgeschreven (niet in het bestand)") == "0"
    assert summary_value(visitor, "Niet gewijzigd") == "1"
    assert _members_by_number(site) == before, "the dry run changed the database"

    visitor.click(visitor.page.get_by_role("button", name="Deze wijzigingen doorvoeren"))

    assert visitor.path == "/members"
    assert "2 toegevoegd, 1 gewijzigd, 0 uitgeschreven" in visitor.notices()
    names = visitor.page.locator("main table tbody").inner_text()
    for name in ("Anna de Vries", "Bert Bakker", "Piet Pieters"):
        assert name in names
    after = _members_by_number(site)
    assert after["70001"] == ("Anna de Vries", "anna@example.org")
    assert after["70002"] == ("Bert Bakker", "bert@example.org")
    assert after[piet.number] == ("Piet Pieters", "piet.nieuw@example.org")
