"""Setting up the second factor in the browser, as an officer must before anything else."""

from __future__ import annotations

import re

import pyotp
import pytest

from tests.e2e.site import Site
from tests.e2e.visitor import Visitor, totp_code
from voting.accounts.models import Role

pytestmark = pytest.mark.e2e


def test_officer_without_second_factor_enrols_in_the_browser(site: Site, visitor: Visitor) -> None:
    officer = site.person(roles=(Role.OFFICER,), name="Otto Oost")
    assert officer.password is not None

    visitor.goto("/login")
    visitor.page.get_by_label("E-mailadres").fill(officer.email)
    visitor.page.get_by_label("Wachtwoord").fill(officer.password)
    visitor.click(visitor.page.get_by_role("button", name="Inloggen"))

    # An officer is sent straight to the setup; the members area stays closed until then.
    assert visitor.path == "/account/second-factor/setup"
    assert visitor.page.locator("main svg").count() == 1, "the QR code is missing"
    visitor.goto("/members")
    assert visitor.path == "/account/second-factor/setup"

    # The key is also shown as text, for people who cannot scan; read it like they would.
    shown = visitor.page.locator(".secret").inner_text()
    secret = re.sub(r"\s+", "", shown)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), f"not a base32 key: {shown!r}"
    visitor.page.get_by_label("Code uit de app").fill(pyotp.TOTP(secret).now())
    visitor.click(visitor.page.get_by_role("button", name="Tweede stap aanzetten"))

    assert visitor.heading() == "Je herstelcodes"
    codes = visitor.page.locator("ul.codes li").all_inner_texts()
    assert len(codes) >= 8
    assert len(set(codes)) == len(codes)
    visitor.click(visitor.page.get_by_role("link", name="Ik heb ze bewaard"))
    assert visitor.menu_link("Leden").is_visible()

    # Signing in again asks for a code from the app before anything else.
    visitor.sign_out()
    visitor.goto("/login")
    visitor.page.get_by_label("E-mailadres").fill(officer.email)
    visitor.page.get_by_label("Wachtwoord").fill(officer.password)
    visitor.click(visitor.page.get_by_role("button", name="Inloggen"))
    assert visitor.path == "/login/second-factor"
    assert not visitor.menu_link("Leden").is_visible()
    # The code just used for the setup is spent; the app's next step is still accepted.
    visitor.page.get_by_label("Code").fill(totp_code(secret, steps_ahead=1))
    visitor.click(visitor.page.get_by_role("button", name="Doorgaan"))
    assert visitor.path == "/"
    visitor.click(visitor.menu_link("Leden"))
    assert visitor.path == "/members"
