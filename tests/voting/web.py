"""Helpers for driving the app through its HTTP interface, as a browser would."""

from __future__ import annotations

import re

import pyotp
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF_PATTERN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF_PATTERN.search(html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1) or found.group(2)


def page_token(client: FlaskClient, path: str = "/login") -> str:
    """Open a page and return its form's CSRF token."""
    response = client.get(path)
    return csrf_from(response.get_data(as_text=True))


def post_form(
    client: FlaskClient,
    path: str,
    data: dict[str, str],
    *,
    token_from: str | None = None,
    **kwargs: object,
) -> TestResponse:
    """Submit a form the way a browser does: fetch the page for its token, then post."""
    token = page_token(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)  # type: ignore[arg-type]


def sign_in(
    client: FlaskClient, email: str, password: str, totp_secret: str | None = None
) -> TestResponse:
    """Sign in, passing the second step when a secret is given."""
    response = post_form(client, "/login", {"email": email, "password": password})
    if totp_secret is not None:
        response = post_form(
            client, "/login/second-factor", {"code": pyotp.TOTP(totp_secret).now()}
        )
    return response


def summary_links(html: str) -> list[str]:
    """The targets the error summary links to; each must be an id on the page."""
    start = html.index('class="error-summary"')
    summary = html[start : html.index("</div>", start)]
    targets = re.findall(r'<a href="#([^"]+)"', summary)
    for target in targets:
        assert f'id="{target}"' in html, f"the error summary links to #{target}, not on the page"
    return targets
