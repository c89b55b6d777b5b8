"""One person at the keyboard: a browser tab that checks every page it loads.

`Visitor` wraps a Playwright page. Its navigation methods (`goto`, `click`, `press`,
and the `loads()` block for anything else) wait for the new page and run axe-core on
it, so a test that navigates through them gets the accessibility check for free. As a
safety net it also notices, through the browser's own "load" events, every page of the
app that was loaded but never checked, and `assert_clean()` (run by the fixtures after
every test) fails on those, on any JavaScript dialog (a sign of XSS), on scripts or
styles the Content-Security-Policy had to block, on uncaught script errors, and on any
5xx answer from the app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Cookie,
    Dialog,
    Locator,
    Page,
    Response,
)

if TYPE_CHECKING:
    # Only a type: Playwright exports the TypedDict under its private module.
    from playwright._impl._api_structures import SetCookieParam

from tests.e2e.accessibility import assert_accessible

# Generous for a loaded CI machine; a healthy page answers in well under a second.
DEFAULT_TIMEOUT_MS: Final = 15_000
SESSION_COOKIE: Final = "stembus"  # the development and test name (production: __Host-stembus)

_FOCUSED: Final = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return null; }
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const ring = style.boxShadow !== "none";
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    return {
        tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
        cls: el.getAttribute("class") || "", href: el.getAttribute("href") || "",
        value: el.getAttribute("value") || "",
        text: text.slice(0, 80), visible_focus: outline || ring,
    };
}"""


# Markup that only an injection would put into a page of ours: event-handler attributes,
# javascript: URLs, scripts that are inline or from another origin, and embedded frames.
_INJECTED: Final = """() => {
    const found = [];
    const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data"];
    for (const el of document.querySelectorAll("*")) {
        for (const attr of el.attributes) {
            const name = attr.name.toLowerCase();
            if (name.startsWith("on")) {
                found.push(`${name} attribute: ${el.outerHTML.slice(0, 160)}`);
            }
            if (urlAttributes.includes(name)
                && attr.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase().startsWith("javascript:")) {
                found.push(`javascript: URL: ${el.outerHTML.slice(0, 160)}`);
            }
        }
    }
    for (const script of document.querySelectorAll("script")) {
        const src = script.getAttribute("src");
        if (!src || new URL(src, location.href).origin !== location.origin) {
            found.push(`script not from this site: ${script.outerHTML.slice(0, 160)}`);
        }
    }
    for (const frame of document.querySelectorAll("iframe, frame, object, embed")) {
        found.push(`embedded content: ${frame.outerHTML.slice(0, 160)}`);
    }
    return found;
}"""


