"""Routes of the members area: list, detail, import, export, invitations, branch pages."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from voting.accounts.identity import auth_config
from voting.accounts.invitations import invite_members
from voting.accounts.models import Account
from voting.db import request_session, utcnow
from voting.errors import Forbidden
from voting.mail import MailError
from voting.members.forms import ImportApplyForm, ImportUploadForm, MemberSearchForm
from voting.members.models import Branch, Member, MemberStatus
from voting.members.services import (
    ImportRefused,
    apply_import,
    branch_for_member_view,
    export_members_csv,
    load_batch,
    member_for_officer,
    officer_branch_ids,
    plan_import,
    store_upload,
    visible_members,
)
from voting.runtime import current_mailer, current_settings
from voting.security import Access, access

bp = Blueprint("members", __name__)
PER_PAGE = 50

Reply = str | WerkzeugResponse | tuple[str, int]


def _require_national_scope(account: Account) -> None:
    # Importing is for the whole association: a branch officer's partial list would
    # deactivate every other branch.
    if officer_branch_ids(account) is not None:
        raise Forbidden(_("Only national election officers can import the member list."))


@bp.route("/members")
@access(Access.OFFICER)
def index() -> Reply:
    """Members this officer may see, with search and a branch filter."""
    db = request_session()
    account = current_user.account
    allowed = officer_branch_ids(account)
    branches = [
        b
        for b in db.scalars(select(Branch).order_by(Branch.name))
        if allowed is None or b.id in allowed
    ]
    form = MemberSearchForm(request.args)
    form.branch.choices = [SelectChoice("", _("All branches"))] + [
        SelectChoice(str(b.id), b.name) for b in branches
    ]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    branch_id = int(form.branch.data) if form.validate() and form.branch.data else None
    members, total = visible_members(
        db,
        account,
        query=(form.q.data or "").strip() if not form.errors else "",
        branch_id=branch_id,
        page=page,
        per_page=PER_PAGE,
    )
    accounts = {
        a.member_id: a
        for a in db.scalars(select(Account).where(Account.member_id.in_([m.id for m in members])))
    }
    return render_template(
        "members/index.html",
        form=form,
        members=members,
        accounts=accounts,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        national=allowed is None,
    )


@bp.route("/members/<int:member_id>")
@access(Access.OFFICER)
def detail(member_id: int) -> Reply:
    """One member and the state of their account."""
    db = request_session()
    member = member_for_officer(db, current_user.account, member_id)
    account = db.scalar(select(Account).where(Account.member_id == member.id))
    return render_template("members/detail.html", member=member, account=account)


@bp.route("/members/<int:member_id>/invite", methods=["POST"])
@access(Access.OFFICER)
def invite_one(member_id: int) -> Reply:
    """Send (or send again) an invitation to one member."""
    db = request_session()
    member = member_for_officer(db, current_user.account, member_id)
    return _invite([member], url_for(".detail", member_id=member.id))


@bp.route("/members/invite", methods=["POST"])
@access(Access.OFFICER)
def invite_all() -> Reply:
    """Invite every active member in scope who has not chosen a password yet."""
    db = request_session()
    account = current_user.account
    allowed = officer_branch_ids(account)
    statement = select(Member).where(Member.status == MemberStatus.ACTIVE)
    if allowed is not None:
        statement = statement.where(Member.branch_id.in_(allowed))
    return _invite(list(db.scalars(statement)), url_for(".index"))


def _invite(members: list[Member], back: str) -> Reply:
    try:
        result = invite_members(
            request_session(),
            auth_config(),
            current_settings(),
            current_mailer(),
            members,
            current_user.account,
            utcnow(),
        )
    except MailError:
        flash(_("The mail server did not accept the invitations. Try again later."), "error")
        return redirect(back)
    flash(
        _(
            "Invitations sent: %(invited)d. Already active: %(active)d. Not a current member: %(other)d.",
            invited=result.invited,
            active=result.already_active,
            other=result.not_eligible,
        ),
        "info",
    )
    return redirect(back)


@bp.route("/members/export.csv")
@access(Access.OFFICER)
def export() -> Response:
    """The visible members as CSV, safe to open in a spreadsheet."""
    body = export_members_csv(request_session(), current_user.account, utcnow())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="stembus-members.csv"'},
    )


@bp.route("/members/import", methods=["GET", "POST"])
@access(Access.OFFICER)
def import_upload() -> Reply:
    """Upload the CRM export; the next page shows a dry run."""
    _require_national_scope(current_user.account)
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        batch = store_upload(
            request_session(),
            current_user.account,
            upload.filename or "members.csv",
            upload.read(),
            utcnow(),
        )
        return redirect(url_for(".import_preview", batch_id=batch.id))
    return render_template("members/import_upload.html", form=form), 400 if form.errors else 200


@bp.route("/members/import/<int:batch_id>")
@access(Access.OFFICER)
def import_preview(batch_id: int) -> Reply:
    """The dry run: what applying would add, change and deactivate, and every problem."""
    _require_national_scope(current_user.account)
    db = request_session()
    batch = load_batch(db, batch_id)
    plan = plan_import(db, batch.content or b"", utcnow().date())
    form = ImportApplyForm(digest=plan.digest())
    return render_template("members/import_preview.html", batch=batch, plan=plan, form=form)


@bp.route("/members/import/<int:batch_id>/apply", methods=["POST"])
@access(Access.OFFICER)
def import_apply(batch_id: int) -> Reply:
    """Apply the previewed file."""
    _require_national_scope(current_user.account)
    db = request_session()
    batch = load_batch(db, batch_id)
    form = ImportApplyForm()
    if not form.validate_on_submit():
        return redirect(url_for(".import_preview", batch_id=batch.id))
    try:
        plan = apply_import(
            db,
            batch.content or b"",
            expected_digest=form.digest.data,
            confirm_mass_deactivation=bool(form.confirm.data),
            actor=current_user.account,
            now=utcnow(),
            batch=batch,
        )
    except ImportRefused as refused:
        db.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for(".import_preview", batch_id=batch.id))
    counts = plan.counts()
    flash(
        _(
            "The member list is updated: %(added)d added, %(changed)d changed, %(deactivated)d deactivated.",
            added=counts["added"],
            changed=counts["changed"],
            deactivated=counts["deactivated"],
        ),
        "info",
    )
    return redirect(url_for(".index"))


@bp.route("/branches/<code>")
@access(Access.MEMBER)
def branch(code: str) -> Reply:
    """A branch's page, for its own members and its officers."""
    db = request_session()
    found = branch_for_member_view(db, current_user.account, code)
    active = db.scalars(
        select(Member).where(Member.branch_id == found.id, Member.status == MemberStatus.ACTIVE)
    ).all()
    return render_template("members/branch.html", branch=found, active_count=len(active))
