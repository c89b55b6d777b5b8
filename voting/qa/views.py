"""Routes of the candidate Q&A: reading, asking, upvoting, answering, reporting, the
moderators' queue and decisions, the officers' set-up and candidates, and live mode.

Each view parses its form, calls one service and renders or redirects. Access: every
route needs a signed-in member at least (`@access`), and the services decide per Q&A who
may read and act (the electorate, the candidates, moderators, officers: voting/qa/services.py).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from voting.accounts.models import Account, Role
from voting.consensus.markup import render_markdown
from voting.db import request_session, utcnow
from voting.elections.models import Election
from voting.errors import Conflict, FieldError, NotFound
from voting.extensions import limiter, signed_in_account_key
from voting.moderation.clauses import CLAUSE_TEXTS, clause_number
from voting.moderation.services import clause_label, kind_label
from voting.qa import candidates as candidacy
from voting.qa import live, moderation, questions, record
from voting.qa.forms import (
    EVERYONE,
    AdmitForm,
    AnswerForm,
    AppealDecisionForm,
    AppealForm,
    AskForm,
    ButtonForm,
    ClauseForm,
    KeepForm,
    ProfileForm,
    ReportForm,
    SetupForm,
    ShowForm,
    SupportForm,
)
from voting.qa.models import QA, Appeal, QAAnswer, QAReport
from voting.qa.services import active_candidates, qa_of, readable_qas, viewer
from voting.runtime import current_keyring, current_mailer, current_settings
from voting.security import Access, access

bp = Blueprint("qa", __name__, url_prefix="/qa")
Reply = str | WerkzeugResponse | tuple[str, int]
ASK_LIMIT = "10 per hour"
REPORT_LIMIT = "20 per hour"


def _actor() -> Account:
    account: Account = current_user.account
    return account


def _status(form: object) -> int:
    return 400 if getattr(form, "errors", None) else 200


def _fail(form: object, error: FieldError) -> None:
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
    account = _actor()
    found = readable_qas(db, account)
    unset: list[Election] = []
    if account.role_set() & {Role.OFFICER, Role.ADMIN}:
        with_qa = set(db.scalars(select(QA.election_id)))
        unset = [
            e
            for e in db.scalars(select(Election).order_by(Election.opens_at.desc()))
            if e.id not in with_qa and candidacy.approval_questions(e)
        ]
    return render_template("qa/index.html", qas=found, unset=unset, now=utcnow())


@bp.route("/<int:election_id>")
@access(Access.MEMBER)
def page(election_id: int) -> Reply:
    """The published questions, sorted by votes or by time, optionally for one candidate."""
    db = request_session()
    seen = viewer(db, _actor(), election_id)
    order = (
        questions.Order.NEWEST if request.args.get("order") == "newest" else questions.Order.VOTES
    )
    wanted = request.args.get("candidate", type=int)
    standing = active_candidates(db, election_id)
    chosen = next((c for c in standing if c.id == wanted), None)
    rows = questions.question_rows(
        db, seen, questions.published(db, seen.qa, chosen.id if chosen else None), order
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
    seen, found = questions.readable_question(db, _actor(), question_id)
    (row,) = questions.question_rows(db, seen, [found]) if found.is_public else (None,)
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
    seen = viewer(db, _actor(), election_id)
    standing, compared = questions.comparison(db, seen)
    return render_template(
        "qa/compare.html", seen=seen, qa=seen.qa, candidates=standing, compared=compared
    )


@bp.route("/candidates/<int:candidate_id>")
@access(Access.MEMBER)
def candidate(candidate_id: int) -> Reply:
    """A candidate's profile and their answers."""
    db = request_session()
    found = candidacy.readable_candidate(db, _actor(), candidate_id)
    seen = viewer(db, _actor(), found.election_id)
    return render_template(
        "qa/candidate.html",
        seen=seen,
        qa=seen.qa,
        candidate=found,
        assignments=questions.assignments(db, seen, found),
    )


