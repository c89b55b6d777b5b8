"""Trustee routes: the web page where a trustee follows the ceremony and makes a token for
the `stembus-trustee` tool, and the JSON API that tool talks to.

The API is authenticated by that token (a bearer token, stored hashed), not by the
session cookie, so it needs no CSRF token; it answers JSON, including its errors.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ballots import BallotsError, JSONValue, parse_canonical_json
from voting.db import request_session, utcnow
from voting.elections import ceremony, lifecycle
from voting.elections.models import Election, ElectionState, Trustee, stored
from voting.errors import NotFound, VotingError
from voting.extensions import csrf, limiter
from voting.runtime import current_keyring
from voting.security import Access, access

bp = Blueprint("trustee", __name__)
api = Blueprint("trustee_api", __name__, url_prefix="/api/trustee")
csrf.exempt(api)
Reply = str | WerkzeugResponse | tuple[str, int]
API_LIMIT = "120 per minute"
MAX_BODY_BYTES = 4 * 1024 * 1024


@bp.route("/trustee")
@access(Access.TRUSTEE)
def index() -> Reply:
    """The votes this member is a trustee of, and what the ceremony needs from them."""
    db = request_session()
    seats = db.scalars(
        select(Trustee)
        .where(Trustee.account_id == current_user.account.id)
        .order_by(Trustee.election_id.desc())
    ).all()
    rows = [(seat, seat.election, ceremony.step(db, seat.election).value) for seat in seats]
    return render_template("elections/trustee.html", rows=rows, token=None, token_election=None)


@bp.route("/trustee/<int:election_id>/token", methods=["POST"])
@access(Access.TRUSTEE)
def token(election_id: int) -> Reply:
    """Make a token for the tool (shown once; an older token stops working)."""
    db = request_session()
    election = db.get(Election, election_id)
    if election is None:
        raise NotFound
    issued = ceremony.issue_token(db, current_user.account, election, utcnow())
    seats = db.scalars(
        select(Trustee)
        .where(Trustee.account_id == current_user.account.id)
        .order_by(Trustee.election_id.desc())
    ).all()
    rows = [(seat, seat.election, ceremony.step(db, seat.election).value) for seat in seats]
    return render_template(
        "elections/trustee.html", rows=rows, token=issued, token_election=election
    )


# ------------------------------------------------------------------ the tool's API


def _trustee() -> Trustee:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise NotFound(_("This trustee token does not work. Make a new one on the website."))
    return ceremony.trustee_for_token(request_session(), value.strip())


def _body() -> JSONValue:
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY_BYTES:
        raise VotingError(_("The request is too large."))
    try:
        return parse_canonical_json(raw, max_bytes=MAX_BODY_BYTES)
    except BallotsError as exc:
        raise VotingError(_("The request is not canonical JSON.")) from exc


def _items(value: JSONValue) -> list[JSONValue]:
    if isinstance(value, dict) and isinstance(value.get("items"), list):
        return list(value["items"])
    raise VotingError(_("Expected an object with a list of items."))


@api.errorhandler(VotingError)
def _error(error: VotingError) -> tuple[Response, int]:
    request_session().rollback()
    return jsonify(
        error=getattr(error, "check", type(error).__name__), message=str(error.message)
    ), error.status


@api.route("/board")
@access(Access.PUBLIC)
@limiter.limit(API_LIMIT)
def board() -> Response:
    """The ceremony's public state for this trustee, and the election's state."""
    trustee = _trustee()
    election = trustee.election
    out = ceremony.board(request_session(), election, trustee)
    tally = stored(election.tally_json) if election.tally_json is not None else None
    return jsonify({**out, "state": election.state.value, "tally": tally})


def _post(kind: str) -> Response:
    trustee = _trustee()
    db = request_session()
    now = utcnow()
    if kind == "announcement":
        ceremony.post_announcement(db, trustee, _body(), now)
    elif kind == "shares":
        ceremony.post_shares(db, trustee, _items(_body()), now)
    elif kind == "complaints":
        ceremony.post_complaints(db, trustee, _items(_body()), now)
    elif kind == "answers":
        ceremony.post_answers(db, trustee, _items(_body()), now)
    elif kind == "confirm":
        ceremony.confirm(db, trustee, now)
    else:
        if trustee.election.state is ElectionState.CANCELLED:
            raise lifecycle.ShareRefused("cancelled", lifecycle.CANCELLED_NOT_COUNTED)
        if trustee.election.state is not ElectionState.CLOSED:
            raise VotingError(_("Decryption starts after voting has closed."))
        lifecycle.receive_share(db, current_keyring(), trustee, _body(), now)
    return jsonify(ok=True)


@api.route("/announcement", methods=["POST"])
@access(Access.PUBLIC)
@limiter.limit(API_LIMIT)
def announcement() -> Response:
    """Step 1: the trustee's announcement."""
    return _post("announcement")


@api.route("/shares", methods=["POST"])
@access(Access.PUBLIC)
@limiter.limit(API_LIMIT)
def shares() -> Response:
    """Step 2: encrypted shares for the other trustees."""
    return _post("shares")


@api.route("/complaints", methods=["POST"])
@access(Access.PUBLIC)
@limiter.limit(API_LIMIT)
def complaints() -> Response:
    """Step 3: complaints about shares that failed (possibly none)."""
    return _post("complaints")


@api.route("/answers", methods=["POST"])
@access(Access.PUBLIC)
@limiter.limit(API_LIMIT)
def answers() -> Response:
    """Step 4: answers to complaints."""
    return _post("answers")


@api.route("/confirm", methods=["POST"])
@access(Access.PUBLIC)
@limiter.limit(API_LIMIT)
def confirm() -> Response:
    """Step 5: the share is checked and saved."""
    return _post("confirm")


@api.route("/decryption", methods=["POST"])
@access(Access.PUBLIC)
@limiter.limit(API_LIMIT)
def decryption() -> Response:
    """At the meeting: a partial decryption of the tally with its proofs."""
    return _post("decryption")
