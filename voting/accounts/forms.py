"""Forms of the accounts area; labels and messages are translatable."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from voting.accounts.credentials import MAX_PASSWORD_LENGTH
from voting.forms import StembusForm
from voting.members.models import TIME_ZONES

REQUIRED_EMAIL = _l("Enter your e-mail address.")
REQUIRED_PASSWORD = _l("Enter your password.")
TOO_LONG = _l("Use at most %(max)d characters.")


class LoginForm(StembusForm):
    """E-mail address and password."""

    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(REQUIRED_EMAIL), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(REQUIRED_PASSWORD),
            Length(max=MAX_PASSWORD_LENGTH, message=TOO_LONG),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class SecondFactorForm(StembusForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "class": "short"},
    )
    next = HiddenField()


class EnrolForm(StembusForm):
    """The first code, which proves the app was set up correctly."""

    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class NewPasswordForm(StembusForm):
    """Choose a password (invitation, reset)."""

    password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=TOO_LONG),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirmation = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(_l("Type the password again.")),
            Length(max=MAX_PASSWORD_LENGTH, message=TOO_LONG),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    """Change the password while signed in."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[
            InputRequired(REQUIRED_PASSWORD),
            Length(max=MAX_PASSWORD_LENGTH, message=TOO_LONG),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class ResetRequestForm(StembusForm):
    """Ask for a reset link."""

    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(REQUIRED_EMAIL),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class PasswordConfirmForm(StembusForm):
    """Confirm a sensitive change with the password."""

    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(REQUIRED_PASSWORD),
            Length(max=MAX_PASSWORD_LENGTH, message=TOO_LONG),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class PreferencesForm(StembusForm):
    """Language and time zone."""

    locale = SelectField(
        _l("Language"), choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]
    )
    timezone = SelectField(
        _l("Time zone"),
        choices=[
            SelectChoice(TIME_ZONES[0], _l("European Netherlands (Amsterdam)")),
            SelectChoice(TIME_ZONES[1], _l("Caribbean Netherlands (Kralendijk)")),
        ],
    )
