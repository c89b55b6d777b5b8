"""Flask extensions, created once and bound to each app in `create_app`."""

from __future__ import annotations

import hashlib
import unicodedata

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


def submitted_email_key() -> str:
    """Rate-limit key for the account a form names, whether or not it exists.

    Unknown addresses are limited exactly like known ones, so the limit reveals nothing
    (THREATS T29), and the key is a hash so that no address sits in Redis.
    """
    raw = request.form.get("email", "")
    normalised = unicodedata.normalize("NFC", raw).strip().casefold()
    return "email:" + hashlib.sha256(normalised.encode()).hexdigest()


def signed_in_account_key() -> str:
    """Rate-limit key for actions of a signed-in member (casting): per account, not per
    address, so members behind one network address do not limit each other."""
    from flask_login import current_user  # the extension module loads before accounts

    if current_user.is_authenticated:
        return f"account:{current_user.account.id}"
    return f"address:{get_remote_address()}"
