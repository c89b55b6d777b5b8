"""Member pages for officers: upload and apply through the web, branch scope, export."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.web import csrf_from, page_token, sign_in
from voting.accounts.models import Account, Role
from voting.members.models import ImportBatch, Member

FILE = "\ufefflidnummer;naam;e-mail;afdeling;status;lid sinds\r\n2001;Iris Mulder;iris@example.org;utrecht;actief;2023-05-01\r\n"


def _officer(app: Flask, db: Session, branch: str | None = None) -> tuple[Account, FlaskClient]:
    auth = factories.auth_config()
    officer = factories.account(
        db,
        auth,
        roles=(Role.OFFICER,),
        totp=True,
        officer_branch=branch,
        branch_code=branch or "utrecht",
    )
    client = app.test_client()
    sign_in(client, officer.member.email, factories.PASSWORD, factories.totp_secret(auth, officer))
    return officer, client


def test_officer_uploads_previews_and_applies_a_member_file(app: Flask, db: Session) -> None:
    officer, client = _officer(app, db)
    me = officer.member
    content = FILE + f"{me.number};{me.name};{me.email};utrecht;actief;2020-01-01\r\n"
    token = page_token(client, "/members/import")
    upload = client.post(
        "/members/import",
        data={"csrf_token": token, "file": (io.BytesIO(content.encode()), "leden.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    preview = client.get(upload.headers["Location"])
    html = preview.get_data(as_text=True)
    assert "Iris Mulder" in html
    assert db.scalar(select(Member).where(Member.number == "2001")) is None
    batch = db.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch is not None
    digest = html.split('name="digest" type="hidden" value="')[1].split('"')[0]
    applied = client.post(
        f"/members/import/{batch.id}/apply", data={"csrf_token": csrf_from(html), "digest": digest}
    )
    assert applied.status_code == 302
    assert db.scalar(select(Member).where(Member.number == "2001")) is not None
    db.refresh(batch)
    assert batch.content is None  # the file is not kept once applied
    assert client.get(f"/members/import/{batch.id}").status_code == 404


def test_preview_of_a_bad_file_lists_problems_and_offers_no_apply(app: Flask, db: Session) -> None:
    _officer_account, client = _officer(app, db)
    token = page_token(client, "/members/import")
    bad = FILE + "2002;Bad Address;nope;utrecht;actief;2023-05-01\r\n"
    upload = client.post(
        "/members/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "leden.csv")},
        content_type="multipart/form-data",
    )
    html = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "not a valid e-mail address" in html
    assert "Apply these changes" not in html


def test_upload_without_a_file_or_of_the_wrong_type_is_refused(app: Flask, db: Session) -> None:
    _officer_account, client = _officer(app, db)
    token = page_token(client, "/members/import")
    assert (
        client.post(
            "/members/import", data={"csrf_token": token}, content_type="multipart/form-data"
        ).status_code
        == 400
    )
    wrong = client.post(
        "/members/import",
        data={"csrf_token": token, "file": (io.BytesIO(b"x"), "leden.exe")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400
    assert "Choose a CSV file" in wrong.get_data(as_text=True)


def test_branch_officer_sees_only_their_branch(app: Flask, db: Session) -> None:
    _officer_account, client = _officer(app, db, branch="bonaire")
    mine = factories.member(db, name="Bonaire Member", branch_code="bonaire")
    theirs = factories.member(db, name="Utrecht Member", branch_code="utrecht")
    db.commit()
    listing = client.get("/members").get_data(as_text=True)
    assert "Bonaire Member" in listing
    assert "Utrecht Member" not in listing
    assert client.get(f"/members/{mine.id}").status_code == 200
    assert client.get(f"/members/{theirs.id}").status_code == 404
    export = client.get("/members/export.csv").get_data(as_text=True)
    assert "Bonaire Member" in export
    assert "Utrecht Member" not in export
    assert client.get("/branches/utrecht").status_code == 403
    assert client.get("/branches/bonaire").status_code == 200


def test_branch_officer_cannot_import(app: Flask, db: Session) -> None:
    _officer_account, client = _officer(app, db, branch="bonaire")
    assert client.get("/members/import").status_code == 403


def test_member_list_search_and_pages(app: Flask, db: Session) -> None:
    _officer_account, client = _officer(app, db)
    for index in range(55):
        factories.member(db, name=f"Zoeker {index:02d}")
    db.commit()
    first = client.get("/members?q=zoeker").get_data(as_text=True)
    assert "55 members found" in first
    assert "Page 1 of 2" in first
    assert "Zoeker 54" in client.get("/members?q=zoeker&page=2").get_data(as_text=True)
