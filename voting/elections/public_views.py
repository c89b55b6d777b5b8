"""Public routes, no sign-in: the check page, the audit page with the signed heads, the
election record, published results, the projector view and the minutes."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import Blueprint, Response, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from audit.log import Log, parse_head
from audit.merkle import hash_leaf, verify_inclusion
from audit.record import write_record
from ballots import canonical_json
from voting.accounts.totp import qr_svg
from voting.auditlog import SQLLogStore, latest_head
from voting.db import request_session
from voting.elections.casting import find_by_tracking_code
from voting.elections.forms import CheckForm
from voting.elections.models import Election, ElectionState, Meeting
from voting.elections.results import present, published_elections
from voting.errors import NotFound
from voting.extensions import limiter
from voting.runtime import current_settings
from voting.security import Access, access
from voting.spreadsheet import write_csv

bp = Blueprint("public", __name__)
Reply = str | WerkzeugResponse | tuple[str, int]
LOGGED_STATES = {
    ElectionState.OPEN,
    ElectionState.CLOSED,
    ElectionState.DECRYPTED,
    ElectionState.PUBLISHED,
}


def _logged(slug: str) -> Election:
    """A vote with a public log: open or past it, or cancelled after it opened. A vote
    cancelled before it opened was never public and stays unknown here."""
    election = request_session().scalar(select(Election).where(Election.slug == slug))
    if election is None or not (
        election.state in LOGGED_STATES
        or (election.state is ElectionState.CANCELLED and election.has_log)
    ):
        raise NotFound
    return election


def _log(election: Election) -> Log:
    return Log(SQLLogStore(request_session(), election.slug), election.slug)


@bp.route("/check")
@access(Access.PUBLIC)
def check() -> Reply:
    """Is the ballot with this tracking code in the log? Checked against the newest head."""
    form = CheckForm(request.args)
    if "code" not in request.args:
        return render_template("elections/check.html", form=CheckForm(formdata=None), found=None)
    if not form.validate():
        return render_template("elections/check.html", form=form, found=None), 400
    try:
        election, ballot = find_by_tracking_code(request_session(), None, form.code.data)
    except NotFound as missing:
        form.code.errors = [missing.message]
        return render_template("elections/check.html", form=form, found=None), 404
    log = _log(election)
    newest = latest_head(request_session(), election.slug)
    if newest is None:  # pragma: no cover  # opening signs the first head
        raise NotFound
    head = parse_head(newest)
    entry = log.entries(ballot.log_index, ballot.log_index + 1)[0]
    proof = log.inclusion_proof(ballot.log_index, head.head.size)
    verify_inclusion(hash_leaf(entry), proof, head.head.root)  # raises if the log lies
    found = {
        "election": election,
        "ballot": ballot,
        "head": head,
        "proof_length": len(proof.path),
    }
    return render_template("elections/check.html", form=form, found=found)


@bp.route("/elections/<slug>/audit")
@access(Access.PUBLIC)
def audit(slug: str) -> Reply:
    """The signed tree heads, for witnesses to save, and the record."""
    election = _logged(slug)
    heads = _log(election).heads()
    return render_template("elections/audit.html", election=election, heads=list(reversed(heads)))


@bp.route("/elections/<slug>/heads.json")
@access(Access.PUBLIC)
def heads(slug: str) -> Response:
    """Every signed head, oldest first, as a witness saves them (`--witness HEADS`)."""
    election = _logged(slug)
    body = canonical_json({"version": 1, "heads": [h.to_json() for h in _log(election).heads()]})
    return Response(body, mimetype="application/json")


RECORD_LIMIT = "10 per minute"
"""Downloads of records per client address: a record of thousands of ballots is hundreds of
megabytes, and anyone may fetch it while voting is open."""


def _record_file(election: Election) -> Path:
    """The record as of now, built once per state of the log and kept in the instance folder.

    The file is named by the log's size and its newest signed head: the log only grows, so
    equal size and head mean equal entries and heads. Older files of the vote are removed.
    """
    log = _log(election)
    size = log.size()
    newest = latest_head(request_session(), election.slug) or b""
    folder = Path(current_settings().instance_path) / "records"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{election.slug}-{size}-{hashlib.sha256(newest).hexdigest()[:16]}.zip"
    path = folder / name
    if not path.exists():
        with tempfile.TemporaryDirectory(dir=folder) as building:
            built = write_record(Path(building) / name, log)
            os.replace(built, path)  # atomic: another worker may be building the same file
        for old in folder.glob(f"{election.slug}-*.zip"):
            if old != path:
                old.unlink(missing_ok=True)  # a download in progress keeps its open file
    return path


@bp.route("/elections/<slug>/record.zip")
@access(Access.PUBLIC)
@limiter.limit(RECORD_LIMIT)
def record(slug: str) -> Response:
    """The election record: check it with `python -m audit verify record.zip`."""
    election = _logged(slug)
    return send_file(
        _record_file(election),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{election.slug}-record.zip",
        max_age=0,
    )


@bp.route("/elections/<slug>/result")
@access(Access.PUBLIC)
def result(slug: str) -> Reply:
    """A published result, with the rule and a chart for each question."""
    election = _logged(slug)
    if election.state is not ElectionState.PUBLISHED:
        raise NotFound
    url = current_settings().base_url + url_for(".result", slug=slug)
    return render_template(
        "elections/result.html",
        election=election,
        questions=present(election),
        preview=False,
        qr=qr_svg(url),
        public_url=url,
    )


def _meeting(meeting_id: int) -> Meeting:
    meeting = request_session().get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound
    return meeting


def _closed_unpublished(meeting: Meeting) -> list[Election]:
    """Votes of the meeting that closed and are not yet published: the projector shows the
    root hash of their closing state, for trustees and witnesses to write down."""
    return [
        e
        for e in meeting.elections
        if e.closing_root is not None and e.state is not ElectionState.PUBLISHED
    ]


def _cancelled_in_public(meeting: Meeting) -> list[Election]:
    """Votes of the meeting cancelled after voting opened (earlier, they were never public)."""
    return [e for e in meeting.elections if e.state is ElectionState.CANCELLED and e.has_log]


@bp.route("/meetings/<int:meeting_id>/projector")
@access(Access.PUBLIC)
def projector(meeting_id: int) -> Reply:
    """For the beamer: every published outcome of the meeting, large and high-contrast."""
    meeting = _meeting(meeting_id)
    elections = published_elections(request_session(), meeting)
    base = current_settings().base_url
    shown = [
        (
            e,
            present(e),
            qr_svg(base + url_for(".result", slug=e.slug)),
            base + url_for(".result", slug=e.slug),
        )
        for e in elections
    ]
    return render_template(
        "elections/projector.html",
        meeting=meeting,
        shown=shown,
        closed=_closed_unpublished(meeting),
        cancelled=_cancelled_in_public(meeting),
    )


@bp.route("/meetings/<int:meeting_id>/projector.json")
@access(Access.PUBLIC)
def projector_state(meeting_id: int) -> Response:
    """What the projector's script polls: a fingerprint of what the page shows (the closed
    votes with their roots, the published ones); when it changes, the page updates."""
    meeting = _meeting(meeting_id)
    published = [
        f"{e.slug}@{e.published_at.isoformat() if e.published_at else ''}"
        for e in published_elections(request_session(), meeting)
    ]
    closed = [f"{e.slug}@{e.closing_root}" for e in _closed_unpublished(meeting)]
    cancelled = [e.slug for e in _cancelled_in_public(meeting)]
    return jsonify(version=1, closed=closed, published=published, cancelled=cancelled)


@bp.route("/meetings/<int:meeting_id>/minutes")
@access(Access.MEMBER)
def minutes(meeting_id: int) -> Reply:
    """Every decision of the meeting with its rule and counts, printable."""
    meeting = _meeting(meeting_id)
    decisions = [(e, present(e)) for e in published_elections(request_session(), meeting)]
    return render_template(
        "elections/minutes.html",
        meeting=meeting,
        decisions=decisions,
        cancelled=_cancelled_in_public(meeting),
    )


@bp.route("/meetings/<int:meeting_id>/minutes.csv")
@access(Access.MEMBER)
def minutes_csv(meeting_id: int) -> Response:
    """The minutes as a spreadsheet-safe CSV."""
    meeting = _meeting(meeting_id)
    rows = []
    for election in published_elections(request_session(), meeting):
        for question in present(election):
            counts = "; ".join(
                [f"{line.label}: {line.count}" for line in question.options]
                + ([] if question.blank is None else [f"{_('blank')}: {question.blank}"])
            )
            rows.append(
                [
                    election.title,
                    question.number,
                    question.title,
                    question.rule,
                    question.outcome,
                    question.voters,
                    question.cast,
                    counts,
                ]
            )
    body = write_csv(
        [
            _("Name of the vote"),
            _("Question number"),
            _("Question"),
            _("Rule"),
            _("Outcome"),
            _("Voters"),
            _("Votes cast"),
            _("Counts"),
        ],
        rows,
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="minutes-{meeting.id}.csv"'},
    )
