"""The moderators' overview: what waits in each candidate Q&A, and reported consensus reasons."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from voting.consensus.moderation import open_reports
from voting.db import request_session
from voting.qa.moderation import waiting_counts
from voting.security import Access, access

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
Reply = str | WerkzeugResponse | tuple[str, int]


@bp.route("")
@access(Access.MODERATOR)
def index() -> Reply:
    """Every queue a moderator works on, with how much waits in each."""
    db = request_session()
    return render_template(
        "moderation/index.html",
        qas=waiting_counts(db, current_user.account),
        consensus_reports=len(open_reports(db)),
    )
