"""Routes of the candidate Q&A: reading, asking, upvoting, answering, reporting, the
moderators' queue and decisions, the officers' set-up and candidates, and live mode.

Each view parses its form, calls one service and renders or redirects. Access: every
route needs a signed-in member at least (`@access`), and the services decide per Q&A who
may read and act (the electorate, the candidates, moderators, officers: voting/qa/services.py).
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from voting.accounts.models import Account, Role
from voting.consensus.markup import render_markdown
from voting.db import request_session, utcnow
from voting.elections import preparation
from voting.elections.models import Election
from voting.errors import Conflict, FieldError, NotFound
from voting.extensions import limiter, signed_in_account_key
from voting.moderation.clauses import CLAUSE_TEXTS, clause_number
from voting.moderation.services import clause_label, kind_label
from voting.qa import candidates as candidacy
from voting.qa import listing, moderation, profiles, questions
from voting.qa.forms import (
    EVERYONE,
    AnswerForm,
    AppealForm,
    AskForm,
    ButtonForm,
    ProfileForm,
    ReportForm,
    SupportForm,
)
from voting.qa.models import QA, QAAnswer
from voting.qa.services import active_candidates, readable_qas, viewer
from voting.runtime import current_keyring, current_mailer, current_settings
from voting.security import Access, access

bp = Blueprint("qa", __name__, url_prefix="/qa")
Reply = str | WerkzeugResponse | tuple[str, int]
ASK_LIMIT = "10 per hour"
REPORT_LIMIT = "20 per hour"


def actor() -> Account:
    account: Account = current_user.account
    return account


def status_of(form: object) -> int:
    return 400 if getattr(form, "errors", None) else 200


def show_field_error(form: object, error: FieldError) -> None:
    request_session().rollback()
    form.add_service_error(error.field, error.message)  # type: ignore[attr-defined]  # a StembusForm


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {
        "qa_markdown": render_markdown,
        "clause_texts": CLAUSE_TEXTS,
        "clause_number": clause_number,
        "clause_label": clause_label,
        "action_label": kind_label,
    }


# ------------------------------------------------------------------ reading


@bp.route("")
@access(Access.MEMBER)
def index() -> Reply:
    """The Q&As the member may read; for officers, candidate elections without one."""
    db = request_session()
    account = actor()
    found = readable_qas(db, account)
    unset: list[Election] = []
    if account.role_set() & {Role.OFFICER, Role.ADMIN}:
        with_qa = set(db.scalars(select(QA.election_id)))
        unset = [
            e
            for e in db.scalars(select(Election).order_by(Election.opens_at.desc()))
            if e.id not in with_qa
            and candidacy.approval_questions(e)
            and preparation.may_manage(account, e)
        ]
    return render_template("qa/index.html", qas=found, unset=unset, now=utcnow())


@bp.route("/<int:election_id>")
@access(Access.MEMBER)
def page(election_id: int) -> Reply:
    """The published questions, sorted by votes or by time, optionally for one candidate."""
    db = request_session()
    seen = viewer(db, actor(), election_id)
    order = listing.Order.NEWEST if request.args.get("order") == "newest" else listing.Order.VOTES
    wanted = request.args.get("candidate", type=int)
    standing = active_candidates(db, election_id)
    chosen = next((c for c in standing if c.id == wanted), None)
    rows = listing.question_rows(
        db, seen, listing.published(db, seen.qa, chosen.id if chosen else None), order
    )
    return render_template(
        "qa/page.html",
        seen=seen,
        qa=seen.qa,
        candidates=standing,
        chosen=chosen,
        rows=rows,
        order=order.value,
        support_form=SupportForm(formdata=None),
        now=utcnow(),
    )


@bp.route("/questions/<int:question_id>")
@access(Access.MEMBER)
def question(question_id: int) -> Reply:
    """One question with every answer to it."""
    db = request_session()
    seen, found = listing.readable_question(db, actor(), question_id)
    (row,) = listing.question_rows(db, seen, [found]) if found.is_public else (None,)
    return render_template(
        "qa/question.html",
        seen=seen,
        qa=seen.qa,
        question=found,
        row=row,
        candidates=active_candidates(db, seen.qa.election_id),
        support_form=SupportForm(formdata=None),
        now=utcnow(),
    )


@bp.route("/<int:election_id>/compare")
@access(Access.MEMBER)
def compare(election_id: int) -> Reply:
    """The questions to all candidates with their answers side by side."""
    db = request_session()
    seen = viewer(db, actor(), election_id)
    standing, compared = listing.comparison(db, seen)
    return render_template(
        "qa/compare.html", seen=seen, qa=seen.qa, candidates=standing, compared=compared
    )


@bp.route("/candidates/<int:candidate_id>")
@access(Access.MEMBER)
def candidate(candidate_id: int) -> Reply:
    """A candidate's profile and their answers."""
    db = request_session()
    found = profiles.readable_candidate(db, actor(), candidate_id)
    seen = viewer(db, actor(), found.election_id)
    return render_template(
        "qa/candidate.html",
        seen=seen,
        qa=seen.qa,
        candidate=found,
        assignments=listing.assignments(db, seen, found),
    )