@dataclass(frozen=True, slots=True)
class Focused:
    """The element that has keyboard focus, and whether its focus indicator shows."""

    tag: str
    id: str
    name: str
    cls: str
    href: str
    value: str  # the value attribute: which of several same-named buttons or radios
    text: str
    visible_focus: bool

    def describe(self) -> str:
        """A short description for assertion messages."""
        return f"<{self.tag} id={self.id!r} class={self.cls!r}> {self.text!r}"


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The authenticator code for now, or for a later 30-second step.

    The app accepts one step either side of now, but each step only once; a test that
    needs a second code within the same half minute asks for the next step's code.
    """
    totp = pyotp.TOTP(secret)
    return totp.at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=steps_ahead * totp.interval))


def wrong_totp_code(secret: str) -> str:
    """A well-formed code that the app cannot accept now (none of the steps it allows)."""
    allowed = {totp_code(secret, steps) for steps in (-2, -1, 0, 1, 2)}
    return next(code for code in (f"{d}" * 6 for d in range(10)) if code not in allowed)


class Visitor:
    """A browser tab of one person, checking each page of the app with axe-core.

    Args:
        context: a fresh browser context (its own cookies), owned by this visitor.
        base_url: the app's address; pages elsewhere (an attacker's site) are not checked.
        javascript: whether the context runs JavaScript. Without it axe-core cannot run;
            such visitors only see pages that are checked elsewhere with JavaScript on.
    """

    def __init__(self, context: BrowserContext, base_url: str, *, javascript: bool = True) -> None:
        self.context = context
        self.base_url = base_url
        self.javascript = javascript
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.page: Page = context.new_page()
        self.unchecked: list[str] = []
        self.dialogs: list[str] = []
        self.script_problems: list[str] = []
        self.server_errors: list[str] = []
        self.status: int | None = None
        # When set, every checked page must declare this language on <html lang>.
        self.expect_lang: str | None = None
        self.page.on("load", self._on_load)
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", self._on_page_error)
        self.page.on("console", self._on_console)
        self.page.on("response", self._on_response)

    # ------------------------------------------------------------- navigation

    def url(self, path: str) -> str:
        """An absolute URL for a path on the app (absolute URLs pass through)."""
        return path if "://" in path else self.base_url + path

    @property
    def path(self) -> str:
        """The path of the current page, without query."""
        return urlsplit(self.page.url).path

    def goto(self, path: str) -> Response | None:
        """Open a page of the app (or any URL) and check it."""
        response = self.page.goto(self.url(path))
        self.audit()
        return response

    @contextmanager
    def loads(self) -> Iterator[None]:
        """Around an action that loads a new page: wait for it, then check it."""
        with self.page.expect_event("load"):
            yield
        self.audit()

    def click(self, target: str | Locator) -> None:
        """Click a link or button that leads to a new page, and check that page."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.loads():
            locator.click()

    def press(self, key: str) -> None:
        """Press a key that leads to a new page (Enter on a link or button), and check it."""
        with self.loads():
            self.page.keyboard.press(key)

    def audit(self) -> None:
        """Run axe-core on the current page; fail on serious or critical violations."""
        self.page.wait_for_load_state("load")
        self.unchecked.clear()
        if self.expect_lang is not None:
            assert self.lang() == self.expect_lang, (
                f"<html lang={self.lang()!r}> on {self.page.url}"
            )
        if self.javascript:
            assert_accessible(self.page)

    # ------------------------------------------------------------- reading the page

    def assert_no_injected_markup(self) -> None:
        """Fail when the page holds markup that only an injection could have put there.

        Looks in the live DOM for on* attributes, javascript: URLs, inline or foreign
        scripts and embedded frames (THREATS T30). The CSP would stop most of these from
        running; this check finds the missing escaping behind them.
        """
        found = self.page.evaluate(_INJECTED)
        assert not found, f"injected markup on {self.page.url}:\n" + "\n".join(found)

    def menu_link(self, name: str) -> Locator:
        """A link in the site's main menu (in the header), by its visible text."""
        return self.page.locator("header nav").get_by_role("link", name=name, exact=True)

    def heading(self) -> str:
        """The text of the page's h1."""
        return self.page.locator("h1").inner_text().strip()

    def lang(self) -> str:
        """The language the page declares on <html>."""
        return str(self.page.locator("html").get_attribute("lang"))

    def notices(self) -> str:
        """The text of the flash messages on the page."""
        return " ".join(self.page.locator(".notice").all_inner_texts())

    def focused(self) -> Focused | None:
        """The element with keyboard focus, or None when focus is on the document."""
        found = self.page.evaluate(_FOCUSED)
        return None if found is None else Focused(**found)

    def tab_to(self, matches: Callable[[Focused], bool], *, limit: int = 40) -> Focused:
        """Press Tab until the focused element matches; every stop must show its focus.

        Raises:
            AssertionError: when an element gets focus without a visible indicator, focus
                leaves the page, or nothing matches within `limit` presses.
        """
        passed: list[str] = []
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focused = self.focused()
            assert focused is not None, f"focus left the page at {self.path} after {passed}"
            assert focused.visible_focus, f"no visible focus on {focused.describe()} at {self.path}"
            if matches(focused):
                return focused
            passed.append(focused.describe())
        raise AssertionError(
            f"nothing matched after {limit} presses of Tab at {self.path}: {passed}"
        )

    def focus_is_in(self, selector: str) -> bool:
        """True when the focused element is inside (or is) the element `selector` finds."""
        return bool(
            self.page.evaluate(
                "s => { const c = document.querySelector(s);"
                " return !!c && c.contains(document.activeElement); }",
                selector,
            )
        )

    def is_signed_in(self) -> bool:
        """True when the page offers the sign-out button."""
        return self.page.locator("form[action$='/logout'] button").count() > 0

    def session_cookie(self) -> Cookie:
        """The app's session cookie as the browser holds it."""
        for cookie in self.context.cookies(self.base_url):
            if cookie.get("name") == SESSION_COOKIE:
                return cookie
        raise AssertionError("the browser holds no session cookie")

    def use_cookie(self, cookie: Cookie) -> None:
        """Put a cookie taken from another browser into this one (a stolen cookie, replayed)."""
        copied: SetCookieParam = {
            "name": cookie["name"],
            "value": cookie["value"],
            "domain": cookie["domain"],
            "path": cookie["path"],
            "httpOnly": cookie.get("httpOnly", False),
            "secure": cookie.get("secure", False),
            "sameSite": cookie.get("sameSite", "Lax"),
        }
        self.context.add_cookies([copied])

    # ------------------------------------------------------------- flows

    def sign_in(
        self, email: str, password: str, totp_secret: str | None = None, code: str | None = None
    ) -> None:
        """Sign in through the login page; pass the second step when a secret or code is given."""
        self.goto("/login")
        self.page.locator("input[name=email]").fill(email)
        self.page.locator("input[name=password]").fill(password)
        self.click("main form button[type=submit]")
        if totp_secret is not None or code is not None:
            assert self.path == "/login/second-factor", f"expected the second step, at {self.path}"
            self.page.locator("input[name=code]").fill(code or totp_code(totp_secret or ""))
            self.click("main form button[type=submit]")
        assert self.path not in {"/login", "/login/second-factor"}, (
            f"signing in as {email} failed: {self.page.locator('main').inner_text()[:300]}"
        )

    def choose_language(self, lang: str) -> None:
        """Switch the language with the button in the header (if not already in it)."""
        if self.lang() != lang:
            self.click(self.page.locator(f"header form.language button[value={lang}]"))
        assert self.lang() == lang
        self.expect_lang = lang

    def sign_out(self) -> None:
        """Use the sign-out button in the header."""
        self.click("form[action$='/logout'] button")

    # ------------------------------------------------------------- safety net

    def assert_clean(self) -> None:
        """Fail on anything a member should never meet, collected over the whole test.

        Raises:
            AssertionError: listing unchecked pages, dialogs, blocked or failing scripts,
                and server errors.
        """
        problems = []
        if self.unchecked:
            problems.append(f"pages loaded but never checked with axe: {self.unchecked}")
        if self.dialogs:
            problems.append(f"JavaScript dialogs opened (XSS?): {self.dialogs}")
        if self.script_problems:
            problems.append(f"script errors or CSP violations: {self.script_problems}")
        if self.server_errors:
            problems.append(f"server errors: {self.server_errors}")
        assert not problems, "\n".join(problems)

    def _is_ours(self, url: str) -> bool:
        return url == self.base_url or url.startswith(self.base_url + "/")

    def _on_load(self, page: Page) -> None:
        if self._is_ours(page.url):
            self.unchecked.append(page.url)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message!r} on {self.page.url}")
        dialog.dismiss()

    def _on_page_error(self, error: Exception) -> None:
        self.script_problems.append(f"uncaught error on {self.page.url}: {error}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.script_problems.append(f"{message.text} on {self.page.url}")

    def _on_response(self, response: Response) -> None:
        if self._is_ours(response.url):
            if response.request.is_navigation_request() and response.frame == self.page.main_frame:
                self.status = response.status
            if response.status >= 500:
                self.server_errors.append(f"{response.status} {response.url}")
