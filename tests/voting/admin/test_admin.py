"""Administration: roles given and taken, never the last administrator, accounts switched
off and on, branches, and the event log of it all."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.web import post_form, sign_in
from voting.accounts.models import Account, Role, RoleGrant
from voting.events import Event
from voting.members.models import Branch


def _admin(app: Flask, db: Session) -> tuple[Account, FlaskClient]:
    auth = factories.auth_config()
    admin = factories.account(db, auth, roles=(Role.ADMIN,), totp=True)
    client = app.test_client()
    sign_in(client, admin.member.email, factories.PASSWORD, factories.totp_secret(auth, admin))
    return admin, client


def test_admin_gives_a_role_and_the_holder_must_set_up_a_second_step(
    app: Flask, db: Session
) -> None:
    _admin_account, client = _admin(app, db)
    member = factories.account(db, factories.auth_config())
    response = post_form(
        client,
        "/admin/roles",
        {"member_number": member.member.number, "role": "moderator", "branch": ""},
    )
    assert response.status_code == 302
    db.refresh(member)
    assert Role.MODERATOR in member.role_set()
    event = db.scalar(
        select(Event).where(Event.action == "role.granted", Event.subject == f"account:{member.id}")
    )
    assert event is not None
    assert event.details["role"] == "moderator"
    holder = app.test_client()
    assert (
        sign_in(holder, member.member.email, factories.PASSWORD).headers["Location"]
        == "/account/second-factor/setup"
    )


def test_unknown_member_or_duplicate_role_gives_a_field_error(app: Flask, db: Session) -> None:
    _admin_account, client = _admin(app, db)
    unknown = post_form(
        client, "/admin/roles", {"member_number": "999999999", "role": "admin", "branch": ""}
    )
    assert unknown.status_code == 400
    assert "no member with this number" in unknown.get_data(as_text=True)
    member = factories.account(db, factories.auth_config(), roles=(Role.TRUSTEE,))
    duplicate = post_form(
        client,
        "/admin/roles",
        {"member_number": member.member.number, "role": "trustee", "branch": ""},
    )
    assert duplicate.status_code == 400
    assert "has this role already" in duplicate.get_data(as_text=True)


def test_only_officers_can_be_limited_to_a_branch(app: Flask, db: Session) -> None:
    _admin_account, client = _admin(app, db)
    member = factories.account(db, factories.auth_config())
    branch = db.scalar(select(Branch))
    assert branch is not None
    response = post_form(
        client,
        "/admin/roles",
        {"member_number": member.member.number, "role": "moderator", "branch": str(branch.id)},
    )
    assert "Only election officers" in response.get_data(as_text=True)
    response = post_form(
        client,
        "/admin/roles",
        {"member_number": member.member.number, "role": "officer", "branch": str(branch.id)},
    )
    assert response.status_code == 302
    grant = db.scalar(select(RoleGrant).where(RoleGrant.account_id == member.id))
    assert grant is not None
    assert grant.branch_id == branch.id


def test_the_last_administrator_cannot_be_removed(app: Flask, db: Session) -> None:
    admin, client = _admin(app, db)
    grant = db.scalar(select(RoleGrant).where(RoleGrant.account_id == admin.id))
    assert grant is not None
    response = post_form(client, f"/admin/roles/{grant.id}/revoke", {}, token_from="/admin/roles")
    assert response.status_code == 409
    assert "last administrator" in response.get_data(as_text=True)
    assert db.get(RoleGrant, grant.id) is not None


def test_admin_disables_and_enables_an_account(app: Flask, db: Session) -> None:
    _admin_account, client = _admin(app, db)
    member = factories.account(db, factories.auth_config())
    browser = app.test_client()
    sign_in(browser, member.member.email, factories.PASSWORD)
    post_form(
        client,
        f"/admin/members/{member.member_id}/disable",
        {"reason": "requested by the member"},
        token_from=f"/members/{member.member_id}",
    )
    assert browser.get("/account").status_code == 302
    assert sign_in(app.test_client(), member.member.email, factories.PASSWORD).status_code == 200
    post_form(
        client,
        f"/admin/members/{member.member_id}/enable",
        {},
        token_from=f"/members/{member.member_id}",
    )
    assert (
        sign_in(app.test_client(), member.member.email, factories.PASSWORD).headers["Location"]
        == "/"
    )
    actions = db.scalars(select(Event.action).where(Event.subject == f"account:{member.id}")).all()
    assert "account.disabled" in actions
    assert "account.enabled" in actions


def test_admin_adds_a_branch_and_a_duplicate_code_is_refused(app: Flask, db: Session) -> None:
    _admin_account, client = _admin(app, db)
    response = post_form(
        client,
        "/admin/branches",
        {"code": "sint-eustatius", "name": "Sint Eustatius", "timezone": "America/Kralendijk"},
    )
    assert response.status_code == 302
    again = post_form(
        client,
        "/admin/branches",
        {"code": "sint-eustatius", "name": "Statia", "timezone": "America/Kralendijk"},
    )
    assert again.status_code == 400
    assert "exists already" in again.get_data(as_text=True)
    bad = post_form(
        client,
        "/admin/branches",
        {"code": "Sint Eustatius!", "name": "x", "timezone": "America/Kralendijk"},
    )
    assert bad.status_code == 400


def test_event_log_lists_actions(app: Flask, db: Session) -> None:
    _admin_account, client = _admin(app, db)
    post_form(
        client,
        "/admin/branches",
        {"code": "leiden", "name": "Leiden", "timezone": "Europe/Amsterdam"},
    )
    html = client.get("/admin/events?action=branch.created").get_data(as_text=True)
    assert "branch.created" in html
