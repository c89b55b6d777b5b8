"""Languages and time zones: Dutch by default, English complete; UTC inside, local on screen.

The locale is the member's explicit choice (stored on the account, or in the session
before signing in; for the trustee tool's API, its Accept-Language), else the deployment's
default (Dutch unless DEFAULT_LOCALE says). Times are shown in the member's own time zone
(Europe/Amsterdam or America/Kralendijk), else the association's default.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.dates import get_datetime_format, get_timezone_location
from flask import current_app, has_request_context, request, session
from flask_login import current_user

SUPPORTED_LOCALES: Final = ("nl", "en")
DEFAULT_LOCALE: Final = "nl"
DEFAULT_TIMEZONE: Final = "Europe/Amsterdam"
LOCALE_SESSION_KEY: Final = "locale"
TOOL_BLUEPRINTS: Final = frozenset({"trustee_api"})
"""Routes that programs call rather than browsers: their Accept-Language chooses the language
of the answer, since they have no session to keep a choice in."""


def select_locale() -> str:
    """Flask-Babel locale selector (outside a request, such as in a command: the default)."""
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if request.blueprint in TOOL_BLUEPRINTS:
        # A tool names its language in each request (stembus-trustee --language).
        asked = request.accept_languages.best_match(SUPPORTED_LOCALES)
        return str(asked or current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    if current_user.is_authenticated and current_user.account.locale in SUPPORTED_LOCALES:
        return str(current_user.account.locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    """Flask-Babel time zone selector."""
    if has_request_context() and current_user.is_authenticated:
        return str(current_user.account.member.timezone)
    return DEFAULT_TIMEZONE


def moment_text(moment: dt.datetime, timezone: str, locale: str) -> str:
    """A UTC moment as people read it: the date in words and the time to the minute, in the
    zone and the language's own order ("26 nov 2026, 14:05"; "Nov 26, 2026, 2:05 PM").
    Seconds are noise to a reader; exports keep them."""
    if moment.tzinfo is None:  # the database gives UTC; a naive value is read as UTC too
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(ZoneInfo(timezone))
    date = babel_format_date(local, format="medium", locale=locale)
    time = babel_format_time(local, format="short", tzinfo=ZoneInfo(timezone), locale=locale)
    return (
        str(get_datetime_format("medium", locale=locale)).replace("{1}", date).replace("{0}", time)
    )


def format_local(moment: dt.datetime, timezone: str, locale: str, fmt: str = "medium") -> str:
    """A UTC moment as the member would read it, for mail (outside a request's locale). A
    mail is read away from the site, so the medium form names the zone as places do:
    "26 nov 2026, 14:05 (tijd in Nederland)"."""
    if fmt == "medium":
        where = get_timezone_location(ZoneInfo(timezone), locale=locale)
        return f"{moment_text(moment, timezone, locale)} ({where})"
    return babel_format_datetime(moment, format=fmt, tzinfo=ZoneInfo(timezone), locale=locale)