@bp.route("/candidates/<int:candidate_id>/photo")
@access(Access.MEMBER)
def photo(candidate_id: int) -> Response:
    """A candidate's photo, as we re-encoded it, from our own host."""
    found = profiles.readable_candidate(request_session(), actor(), candidate_id)
    if found.photo is None:
        raise NotFound
    return Response(
        found.photo.content,
        mimetype=found.photo.media_type,
        headers={
            "Content-Disposition": f'inline; filename="candidate-{found.id}.jpg"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# ------------------------------------------------------------------ asking


def _ask_form(election_id: int, form: AskForm | None = None) -> AskForm:
    form = form or AskForm()
    form.candidate.choices = [SelectChoice(EVERYONE, _("All candidates"))] + [
        SelectChoice(str(c.id), c.display_name)
        for c in active_candidates(request_session(), election_id)
    ]
    return form


@bp.route("/<int:election_id>/ask", methods=["GET", "POST"])
@access(Access.MEMBER)
@limiter.limit(ASK_LIMIT, methods=["POST"], key_func=signed_in_account_key)
def ask(election_id: int) -> Reply:
    """Put a question to one candidate or to all; it waits for a moderator."""
    db = request_session()
    seen = viewer(db, actor(), election_id)
    form = _ask_form(election_id)
    if request.method == "GET" and not form.candidate.data:
        form.candidate.data = request.args.get("candidate", EVERYONE)
    if form.validate_on_submit():
        target = form.candidate.data
        try:
            questions.ask(
                db,
                actor(),
                election_id,
                candidate_id=int(target) if target and target.isdigit() else None,
                text=form.text.data,
                anonymous=bool(form.anonymous.data),
                keyring=current_keyring(),
                now=utcnow(),
            )
        except FieldError as error:
            show_field_error(form, error)
        else:
            flash(_("Thank you. A moderator will look at your question soon."), "info")
            return redirect(url_for(".mine", election_id=election_id))
    return render_template(
        "qa/ask.html", seen=seen, qa=seen.qa, form=form, now=utcnow()
    ), status_of(form)


@bp.route("/<int:election_id>/mine")
@access(Access.MEMBER)
def mine(election_id: int) -> Reply:
    """The member's own questions, with moderators' decisions and appeals."""
    db = request_session()
    seen = viewer(db, actor(), election_id)
    return render_template(
        "qa/mine.html",
        seen=seen,
        qa=seen.qa,
        questions=listing.my_questions(db, seen),
        button=ButtonForm(formdata=None),
        now=utcnow(),
    )


@bp.route("/questions/<int:question_id>/withdraw", methods=["POST"])
@access(Access.MEMBER)
def withdraw_question(question_id: int) -> Reply:
    """Take back a question no moderator has decided on yet."""
    db = request_session()
    found = questions.own_question(db, actor(), question_id)
    if ButtonForm().validate_on_submit():
        try:
            questions.withdraw_question(db, actor(), question_id, current_keyring(), utcnow())
        except Conflict as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your question is withdrawn."), "info")
    return redirect(url_for(".mine", election_id=found.qa.election_id))


@bp.route("/questions/<int:question_id>/appeal", methods=["GET", "POST"])
@access(Access.MEMBER)
def appeal(question_id: int) -> Reply:
    """Appeal a rejection, once; another moderator decides."""
    db = request_session()
    found = questions.own_question(db, actor(), question_id)
    form = AppealForm()
    if form.validate_on_submit():
        try:
            moderation.appeal(db, actor(), question_id, form.text.data, current_keyring(), utcnow())
        except FieldError as error:
            show_field_error(form, error)
        else:
            flash(_("Your appeal is sent. Another moderator will decide on it."), "info")
            return redirect(url_for(".mine", election_id=found.qa.election_id))
    return render_template("qa/appeal.html", question=found, qa=found.qa, form=form), status_of(
        form
    )


@bp.route("/questions/<int:question_id>/support", methods=["POST"])
@access(Access.MEMBER)
def support(question_id: int) -> Reply:
    """Upvote a question, or withdraw the upvote."""
    db = request_session()
    _seen, found = questions.supportable(db, actor(), question_id)
    form = SupportForm()
    if form.validate_on_submit():
        try:
            questions.set_support(db, actor(), question_id, form.support.data == "1", utcnow())
        except Conflict as error:
            flash(str(error.message), "error")
    back = request.form.get("back", "")
    if back == "question":
        return redirect(url_for(".question", question_id=question_id))
    return redirect(url_for(".page", election_id=found.qa.election_id) + f"#question-{question_id}")


# ------------------------------------------------------------------ reporting


def _report(question_id: int, answer_id: int | None) -> Reply:
    db = request_session()
    found, reported = questions.reportable(db, actor(), question_id, answer_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            questions.report(db, actor(), question_id, answer_id, form.why.data, utcnow())
        except FieldError as error:
            show_field_error(form, error)
        except Conflict as error:
            flash(str(error.message), "info")
            return redirect(url_for(".question", question_id=question_id))
        else:
            flash(_("Thank you. A moderator will look at it."), "info")
            return redirect(url_for(".question", question_id=question_id))
    return render_template(
        "qa/report.html", question=found, answer=reported, qa=found.qa, form=form
    ), status_of(form)


@bp.route("/questions/<int:question_id>/report", methods=["GET", "POST"])
@access(Access.MEMBER)
@limiter.limit(REPORT_LIMIT, methods=["POST"], key_func=signed_in_account_key)
def report_question(question_id: int) -> Reply:
    """Report a question to the moderators."""
    return _report(question_id, None)


@bp.route("/answers/<int:answer_id>/report", methods=["GET", "POST"])
@access(Access.MEMBER)
@limiter.limit(REPORT_LIMIT, methods=["POST"], key_func=signed_in_account_key)
def report_answer(answer_id: int) -> Reply:
    """Report an answer to the moderators."""
    found = request_session().get(QAAnswer, answer_id)
    if found is None:
        raise NotFound
    return _report(found.question_id, answer_id)


# ------------------------------------------------------------------ candidates


@bp.route("/candidates/<int:candidate_id>/profile", methods=["GET", "POST"])
@access(Access.CANDIDATE)
def profile(candidate_id: int) -> Reply:
    """A candidate edits their own profile and photo."""
    db = request_session()
    found = profiles.own_candidacy(db, actor(), candidate_id)
    form = ProfileForm()
    if request.method == "GET":
        form.display_name.data, form.pronouns.data = found.display_name, found.pronouns
        form.motivation.data, form.experience.data = found.motivation, found.experience
        form.links.data = "\n".join(f"{link['label']} {link['url']}" for link in found.links)
    if form.validate_on_submit():
        upload = form.photo.data
        data = upload.read() if isinstance(upload, FileStorage) and upload.filename else None
        try:
            profiles.update_profile(
                db,
                actor(),
                candidate_id,
                profiles.Profile(
                    display_name=form.display_name.data,
                    pronouns=form.pronouns.data or "",
                    motivation=form.motivation.data or "",
                    experience=form.experience.data or "",
                    links=form.links.data or "",
                ),
                utcnow(),
                photo=data,
                remove_photo=bool(form.remove_photo.data),
            )
        except FieldError as error:
            show_field_error(form, error)
        else:
            flash(_("Your profile is saved."), "info")
            return redirect(url_for(".candidate", candidate_id=candidate_id))
    return render_template("qa/profile.html", candidate=found, form=form), status_of(form)


@bp.route("/<int:election_id>/to-answer")
@access(Access.CANDIDATE)
def to_answer(election_id: int) -> Reply:
    """The questions for this candidate: the shortlist first, unanswered before answered."""
    db = request_session()
    seen = viewer(db, actor(), election_id)
    if seen.candidate is None:
        raise NotFound
    return render_template(
        "qa/to_answer.html",
        seen=seen,
        qa=seen.qa,
        candidate=seen.candidate,
        assignments=listing.assignments(db, seen, seen.candidate),
        now=utcnow(),
    )


@bp.route("/questions/<int:question_id>/answer", methods=["GET", "POST"])
@access(Access.CANDIDATE)
def answer(question_id: int) -> Reply:
    """A candidate answers a question (or changes the answer while the Q&A is open)."""
    db = request_session()
    found, standing = questions.answerable(db, actor(), question_id)
    existing = next((a for a in found.answers if a.candidate_id == standing.id), None)
    form = AnswerForm()
    if request.method == "GET" and existing is not None:
        form.text.data = existing.text
    if form.validate_on_submit():
        try:
            questions.answer(
                db,
                actor(),
                question_id,
                form.text.data,
                current_keyring(),
                current_settings(),
                current_mailer(),
                utcnow(),
            )
        except FieldError as error:
            show_field_error(form, error)
        except Conflict as error:
            request_session().rollback()
            form.add_service_error("text", error.message)
        else:
            flash(_("Your answer is published."), "info")
            return redirect(
                url_for(".question", question_id=question_id) + f"#answer-{standing.id}"
            )
    return render_template(
        "qa/answer.html",
        question=found,
        qa=found.qa,
        candidate=standing,
        existing=existing,
        form=form,
        now=utcnow(),
    ), status_of(form)


# The officers', moderators' and live-mode routes live in their own modules on this blueprint.
from voting.qa import manage_views, moderation_views  # noqa: E402, F401
