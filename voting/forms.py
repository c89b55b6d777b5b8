"""The base form: CSRF (Flask-WTF), Unicode NFC normalisation and trimming on every text field,
and no control characters in a one-line field.

Per-field length limits are declared on each form with `Length`; the request as a whole is
capped by MAX_CONTENT_LENGTH (THREATS T33). NFC on input means "é" typed either way is
the same name (THREATS T34).
"""

from __future__ import annotations

import unicodedata
from typing import Any, Final

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
    ValidationError,
)


def normalise_text(value: object) -> object:
    """NFC-normalise, use LF line endings and trim strings; leave other values alone.

    Browsers send a textarea's lines with CR LF; a frozen text's SHA-256 must not depend on
    the browser, so every line ending becomes LF.
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return value


_NOT_ONE_LINE: Final = (TextAreaField, HiddenField, PasswordField)
"""String fields that `one_line` leaves alone: text areas hold lines; a hidden field is ours
(its reader checks it, as `is_safe_next` does); a password is the member's own."""


def one_line(_form: object, field: Field) -> None:
    """A one-line field holds no control character: a title with a line break would end up
    in a mail's Subject, a CSV cell or the projector's heading (a browser sends none; only
    a crafted request does)."""
    if any(unicodedata.category(c) == "Cc" for c in field.data or ""):
        raise ValidationError(_l("Use one line, without tabs or other invisible characters."))


class StembusForm(FlaskForm):  # flask-wtf is untyped: FlaskForm is Any to mypy
    """Base class of every form in the service."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            kind = unbound_field.field_class
            if issubclass(kind, StringField | TextAreaField):
                options["filters"] = (*unbound_field.kwargs.get("filters", ()), normalise_text)
            if issubclass(kind, StringField) and not issubclass(kind, _NOT_ONE_LINE):
                options["validators"] = (*unbound_field.kwargs.get("validators", ()), one_line)
            return unbound_field.bind(form=form, **options)

    def add_service_error(self, field: str, message: object) -> None:
        """Show an error raised by a service at the field it names (or at the top)."""
        target = getattr(self, field, None)
        if isinstance(target, Field):
            target.errors = [*target.errors, message]
        else:
            self.form_errors.append(message)
