"""Member routes: the votes a member may take part in, the ballot, the review, the receipt.

The ballot works without JavaScript: all questions on one page, or one per screen. The
choices travel in the form only (hidden fields between screens, never the session), the
review page posts them once more to cast, and after casting the member is redirected to
the receipt, so a reload cannot cast twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from ballots.manifest import Question
from voting.accounts.totp import qr_svg
from voting.db import request_session, utcnow
from voting.elections import lifecycle
from voting.elections.casting import (
    BallotRefused,
    NotOpen,
    cast_ballot,
    check_open,
    my_ballots,
    receipt_for,
)
from voting.elections.confirmations import send_cast_confirmation
from voting.elections.manifests import describe_rule, rule_of
from voting.elections.models import Election, ElectionState, Voter
from voting.errors import NotFound
from voting.extensions import limiter, signed_in_account_key
from voting.runtime import current_keyring, current_mailer, current_settings
from voting.security import Access, access

logger = logging.getLogger(__name__)
bp = Blueprint("vote", __name__, url_prefix="/vote")
Reply = str | WerkzeugResponse | tuple[str, int]
CAST_LIMIT = "20 per minute"


def _election(slug: str) -> Election:
    election = request_session().scalar(select(Election).where(Election.slug == slug))
    if election is None or election.state in {
        ElectionState.DRAFT,
        ElectionState.CEREMONY,
        ElectionState.READY,
    }:
        raise NotFound
    if election.state is ElectionState.CANCELLED and not election.has_log:
        raise NotFound  # cancelled before it opened: members never saw it
    return election


def _is_voter(election: Election) -> bool:
    return request_session().get(Voter, (election.id, current_user.account.member_id)) is not None


@bp.route("/")
@access(Access.MEMBER)
def index() -> Reply:
    """The votes this member may take part in, open and upcoming and past."""
    db = request_session()
    member_id = current_user.account.member_id
    elections = db.scalars(
        select(Election)
        .join(Voter, Voter.election_id == Election.id)
        .where(Voter.member_id == member_id)
        .order_by(Election.closes_at.desc())
    ).all()
    return render_template("elections/vote_index.html", elections=elections, now=utcnow())


def _selections(
    form: Mapping[str, object], questions: Sequence[Question], shown: dict[str, list[str]]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The choices in a posted form, and a problem per question (in words).

    `questions` are the frozen manifest's (already parsed for the cast, no rows to load). A
    question with too many or too few choices is left out of the choices, but its ticks go
    into `shown`, so the page shows them again for the member to correct.
    """
    data = form if isinstance(form, MultiDict) else MultiDict(form)
    chosen: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    for question in questions:
        values = [str(v) for v in data.getlist(question.id) if v != ""]
        keys = {o.id for o in question.options}
        if any(v not in keys for v in values) or len(set(values)) != len(values):
            problems[question.id] = _("Choose from the options shown.")
            continue
        if question.id in data or values:
            if not question.min_selections <= len(values) <= question.max_selections:
                problems[question.id] = _how_many(question.min_selections, question.max_selections)
                shown[question.id] = values
                continue
            chosen[question.id] = values
    return chosen, problems


def _how_many(low: int, high: int) -> str:
    """The rule on the number of choices, in the fewest words that state it."""
    if low == high:
        return _("Choose exactly %(n)d.", n=low)
    if low == 0:
        return _("Choose at most %(n)d.", n=high)
    return _("Choose at least %(low)d and at most %(high)d.", low=low, high=high)


def _limit(low: int, high: int) -> str:
    """The number of choices, as the hint under a question's title says it."""
    if high == 1:
        return _("Choose one option.")  # the blank vote, where allowed, is one of them
    return _how_many(low, high)


def _missing(low: int, high: int) -> str:
    """The problem with a question left empty that needs a choice."""
    if high == 1:
        return _("Choose an option.")
    return _how_many(low, high)


def _render_ballot(
    election: Election,
    chosen: Mapping[str, list[str]],
    problems: Mapping[str, str],
    mode: str,
    step: int,
    status: int = 200,
    shown: Mapping[str, list[str]] | None = None,
) -> Reply:
    context: dict[str, object]
    if mode == "all" and not chosen and not problems and not shown:
        # The common case, a voter opening the ballot: no question rows to load at all.
        context = {"fields": _empty_ballot_fields(election), "problems": {}}
    else:
        context = _fields_context(election, chosen, problems, shown or {})
    return render_template(
        "elections/ballot.html", election=election, mode=mode, step=step, **context
    ), status


def _fields_context(
    election: Election,
    chosen: Mapping[str, list[str]],
    problems: Mapping[str, str],
    shown: Mapping[str, list[str]],
) -> dict[str, object]:
    """What the questions' fields show (templates/elections/_question_fields.html)."""
    questions = election.questions
    return {
        "questions": questions,
        "chosen": chosen,
        "shown": shown,
        "problems": problems,
        "rules": {q.qid: describe_rule(rule_of(q)) for q in questions},
        "limits": {q.qid: _limit(q.min_selections, q.max_selections) for q in questions},
    }


_EMPTY_FIELDS: dict[tuple[bytes, str], Markup] = {}
"""Rendered empty ballots by (election fingerprint, language); a few open votes at a time."""


