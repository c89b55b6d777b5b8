"""Keyboard only: sign in, reach My account, switch to English, never losing the focus."""

from __future__ import annotations

import pytest

from tests.e2e.site import Site
from tests.e2e.visitor import Visitor

pytestmark = pytest.mark.e2e


def test_skip_link_is_the_first_stop_and_shows_itself(site: Site, visitor: Visitor) -> None:
    visitor.goto("/")

    first = visitor.tab_to(lambda _focused: True, limit=1)

    assert "skip-link" in first.cls, f"the first Tab stop is {first.describe()}"
    assert first.href == "#main"
    box = visitor.page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0, "the focused skip link stays off screen"
    visitor.page.keyboard.press("Enter")
    assert visitor.focus_is_in("main")
    after_skip = visitor.tab_to(lambda _focused: True, limit=1)
    assert visitor.focus_is_in("main"), f"after the skip link, Tab went to {after_skip.describe()}"


def test_member_signs_in_and_switches_to_english_with_the_keyboard_alone(
    site: Site, visitor: Visitor
) -> None:
    member = site.person(name="Kees Koster")
    assert member.password is not None
    visitor.goto("/")

    # Header menu → sign-in page.
    visitor.tab_to(lambda f: f.href == "/login")
    visitor.press("Enter")
    assert visitor.path == "/login"

    # Type the address and password, send with Enter.
    visitor.tab_to(lambda f: f.name == "email")
    visitor.page.keyboard.type(member.email)
    visitor.tab_to(lambda f: f.name == "password", limit=1)
    visitor.page.keyboard.type(member.password)
    visitor.press("Enter")
    assert visitor.path == "/"
    assert visitor.is_signed_in()

    # The skip link comes first on every page; then the menu leads to My account.
    first = visitor.tab_to(lambda _focused: True, limit=1)
    assert "skip-link" in first.cls
    visitor.tab_to(lambda f: f.href == "/account" and not visitor.focus_is_in("main"))
    visitor.press("Enter")
    assert visitor.heading() == "Mijn account"

    # Skip the menu, then change the language in the preferences form.
    visitor.tab_to(lambda f: "skip-link" in f.cls, limit=1)
    visitor.page.keyboard.press("Enter")
    assert visitor.focus_is_in("main")
    visitor.tab_to(lambda f: f.name == "locale")
    visitor.page.keyboard.press("ArrowDown")  # Nederlands → English
    assert visitor.page.locator("select[name=locale]").input_value() == "en"
    visitor.tab_to(lambda f: f.tag == "button" and f.text == "Opslaan")
    visitor.press("Enter")

    assert visitor.path == "/account"
    assert visitor.lang() == "en"
    assert visitor.heading() == "My account"
    assert "Your preferences are saved." in visitor.notices()
    with site.session() as session:
        assert site.account_of(session, member).locale == "en"
