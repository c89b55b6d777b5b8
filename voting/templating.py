"""Jinja helpers shared by every template: local times, the language switch, page titles."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from markupsafe import Markup, escape


def install_template_helpers(app: Flask, locales: tuple[str, ...]) -> None:
    """Register filters and globals on the app's Jinja environment."""

    @app.template_filter("localtime")
    def _localtime(moment: dt.datetime | None, fmt: str = "medium") -> str:
        # Flask-Babel converts from UTC to the member's time zone (voting/i18n.py).
        return format_datetime(moment, fmt) if moment is not None else ""

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
        return {"current_locale": str(get_locale()), "supported_locales": locales}
