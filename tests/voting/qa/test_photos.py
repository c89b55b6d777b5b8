"""Candidates' photos: type and size checked, re-encoded without metadata (EXIF, GPS,
comments), bounded in size, and served from our own host as an image (T30, T33)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests import factories
from tests.voting.qa import arrange
from tests.voting.qa.arrange import NOW
from tests.voting.web import page_token, sign_in
from voting.db import utcnow
from voting.errors import FieldError
from voting.qa import profiles
from voting.qa.models import CandidatePhoto
from voting.qa.photos import MAX_SIDE, MAX_UPLOAD_BYTES, prepare_photo

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def _jpeg_with_metadata(size: tuple[int, int] = (1600, 1200), orientation: int = 1) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[MAKE] = "SpyCam 3000"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 5.0, 0.0), 3: "E", 4: (5.0, 7.0, 0.0)})
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif, comment=b"<script>alert(1)</script>")
    return output.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def test_a_photo_is_re_encoded_without_any_metadata_and_bounded() -> None:
    upload = _jpeg_with_metadata()
    assert b"SpyCam" in upload
    prepared = prepare_photo(upload)
    assert prepared.media_type == "image/jpeg"
    assert (prepared.width, prepared.height) == (MAX_SIDE, 600)
    for marker in (b"SpyCam", b"Exif", b"<script>", b"GPS"):
        assert marker not in prepared.content
    with Image.open(io.BytesIO(prepared.content)) as stored:
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
        assert "comment" not in stored.info


def test_the_camera_orientation_is_applied_before_the_tag_goes() -> None:
    prepared = prepare_photo(_jpeg_with_metadata((400, 200), orientation=6))  # rotated 90°
    assert (prepared.width, prepared.height) == (200, 400)


def test_transparent_png_is_flattened_onto_white() -> None:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    output = io.BytesIO()
    image.save(output, format="PNG")
    prepared = prepare_photo(output.getvalue())
    with Image.open(io.BytesIO(prepared.content)) as stored:
        r, g, b = stored.convert("RGB").getpixel((5, 5))  # type: ignore[misc]
        assert min(r, g, b) > 240


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<html><script>alert(1)</script></html>", "JPEG, PNG or WebP"),
        (b"GIF89a" + b"\x00" * 100, "JPEG, PNG or WebP"),
        (_png_claiming(60_000, 60_000), "too many pixels"),
        (_jpeg_with_metadata()[:600], "could not be read"),
        (b"\xff\xd8\xff" + b"\x00" * (MAX_UPLOAD_BYTES + 1), "5 MB"),
    ],
    ids=["empty", "html", "gif", "bomb", "truncated", "too-large"],
)
def test_anything_but_a_sound_photo_of_sensible_size_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(FieldError, match=message) as refused:
        prepare_photo(data)
    assert refused.value.field == "photo"


def test_a_gif_is_refused_even_when_it_is_a_real_image() -> None:
    output = io.BytesIO()
    Image.new("RGB", (4, 4)).save(output, format="GIF")
    with pytest.raises(FieldError, match="JPEG, PNG or WebP"):
        prepare_photo(output.getvalue())


def test_a_refused_photo_saves_nothing_of_the_profile(db: Session) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    with pytest.raises(FieldError):
        profiles.update_profile(
            db,
            anna.account,
            anna.id,
            profiles.Profile(display_name="Anna de Vries", motivation="Nieuw."),
            NOW,
            photo=b"not an image",
        )
    db.refresh(anna)
    assert anna.motivation == ""
    assert db.scalar(select(func.count()).select_from(CandidatePhoto)) == 0


@pytest.fixture
def context() -> None:
    """No outer request context: the test client pushes one per request."""


def _client(app: Flask, db: Session, account_email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, account_email, factories.PASSWORD)
    return client


def test_upload_through_the_form_and_served_inline_as_an_image_from_our_host(
    app: Flask, db: Session
) -> None:
    with app.test_request_context():
        setup = arrange.set_up(db, around=utcnow())
    anna = setup.candidates[0]
    client = _client(app, db, anna.account.member.email)
    path = f"/qa/candidates/{anna.id}/profile"
    token = page_token(client, path)
    upload = _jpeg_with_metadata()
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "display_name": "Anna de Vries",
            "photo": (io.BytesIO(upload), "holiday.jpg", "image/jpeg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    reader = _client(app, db, setup.members[1].member.email)
    page = reader.get(f"/qa/candidates/{anna.id}").get_data(as_text=True)
    assert f'src="/qa/candidates/{anna.id}/photo"' in page
    served = reader.get(f"/qa/candidates/{anna.id}/photo")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["Content-Disposition"].startswith("inline;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert b"SpyCam" not in served.data
    assert served.data != upload
    outsider = _client(app, db, setup.outsider.member.email)
    assert outsider.get(f"/qa/candidates/{anna.id}/photo").status_code == 403
    # Removing it.
    token = page_token(client, path)
    client.post(
        path,
        data={"csrf_token": token, "display_name": "Anna de Vries", "remove_photo": "y"},
        content_type="multipart/form-data",
    )
    assert reader.get(f"/qa/candidates/{anna.id}/photo").status_code == 404


def test_a_file_that_is_not_a_photo_gets_a_field_error_and_ten_megabytes_a_413(
    app: Flask, db: Session
) -> None:
    with app.test_request_context():
        setup = arrange.set_up(db, around=utcnow())
    anna = setup.candidates[0]
    client = _client(app, db, anna.account.member.email)
    path = f"/qa/candidates/{anna.id}/profile"
    response = client.post(
        path,
        data={
            "csrf_token": page_token(client, path),
            "display_name": "Anna de Vries",
            "photo": (io.BytesIO(b"<svg onload=alert(1)>"), "x.jpg", "image/jpeg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Upload a photo as JPEG, PNG or WebP." in response.get_data(as_text=True)
    # Encoded here, in memory: the test client would spool a body this large to a temporary
    # file that nothing closes when the app refuses it unread.
    boundary, body = encode_multipart(
        {
            "csrf_token": page_token(client, path),
            "display_name": "Anna de Vries",
            "photo": FileStorage(io.BytesIO(b"\xff" * (10 * 1024 * 1024)), "big.jpg"),
        }
    )
    response = client.post(
        path, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert db.scalar(select(func.count()).select_from(CandidatePhoto)) == 0
