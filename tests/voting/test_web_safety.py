"""Web hardening: CSRF on every form (T25), headers and CSP (T30), request and field size
limits (T33), loopback-only sockets and no DNS on e-mail input (T31), cookie flags, and an
access log without links, codes or addresses."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_socket import SocketConnectBlockedError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.conftest import base_settings
from tests.voting.web import page_token, sign_in
from voting import create_app
from voting.accounts.models import Role, RoleGrant
from voting.config import Environment
from voting.db import Database
from voting.members.importer import parse_member_file
from voting.security import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _officer_client(app: Flask, db: Session) -> FlaskClient:
    auth = factories.auth_config()
    admin = factories.account(db, auth, roles=(Role.ADMIN,), totp=True)
    client = app.test_client()
    sign_in(client, admin.member.email, factories.PASSWORD, factories.totp_secret(auth, admin))
    return client


def test_post_without_csrf_token_is_refused_and_changes_nothing(app: Flask, db: Session) -> None:
    client = _officer_client(app, db)
    target = factories.account(db, factories.auth_config())
    before = db.scalar(select(func.count()).select_from(RoleGrant))
    response = client.post(
        "/admin/roles", data={"member_number": target.member.number, "role": "admin", "branch": ""}
    )
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(RoleGrant)) == before


def test_post_with_another_sessions_csrf_token_is_refused(app: Flask, db: Session) -> None:
    client = _officer_client(app, db)
    other_token = page_token(app.test_client(), "/login")
    response = client.post(
        "/account/preferences",
        data={"csrf_token": other_token, "locale": "en", "timezone": "Europe/Amsterdam"},
    )
    assert response.status_code == 400


def test_state_never_changes_on_get(app: Flask, client: FlaskClient) -> None:
    for path in (
        "/logout",
        "/language",
        "/account/sessions/end-others",
        "/members/invite",
        "/account/preferences",
    ):
        response = client.get(path)
        assert response.status_code == 405, path


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/nowhere", "/static/css/stembus.css"])
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    response.close()
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "X-Request-ID" in headers


def test_content_security_policy_forbids_inline_code() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_templates_hold_no_inline_script_style_or_event_handlers() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"<style\b", text), template
        assert not re.search(r"\sstyle=", text), template
        assert not re.search(r"\son[a-z]+=", text), template


def test_authenticated_pages_are_not_cached(app: Flask, db: Session) -> None:
    client = _officer_client(app, db)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_request_larger_than_the_limit_gets_413(client: FlaskClient) -> None:
    token = page_token(client)
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": "a@example.org", "password": "x" * (10 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_oversized_field_gets_a_field_error_and_nothing_is_stored(app: Flask, db: Session) -> None:
    client = _officer_client(app, db)
    before = db.scalar(select(func.count()).select_from(RoleGrant))
    token = page_token(client, "/admin/roles")
    response = client.post(
        "/admin/roles",
        data={
            "csrf_token": token,
            "member_number": "1" * (1024 * 1024),
            "role": "admin",
            "branch": "",
        },
    )
    assert response.status_code == 400
    assert 'href="#member_number"' in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(RoleGrant)) == before


def test_production_cookies_are_secure_and_host_bound(engine, mail) -> None:
    settings = base_settings(
        engine.url.render_as_string(hide_password=False), mail.port
    ).with_changes(env=Environment.PRODUCTION, base_url="https://stembus.example.org")
    app = create_app(settings, database=Database(engine))
    client = app.test_client()
    response = client.get("/login", base_url="https://stembus.example.org")
    cookie = next(h for h in response.headers.getlist("Set-Cookie"))
    assert cookie.startswith("__Host-stembus=")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_tests_may_open_loopback_sockets_only() -> None:
    with (
        socket.socket() as outbound,
        pytest.raises(SocketConnectBlockedError),
        pytest.warns(UserWarning, match="192.0.2.1"),
    ):
        outbound.connect(("192.0.2.1", 25))


def test_email_addresses_are_checked_without_dns() -> None:
    # Sockets outside loopback are blocked here, so a DNS lookup would fail the import.
    content = "lidnummer;naam;e-mail;afdeling;status;lid sinds\n1;A;someone@no-such-domain-7f3a.nl;x;actief;2020-01-01\n"
    parsed = parse_member_file(content.encode(), factories.NOW.date())
    assert not parsed.problems
    assert parsed.rows[0].email == "someone@no-such-domain-7f3a.nl"


def test_unknown_upload_is_a_plain_404(app: Flask, db: Session) -> None:
    client = _officer_client(app, db)
    response = client.get("/members/import/999999")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_text_input_is_nfc_with_lf_line_endings() -> None:
    """A frozen text's hash must not depend on the browser's line endings or normal form."""
    from voting.forms import normalise_text

    assert normalise_text("  Alinea 1\r\n\r\nE\u0301e\rn  ") == "Alinea 1\n\n\u00c9e\nn"
    assert normalise_text(7) == 7


def test_the_access_log_names_routes_not_links_codes_or_addresses(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Request lines would carry reset links, tracking codes and client addresses
    (docs/privacy.md): the log holds the route's pattern, the status and the time only."""
    caplog.set_level(logging.INFO, logger="voting.access")
    secrets_in_paths = {
        "/reset/SECRET-LINK-TOKEN-0123456789": "SECRET-LINK-TOKEN",
        "/check?code=TRACKING-CODE-XYZ": "TRACKING-CODE-XYZ",
        "/vote/moties-alv/receipt/RECEIPT-CODE-ABC": "RECEIPT-CODE-ABC",
    }
    for path in secrets_in_paths:
        client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.77"}).close()
    lines = [r.getMessage() for r in caplog.records if r.name == "voting.access"]
    assert any(line.startswith("GET /reset/<token> ") for line in lines), lines
    assert any(line.startswith("GET /check ") for line in lines), lines
    assert any(line.startswith("GET /vote/<slug>/receipt/<code> ") for line in lines), lines
    for secret in [*secrets_in_paths.values(), "203.0.113.77", "moties-alv"]:
        assert secret not in caplog.text