@bp.route("/candidates/<int:candidate_id>/photo")
@access(Access.MEMBER)
def photo(candidate_id: int) -> Response:
    """A candidate's photo, as we re-encoded it, from our own host."""
    found = candidacy.readable_candidate(request_session(), _actor(), candidate_id)
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
    seen = viewer(db, _actor(), election_id)
    form = _ask_form(election_id)
    if request.method == "GET" and not form.candidate.data:
        form.candidate.data = request.args.get("candidate", EVERYONE)
    if form.validate_on_submit():
        target = form.candidate.data
        try:
            questions.ask(
                db,
                _actor(),
                election_id,
                candidate_id=int(target) if target and target.isdigit() else None,
                text=form.text.data,
                anonymous=bool(form.anonymous.data),
                keyring=current_keyring(),
                now=utcnow(),
            )
        except FieldError as error:
            _fail(form, error)
        else:
            flash(_("Thank you. A moderator will look at your question soon."), "info")
            return redirect(url_for(".mine", election_id=election_id))
    return render_template("qa/ask.html", seen=seen, qa=seen.qa, form=form, now=utcnow()), _status(
        form
    )


@bp.route("/<int:election_id>/mine")
@access(Access.MEMBER)
def mine(election_id: int) -> Reply:
    """The member's own questions, with moderators' decisions and appeals."""
    db = request_session()
    seen = viewer(db, _actor(), election_id)
    return render_template(
        "qa/mine.html",
        seen=seen,
        qa=seen.qa,
        questions=questions.my_questions(db, seen),
        button=ButtonForm(formdata=None),
        now=utcnow(),
    )


@bp.route("/questions/<int:question_id>/withdraw", methods=["POST"])
@access(Access.MEMBER)
def withdraw_question(question_id: int) -> Reply:
    """Take back a question no moderator has decided on yet."""
    db = request_session()
    found = questions.own_question(db, _actor(), question_id)
    if ButtonForm().validate_on_submit():
        try:
            questions.withdraw_question(db, _actor(), question_id, current_keyring(), utcnow())
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
    found = questions.own_question(db, _actor(), question_id)
    form = AppealForm()
    if form.validate_on_submit():
        try:
            moderation.appeal(
                db, _actor(), question_id, form.text.data, current_keyring(), utcnow()
            )
        except FieldError as error:
            _fail(form, error)
        else:
            flash(_("Your appeal is sent. Another moderator will decide on it."), "info")
            return redirect(url_for(".mine", election_id=found.qa.election_id))
    return render_template("qa/appeal.html", question=found, qa=found.qa, form=form), _status(form)


@bp.route("/questions/<int:question_id>/support", methods=["POST"])
@access(Access.MEMBER)
def support(question_id: int) -> Reply:
    """Upvote a question, or withdraw the upvote."""
    db = request_session()
    _seen, found = questions.supportable(db, _actor(), question_id)
    form = SupportForm()
    if form.validate_on_submit():
        try:
            questions.set_support(db, _actor(), question_id, form.support.data == "1", utcnow())
        except Conflict as error:
            flash(str(error.message), "error")
    back = request.form.get("back", "")
    if back == "question":
        return redirect(url_for(".question", question_id=question_id))
    return redirect(url_for(".page", election_id=found.qa.election_id) + f"#question-{question_id}")


# ------------------------------------------------------------------ reporting


