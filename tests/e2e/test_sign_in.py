"""Signing in and out in a real browser, with and without JavaScript (THREATS T24)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import NewVisitor
from tests.e2e.site import Site
from tests.e2e.visitor import Visitor

pytestmark = pytest.mark.e2e


def test_member_signs_in_and_out(site: Site, visitor: Visitor) -> None:
    member = site.person(name="Fenna Visser")
    assert member.password is not None

    visitor.sign_in(member.email, member.password)

    assert visitor.path == "/"
    assert visitor.is_signed_in()
    visitor.click(visitor.menu_link("Mijn account"))
    assert visitor.heading() == "Mijn account"
    assert "Fenna Visser" in visitor.page.locator("main").inner_text()

    visitor.sign_out()
    assert visitor.path == "/"
    assert not visitor.is_signed_in()
    assert "Je bent uitgelogd." in visitor.notices()
    visitor.goto("/account")
    assert visitor.path == "/login"


def test_session_cookie_replayed_after_sign_out_is_anonymous(
    site: Site, visitor: Visitor, new_visitor: NewVisitor
) -> None:
    member = site.person()
    assert member.password is not None
    visitor.sign_in(member.email, member.password)
    stolen = visitor.session_cookie()

    # Control: while the session lives, the copied cookie opens the account elsewhere,
    # so the replay below would notice a session that was not ended on the server.
    before = new_visitor()
    before.use_cookie(stolen)
    before.goto("/account")
    assert before.path == "/account"

    visitor.sign_out()

    after = new_visitor()
    after.use_cookie(stolen)
    after.goto("/account")
    assert after.path == "/login"
    assert not after.is_signed_in()


def test_signing_in_and_opening_my_account_work_without_javascript(
    site: Site, new_visitor: NewVisitor
) -> None:
    member = site.person(name="Sanne Smit")
    assert member.password is not None
    visitor = new_visitor(javascript=False)

    visitor.sign_in(member.email, member.password)
    visitor.click(visitor.menu_link("Mijn account"))

    assert visitor.path == "/account"
    assert visitor.heading() == "Mijn account"
    assert "Sanne Smit" in visitor.page.locator("main").inner_text()
    visitor.sign_out()
    assert not visitor.is_signed_in()
