"""A member sees and downloads what is stored about them (GDPR art. 15), and no secrets."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.web import sign_in


def test_member_downloads_their_data_without_any_secret(app: Flask, db: Session) -> None:
    auth = factories.auth_config()
    account = factories.account(db, auth, name="Vera Mulder", totp=True)
    client = app.test_client()
    sign_in(client, account.member.email, factories.PASSWORD, factories.totp_secret(auth, account))
    page = client.get("/account/data").get_data(as_text=True)
    assert "Vera Mulder" in page
    download = client.get("/account/data.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(download.get_data(as_text=True))
    assert data["member"]["name"] == "Vera Mulder"
    assert data["account"]["password_set"] is True
    assert data["account"]["second_factor_enabled_at"] is not None
    assert len(data["sessions"]) >= 1
    assert any(e["action"] == "account.second-factor-enabled" for e in data["events"])
    text = download.get_data(as_text=True)
    db.refresh(account)
    assert account.password_hash is not None
    assert account.password_hash not in text
    assert factories.totp_secret(auth, account) not in text
    assert "$argon2" not in text
