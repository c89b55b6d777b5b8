"""Every page of the foundation passes axe-core in Dutch and in English.

Each test walks one kind of visitor through every page they can reach, including the
states with error messages, after switching the language with the header button. The
`Visitor` runs axe-core on each page (zero serious or critical violations) and checks
that <html lang> names the chosen language.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import NewVisitor
from tests.e2e.crm import CrmRow, choose_csv, crm_export
from tests.e2e.site import Site
from tests.e2e.visitor import Visitor, totp_code, wrong_totp_code
from voting.accounts.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("lang", ["nl", "en"])]


def _submit(visitor: Visitor) -> None:
    """Send the form in the page's main content."""
    visitor.click("main form:not(.inline) button[type=submit] >> nth=-1")


def _has_error_summary(visitor: Visitor) -> bool:
    return visitor.page.locator(".error-summary").count() == 1


def test_public_pages(site: Site, visitor: Visitor, lang: str) -> None:
    visitor.goto("/")
    visitor.choose_language(lang)

    visitor.goto("/login")
    _submit(visitor)
    assert _has_error_summary(visitor)
    visitor.page.locator("input[name=email]").fill("nobody@example.org")
    visitor.page.locator("input[name=password]").fill("wrong password, clearly")
    _submit(visitor)
    assert _has_error_summary(visitor)

    visitor.goto("/reset")
    _submit(visitor)
    assert _has_error_summary(visitor)
    visitor.page.locator("input[name=email]").fill("nobody@example.org")
    _submit(visitor)
    assert visitor.page.locator("input[name=email]").count() == 0

    for path in ("/privacy", "/accessibility"):
        visitor.goto(path)
    for missing in ("/no-such-page", "/invitation/not-a-token", "/reset/not-a-token"):
        response = visitor.goto(missing)
        assert response is not None
        assert response.status >= 400


def test_member_pages(site: Site, visitor: Visitor, lang: str) -> None:
    member = site.person(name="Bo de Boer")
    assert member.password is not None
    visitor.sign_in(member.email, member.password)
    visitor.choose_language(lang)

    visitor.click(visitor.page.locator("header nav a[href='/account']"))
    for path in ("/account/sessions", "/account/data", "/branches/utrecht"):
        visitor.goto(path)

    visitor.goto("/account/password")
    _submit(visitor)
    assert _has_error_summary(visitor)

    visitor.goto("/account/second-factor/setup")
    shown_secret = re.sub(r"\s+", "", visitor.page.locator(".secret").inner_text())
    visitor.page.locator("input[name=code]").fill(wrong_totp_code(shown_secret))
    _submit(visitor)
    assert _has_error_summary(visitor)

    response = visitor.goto("/members")
    assert response is not None
    assert response.status == 403


def test_officer_pages(site: Site, visitor: Visitor, new_visitor: NewVisitor, lang: str) -> None:
    officer = site.officer()
    invitee = site.member(name="Ilse Inval", email="ilse@example.org")
    assert officer.password is not None
    assert officer.totp_secret is not None

    visitor.goto("/login")
    visitor.page.locator("input[name=email]").fill(officer.email)
    visitor.page.locator("input[name=password]").fill(officer.password)
    _submit(visitor)
    assert visitor.path == "/login/second-factor"
    visitor.choose_language(lang)
    visitor.page.locator("input[name=code]").fill(wrong_totp_code(officer.totp_secret))
    _submit(visitor)
    assert _has_error_summary(visitor)
    visitor.page.locator("input[name=code]").fill(totp_code(officer.totp_secret))
    _submit(visitor)
    assert visitor.path == "/"

    visitor.goto("/members")
    visitor.page.locator("input[name=q]").fill("Ilse")
    visitor.click(visitor.page.locator("form[role=search] button"))
    visitor.click(visitor.page.locator(f"main a[href='/members/{invitee.member_id}']"))
    visitor.click(
        visitor.page.locator(f"form[action$='/members/{invitee.member_id}/invite'] button")
    )

    visitor.goto("/members/import")
    _submit(visitor)
    assert _has_error_summary(visitor)
    bad = crm_export([CrmRow.of(officer), CrmRow("90001", "Zoë Zee", "not-an-address")])
    good = crm_export(
        [CrmRow.of(officer), CrmRow.of(invitee), CrmRow("90001", "Zoë Zee", "zoe@example.org")]
    )
    for content in (bad, good):
        visitor.goto("/members/import")
        choose_csv(visitor.page.locator("input[type=file]"), content)
        _submit(visitor)
        assert re.fullmatch(r"/members/import/\d+", visitor.path)
    visitor.click(visitor.page.locator("form[action$='/apply'] button[type=submit]"))
    assert visitor.path == "/members"

    visitor.goto("/account")
    visitor.click(visitor.page.locator("form[action$='/account/recovery-codes'] button"))
    assert visitor.page.locator("ul.codes li").count() >= 8

    # The invitation, opened by the invitee in a browser of their own.
    [link] = re.findall(rf"{re.escape(site.url)}/invitation/\S+", site.mail.body())
    invited = new_visitor()
    invited.goto("/")
    invited.choose_language(lang)
    invited.goto(link)
    invited.page.locator("input[name=password]").fill("een lang wachtwoord hier")
    invited.page.locator("input[name=confirmation]").fill("een ander wachtwoord")
    _submit(invited)
    assert _has_error_summary(invited)
    invited.page.locator("input[name=password]").fill("een lang wachtwoord hier")
    invited.page.locator("input[name=confirmation]").fill("een lang wachtwoord hier")
    _submit(invited)
    assert invited.path == "/login"


def test_admin_pages(site: Site, visitor: Visitor, lang: str) -> None:
    admin = site.person(roles=(Role.ADMIN,), totp=True, name="Ada Admin")
    assert admin.password is not None
    visitor.sign_in(admin.email, admin.password, admin.totp_secret)
    visitor.choose_language(lang)

    visitor.click(visitor.page.locator("header nav a[href='/admin/']"))
    for path in ("/admin/roles", "/admin/branches", "/admin/events"):
        visitor.goto(path)
