"""Dutch by default, English complete and switchable, times in the member's time zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.dates import format_date, format_datetime, format_time
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.web import page_token, post_form, sign_in
from voting import create_app
from voting.i18n import format_local

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "voting" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with CATALOG.open("rb") as source:
        return read_po(source)


def test_every_message_has_a_dutch_translation() -> None:
    catalog = _catalog()
    missing = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [], f"{len(missing)} untranslated: {missing[:5]}"
    assert fuzzy == []


def test_catalog_holds_every_message_of_the_source() -> None:
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    method_map = [
        ("voting/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    assert sorted(found - known) == [], "run `make translations` and translate the new messages"


def test_pages_are_dutch_by_default(settings, database) -> None:
    app = create_app(settings.with_changes(default_locale="nl"), database=database)
    html = app.test_client().get("/login").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Inloggen" in html


def test_language_switch_to_english_and_back(settings, database) -> None:
    app = create_app(settings.with_changes(default_locale="nl"), database=database)
    client = app.test_client()
    response = client.post(
        "/language", data={"csrf_token": page_token(client), "locale": "en", "next": "/login"}
    )
    assert response.headers["Location"] == "/login"
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    client.post(
        "/language",
        data={"csrf_token": page_token(client), "locale": "nl", "next": "https://evil.example/"},
    )
    assert '<html lang="nl">' in client.get("/login").get_data(as_text=True)


def test_signed_in_member_keeps_the_chosen_language(app: Flask, db: Session) -> None:
    account = factories.account(db, factories.auth_config())
    client = app.test_client()
    sign_in(client, account.member.email, factories.PASSWORD)
    post_form(client, "/language", {"locale": "nl", "next": "/account"}, token_from="/account")
    db.refresh(account)
    assert account.locale == "nl"
    other_browser = app.test_client()
    sign_in(other_browser, account.member.email, factories.PASSWORD)
    assert '<html lang="nl">' in other_browser.get("/account").get_data(as_text=True)


def test_times_are_shown_in_the_members_time_zone(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    account = factories.account(db, factories.auth_config(), branch_code="bonaire")
    account.member.timezone = "America/Kralendijk"
    db.commit()
    sign_in(client, account.member.email, factories.PASSWORD)
    html = client.get("/account/sessions").get_data(as_text=True)
    from sqlalchemy import select

    from voting.accounts.models import AuthSession

    row = db.scalar(select(AuthSession).where(AuthSession.account_id == account.id))
    assert row is not None
    kralendijk = dt.timezone(dt.timedelta(hours=-4))  # no daylight saving time there
    local = row.created_at.astimezone(kralendijk)
    # The date in words and the time to the minute, in the member's zone ("Nov 26, 2026, 1:55 AM").
    day = format_date(local, "medium", locale="en")
    minute = format_time(row.created_at, "short", tzinfo=kralendijk, locale="en")
    shown = f"{day}, {minute}"
    assert shown in html
    seconds = format_datetime(row.created_at, "medium", tzinfo=kralendijk, locale="en")
    assert seconds not in html  # seconds are noise to a reader


def test_dst_change_in_amsterdam_and_no_dst_in_kralendijk() -> None:
    # 2026-10-25 01:30 UTC is 02:30 CET, just after the clocks went back in Amsterdam.
    moment = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
    assert (
        format_local(moment, "Europe/Amsterdam", "en", "HH:mm zzzz")
        == "02:30 Central European Standard Time"
    )
    assert (
        format_local(moment - dt.timedelta(hours=1), "Europe/Amsterdam", "en", "HH:mm zzzz")
        == "02:30 Central European Summer Time"
    )
    assert format_local(moment, "America/Kralendijk", "en", "HH:mm") == "21:30"
    summer = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    assert format_local(summer, "America/Kralendijk", "en", "HH:mm") == "08:00"


def test_a_time_in_mail_names_the_zone_it_is_in() -> None:
    """A mail is read away from the site: "17:50" alone would not say whose clock."""
    moment = dt.datetime(2026, 11, 26, 16, 50, tzinfo=dt.UTC)
    assert (
        format_local(moment, "Europe/Amsterdam", "nl") == "26 nov 2026, 17:50 (tijd in Nederland)"
    )
    assert (
        format_local(moment, "America/Kralendijk", "nl")
        == "26 nov 2026, 12:50 (tijd in Caribisch Nederland)"
    )
