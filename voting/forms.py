"""The base form: CSRF (Flask-WTF), Unicode NFC normalisation and trimming on every text field.

Per-field length limits are declared on each form with `Length`; the request as a whole is
capped by MAX_CONTENT_LENGTH (THREATS T33). NFC on input means "é" typed either way is
the same name (THREATS T34).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField


def normalise_text(value: object) -> object:
    """NFC-normalise, use LF line endings and trim strings; leave other values alone.

    Browsers send a textarea's lines with CR LF; a frozen text's SHA-256 must not depend on
    the browser, so every line ending becomes LF.
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return value


class StembusForm(FlaskForm):  # flask-wtf is untyped: FlaskForm is Any to mypy
    """Base class of every form in the service."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            if issubclass(unbound_field.field_class, StringField | TextAreaField):
                options["filters"] = (*unbound_field.kwargs.get("filters", ()), normalise_text)
            return unbound_field.bind(form=form, **options)

    def add_service_error(self, field: str, message: object) -> None:
        """Show an error raised by a service at the field it names (or at the top)."""
        target = getattr(self, field, None)
        if isinstance(target, Field):
            target.errors = [*target.errors, message]
        else:
            self.form_errors.append(message)
