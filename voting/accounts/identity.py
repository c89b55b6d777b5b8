"""The signed-in user as Flask-Login sees it: a live server-side session and its account.

Flask-Login keeps only `get_id()` in the (signed, not encrypted) cookie; here that is the
session's random token, whose hash finds the `AuthSession` row. Ending the row ends the
sign-in everywhere, whatever cookie a browser still holds (THREATS T24).
"""

from __future__ import annotations

from flask import current_app
from flask_login import UserMixin

from voting.accounts.models import Account, AuthSession
from voting.accounts.services import AuthConfig, load_session
from voting.db import request_session, utcnow

AUTH_EXTENSION_KEY = "stembus.auth"


class SignedIn(UserMixin):
    """A browser signed in through one `AuthSession`."""

    def __init__(self, auth_session: AuthSession, token: str) -> None:
        self.auth_session = auth_session
        self._token = token

    def get_id(self) -> str:
        """What Flask-Login stores in the cookie: the session token."""
        return self._token

    @property
    def account(self) -> Account:
        """The account signed in."""
        return self.auth_session.account

    @property
    def second_factor_satisfied(self) -> bool:
        """True when no second factor is due, or it was given in this session."""
        account = self.account
        if account.has_totp or account.needs_second_factor():
            return self.auth_session.second_factor_at is not None
        return True


def auth_config() -> AuthConfig:
    """The running app's account settings."""
    config: AuthConfig = current_app.extensions[AUTH_EXTENSION_KEY]
    return config


def load_user(token: str) -> SignedIn | None:
    """Flask-Login's user loader: the live session for a cookie token, if any."""
    auth_session = load_session(request_session(), auth_config(), token, utcnow())
    return SignedIn(auth_session, token) if auth_session is not None else None