def _empty_ballot_fields(election: Election) -> Markup:
    """The fields of every question, nothing ticked: the same for every voter of an election
    in one language. Its texts are frozen into the fingerprint when voting opens, so the
    fingerprint and the language key a copy rendered once per worker (the ballot page costs
    a third less)."""
    key = (lifecycle.document(election).fingerprint, str(get_locale()))
    fields = _EMPTY_FIELDS.get(key)
    if fields is None:
        if len(_EMPTY_FIELDS) >= 32:
            _EMPTY_FIELDS.clear()
        fields = _EMPTY_FIELDS[key] = Markup(  # noqa: S704  # our template's output, escaped
            render_template(
                "elections/_all_questions.html", **_fields_context(election, {}, {}, {})
            )
        )
    return fields


@bp.route("/<slug>", methods=["GET", "POST"])
@access(Access.MEMBER)
@limiter.limit(
    CAST_LIMIT,
    methods=["POST"],
    key_func=signed_in_account_key,
    # Moving between screens and reviewing are posts too: a ballot of 30 questions, one per
    # screen, must not run into the limit. Only casting (the encryption) counts.
    exempt_when=lambda: request.form.get("action") != "cast",
)
def ballot(slug: str) -> Reply:
    """Fill in the ballot, review it, and cast it."""
    election = _election(slug)
    now = utcnow()
    if not _is_voter(election):
        return render_template("elections/not_eligible.html", election=election), 403
    try:
        check_open(election, now)
    except NotOpen as closed:
        return render_template(
            "elections/closed.html", election=election, message=closed.message, now=now
        ), 409
    if request.method == "GET":
        mode = "step" if request.args.get("mode") == "step" else "all"
        return _render_ballot(election, {}, {}, mode, 1)
    questions = lifecycle.document(election).manifest.questions
    mode = "step" if request.form.get("mode") == "step" else "all"
    step = max(
        1,
        min(
            len(questions),
            request.form.get("edit_step", request.form.get("step", 1, type=int), type=int) or 1,
        ),
    )
    action = "edit" if "edit_step" in request.form else request.form.get("action", "review")
    shown: dict[str, list[str]] = {}
    chosen, problems = _selections(request.form, questions, shown)
    if action in {"next", "back"}:
        current = questions[step - 1].id
        if action == "next" and current in problems:
            return _render_ballot(
                election, chosen, {current: problems[current]}, mode, step, 400, shown
            )
        return _render_ballot(election, chosen, {}, mode, step + (1 if action == "next" else -1))
    if action == "edit":
        return _render_ballot(election, chosen, {}, mode, step)
    missing = {
        q.id: _missing(q.min_selections, q.max_selections)
        for q in questions
        if q.id not in chosen and q.min_selections > 0
    }
    problems = {**missing, **problems}
    for question in questions:
        if question.id not in chosen and question.id not in problems:
            chosen[question.id] = []  # no choice: a blank vote
    if problems:
        first = next(i for i, q in enumerate(questions, 1) if q.id in problems)
        return _render_ballot(
            election, chosen, problems, mode, first if mode == "step" else 1, 400, shown
        )
    if action != "cast":
        return render_template(
            "elections/review.html",
            election=election,
            questions=election.questions,
            chosen=chosen,
            mode=mode,
        )
    try:
        receipt = cast_ballot(
            request_session(),
            current_keyring(),
            current_settings().secret_key,
            current_user.account,
            election.id,
            chosen,
            now,
            second_factor_done=current_user.auth_session.second_factor_at is not None,
        )
    except BallotRefused as refused:
        request_session().rollback()
        return _render_ballot(
            election,
            chosen,
            {refused.question or questions[0].id: str(refused.message)},
            mode,
            1,
            400,
        )
    send_cast_confirmation(
        current_settings(),
        current_mailer(),
        current_user.account,
        election,
        receipt.tracking_code,
        now,
    )
    return redirect(url_for(".receipt", slug=election.slug, code=receipt.tracking_code), code=303)


@bp.route("/<slug>/receipt/<code>")
@access(Access.MEMBER)
def receipt(slug: str, code: str) -> Reply:
    """The receipt: tracking code, QR code to the check page, and the signed receipt."""
    election = _election(slug)
    found = receipt_for(
        request_session(), current_settings().secret_key, current_user.account, election, code
    )
    check_url = current_settings().base_url + url_for("public.check", code=found.tracking_code)
    return render_template(
        "elections/receipt.html",
        election=election,
        receipt=found,
        qr=qr_svg(check_url),
        check_url=check_url,
    )


@bp.route("/<slug>/receipt/<code>.json")
@access(Access.MEMBER)
def receipt_download(slug: str, code: str) -> Response:
    """The signed receipt as a file to keep."""
    election = _election(slug)
    found = receipt_for(
        request_session(), current_settings().secret_key, current_user.account, election, code
    )
    return Response(
        found.document(),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="receipt-{election.slug}-{found.log_index}.json"'
        },
    )


@bp.route("/<slug>/mine")
@access(Access.MEMBER)
def mine(slug: str) -> Reply:
    """Every ballot under the member's pseudonym: a ballot they did not cast would show here."""
    election = _election(slug)
    if not _is_voter(election):
        abort(403)
    rows = my_ballots(
        request_session(), current_settings().secret_key, current_user.account, election
    )
    return render_template(
        "elections/mine.html",
        election=election,
        rows=rows,
        turnout=lifecycle.turnout(request_session(), election),
    )
