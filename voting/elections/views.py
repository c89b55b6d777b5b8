"""Officer routes: meetings, preparing votes, the ceremony's progress, the lifecycle, and
cancelling a vote or copying one as a new draft."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from ballots import TieRule
from voting.db import request_session, utcnow
from voting.elections import cancellation, ceremony, copying, lifecycle, preparation
from voting.elections.forms import (
    CancelForm,
    CopyForm,
    ElectionForm,
    MeetingForm,
    QuestionForm,
    TrusteesForm,
)
from voting.elections.manifests import describe_rule, option_label, rule_of
from voting.elections.models import (
    DecryptionShareRecord,
    Election,
    ElectionQuestion,
    ElectionState,
    ElectorateKind,
    Meeting,
    QuestionKind,
)
from voting.elections.preparation import RuleChoice
from voting.errors import Conflict, FieldError, NotFound
from voting.members.models import Branch
from voting.members.services import officer_branch_ids
from voting.runtime import current_keyring, current_mailer, current_settings
from voting.security import Access, access

bp = Blueprint("elections", __name__)
bp.add_app_template_global(option_label, "option_label")
bp.add_app_template_filter(option_label, "option_label")
bp.add_app_template_filter(preparation.paragraphs_of, "paragraphs")
Reply = str | WerkzeugResponse | tuple[str, int]


def _meeting(meeting_id: int) -> Meeting:
    meeting = request_session().get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound
    return meeting


def _election(election_id: int) -> Election:
    """The vote, if this officer runs it (`preparation.may_manage`); else 404 or 403."""
    election = request_session().get(Election, election_id)
    if election is None:
        raise NotFound
    preparation.require_manager(current_user.account, election)
    return election


def _draft(election_id: int) -> Election:
    """The vote while it can still be changed, if this officer runs it."""
    return preparation.draft(request_session(), _election(election_id).id)


@bp.route("/meetings", methods=["GET", "POST"])
@access(Access.OFFICER)
def meetings() -> Reply:
    """All meetings; add one."""
    db = request_session()
    form = MeetingForm()
    status = 200
    if form.validate_on_submit():
        try:
            meeting = preparation.create_meeting(
                db,
                current_user.account,
                title=form.title.data,
                starts_local=form.starts_at.data,
                timezone=form.timezone.data,
                location=form.location.data or "",
                online=bool(form.online.data),
                now=utcnow(),
            )
        except FieldError as error:
            db.rollback()
            form.add_service_error(error.field, error.message)
            status = 400
        else:
            return redirect(url_for(".meeting", meeting_id=meeting.id))
    elif form.errors:
        status = 400
    rows = db.scalars(select(Meeting).order_by(Meeting.starts_at.desc())).all()
    return render_template("elections/meetings.html", form=form, meetings=rows), status


def _election_form() -> ElectionForm:
    """The new-vote form; an officer of branches is offered only their branches' members."""
    form = ElectionForm()
    branches = list(request_session().scalars(select(Branch).order_by(Branch.name)))
    allowed = officer_branch_ids(current_user.account)
    if allowed is not None:
        form.electorate.choices = [
            c for c in form.electorate.choices if c.value == ElectorateKind.BRANCH.value
        ]
        branches = [b for b in branches if b.id in allowed]
    form.branch.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(b.id), b.name) for b in branches
    ]
    return form


@bp.route("/meetings/<int:meeting_id>", methods=["GET", "POST"])
@access(Access.OFFICER)
def meeting(meeting_id: int) -> Reply:
    """A meeting and its votes; add a vote."""
    db = request_session()
    found = _meeting(meeting_id)
    form = _election_form()
    status = 200
    if form.validate_on_submit():
        try:
            election = preparation.create_election(
                db,
                current_user.account,
                found,
                title=form.title.data,
                opens_local=form.opens_at.data,
                closes_local=form.closes_at.data,
                electorate_kind=ElectorateKind(form.electorate.data),
                branch_id=int(form.branch.data) if form.branch.data else None,
                cutoff=form.cutoff.data,
                require_second_factor=bool(form.require_second_factor.data),
                now=utcnow(),
            )
        except FieldError as error:
            db.rollback()
            form.add_service_error(error.field, error.message)
            status = 400
        else:
            return redirect(url_for(".manage", election_id=election.id))
    elif form.errors:
        status = 400
    return render_template(
        "elections/meeting.html",
        meeting=found,
        form=form,
        manages=lambda e: preparation.may_manage(current_user.account, e),
    ), status


def _question_form(election: Election) -> QuestionForm:
    form = QuestionForm()
    motions = [q for q in election.questions if q.kind is QuestionKind.MOTION]
    form.amends.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(q.id), f"{q.position}. {q.title}") for q in motions
    ]
    return form


def _trustees_form(election: Election) -> TrusteesForm:
    form = TrusteesForm(
        threshold=election.threshold, trustees=[str(t.account_id) for t in election.trustees]
    )
    candidates = preparation.eligible_trustees(request_session())
    form.trustees.choices = [SelectChoice(str(a.id), a.member.name) for a in candidates]
    return form


