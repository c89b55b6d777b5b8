"""An officer invites a member; the member follows the e-mailed link and signs in."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import NewVisitor
from tests.e2e.site import Site
from tests.e2e.visitor import Visitor

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "vier lange woorden op een rij"


def test_invited_member_sets_a_password_through_the_mailed_link_and_signs_in(
    site: Site, visitor: Visitor, new_visitor: NewVisitor
) -> None:
    officer = site.officer()
    member = site.member(name="Mila Meijer", email="mila@example.org")
    assert officer.password is not None
    visitor.sign_in(officer.email, officer.password, officer.totp_secret)

    visitor.click(visitor.menu_link("Leden"))
    visitor.click(visitor.page.get_by_role("link", name="Mila Meijer"))
    assert visitor.path == f"/members/{member.member_id}"
    visitor.click(visitor.page.get_by_role("button", name="Uitnodiging versturen"))
    assert "Uitnodigingen verstuurd: 1." in visitor.notices()

    # The message went over SMTP to the sink, addressed to the member.
    [message] = site.mail.wait_for(1)
    assert "mila@example.org" in str(message["To"])
    links = re.findall(rf"{re.escape(site.url)}/invitation/\S+", site.mail.body())
    assert len(links) == 1, site.mail.body()
    link = links[0]

    # The member opens it in their own browser, with no cookies of the officer's.
    member_browser = new_visitor()
    member_browser.goto(link)
    assert "Mila Meijer" in member_browser.heading()
    member_browser.page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    member_browser.page.get_by_label("Nieuw wachtwoord nog een keer").fill(NEW_PASSWORD)
    member_browser.click(member_browser.page.get_by_role("button", name="Wachtwoord opslaan"))
    assert member_browser.path == "/login"
    assert "Je kunt nu inloggen" in member_browser.notices()

    member_browser.sign_in("mila@example.org", NEW_PASSWORD)
    assert member_browser.is_signed_in()
    member_browser.click(member_browser.menu_link("Mijn account"))
    assert "Mila Meijer" in member_browser.page.locator("main").inner_text()

    # The link worked once; opened again it is refused like any unknown link.
    response = member_browser.goto(link)
    assert response is not None
    assert response.status >= 400
    assert member_browser.page.locator("input[type=password]").count() == 0
