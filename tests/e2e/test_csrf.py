"""Cross-site request forgery from another origin, in the browser (THREATS T25).

An attacker's page, served by a second live server, auto-submits a form to Stembus
while the member is signed in. Two attacker origins are tried:
- http://127.0.0.1:<other port>: another origin but the *same site* (the port does not
  count for SameSite), so the browser sends the session cookie along. Only the CSRF
  token check stands between the forged form and the member's account.
- http://localhost:<other port>: another site, where SameSite=Lax also keeps the
  session cookie off the forged POST.
Either way the app answers 400 and nothing changes; the controls at the end show that
the same change made through Stembus's own form does go through.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from tests.e2e.conftest import NewVisitor
from tests.e2e.server import LiveServer
from tests.e2e.site import Person, Site
from tests.e2e.visitor import Visitor
from voting.accounts.models import AuthSession

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

pytestmark = pytest.mark.e2e

SAME_SITE = "127.0.0.1"
CROSS_SITE = "localhost"


def attacker_page(action: str, fields: dict[str, str]) -> WSGIApplication:
    """A page that posts a hidden form to `action` as soon as it loads."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    body = (
        "<!doctype html><html lang='en'><head><title>You won a prize</title></head><body>"
        f"<form id='forged' method='post' action='{html.escape(action)}'>{inputs}</form>"
        "<script>document.getElementById('forged').submit();</script>"
        "</body></html>"
    ).encode()

    def app(_environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    return app


def _live_sessions(site: Site, person: Person) -> int:
    with site.session() as session:
        rows = session.scalars(
            select(AuthSession).where(
                AuthSession.account_id == person.account_id, AuthSession.ended_at.is_(None)
            )
        )
        return len(list(rows))


def _forge(
    visitor: Visitor, other_server: LiveServer, host: str, path: str, fields: dict[str, str]
) -> tuple[int, str]:
    """Visit the attacker's page; return the app's status and the Cookie header it got."""
    target = visitor.url(path)
    with other_server.mount(attacker_page(target, fields)):
        with visitor.page.expect_response(
            lambda r: r.url == target and r.request.method == "POST"
        ) as forged:
            visitor.page.goto(other_server.url(host) + "/prize")
        response = forged.value
        visitor.page.wait_for_url(target)
    visitor.audit()
    cookie = response.request.all_headers().get("cookie", "")
    return response.status, cookie


@pytest.mark.parametrize("attacker_host", [SAME_SITE, CROSS_SITE])
def test_forged_preferences_form_from_another_origin_is_refused(
    site: Site,
    visitor: Visitor,
    new_visitor: NewVisitor,
    other_server: LiveServer,
    attacker_host: str,
) -> None:
    member = site.person()
    assert member.password is not None
    visitor.sign_in(member.email, member.password)

    status, cookie = _forge(
        visitor,
        other_server,
        attacker_host,
        "/account/preferences",
        {"locale": "en", "timezone": "America/Kralendijk"},
    )

    assert status == 400
    if attacker_host == SAME_SITE:
        assert "stembus=" in cookie, "the session cookie must reach the app: the token is tested"
    else:
        assert "stembus=" not in cookie, "SameSite=Lax must keep the cookie off a cross-site POST"
    with site.session() as session:
        account = site.account_of(session, member)
        assert account.locale != "en"
        assert account.member.timezone == "Europe/Amsterdam"

    # Control: the member's own form, with its token, does make the change.
    own = new_visitor()
    own.sign_in(member.email, member.password)
    own.goto("/account")
    own.page.get_by_label("Taal").select_option("en")
    own.page.get_by_label("Tijdzone").select_option("America/Kralendijk")
    own.click(own.page.get_by_role("button", name="Opslaan"))
    assert own.heading() == "My account"
    with site.session() as session:
        account = site.account_of(session, member)
        assert account.locale == "en"
        assert account.member.timezone == "America/Kralendijk"


@pytest.mark.parametrize("attacker_host", [SAME_SITE, CROSS_SITE])
def test_forged_sign_out_from_another_origin_is_refused(
    site: Site, visitor: Visitor, other_server: LiveServer, attacker_host: str
) -> None:
    member = site.person()
    assert member.password is not None
    visitor.sign_in(member.email, member.password)
    assert _live_sessions(site, member) == 1

    status, cookie = _forge(visitor, other_server, attacker_host, "/logout", {})

    assert status == 400
    assert ("stembus=" in cookie) is (attacker_host == SAME_SITE)
    assert _live_sessions(site, member) == 1, "the forged sign-out ended the session"

    # Control: the member's own sign-out button does end it.
    if attacker_host == SAME_SITE:
        visitor.goto("/account")
        visitor.sign_out()
        assert _live_sessions(site, member) == 0


def test_refused_cross_site_post_keeps_the_member_signed_in(
    site: Site, visitor: Visitor, other_server: LiveServer
) -> None:
    member = site.person()
    assert member.password is not None
    visitor.sign_in(member.email, member.password)
    cookie_before = visitor.session_cookie()["value"]

    status, _cookie = _forge(visitor, other_server, CROSS_SITE, "/logout", {})

    assert status == 400
    assert visitor.session_cookie()["value"] == cookie_before, (
        "the refused POST replaced the cookie"
    )
    visitor.goto("/account")
    assert visitor.path == "/account"
