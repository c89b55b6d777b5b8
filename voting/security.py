"""Who may open which route, and the headers every response carries.

Every view declares its access level with `@access(...)`; `create_app` refuses to start
when a route has none, and a `before_request` hook enforces it on the server for every
request (no hidden-button security, THREATS T23). Object-level scope (which branch,
which election) is checked again by the services.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Final, TypeVar

from flask import Flask, Response, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from voting.accounts.models import Role
from voting.config import Settings

F = TypeVar("F", bound=Callable[..., object])
ACCESS_ATTRIBUTE: Final = "_stembus_access"


class Access(StrEnum):
    """Access levels, from open to narrow."""

    PUBLIC = "public"  # anyone, signed in or not
    SESSION = "session"  # signed in, even before the second factor (second-factor step, logout)
    MEMBER = "member"  # signed in, second factor passed where required
    CANDIDATE = Role.CANDIDATE.value
    MODERATOR = Role.MODERATOR.value
    TRUSTEE = Role.TRUSTEE.value
    OFFICER = Role.OFFICER.value
    ADMIN = Role.ADMIN.value


#: Which roles pass each role-based level. Administrators run imports and member lists
#: with the election officers; moderation and trusteeship stay with their holders.
ROLES_ADMITTED: Final[dict[Access, frozenset[Role]]] = {
    Access.CANDIDATE: frozenset({Role.CANDIDATE}),
    Access.MODERATOR: frozenset({Role.MODERATOR}),
    Access.TRUSTEE: frozenset({Role.TRUSTEE}),
    Access.OFFICER: frozenset({Role.OFFICER, Role.ADMIN}),
    Access.ADMIN: frozenset({Role.ADMIN}),
}


def access(level: Access) -> Callable[[F], F]:
    """Declare who may call a view."""

    def mark(view: F) -> F:
        setattr(view, ACCESS_ATTRIBUTE, level)
        return view

    return mark


def access_of(app: Flask, endpoint: str) -> Access | None:
    """The declared access level of an endpoint, if any."""
    view = app.view_functions.get(endpoint)
    level: Access | None = getattr(view, ACCESS_ATTRIBUTE, None)
    return level


def check_every_route_declares_access(app: Flask) -> None:
    """Fail at start-up when a route has no access level.

    Raises:
        RuntimeError: naming the endpoints without one.
    """
    missing = sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint) is None
    )
    if missing:
        raise RuntimeError(f"routes without an access level: {', '.join(missing)}")


def enforce_access() -> WerkzeugResponse | None:
    """`before_request` hook: allow, redirect to sign in, or refuse with 403."""
    endpoint = request.endpoint
    if endpoint is None:  # 404s and 405s: let Flask answer them
        return None
    from flask import current_app  # avoids a cycle with the app factory

    level = access_of(current_app, endpoint)
    if level is None:  # pragma: no cover  # create_app refuses to start in this case
        abort(500)
    if level is Access.PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=_safe_next()))
    if level is Access.SESSION:
        return None
    if not current_user.second_factor_satisfied:
        if current_user.account.has_totp:
            return redirect(url_for("accounts.second_factor", next=_safe_next()))
        return redirect(url_for("accounts.second_factor_setup"))
    if level is Access.MEMBER:
        return None
    if not ROLES_ADMITTED[level] & current_user.account.role_set():
        abort(403)
    return None


def _safe_next() -> str:
    # Only a local path, never a full URL: no open redirect.
    path = request.full_path if request.query_string else request.path
    return path if path.startswith("/") and not path.startswith("//") else "/"


_LOCAL_PATH: Final = re.compile(r"/(?![/\\])[!-\[\]-~]*")
"""A path on this site: "/" not followed by "/" or a backslash, then printable ASCII without
spaces, control characters or backslashes. Werkzeug and browsers drop tabs and line breaks
from a Location and read a backslash as "/", so "/", a tab, "/evil.example" would arrive as
"//evil.example": another site."""


def is_safe_next(target: str | None) -> bool:
    """True when `target` is a path on this site (for `?next=` after signing in)."""
    return target is not None and _LOCAL_PATH.fullmatch(target) is not None


CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
        "manifest-src 'self'",
    ]
)


def security_headers(settings: Settings) -> Callable[[Response], Response]:
    """An `after_request` hook that sets the security headers on every response."""

    def apply(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if settings.is_production:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint != "static":
            # Pages can show personal data: keep them out of shared and back-button caches.
            headers["Cache-Control"] = "no-store"
        return response

    return apply
