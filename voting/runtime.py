"""The running app's settings and mailer, for views and CLI commands."""

from __future__ import annotations

from typing import Final

from flask import current_app

from voting.config import Settings
from voting.keys import Keyring
from voting.mail import Mailer

SETTINGS_KEY: Final = "stembus.settings"
MAILER_KEY: Final = "stembus.mailer"
KEYRING_KEY: Final = "stembus.keyring"


def current_settings() -> Settings:
    """The settings the app was created with."""
    settings: Settings = current_app.extensions[SETTINGS_KEY]
    return settings


def current_mailer() -> Mailer:
    """Where the app's mail goes."""
    mailer: Mailer = current_app.extensions[MAILER_KEY]
    return mailer


def current_keyring() -> Keyring:
    """The service's signing keys."""
    keyring: Keyring = current_app.extensions[KEYRING_KEY]
    return keyring
