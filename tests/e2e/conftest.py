"""Fixtures for the browser tests: Chromium, a live server, and a fresh app per test.

What a browser test uses:
- `site`: the app of this test (fresh database, real SMTP, served on a loopback port);
  seed it with `site.person(...)`, `site.officer()`, `site.member()`, inspect it with
  `site.session()`, read its mail from `site.mail`.
- `visitor`: a browser tab on the site (JavaScript on, Dutch as a new visitor sees it).
  Navigate with `visitor.goto/click/press` or `with visitor.loads(): ...`: every page
  is checked with axe-core, and `assert_clean()` runs after the test.
- `new_visitor(javascript=True)`: more tabs, each in a fresh context (no shared cookies).
- `other_server`: a second live server on another port, for pages of another origin.

Chromium is Debian's (/usr/bin/chromium, or STEMBUS_CHROMIUM); Playwright never
downloads a browser here. One browser serves the whole session (per xdist worker);
Playwright starts it with a fresh temporary user-data directory, and each visitor gets
a new incognito-like browser context, so no cookies or storage pass between visitors.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.databases import DatabaseTemplate
from tests.e2e.server import LiveServer
from tests.e2e.site import Site
from tests.e2e.visitor import Visitor
from tests.mailsink import MailSink
from tests.voting.conftest import base_settings
from voting import create_app
from voting.db import Database, make_engine

CHROMIUM: Final = os.environ.get("STEMBUS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

WORKER: Final = os.environ.get("PYTEST_XDIST_WORKER", "main")

NewVisitor = Callable[..., Visitor]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: apt-get install chromium chromium-driver "
            "(.ci/run does this), or set STEMBUS_CHROMIUM"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """The loopback HTTP server the app of each test is mounted on."""
    server = LiveServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def other_server() -> Iterator[LiveServer]:
    """A second server on another port: another origin, for cross-site pages."""
    server = LiveServer(name="other")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[MailSink]:
    """A real SMTP server (aiosmtpd) on a free loopback port; the app's mail goes there."""
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> DatabaseTemplate:
    """The schema, migrated once per test process, to copy for each test."""
    return DatabaseTemplate(tmp_path_factory.mktemp("e2e-template"), f"e2e_template_{WORKER}")


@pytest.fixture
def site(
    live_server: LiveServer,
    mail_sink: MailSink,
    database_template: DatabaseTemplate,
    tmp_path: Path,
) -> Iterator[Site]:
    """A fresh database, migrated, and the app on it, served by the live server."""
    url = database_template.copy(tmp_path, f"e2e_{WORKER}")
    engine = make_engine(url)
    # Dutch, as members see the service by default (the unit tests' default is English).
    settings = base_settings(url, mail_sink.port, base_url=live_server.url(), default_locale="nl")
    database = Database(engine)
    mail_sink.clear()
    # A new app for every test: rate-limit counters and other in-memory state start afresh.
    app = create_app(settings, database=database)
    try:
        with live_server.mount(app):
            yield Site(live_server.url(), settings, database, mail_sink)
    finally:
        engine.dispose()


@pytest.fixture
def new_visitor(browser: Browser, site: Site) -> Iterator[NewVisitor]:
    """Open more browser tabs, each with its own cookies; all are checked after the test."""
    opened: list[Visitor] = []

    def open_visitor(*, javascript: bool = True) -> Visitor:
        context = browser.new_context(
            java_script_enabled=javascript,
            locale="nl-NL",
            timezone_id="Europe/Amsterdam",
        )
        visitor = Visitor(context, site.url, javascript=javascript)
        opened.append(visitor)
        return visitor

    yield open_visitor
    try:
        for visitor in opened:
            visitor.assert_clean()
    finally:
        for visitor in opened:
            visitor.context.close()


@pytest.fixture
def visitor(new_visitor: NewVisitor) -> Visitor:
    """A browser tab on the site, as a new visitor with JavaScript on."""
    return new_visitor()
