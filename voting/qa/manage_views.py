"""Officers' routes of the Q&A (set-up, candidates, the ballot) and live mode at the meeting."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from voting.db import request_session, utcnow
from voting.elections.models import Election
from voting.errors import Conflict, FieldError, NotFound
from voting.qa import candidates as candidacy
from voting.qa import live
from voting.qa.forms import (
    AdmitForm,
    ButtonForm,
    SetupForm,
    ShowForm,
)
from voting.qa.models import QA
from voting.qa.services import qa_of, viewer
from voting.qa.views import Reply, actor, bp, show_field_error, status_of
from voting.runtime import current_keyring
from voting.security import Access, access

# ------------------------------------------------------------------ officers


@bp.route("/<int:election_id>/setup", methods=["GET", "POST"])
@access(Access.OFFICER)
def setup(election_id: int) -> Reply:
    """Set the Q&A's period and the limits per member."""
    db = request_session()
    election = candidacy.election_for_officer(db, actor(), election_id)
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
                actor(),
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
            show_field_error(form, error)
        else:
            flash(_("The Q&A is set up. Now admit the candidates."), "info")
            return redirect(url_for(".candidates", election_id=election_id))
    return render_template("qa/setup.html", election=election, qa=existing, form=form), status_of(
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
    election = candidacy.election_for_officer(db, actor(), election_id)
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
    ), status_of(form)


@bp.route("/<int:election_id>/candidates", methods=["GET", "POST"])
@access(Access.OFFICER)
def candidates(election_id: int) -> Reply:
    """The candidates of the election; admit one by member number."""
    db = request_session()
    election = candidacy.election_for_officer(db, actor(), election_id)
    if request.method == "GET":
        return _candidates_page(election_id)
    form = _admit_form(election)
    if form.validate_on_submit():
        try:
            admitted = candidacy.admit(
                db,
                actor(),
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
            show_field_error(form, error)
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
    candidacy.election_for_officer(db, actor(), found.election_id)
    if ButtonForm().validate_on_submit():
        try:
            candidacy.withdraw(db, actor(), candidate_id, current_keyring(), utcnow())
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
    candidacy.election_for_officer(db, actor(), election_id)
    if ButtonForm().validate_on_submit():
        try:
            done = candidacy.sync_ballot(db, actor(), election_id, utcnow())
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


# ------------------------------------------------------------------ live mode


@bp.route("/<int:election_id>/live")
@access(Access.MEMBER)
def projector(election_id: int) -> Reply:
    """For the beamer at the meeting: the current question and the top-voted open ones."""
    db = request_session()
    seen = viewer(db, actor(), election_id)
    return render_template("qa/live.html", qa=seen.qa, state=live.state(db, seen))


@bp.route("/<int:election_id>/live.json")
@access(Access.MEMBER)
def projector_state(election_id: int) -> Response:
    """What the projector's script polls (plain text only)."""
    db = request_session()
    seen = viewer(db, actor(), election_id)
    body = json.dumps(live.state(db, seen).to_json(_("All candidates")), ensure_ascii=False)
    # <, > and & as \u escapes: the text can never be read as markup, whatever sniffs it.
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        body = body.replace(char, escape)
    return Response(body, mimetype="application/json")


@bp.route("/<int:election_id>/live/control")
@access(Access.MEMBER)
def live_control(election_id: int) -> Reply:
    """For the moderator or officer at the meeting: choose the question on the projector."""
    db = request_session()
    seen = live.runner(db, actor(), election_id)
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
    live.runner(request_session(), actor(), election_id)
    form = ShowForm()
    if form.validate_on_submit() and (form.question_id.data or "").isdigit():
        try:
            live.show(request_session(), actor(), election_id, int(form.question_id.data), utcnow())
        except Conflict as error:
            flash(str(error.message), "error")
    return redirect(url_for(".live_control", election_id=election_id))


@bp.route("/<int:election_id>/live/finish", methods=["POST"])
@access(Access.MEMBER)
def live_finish(election_id: int) -> Reply:
    """Mark the question on the projector as discussed."""
    live.runner(request_session(), actor(), election_id)
    if ButtonForm().validate_on_submit():
        live.finish(request_session(), actor(), election_id, utcnow())
    return redirect(url_for(".live_control", election_id=election_id))