def _report(question_id: int, answer_id: int | None) -> Reply:
    db = request_session()
    found, reported = questions.reportable(db, _actor(), question_id, answer_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            questions.report(db, _actor(), question_id, answer_id, form.why.data, utcnow())
        except FieldError as error:
            _fail(form, error)
        except Conflict as error:
            flash(str(error.message), "info")
            return redirect(url_for(".question", question_id=question_id))
        else:
            flash(_("Thank you. A moderator will look at it."), "info")
            return redirect(url_for(".question", question_id=question_id))
    return render_template(
        "qa/report.html", question=found, answer=reported, qa=found.qa, form=form
    ), _status(form)


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
    found = candidacy.own_candidacy(db, _actor(), candidate_id)
    form = ProfileForm()
    if request.method == "GET":
        form.display_name.data, form.pronouns.data = found.display_name, found.pronouns
        form.motivation.data, form.experience.data = found.motivation, found.experience
        form.links.data = "\n".join(f"{link['label']} {link['url']}" for link in found.links)
    if form.validate_on_submit():
        upload = form.photo.data
        data = upload.read() if isinstance(upload, FileStorage) and upload.filename else None
        try:
            candidacy.update_profile(
                db,
                _actor(),
                candidate_id,
                candidacy.Profile(
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
            _fail(form, error)
        else:
            flash(_("Your profile is saved."), "info")
            return redirect(url_for(".candidate", candidate_id=candidate_id))
    return render_template("qa/profile.html", candidate=found, form=form), _status(form)


@bp.route("/<int:election_id>/to-answer")
@access(Access.CANDIDATE)
def to_answer(election_id: int) -> Reply:
    """The questions for this candidate: the shortlist first, unanswered before answered."""
    db = request_session()
    seen = viewer(db, _actor(), election_id)
    if seen.candidate is None:
        raise NotFound
    return render_template(
        "qa/to_answer.html",
        seen=seen,
        qa=seen.qa,
        candidate=seen.candidate,
        assignments=questions.assignments(db, seen, seen.candidate),
        now=utcnow(),
    )


@bp.route("/questions/<int:question_id>/answer", methods=["GET", "POST"])
@access(Access.CANDIDATE)
def answer(question_id: int) -> Reply:
    """A candidate answers a question (or changes the answer while the Q&A is open)."""
    db = request_session()
    found, standing = questions.answerable(db, _actor(), question_id)
    existing = next((a for a in found.answers if a.candidate_id == standing.id), None)
    form = AnswerForm()
    if request.method == "GET" and existing is not None:
        form.text.data = existing.text
    if form.validate_on_submit():
        try:
            questions.answer(
                db,
                _actor(),
                question_id,
                form.text.data,
                current_keyring(),
                current_settings(),
                current_mailer(),
                utcnow(),
            )
        except FieldError as error:
            _fail(form, error)
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
    ), _status(form)


# ------------------------------------------------------------------ officers


@bp.route("/<int:election_id>/setup", methods=["GET", "POST"])
@access(Access.OFFICER)
def setup(election_id: int) -> Reply:
    """Set the Q&A's period and the limits per member."""
    db = request_session()
    election = candidacy.election_for_officer(db, _actor(), election_id)
    existing = db.scalar(select(QA).where(QA.election_id == election.id))
    form = SetupForm()
    if request.method == "GET" and existing is not None:
        zone = ZoneInfo(election.meeting.timezone)
        form.opens_at.data = existing.opens_at.astimezone(zone).replace(tzinfo=None)
        form.closes_at.data = existing.closes_at.astimezone(zone).replace(tzinfo=None)
        form.continues_into_meeting.data = existing.continues_into_meeting
        form.max_pending.data, form.max_questions.data = (
            existing.max_pending,
            existing.max_questions,
        )
    if form.validate_on_submit():
        try:
            candidacy.set_up(
                db,
                _actor(),
                election_id,
                candidacy.Period(
                    opens_local=form.opens_at.data,
                    closes_local=form.closes_at.data,
                    continues_into_meeting=bool(form.continues_into_meeting.data),
                    max_pending=form.max_pending.data,
                    max_questions=form.max_questions.data,
                ),
                current_keyring(),
                utcnow(),
            )
        except FieldError as error:
            _fail(form, error)
        else:
            flash(_("The Q&A is set up. Now admit the candidates."), "info")
            return redirect(url_for(".candidates", election_id=election_id))
    return render_template("qa/setup.html", election=election, qa=existing, form=form), _status(
        form
    )


def _admit_form(election: Election, form: AdmitForm | None = None) -> AdmitForm:
    form = form or AdmitForm()
    form.question.choices = [
        SelectChoice(str(q.id), f"{q.position}. {q.title}")
        for q in candidacy.approval_questions(election)
    ]
    return form


def _candidates_page(election_id: int, form: AdmitForm | None = None) -> Reply:
    db = request_session()
    election = candidacy.election_for_officer(db, _actor(), election_id)
    qa = qa_of(db, election_id)
    everyone = db.scalars(
        select(candidacy.Candidate).where(candidacy.Candidate.election_id == election_id)
    ).all()
    return render_template(
        "qa/candidates.html",
        election=election,
        qa=qa,
        candidates=sorted(everyone, key=lambda c: (not c.is_active, c.display_name.casefold())),
        form=_admit_form(election, form),
        button=ButtonForm(formdata=None),
    ), _status(form)


@bp.route("/<int:election_id>/candidates", methods=["GET", "POST"])
@access(Access.OFFICER)
def candidates(election_id: int) -> Reply:
    """The candidates of the election; admit one by member number."""
    db = request_session()
    election = candidacy.election_for_officer(db, _actor(), election_id)
    if request.method == "GET":
        return _candidates_page(election_id)
    form = _admit_form(election)
    if form.validate_on_submit():
        try:
            admitted = candidacy.admit(
                db,
                _actor(),
                election_id,
                member_number=form.member_number.data,
                display_name=form.display_name.data or "",
                question_id=int(form.question.data)
                if (form.question.data or "").isdigit()
                else None,
                keyring=current_keyring(),
                now=utcnow(),
            )
        except FieldError as error:
            _fail(form, error)
        else:
            flash(_("%(name)s is admitted as a candidate.", name=admitted.display_name), "info")
            return redirect(url_for(".candidates", election_id=election_id))
    return _candidates_page(election_id, form)


@bp.route("/candidates/<int:candidate_id>/withdraw", methods=["POST"])
@access(Access.OFFICER)
def withdraw_candidate(candidate_id: int) -> Reply:
    """Withdraw a candidate from the election."""
    db = request_session()
    found = db.get(candidacy.Candidate, candidate_id)
    if found is None:
        raise NotFound
    candidacy.election_for_officer(db, _actor(), found.election_id)
    if ButtonForm().validate_on_submit():
        try:
            candidacy.withdraw(db, _actor(), candidate_id, current_keyring(), utcnow())
        except Conflict as error:
            flash(str(error.message), "error")
        else:
            flash(_("The candidate is withdrawn."), "info")
    return redirect(url_for(".candidates", election_id=found.election_id))


@bp.route("/<int:election_id>/ballot", methods=["POST"])
@access(Access.OFFICER)
def ballot(election_id: int) -> Reply:
    """Put the admitted candidates on the ballot (drafts) or link them to their options."""
    db = request_session()
    candidacy.election_for_officer(db, _actor(), election_id)
    if ButtonForm().validate_on_submit():
        try:
            done = candidacy.sync_ballot(db, _actor(), election_id, utcnow())
        except (FieldError, Conflict) as error:
            db.rollback()
            flash(str(error.message), "error")
        else:
            if done.unmatched:
                flash(
                    _(
                        "Not on the ballot under this name: %(names)s.",
                        names=", ".join(done.unmatched),
                    ),
                    "warning",
                )
            flash(_("%(count)d candidates are linked to the ballot.", count=done.linked), "info")
    return redirect(url_for(".candidates", election_id=election_id))


# ------------------------------------------------------------------ moderation


@bp.route("/<int:election_id>/moderate")
@access(Access.MODERATOR)
def moderate(election_id: int) -> Reply:
    """What waits for the moderators: questions, appeals, reports; and the shortlist."""
    db = request_session()
    seen = moderation.moderator_view(db, _actor(), election_id)
    return render_template(
        "qa/moderate.html",
        seen=seen,
        qa=seen.qa,
        queue=moderation.queue(db, seen),
        button=ButtonForm(formdata=None),
    )


@bp.route("/questions/<int:question_id>/approve", methods=["POST"])
@access(Access.MODERATOR)
def approve(question_id: int) -> Reply:
    """Publish a waiting question."""
    db = request_session()
    found = questions.question_in(db, question_id)
    moderation.moderator_view(db, _actor(), found.qa.election_id)
    if ButtonForm().validate_on_submit():
        try:
            moderation.approve(
                db,
                _actor(),
                question_id,
                current_keyring(),
                current_settings(),
                current_mailer(),
                utcnow(),
            )
        except Conflict as error:
            flash(str(error.message), "error")
        else:
            flash(_("The question is published. The candidates are told."), "info")
    return redirect(url_for(".moderate", election_id=found.qa.election_id))


@bp.route("/questions/<int:question_id>/reject", methods=["GET", "POST"])
@access(Access.MODERATOR)
def reject(question_id: int) -> Reply:
    """Reject a waiting question, citing a clause and saying why."""
    db = request_session()
    found = questions.question_in(db, question_id)
    moderation.moderator_view(db, _actor(), found.qa.election_id)
    form = ClauseForm()
    if form.validate_on_submit():
        try:
            moderation.reject(
                db,
                _actor(),
                question_id,
                form.clause.data,
                form.reason.data,
                current_keyring(),
                current_settings(),
                current_mailer(),
                utcnow(),
            )
        except FieldError as error:
            _fail(form, error)
        except Conflict as error:
            flash(str(error.message), "error")
            return redirect(url_for(".moderate", election_id=found.qa.election_id))
        else:
            flash(_("The question is rejected. The asker is told why."), "info")
            return redirect(url_for(".moderate", election_id=found.qa.election_id))
    return render_template("qa/reject.html", question=found, qa=found.qa, form=form), _status(form)


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@access(Access.MODERATOR)
def decide_appeal(appeal_id: int) -> Reply:
    """Another moderator decides on an appeal."""
    db = request_session()
    found = db.get(Appeal, appeal_id)
    if found is None:
        raise NotFound
    election_id = found.question.qa.election_id
    moderation.moderator_view(db, _actor(), election_id)
    form = AppealDecisionForm()
    if form.validate_on_submit():
        try:
            moderation.decide_appeal(
                db,
                _actor(),
                appeal_id,
                form.decision.data == "grant",
                form.reason.data,
                current_keyring(),
                current_settings(),
                current_mailer(),
                utcnow(),
            )
        except FieldError as error:
            _fail(form, error)
        except Conflict as error:
            flash(str(error.message), "error")
            return redirect(url_for(".moderate", election_id=election_id))
        else:
            flash(_("The appeal is decided. The asker is told."), "info")
            return redirect(url_for(".moderate", election_id=election_id))
    return render_template(
        "qa/decide_appeal.html",
        appeal=found,
        question=found.question,
        qa=found.question.qa,
        form=form,
    ), _status(form)


@bp.route("/questions/<int:question_id>/shortlist", methods=["POST"])
@access(Access.MODERATOR)
def shortlist(question_id: int) -> Reply:
    """Put a question to all candidates on the shortlist, or take it off."""
    db = request_session()
    found = questions.question_in(db, question_id)
    moderation.moderator_view(db, _actor(), found.qa.election_id)
    if ButtonForm().validate_on_submit():
        try:
            moderation.set_shortlist(
                db,
                _actor(),
                question_id,
                request.form.get("on") == "1",
                current_keyring(),
                utcnow(),
            )
        except Conflict as error:
            flash(str(error.message), "error")
        else:
            flash(_("The shortlist is saved."), "info")
    return redirect(url_for(".moderate", election_id=found.qa.election_id) + "#shortlist")


def _report_page(found: QAReport, hide_form: ClauseForm, keep_form: KeepForm) -> Reply:
    db = request_session()
    reports = db.scalars(
        select(QAReport)
        .where(
            QAReport.question_id == found.question_id,
            QAReport.answer_id == found.answer_id
            if found.answer_id is not None
            else QAReport.answer_id.is_(None),
            QAReport.resolved_at.is_(None),
        )
        .order_by(QAReport.created_at)
    ).all()
    failed = hide_form.errors or keep_form.errors
    return render_template(
        "qa/decide_report.html",
        report=found,
        reports=reports,
        question=found.question,
        answer=found.answer,
        qa=found.question.qa,
        form=hide_form,
        keep_form=keep_form,
    ), (400 if failed else 200)


def _open_report(report_id: int) -> QAReport:
    db = request_session()
    found = db.get(QAReport, report_id)
    if found is None:
        raise NotFound
    moderation.moderator_view(db, _actor(), found.question.qa.election_id)
    return found


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
@access(Access.MODERATOR)
def hide(report_id: int) -> Reply:
    """A reported item: hide it citing a clause and saying why (its author is told)."""
    found = _open_report(report_id)
    election_id = found.question.qa.election_id
    form = ClauseForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            moderation.hide(
                request_session(),
                _actor(),
                report_id,
                form.clause.data,
                form.reason.data,
                current_keyring(),
                current_settings(),
                current_mailer(),
                utcnow(),
            )
        except FieldError as error:
            _fail(form, error)
        except Conflict as error:
            flash(str(error.message), "error")
            return redirect(url_for(".moderate", election_id=election_id))
        else:
            flash(_("It is hidden. Its author is told why."), "info")
            return redirect(url_for(".moderate", election_id=election_id))
    return _report_page(found, form, KeepForm(formdata=None, prefix="keep"))


@bp.route("/reports/<int:report_id>/keep", methods=["POST"])
@access(Access.MODERATOR)
def keep(report_id: int) -> Reply:
    """Dismiss the reports on an item: it stays."""
    found = _open_report(report_id)
    election_id = found.question.qa.election_id
    form = KeepForm(prefix="keep")
    if form.validate_on_submit():
        try:
            moderation.keep(
                request_session(),
                _actor(),
                report_id,
                form.reason.data or "",
                current_keyring(),
                utcnow(),
            )
        except FieldError as error:
            _fail(form, error)
        except Conflict as error:
            flash(str(error.message), "error")
            return redirect(url_for(".moderate", election_id=election_id))
        else:
            flash(_("The reports are dismissed; it stays."), "info")
            return redirect(url_for(".moderate", election_id=election_id))
    return _report_page(found, ClauseForm(formdata=None), form)


@bp.route("/<int:election_id>/moderation-log")
@access(Access.MEMBER)
def moderation_log(election_id: int) -> Reply:
    """Every moderation decision: who, when, which clause, why (moderators, officers)."""
    db = request_session()
    seen = record.log_reader(db, _actor(), election_id)
    return render_template(
        "qa/moderation_log.html",
        seen=seen,
        qa=seen.qa,
        actions=record.moderation_log(db, seen),
        describe=lambda subject: record.describe(db, subject),
    )


@bp.route("/<int:election_id>/moderation-log.csv")
@access(Access.MEMBER)
def moderation_log_csv(election_id: int) -> Response:
    """The moderation log for the candidate committee, safe to open in a spreadsheet."""
    db = request_session()
    seen = record.log_reader(db, _actor(), election_id)
    return Response(
        record.moderation_csv(db, seen).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="qa-{election_id}-moderation.csv"'},
    )


# ------------------------------------------------------------------ live mode


@bp.route("/<int:election_id>/live")
@access(Access.MEMBER)
def projector(election_id: int) -> Reply:
    """For the beamer at the meeting: the current question and the top-voted open ones."""
    db = request_session()
    seen = viewer(db, _actor(), election_id)
    return render_template("qa/live.html", qa=seen.qa, state=live.state(db, seen))


@bp.route("/<int:election_id>/live.json")
@access(Access.MEMBER)
def projector_state(election_id: int) -> Response:
    """What the projector's script polls (plain text only)."""
    db = request_session()
    seen = viewer(db, _actor(), election_id)
    return jsonify(live.state(db, seen).to_json(_("All candidates")))


@bp.route("/<int:election_id>/live/control")
@access(Access.MEMBER)
def live_control(election_id: int) -> Reply:
    """For the moderator or officer at the meeting: choose the question on the projector."""
    db = request_session()
    seen = live.runner(db, _actor(), election_id)
    return render_template(
        "qa/live_control.html",
        seen=seen,
        qa=seen.qa,
        state=live.state(db, seen),
        form=ShowForm(formdata=None),
        button=ButtonForm(formdata=None),
    )


@bp.route("/<int:election_id>/live/show", methods=["POST"])
@access(Access.MEMBER)
def live_show(election_id: int) -> Reply:
    """Put a question on the projector."""
    live.runner(request_session(), _actor(), election_id)
    form = ShowForm()
    if form.validate_on_submit() and (form.question_id.data or "").isdigit():
        try:
            live.show(
                request_session(), _actor(), election_id, int(form.question_id.data), utcnow()
            )
        except Conflict as error:
            flash(str(error.message), "error")
    return redirect(url_for(".live_control", election_id=election_id))


@bp.route("/<int:election_id>/live/finish", methods=["POST"])
@access(Access.MEMBER)
def live_finish(election_id: int) -> Reply:
    """Mark the question on the projector as discussed."""
    live.runner(request_session(), _actor(), election_id)
    if ButtonForm().validate_on_submit():
        live.finish(request_session(), _actor(), election_id, utcnow())
    return redirect(url_for(".live_control", election_id=election_id))
