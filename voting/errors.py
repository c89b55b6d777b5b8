"""The service's error hierarchy.

Services raise a `VotingError` subclass that names the failure and carries a message for
the user (a lazy gettext string, translated when shown). One Flask error handler turns
them into a page with that message and a 4xx status (voting/__init__.py); because
services raise before they commit, nothing has changed when the user sees it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = [
    "ConfigError",
    "Conflict",
    "FieldError",
    "Forbidden",
    "NotFound",
    "VotingError",
]


class VotingError(Exception):
    """A domain error with a user-facing message and an HTTP status."""

    status: int = 400
    default_message: object = _l("Something in your request was not right. Nothing has changed.")

    def __init__(self, message: object | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class ConfigError(VotingError):
    """A deployment setting is missing or wrong; names the environment variable."""

    status = 500

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}")


class NotFound(VotingError):
    """The thing does not exist, or the actor may not know that it does."""

    status = 404
    default_message = _l("This page does not exist.")


class Forbidden(VotingError):
    """The actor is known but may not do this."""

    status = 403
    default_message = _l("You do not have permission for this.")


class Conflict(VotingError):
    """The request clashes with the current state (for example, already used)."""

    status = 409


class FieldError(VotingError):
    """One form field holds a value the service refuses; the view shows it at the field."""

    def __init__(self, field: str, message: object) -> None:
        self.field = field
        super().__init__(message)
