"""Jinja helpers shared by every template: local times, the language switch, page titles."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale, get_timezone
from markupsafe import Markup, escape

from voting.i18n import moment_text


def local_time(moment: dt.datetime | None, fmt: str = "medium") -> str:
    """A UTC moment in the reader's time zone and language (voting/i18n.py); to the minute
    unless another Babel format is asked for."""
    if moment is None:
        return ""
    if fmt == "medium":
        return moment_text(moment, str(get_timezone()), str(get_locale()))
    return format_datetime(moment, fmt)


HEAD_TIME_FORMAT = "d MMM yyyy HH:mm:ss"
"""Signed heads follow each other within seconds: their times are shown to the second."""


def install_template_helpers(app: Flask, locales: tuple[str, ...]) -> None:
    """Register filters and globals on the app's Jinja environment."""

    @app.template_filter("localtime")
    def _localtime(moment: dt.datetime | None, fmt: str = "medium") -> str:
        return local_time(moment, fmt)

    @app.template_filter("from_ms")
    def _from_ms(milliseconds: int) -> dt.datetime:
        # Signed heads keep their time as milliseconds since 1970 (protocol.md §II.3).
        return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC)

    @app.template_filter("localdate")
    def _localdate(day: dt.date | None, fmt: str = "medium") -> str:
        return format_date(day, fmt) if day is not None else ""

    @app.template_filter("isolate")
    def _isolate(text: str | None) -> Markup:
        # A name from elsewhere (import, profile) may hold right-to-left text or bidi
        # controls; <bdi> keeps it from reordering the text around it (THREATS T34).
        return Markup("<bdi>{}</bdi>").format(escape(text or ""))

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {
            "current_locale": str(get_locale()),
            "supported_locales": locales,
            "HEAD_TIME": HEAD_TIME_FORMAT,
        }
