"""Moderators' routes of the Q&A: the queue, decisions on questions, appeals and reports,
the shortlist, and the moderation log (also for officers: the candidate committee)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from voting.db import request_session, utcnow
from voting.errors import Conflict, FieldError, NotFound
from voting.qa import moderation, questions, record
from voting.qa.forms import (
    AppealDecisionForm,
    ButtonForm,
    ClauseForm,
    KeepForm,
)
from voting.qa.models import Appeal, QAReport
from voting.qa.views import Reply, actor, bp, show_field_error, status_of
from voting.runtime import current_keyring, current_mailer, current_settings
from voting.security import Access, access

# ------------------------------------------------------------------ moderation


@bp.route("/<int:election_id>/moderate")
@access(Access.MODERATOR)
def moderate(election_id: int) -> Reply:
    """What waits for the moderators: questions, appeals, reports; and the shortlist."""
    db = request_session()
    seen = moderation.moderator_view(db, actor(), election_id)
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
    moderation.moderator_view(db, actor(), found.qa.election_id)
    if ButtonForm().validate_on_submit():
        try:
            moderation.approve(
                db,
                actor(),
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
    moderation.moderator_view(db, actor(), found.qa.election_id)
    form = ClauseForm()
    if form.validate_on_submit():
        try:
            moderation.reject(
                db,
                actor(),
                question_id,
                form.clause.data,
                form.reason.data,
                current_keyring(),
                current_settings(),
                current_mailer(),
                utcnow(),
            )
        except FieldError as error:
            show_field_error(form, error)
        except Conflict as error:
            flash(str(error.message), "error")
            return redirect(url_for(".moderate", election_id=found.qa.election_id))
        else:
            flash(_("The question is rejected. The asker is told why."), "info")
            return redirect(url_for(".moderate", election_id=found.qa.election_id))
    return render_template("qa/reject.html", question=found, qa=found.qa, form=form), status_of(
        form
    )


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@access(Access.MODERATOR)
def decide_appeal(appeal_id: int) -> Reply:
    """Another moderator decides on an appeal."""
    db = request_session()
    found = db.get(Appeal, appeal_id)
    if found is None:
        raise NotFound
    election_id = found.question.qa.election_id
    moderation.moderator_view(db, actor(), election_id)
    form = AppealDecisionForm()
    if form.validate_on_submit():
        try:
            moderation.decide_appeal(
                db,
                actor(),
                appeal_id,
                form.decision.data == "grant",
                form.reason.data,
                current_keyring(),
                current_settings(),
                current_mailer(),
                utcnow(),
            )
        except FieldError as error:
            show_field_error(form, error)
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
    ), status_of(form)


@bp.route("/questions/<int:question_id>/shortlist", methods=["POST"])
@access(Access.MODERATOR)
def shortlist(question_id: int) -> Reply:
    """Put a question to all candidates on the shortlist, or take it off."""
    db = request_session()
    found = questions.question_in(db, question_id)
    moderation.moderator_view(db, actor(), found.qa.election_id)
    if ButtonForm().validate_on_submit():
        try:
            moderation.set_shortlist(
                db,
                actor(),
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
    moderation.moderator_view(db, actor(), found.question.qa.election_id)
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
                actor(),
                report_id,
                form.clause.data,
                form.reason.data,
                current_keyring(),
                current_settings(),
                current_mailer(),
                utcnow(),
            )
        except FieldError as error:
            show_field_error(form, error)
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
                actor(),
                report_id,
                form.reason.data or "",
                current_keyring(),
                utcnow(),
            )
        except FieldError as error:
            show_field_error(form, error)
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
    seen = record.log_reader(db, actor(), election_id)
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
    seen = record.log_reader(db, actor(), election_id)
    return Response(
        record.moderation_csv(db, seen).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="qa-{election_id}-moderation.csv"'},
    )