def _manage_page(
    election: Election,
    question_form: QuestionForm | None = None,
    trustees_form: TrusteesForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> Reply:
    db = request_session()
    shares = db.scalars(
        select(DecryptionShareRecord.trustee_index).where(
            DecryptionShareRecord.election_id == election.id
        )
    ).all()
    return render_template(
        "elections/manage.html",
        election=election,
        question_form=question_form or _question_form(election),
        trustees_form=trustees_form or _trustees_form(election),
        cancel_form=cancel_form or CancelForm(formdata=None),
        cancellable=election.state in cancellation.CANCELLABLE,
        step=ceremony.step(db, election).value,
        digests=sorted((a.trustee, a.digest()) for a in ceremony.announcements(db, election))
        if election.state is ElectionState.CEREMONY
        else [],
        turnout=lifecycle.turnout(db, election) if election.has_log else 0,
        shares=sorted(shares),
        rules={q.id: describe_rule(rule_of(q)) for q in election.questions},
        now=utcnow(),
    ), status


@bp.route("/elections/<int:election_id>/manage")
@access(Access.OFFICER)
def manage(election_id: int) -> Reply:
    """Prepare a vote and follow it through its lifecycle."""
    return _manage_page(_election(election_id))


@bp.route("/elections/<int:election_id>/questions", methods=["POST"])
@access(Access.OFFICER)
def add_question(election_id: int) -> Reply:
    """Add a question to a draft."""
    db = request_session()
    election = _draft(election_id)
    form = _question_form(election)
    if not form.validate_on_submit():
        return _manage_page(election, question_form=form, status=400)
    amends = db.get(ElectionQuestion, int(form.amends.data)) if form.amends.data else None
    options = (form.options.data or "").splitlines()
    try:
        preparation.add_question(
            db,
            current_user.account,
            election,
            kind=QuestionKind(form.kind.data),
            title=form.title.data,
            text=form.text.data or "",
            rule=RuleChoice(
                form.rule.data,
                form.quorum_percent.data,
                bool(form.abstain_counts.data),
                bool(form.blank_counts.data),
                TieRule(form.tie.data),
            ),
            options=options,
            seats=form.seats.data,
            # Multiple choice only: a candidate election always allows choosing nobody.
            min_selections=form.min_selections.data
            if form.kind.data == QuestionKind.MULTIPLE_CHOICE.value
            else None,
            max_selections=form.max_selections.data,
            amends=amends,
            amends_paragraph=form.amends_paragraph.data,
            now=utcnow(),
        )
    except FieldError as error:
        db.rollback()
        form.add_service_error(error.field, error.message)
        return _manage_page(election, question_form=form, status=400)
    flash(_("The question is added."), "info")
    return redirect(url_for(".manage", election_id=election.id))


@bp.route("/elections/<int:election_id>/questions/<int:question_id>/remove", methods=["POST"])
@access(Access.OFFICER)
def remove_question(election_id: int, question_id: int) -> Reply:
    """Remove a question from a draft."""
    db = request_session()
    election = _draft(election_id)
    preparation.remove_question(db, current_user.account, election, question_id, utcnow())
    flash(_("The question is removed."), "info")
    return redirect(url_for(".manage", election_id=election.id))


@bp.route("/elections/<int:election_id>/trustees", methods=["POST"])
@access(Access.OFFICER)
def trustees(election_id: int) -> Reply:
    """Choose the trustees and the threshold."""
    db = request_session()
    election = _draft(election_id)
    form = _trustees_form(election)
    if not form.validate_on_submit():
        return _manage_page(election, trustees_form=form, status=400)
    try:
        preparation.set_trustees(
            db,
            current_user.account,
            election,
            [int(v) for v in form.trustees.data],
            form.threshold.data,
            utcnow(),
        )
    except FieldError as error:
        db.rollback()
        form.add_service_error(error.field, error.message)
        return _manage_page(election, trustees_form=form, status=400)
    flash(_("The trustees are saved."), "info")
    return redirect(url_for(".manage", election_id=election.id))


def _lifecycle(election_id: int, done: str, action: str) -> Reply:
    db = request_session()
    election = _election(election_id)
    now = utcnow()
    account = current_user.account
    try:
        if action == "ceremony":
            ceremony.start_ceremony(db, account, election, now)
        elif action == "resolve":
            ceremony.resolve_unanswered(db, account, election, now)
        elif action == "open":
            lifecycle.open_voting(
                db, current_keyring(), current_settings().secret_key, account, election, now
            )
        elif action == "close":
            lifecycle.close_voting(db, current_keyring(), account, election.id, now)
        elif action == "decrypt":
            lifecycle.decrypt(db, account, election.id, now)
        else:
            lifecycle.publish(db, current_keyring(), account, election.id, now)
    except Conflict as error:
        db.rollback()
        flash(str(error.message), "error")
    else:
        flash(done, "info")
    return redirect(url_for(".manage", election_id=election_id))


@bp.route("/elections/<int:election_id>/ceremony", methods=["POST"])
@access(Access.OFFICER)
def start_ceremony(election_id: int) -> Reply:
    """Fix the vote and start the key ceremony."""
    return _lifecycle(
        election_id,
        _("The key ceremony has started. The trustees can now run their tool."),
        "ceremony",
    )


@bp.route("/elections/<int:election_id>/ceremony/resolve", methods=["POST"])
@access(Access.OFFICER)
def resolve_complaints(election_id: int) -> Reply:
    """Close open complaints: a trustee who did not answer is disqualified."""
    return _lifecycle(election_id, _("The complaints are closed."), "resolve")


@bp.route("/elections/<int:election_id>/open", methods=["POST"])
@access(Access.OFFICER)
def open_voting(election_id: int) -> Reply:
    """Freeze the texts and the electorate, and open voting (from the opening time)."""
    return _lifecycle(
        election_id,
        _("Texts and voters are frozen. Members can vote from the opening time."),
        "open",
    )


@bp.route("/elections/<int:election_id>/close", methods=["POST"])
@access(Access.OFFICER)
def close_voting(election_id: int) -> Reply:
    """Close voting and compute the encrypted tally."""
    return _lifecycle(
        election_id,
        _("Voting is closed. The trustees can decrypt the result at the meeting."),
        "close",
    )


@bp.route("/elections/<int:election_id>/decrypt", methods=["POST"])
@access(Access.OFFICER)
def decrypt(election_id: int) -> Reply:
    """Combine the trustees' shares and count."""
    return _lifecycle(
        election_id, _("The votes are counted. Check the result, then publish it."), "decrypt"
    )


@bp.route("/elections/<int:election_id>/publish", methods=["POST"])
@access(Access.OFFICER)
def publish(election_id: int) -> Reply:
    """Publish the result."""
    return _lifecycle(election_id, _("The result is published."), "publish")


@bp.route("/elections/<int:election_id>/cancel", methods=["POST"])
@access(Access.OFFICER)
def cancel(election_id: int) -> Reply:
    """Cancel a vote that has not closed, with a reason; tell the members who voted."""
    db = request_session()
    election = _election(election_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _manage_page(election, cancel_form=form, status=400)
    try:
        voted = cancellation.cancel_election(
            db,
            current_keyring(),
            current_settings().secret_key,
            current_user.account,
            election.id,
            form.reason.data,
            utcnow(),
        )
    except FieldError as error:
        db.rollback()
        form.add_service_error(error.field, error.message)
        return _manage_page(election, cancel_form=form, status=400)
    except Conflict as error:
        db.rollback()
        flash(str(error.message), "error")
        return redirect(url_for(".manage", election_id=election.id))
    cancellation.send_cancellation_notices(current_settings(), current_mailer(), voted, election)
    flash(_("The vote is cancelled. None of its ballots will be counted."), "info")
    return redirect(url_for(".manage", election_id=election.id))


def _copy_form(source: Election) -> CopyForm:
    """The copy form, filled in with the source's name and its times that are still ahead."""
    zone = ZoneInfo(source.meeting.timezone)
    now = utcnow()

    def ahead(moment: dt.datetime) -> dt.datetime | None:
        return moment.astimezone(zone).replace(tzinfo=None) if moment > now else None

    return CopyForm(
        title=_("%(title)s (copy)", title=source.title),
        opens_at=ahead(source.opens_at),
        closes_at=ahead(source.closes_at),
        cutoff=source.electorate_cutoff,
    )


@bp.route("/elections/<int:election_id>/copy", methods=["GET", "POST"])
@access(Access.OFFICER)
def copy(election_id: int) -> Reply:
    """Copy a vote (in any state) as a new draft in the same meeting."""
    db = request_session()
    source = _election(election_id)
    form = CopyForm() if request.method == "POST" else _copy_form(source)
    status = 200
    if form.validate_on_submit():
        try:
            made = copying.copy_election(
                db,
                current_user.account,
                source,
                title=form.title.data,
                opens_local=form.opens_at.data,
                closes_local=form.closes_at.data,
                cutoff=form.cutoff.data,
                now=utcnow(),
            )
        except (FieldError, Conflict) as error:
            db.rollback()
            form.add_service_error(getattr(error, "field", ""), error.message)
            status = 400
        else:
            flash(
                _(
                    "This is a copy of “%(title)s”: a new draft. Check it, choose the trustees and start the key ceremony.",
                    title=source.title,
                ),
                "info",
            )
            return redirect(url_for(".manage", election_id=made.id))
    elif form.errors:
        status = 400
    return render_template(
        "elections/copy.html",
        election=source,
        form=form,
        rules={q.id: describe_rule(rule_of(q)) for q in source.questions},
    ), status


@bp.route("/elections/<int:election_id>/preview")
@access(Access.OFFICER)
def preview(election_id: int) -> Reply:
    """The counted result, before publication (officers only)."""
    from voting.elections.results import present

    election = _election(election_id)
    if election.state is not ElectionState.DECRYPTED:
        raise Conflict(_("There is no counted result to preview."))
    return render_template(
        "elections/result.html",
        election=election,
        questions=present(election),
        preview=True,
        qr=None,
        public_url=None,
    )
